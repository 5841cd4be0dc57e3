"""What is observed and given at the chair: scores, side effects, rescue medicines, notes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.infusions.models import EntryKind, InfusionSession, SessionEntry
from ketaclinic.infusions.services.charting import append_light, refuse
from ketaclinic.infusions.services.state import WriteState
from ketaclinic.questionnaires.models import EncounterType, EnteredVia
from ketaclinic.questionnaires.services import record_answers

__all__ = [
    "INTERVENTIONS",
    "SCORES",
    "SEVERITIES",
    "SIDE_EFFECTS",
    "record_note",
    "record_rescue",
    "record_score",
    "record_side_effect",
]


#: The side effects the clinics describe (euphoria, dream-like experiences,
#: anxiety, nausea, headache, sweating) and others seen with ketamine infusions.
SIDE_EFFECTS = {
    "euphoria": "Euphoria",
    "dream_like": "Dream-like experience",
    "anxiety": "Anxiety",
    "nausea": "Nausea",
    "vomiting": "Vomiting",
    "headache": "Headache",
    "sweating": "Sweating",
    "dizziness": "Dizziness",
    "blurred_vision": "Blurred or double vision",
    "hallucinations": "Hallucinations",
    "dysphoria": "Dysphoria (unpleasant dissociation)",
    "other": "Other",
}
SEVERITIES = {"mild": "Mild", "moderate": "Moderate", "severe": "Severe"}
INTERVENTIONS = {
    "reassurance": "Reassurance, quiet, dim lights",
    "rate_lowered": "Rate lowered",
    "paused": "Infusion paused",
    "stopped": "Infusion stopped",
    "rescue": "Rescue medicine given",
    "none": "None needed",
}
#: Scores charted at the chair (questionnaire ids of ``ketacore.scoring``).
SCORES = {
    "rass": "Sedation (RASS)",
    "moaas": "Sedation (MOAA/S)",
    "cadss": "Dissociation (CADSS)",
    "aldrete": "Modified Aldrete score",
    "padss": "PADSS",
}


@transaction.atomic
def record_score(
    actor: User,
    session: InfusionSession,
    instrument: str,
    answers: Mapping[str, Any],
    *,
    occurred_at: dt.datetime | None = None,
    client_ref: uuid.UUID | None = None,
) -> SessionEntry:
    """A score as the patient's questionnaire response linked to the session, and its entry."""
    if instrument not in SCORES:
        raise refuse("instrument", f"must be one of: {', '.join(SCORES)}")

    def fields(state: WriteState, when: dt.datetime) -> dict[str, Any]:
        response = record_answers(
            actor,
            session.patient,
            instrument,
            answers,
            via=EnteredVia.STAFF,
            encounter=(EncounterType.INFUSION, session.code),
            merge=False,
        )
        if not response.complete:
            raise refuse("answers", f"answer every item of the {SCORES[instrument]}")
        score = response.score or {}
        return {
            "data": {
                "instrument": instrument,
                "response": str(response.code),
                "total": score.get("total"),
                "band": score.get("band") or score.get("interpretation") or "",
            }
        }

    entry, _ = append_light(
        actor,
        session,
        EntryKind.SCORE,
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=fields,
    )
    return entry


def _choice(value: str, allowed: Mapping[str, str], field: str) -> str:
    if value not in allowed:
        raise refuse(field, f"must be one of: {', '.join(allowed)}")
    return value


@transaction.atomic
def record_side_effect(
    actor: User,
    session: InfusionSession,
    *,
    effect: str,
    severity: str,
    interventions: list[str],
    note: str = "",
    occurred_at: dt.datetime | None = None,
    client_ref: uuid.UUID | None = None,
) -> SessionEntry:
    _choice(effect, SIDE_EFFECTS, "effect")
    _choice(severity, SEVERITIES, "severity")
    for item in interventions:
        _choice(item, INTERVENTIONS, "interventions")
    if effect == "other" and not note.strip():
        raise refuse("note", "describe the side effect")
    data = {
        "effect": effect,
        "severity": severity,
        "interventions": interventions,
        "note": note.strip()[:500],
    }
    entry, _ = append_light(
        actor,
        session,
        EntryKind.SIDE_EFFECT,
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=lambda state, when: {"data": data},
    )
    return entry


@transaction.atomic
def record_rescue(
    actor: User,
    session: InfusionSession,
    *,
    drug: str,
    dose: str,
    route: str,
    indication: str = "",
    occurred_at: dt.datetime | None = None,
    client_ref: uuid.UUID | None = None,
) -> SessionEntry:
    """A rescue medicine with drug, dose, route and time (what was given, as written)."""
    for name, value in (("drug", drug), ("dose", dose), ("route", route)):
        if not value.strip():
            raise refuse(name, "is required")
    data = {
        "drug": drug.strip()[:100],
        "dose": dose.strip()[:50],
        "route": route.strip()[:30],
        "indication": indication.strip()[:200],
    }
    entry, _ = append_light(
        actor,
        session,
        EntryKind.RESCUE,
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=lambda state, when: {"data": data},
    )
    return entry


@transaction.atomic
def record_note(
    actor: User,
    session: InfusionSession,
    text: str,
    *,
    occurred_at: dt.datetime | None = None,
    client_ref: uuid.UUID | None = None,
) -> SessionEntry:
    if not text.strip():
        raise refuse("text", "is required")
    entry, _ = append_light(
        actor,
        session,
        EntryKind.NOTE,
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=lambda state, when: {"data": {"text": text.strip()[:2000]}},
    )
    return entry
