"""Alerts acknowledged, overrides, discharge, the sign-off and corrections."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

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
from ketaclinic.infusions.services.charting import append, append_light, refuse
from ketaclinic.infusions.services.state import COLUMNS, SessionState, session_state, summary_of
from ketaclinic.lib import clock
from ketaclinic.lib.signing import Meaning, Signature, sign
from ketaclinic.outcomes.tasks import enqueue_refresh
from ketaclinic.qschedule import tasks as questionnaire_schedule
from ketaclinic.visits import owed
from ketacore.errors import InputError
from ketacore.infusion.care import VitalSigns, check_vitals

__all__ = ["acknowledge", "amend", "discharge", "override", "sign_off"]


def acknowledge(actor: User, alert: SessionAlert, *, action_taken: str) -> SessionAlertAck:
    """Record what was done about an alert (once; a second acknowledgement is refused)."""
    if not actor.can(Capability.ALERT_ACKNOWLEDGE):
        raise PermissionDenied("Your role may not acknowledge alerts.")
    if not action_taken.strip():
        raise refuse("action_taken", "say what was done")
    with transaction.atomic():
        locked = SessionAlert.objects.select_for_update().get(pk=alert.pk)
        if SessionAlertAck.objects.filter(alert=locked).exists():
            raise refuse("alert", "was already acknowledged")
        ack = SessionAlertAck.objects.create(
            alert=locked,
            acknowledged_by=actor,
            acknowledged_at=clock.now(),
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


@transaction.atomic
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
    if of not in ("check_in", "discharge"):
        raise refuse("of", "must be check_in or discharge")
    if not reason.strip():
        raise refuse("reason", "say why")
    entry, _ = append_light(
        actor,
        session,
        EntryKind.OVERRIDE,
        occurred_at=occurred_at,
        client_ref=client_ref,
        reason=reason,
        check=lambda state, when: {"data": {"of": of}},
    )
    return entry


@transaction.atomic
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
            raise refuse("session", "the patient is already discharged")
        reasons = state.discharge_reasons()
        if state.care.discharge.escort_required and not escort_present:
            reasons.append("An adult escort must be present to take the patient home.")
        if reasons and state.discharge_override is None:
            raise refuse(
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
    questionnaire_schedule.enqueue_refresh(session.patient)  # once this commits
    enqueue_refresh(session.patient)  # the clinic's outcome summary, once this commits
    return entry


def sign_off(actor: User, session: InfusionSession, *, password: str) -> SessionSignOff:
    """The physician signs the record; from then on only corrections may be added."""
    if not actor.can(Capability.PLAN_SIGN):
        raise PermissionDenied("Only a physician signs the session record.")

    def write(signature: Signature) -> SessionSignOff:
        InfusionSession.objects.select_for_update().get(pk=session.pk)
        state = session_state(session)
        if state.locked:
            raise refuse("session", "is already signed")
        if state.discharge is None:
            raise refuse("session", "discharge the patient before signing the record")
        if state.open_alerts:
            raise refuse("session", "acknowledge every alert before signing")
        summary = summary_of(state)
        enqueue_refresh(session.patient)  # the infusion day now counts: once this commits
        signed = SessionSignOff.objects.create(
            session=session,
            delivered_mg=summary["delivered_mg"],
            summary=summary,
            **signature.fields(),
        )
        owed.for_patient(session.patient)  # a follow-up visit it makes owed, in this step
        return signed

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


@transaction.atomic
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
        raise refuse("reason", "say why the entry is corrected")
    if entry.kind == EntryKind.AMENDMENT:
        raise refuse("amends", "correct the original entry, not a correction")
    if entry.kind in (EntryKind.START, EntryKind.RATE_CHANGE, EntryKind.BOLUS) and fields:
        raise refuse(
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
        base = {name: getattr(entry, name) for name in COLUMNS}
        if any(k in VitalSigns.__dataclass_fields__ for k in columns):
            merged = {**base, **columns}
            try:
                check_vitals(VitalSigns(**{k: merged[k] for k in VitalSigns.__dataclass_fields__}))
            except InputError as exc:
                raise refuse(exc.field, exc.rule) from None
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
