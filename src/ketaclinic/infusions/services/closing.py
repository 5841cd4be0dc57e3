"""Scores, side effects, rescue, notes, alerts, overrides, discharge, sign-off, corrections."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.audit.services import Action, record
from ketaclinic.infusions.models import (
    EntryKind,
    InfusionSession,
    SessionAlert,
    SessionAlertAck,
    SessionEntry,
    SessionSignOff,
)
from ketaclinic.infusions.services.charting import _refuse, append
from ketaclinic.infusions.services.state import SessionState, session_state, summary_of
from ketaclinic.lib.signing import Meaning, Signature, sign
from ketaclinic.questionnaires.models import EncounterType, EnteredVia
from ketaclinic.questionnaires.services import record_answers
from ketacore.errors import InputError
from ketacore.infusion.care import VitalSigns, check_vitals

__all__ = [
    "INTERVENTIONS",
    "SCORES",
    "SIDE_EFFECTS",
    "acknowledge",
    "amend",
    "discharge",
    "override",
    "record_note",
    "record_rescue",
    "record_score",
    "record_side_effect",
    "sign_off",
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
        raise _refuse("instrument", f"must be one of: {', '.join(SCORES)}")

    def fields(state: SessionState, when: dt.datetime) -> dict[str, Any]:
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
            raise _refuse("answers", f"answer every item of the {SCORES[instrument]}")
        score = response.score or {}
        return {
            "data": {
                "instrument": instrument,
                "response": str(response.code),
                "total": score.get("total"),
                "band": score.get("band") or score.get("interpretation") or "",
            }
        }

    entry, _ = append(
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
        raise _refuse(field, f"must be one of: {', '.join(allowed)}")
    return value


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
        raise _refuse("note", "describe the side effect")
    data = {
        "effect": effect,
        "severity": severity,
        "interventions": interventions,
        "note": note.strip()[:500],
    }
    entry, _ = append(
        actor,
        session,
        EntryKind.SIDE_EFFECT,
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=lambda state, when: {"data": data},
    )
    return entry


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
            raise _refuse(name, "is required")
    data = {
        "drug": drug.strip()[:100],
        "dose": dose.strip()[:50],
        "route": route.strip()[:30],
        "indication": indication.strip()[:200],
    }
    entry, _ = append(
        actor,
        session,
        EntryKind.RESCUE,
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=lambda state, when: {"data": data},
    )
    return entry


def record_note(
    actor: User,
    session: InfusionSession,
    text: str,
    *,
    occurred_at: dt.datetime | None = None,
    client_ref: uuid.UUID | None = None,
) -> SessionEntry:
    if not text.strip():
        raise _refuse("text", "is required")
    entry, _ = append(
        actor,
        session,
        EntryKind.NOTE,
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=lambda state, when: {"data": {"text": text.strip()[:2000]}},
    )
    return entry


def acknowledge(actor: User, alert: SessionAlert, *, action_taken: str) -> SessionAlertAck:
    """Record what was done about an alert (once; a second acknowledgement is refused)."""
    if not actor.can(Capability.ALERT_ACKNOWLEDGE):
        raise PermissionDenied("Your role may not acknowledge alerts.")
    if not action_taken.strip():
        raise _refuse("action_taken", "say what was done")
    with transaction.atomic():
        locked = SessionAlert.objects.select_for_update().get(pk=alert.pk)
        if SessionAlertAck.objects.filter(alert=locked).exists():
            raise _refuse("alert", "was already acknowledged")
        ack = SessionAlertAck.objects.create(
            alert=locked,
            acknowledged_by=actor,
            acknowledged_at=timezone.now(),
            action_taken=action_taken.strip()[:2000],
        )
        record(
            actor,
            Action.CREATE,
            obj=ack,
            patient_code=str(alert.session.patient.code),
            summary="Infusion alert acknowledged",
            changes={"alert": str(alert.code), "rule": alert.rule_id},
        )
    return ack


def override(
    actor: User,
    session: InfusionSession,
    of: str,
    *,
    reason: str,
    occurred_at: dt.datetime | None = None,
    client_ref: uuid.UUID | None = None,
) -> SessionEntry:
    """A physician's override of an incomplete check-in or of the discharge criteria."""
    if not actor.can(Capability.PLAN_SIGN):
        raise PermissionDenied("Only a physician overrides.")
    _choice(of, {"check_in": "", "discharge": ""}, "of")
    if not reason.strip():
        raise _refuse("reason", "say why")
    entry, _ = append(
        actor,
        session,
        EntryKind.OVERRIDE,
        occurred_at=occurred_at,
        client_ref=client_ref,
        reason=reason,
        check=lambda state, when: {"data": {"of": of}},
    )
    return entry


def discharge(
    actor: User,
    session: InfusionSession,
    *,
    escort_present: bool,
    occurred_at: dt.datetime | None = None,
    client_ref: uuid.UUID | None = None,
) -> SessionEntry:
    """Send the patient home: the discharge criteria met, or a physician's override."""

    def fields(state: SessionState, when: dt.datetime) -> dict[str, Any]:
        if state.discharge is not None:
            raise _refuse("session", "the patient is already discharged")
        reasons = state.discharge_reasons()
        if state.care.discharge.escort_required and not escort_present:
            reasons.append("An adult escort must be present to take the patient home.")
        if reasons and state.discharge_override is None:
            raise _refuse(
                "discharge", " ".join(reasons) + " A physician may override with a reason."
            )
        return {"data": {"escort_present": escort_present, "overridden": bool(reasons)}}

    entry, _ = append(
        actor,
        session,
        EntryKind.DISCHARGE,
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=fields,
    )
    return entry


def sign_off(actor: User, session: InfusionSession, *, password: str) -> SessionSignOff:
    """The physician signs the record; from then on only corrections may be added."""
    if not actor.can(Capability.PLAN_SIGN):
        raise PermissionDenied("Only a physician signs the session record.")

    def write(signature: Signature) -> SessionSignOff:
        InfusionSession.objects.select_for_update().get(pk=session.pk)
        state = session_state(session)
        if state.locked:
            raise _refuse("session", "is already signed")
        if state.discharge is None:
            raise _refuse("session", "discharge the patient before signing the record")
        if state.open_alerts:
            raise _refuse("session", "acknowledge every alert before signing")
        summary = summary_of(state)
        return SessionSignOff.objects.create(
            session=session,
            delivered_mg=summary["delivered_mg"],
            summary=summary,
            **signature.fields(),
        )

    return sign(
        actor,
        password,
        meaning=Meaning.REVIEWED,
        write=write,
        summary="Infusion session record signed",
        attempted_on=session,
        patient_code=str(session.patient.code),
        changes=lambda signed: {"delivered_mg": signed.delivered_mg},
    )


def amend(
    actor: User,
    entry: SessionEntry,
    *,
    reason: str,
    fields: Mapping[str, Any] | None = None,
    withdrawn: bool = False,
    occurred_at: dt.datetime | None = None,
    client_ref: uuid.UUID | None = None,
) -> SessionEntry:
    """Correct an entry: a new entry that points at it and says why; the original stays.

    ``fields`` are the corrected values (vital-sign columns, ``rate_mg_per_h``,
    ``dose_mg``, or keys of ``data``); ``withdrawn`` marks it entered in error.
    """
    if not reason.strip():
        raise _refuse("reason", "say why the entry is corrected")
    if entry.kind == EntryKind.AMENDMENT:
        raise _refuse("amends", "correct the original entry, not a correction")
    if entry.kind in (EntryKind.START, EntryKind.RATE_CHANGE, EntryKind.BOLUS) and fields:
        raise _refuse(
            "fields",
            "a pump event is corrected by withdrawing it and charting it again, "
            "so that its limits are checked",
        )
    columns = {
        k: v
        for k, v in (fields or {}).items()
        if hasattr(SessionEntry, k) and k not in ("data", "kind")
    }
    data_fields = {k: v for k, v in (fields or {}).items() if k not in columns}

    def check(state: SessionState, when: dt.datetime) -> dict[str, Any]:
        base = {name: getattr(entry, name) for name in _COLUMN_NAMES}
        if any(k in VitalSigns.__dataclass_fields__ for k in columns):
            merged = {**base, **columns}
            try:
                check_vitals(VitalSigns(**{k: merged[k] for k in VitalSigns.__dataclass_fields__}))
            except InputError as exc:
                raise _refuse(exc.field, exc.rule) from None
        return {
            "data": {"kind": entry.kind, "withdrawn": withdrawn, "fields": data_fields},
            **base,
            **columns,
        }

    amended, _ = append(
        actor,
        entry.session,
        EntryKind.AMENDMENT,
        occurred_at=occurred_at or entry.occurred_at,
        client_ref=client_ref,
        reason=reason,
        amends=entry,
        check=check,
    )
    return amended


_COLUMN_NAMES = (
    "rate_mg_per_h",
    "dose_mg",
    "ceiling_rate_mg_per_h",
    "ceiling_bolus_mg",
    "systolic_mmhg",
    "diastolic_mmhg",
    "heart_rate_bpm",
    "spo2_percent",
    "respiratory_rate_per_min",
    "temperature_c",
)
