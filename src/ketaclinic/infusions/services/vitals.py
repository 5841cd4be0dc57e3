"""Check-in and vital signs: implausible values refused, care-policy thresholds raise alerts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.audit.services import Action, record
from ketaclinic.infusions.models import EntryKind, InfusionSession, SessionAlert, SessionEntry
from ketaclinic.infusions.services.charting import append, append_light, refuse
from ketaclinic.infusions.services.state import SessionState, WriteState
from ketacore.errors import InputError
from ketacore.infusion import InfusionState
from ketacore.infusion.care import VitalSigns, alerts_for, check_vitals

__all__ = ["PREGNANCY", "as_vitals", "check_in", "record_vitals"]


# ------------------------------------------------------------------ check-in


PREGNANCY = {
    "not_applicable": "Cannot become pregnant",
    "negative_test": "Negative pregnancy test today",
    "confirmed_not_pregnant": "Confirmed not pregnant by a clinician",
}


@transaction.atomic
def check_in(
    actor: User,
    session: InfusionSession,
    *,
    consent: bool,
    fasted: bool,
    escort: bool,
    pregnancy: str,
    weight_kg: float | None,
    vitals: VitalSigns,
    occurred_at: dt.datetime | None = None,
    client_ref: uuid.UUID | None = None,
) -> SessionEntry:
    """Check the patient in: consent, fasting, escort, pregnancy, weight, vital signs.

    What the care policy requires and is not confirmed is stored as missing: the
    infusion cannot start until a later check-in completes it or a physician
    overrides it with a reason.
    """
    try:
        check_vitals(vitals)
    except InputError as exc:
        raise refuse(exc.field, exc.rule) from None
    if weight_kg is not None and not 20 <= weight_kg <= 350:
        raise refuse("weight_kg", "must be from 20 to 350 kg")
    if pregnancy and pregnancy not in PREGNANCY:
        raise refuse("pregnancy", f"must be one of: {', '.join(PREGNANCY)}")

    def fields(state: SessionState, when: dt.datetime) -> dict[str, Any]:
        if state.delivered.state is not InfusionState.NOT_STARTED:
            raise refuse("check_in", "the infusion has started: check-in is over")
        policy = state.care.check_in
        missing = []
        if policy.consent_required and not consent:
            missing.append("Consent to this infusion is not confirmed.")
        if policy.fasting_hours and not fasted:
            missing.append(f"Fasting for {policy.fasting_hours:g} hours is not confirmed.")
        if policy.escort_required and not escort:
            missing.append("No adult escort home is arranged.")
        if policy.pregnancy_check and not pregnancy:
            missing.append("Pregnancy status is not confirmed.")
        return {
            "data": {
                "consent": consent,
                "fasted": fasted,
                "escort": escort,
                "pregnancy": pregnancy,
                "weight_kg": weight_kg,
                "missing": missing,
            },
            **_vital_columns(vitals),
        }

    def after(entry: SessionEntry, state: SessionState) -> None:
        _raise_alerts(entry, state, vitals)

    entry, _ = append(
        actor,
        session,
        EntryKind.CHECK_IN,
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=fields,
        after=after,
    )
    return entry


def _vital_columns(vitals: VitalSigns) -> dict[str, float | None]:
    return {m.value: v for m, v in vitals.present().items()}


# ------------------------------------------------------------------ vital signs


@transaction.atomic
def record_vitals(
    actor: User,
    session: InfusionSession,
    vitals: VitalSigns,
    *,
    occurred_at: dt.datetime | None = None,
    client_ref: uuid.UUID | None = None,
) -> tuple[SessionEntry, list[SessionAlert]]:
    """Store one set of vital signs; each care-policy threshold it crosses raises an alert."""
    try:
        check_vitals(vitals)
    except InputError as exc:
        raise refuse(exc.field, exc.rule) from None
    raised: list[SessionAlert] = []

    def fields(state: WriteState, when: dt.datetime) -> dict[str, Any]:
        if state.check_in is None:
            raise refuse(
                "check_in", "check the patient in first (the check-in takes the first vital signs)"
            )
        return {"data": {}, **_vital_columns(vitals)}

    def after(entry: SessionEntry, state: WriteState) -> None:
        raised.extend(_raise_alerts(entry, state, vitals))

    entry, _ = append_light(
        actor,
        session,
        EntryKind.VITALS,
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=fields,
        after=after,
    )
    return entry, raised


def _raise_alerts(
    entry: SessionEntry, state: SessionState | WriteState, vitals: VitalSigns
) -> list[SessionAlert]:
    alerts = []
    for rule, value in alerts_for(state.care, vitals):
        alert = SessionAlert.objects.create(
            session=entry.session,
            entry=entry,
            rule_id=rule.id,
            message=rule.message,
            value=value,
            threshold=f"{rule.measure.label} {rule.threshold_text}",
            source=rule.source,
            raised_at=entry.occurred_at,
        )
        record(
            entry.recorded_by,
            Action.CREATE,
            obj=alert,
            patient_code=str(entry.session.patient.code),
            summary="Infusion alert raised",
            changes={"rule": rule.id, "entry": str(entry.code)},
        )
        alerts.append(alert)
    return alerts


def as_vitals(data: Mapping[str, Any]) -> VitalSigns:
    """Vital signs from a form's or an API body's fields (blank ones are missing)."""
    values: dict[str, float | None] = {}
    for name in VitalSigns.__dataclass_fields__:
        raw = data.get(name)
        if raw in (None, ""):
            values[name] = None
            continue
        try:
            values[name] = float(raw)
        except (TypeError, ValueError):
            raise refuse(name, "must be a number") from None
    return VitalSigns(**values)
