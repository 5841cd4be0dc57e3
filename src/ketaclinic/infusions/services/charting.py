"""Charting a session: each write takes the session's lock, checks, appends, audits.

Every write goes through :func:`_append`. It first takes the session's next
sequence number with one UPDATE (that also serialises writers to the same
session: two tablets are applied one after the other, each seeing the other's
entry), then returns the stored entry if this ``client_ref`` was already
stored (a resend after a dropped network), then runs the write's checks against
the session as it now stands, and stores the entry with its audit record in the
same transaction. A refused write stores nothing, not even the sequence number.

The checks see the full state (:func:`append`: every entry, the pump replayed) or, for an
entry that depends on neither (:func:`append_light`: vital signs, scores, notes…), only
whether the record is signed, the check-in and the care policy, at a fixed cost.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.audit.services import Action, record
from ketaclinic.infusions.models import EntryKind, InfusionSession, SessionEntry
from ketaclinic.infusions.services.state import (
    SessionState,
    WriteState,
    event_of,
    session_state,
    write_state,
)
from ketaclinic.lib import clock
from ketaclinic.plans.models import PlanStatus, PlanVersion
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind
from ketaclinic.qschedule import tasks as questionnaire_schedule
from ketacore.errors import InputError
from ketacore.infusion import EventKind, EventSequenceError, InfusionEvent, replay

__all__ = [
    "CLOCK_SKEW",
    "append",
    "append_light",
    "open_session",
    "record_pump_event",
    "refuse",
]

#: How far in the future a tablet's clock may put an entry (its clock and the server's differ).
CLOCK_SKEW = dt.timedelta(minutes=2)

#: A write's checks: the session as it stands and the time charted -> the entry's fields.
Check = Callable[[SessionState, dt.datetime], dict[str, Any]]
_PUMP = frozenset(k.value for k in EventKind)


def refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: f"{field}: {message}"})


def _may_chart(actor: User) -> None:
    if not actor.can(Capability.PATIENT_EDIT_CLINICAL):
        raise PermissionDenied("Your role may not chart infusions.")


@transaction.atomic
def open_session(actor: User, plan: PlanVersion, *, chair: str = "") -> InfusionSession:
    """Open the next infusion of an active plan (a nurse or physician, at the chair)."""
    _may_chart(actor)
    newest = plan.plan.versions.order_by("-number").first()
    if newest is None or newest.pk != plan.pk or plan.status != PlanStatus.ACTIVE:
        raise refuse("plan", "only the current version of a plan in progress can be given")
    done = InfusionSession.objects.filter(plan_version__plan=plan.plan).count()
    care = policies.store_in_force(actor, plan.plan.clinic, PolicyKind.INFUSION_CARE)
    session = InfusionSession.objects.create(
        clinic=plan.plan.clinic,
        patient=plan.plan.patient,
        plan_version=plan,
        care_policy=care,
        number_in_series=done + 1,
        chair=chair.strip()[:40],
        opened_at=clock.now(),
        opened_by=actor,
    )
    record(
        actor,
        Action.CREATE,
        obj=session,
        patient_code=str(session.patient.code),
        summary="Infusion session opened",
        changes={"plan": str(plan.code), "number_in_series": session.number_in_series},
    )
    # A first infusion, or the one that completes a series, opens questionnaires.
    questionnaire_schedule.enqueue_refresh(session.patient)  # once this commits
    return session


class _Standing(Protocol):
    """What every append checks of its session: signed or not, and the check-in."""

    @property
    def locked(self) -> bool: ...

    @property
    def check_in(self) -> SessionEntry | None: ...


S = TypeVar("S", bound=_Standing)


def append(
    actor: User,
    session: InfusionSession,
    kind: str,
    *,
    occurred_at: dt.datetime | None,
    client_ref: uuid.UUID | None,
    check: Check,
    reason: str = "",
    amends: SessionEntry | None = None,
    after: Callable[[SessionEntry, SessionState], None] | None = None,
) -> tuple[SessionEntry, bool]:
    """Append one entry (see the module docstring); returns it and whether it is new.

    ``check`` runs under the lock with the session's state and returns the
    entry's fields (``data`` and columns), or raises a ValidationError. ``after``
    runs in the same transaction with the stored entry (alerts). Call it inside
    the service's own ``transaction.atomic`` block: it joins that transaction
    (no savepoint of its own), so a refused write rolls back with it.
    """
    return _append(
        actor,
        session,
        kind,
        lambda s, now: session_state(s, now=now),
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=check,
        reason=reason,
        amends=amends,
        after=after,
    )


def append_light(
    actor: User,
    session: InfusionSession,
    kind: str,
    *,
    occurred_at: dt.datetime | None,
    client_ref: uuid.UUID | None,
    check: Callable[[WriteState, dt.datetime], dict[str, Any]],
    after: Callable[[SessionEntry, WriteState], None] | None = None,
    reason: str = "",
) -> tuple[SessionEntry, bool]:
    """:func:`append` for an entry that does not depend on the pump or the other entries
    (vital signs, scores, side effects, rescue medicines, notes, overrides): its checks
    see :func:`~ketaclinic.infusions.services.state.write_state`, so the write costs the
    same whatever the session's length. The same lock, checks and audit as ``append``.
    """
    return _append(
        actor,
        session,
        kind,
        lambda s, now: write_state(s),
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=check,
        reason=reason,
        after=after,
    )


def _next_seq(session: InfusionSession) -> int:
    """Take the session's next sequence number: lock its row and move it on, one statement.

    UPDATE … RETURNING (PostgreSQL; SQLite ≥ 3.35), as the audit chain's head does.
    """
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SEQ, [session.pk])
        row = cursor.fetchone()
    if row is None:
        raise InfusionSession.DoesNotExist(f"No infusion session {session.pk}")
    return int(row[0])


# Raw SQL on purpose (docs/performance.md): the ORM's update() cannot return the value.
_NEXT_SEQ = (
    "UPDATE infusions_infusionsession SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq"
)
_GIVE_BACK = "UPDATE infusions_infusionsession SET last_seq = last_seq - 1 WHERE id = %s"


def _append(
    actor: User,
    session: InfusionSession,
    kind: str,
    state_of: Callable[[InfusionSession, dt.datetime], S],
    *,
    occurred_at: dt.datetime | None,
    client_ref: uuid.UUID | None,
    check: Callable[[S, dt.datetime], dict[str, Any]],
    reason: str = "",
    amends: SessionEntry | None = None,
    after: Callable[[SessionEntry, S], None] | None = None,
) -> tuple[SessionEntry, bool]:
    _may_chart(actor)
    now = clock.now()
    when = occurred_at or now
    if timezone.is_naive(when):
        raise refuse("occurred_at", "give the time with its time zone")
    if when > now + CLOCK_SKEW:
        raise refuse("occurred_at", "is in the future")
    ref = client_ref or uuid.uuid4()
    # No savepoint: the caller's atomic block is the transaction (a savepoint costs two
    # statements on every write); a refused write raises and rolls back with it.
    with transaction.atomic(savepoint=False):
        seq = _next_seq(session)
        known = SessionEntry.objects.filter(session=session, client_ref=ref).first()
        if known is not None:
            with connection.cursor() as cursor:  # nothing new: give back the number
                cursor.execute(_GIVE_BACK, [session.pk])
            return known, False
        state = state_of(session, now)
        if state.locked and kind != EntryKind.AMENDMENT:
            raise refuse("session", "the record is signed and locked: add a correction instead")
        if (
            kind != EntryKind.CHECK_IN
            and state.check_in is not None
            and when < state.check_in.occurred_at
        ):
            raise refuse("occurred_at", "is before the check-in")
        if kind == EntryKind.CHECK_IN and when < now - dt.timedelta(hours=24):
            raise refuse("occurred_at", "a check-in must be within the last 24 hours")
        fields = check(state, when)
        entry = SessionEntry.objects.create(
            session=session,
            seq=seq,
            kind=kind,
            occurred_at=when,
            recorded_at=now,
            recorded_by=actor,
            client_ref=ref,
            reason=reason.strip()[:500],
            amends=amends,
            **fields,
        )
        record(
            actor,
            Action.CREATE,
            obj=entry,
            patient_code=str(session.patient.code),
            summary=f"Infusion session: {entry.get_kind_display()}",
            changes={"session": str(session.code), "seq": seq, "kind": kind},
        )
        if after is not None:
            after(entry, state)
    return entry, True


# ------------------------------------------------------------------ pump


def _soft_rate_limits(plan: PlanVersion) -> list[tuple[float, str]]:
    """The plan's soft upper rate limits in mg/h, each with its message."""
    out = []
    for limit in plan.calculation.get("limits", []):
        soft = limit.get("soft_max")
        if soft is None:
            continue
        if limit["quantity"] == "rate_mg_per_h":
            out.append((float(soft), f"{limit['label']} soft limit {soft:g} mg/h"))
        elif limit["quantity"] == "rate_mg_per_kg_per_h":
            mg_h = float(soft) * plan.weight_kg
            out.append((mg_h, f"{limit['label']} soft limit {soft:g} mg/kg/h ({mg_h:.1f} mg/h)"))
    return out


@transaction.atomic
def record_pump_event(
    actor: User,
    session: InfusionSession,
    kind: str,
    *,
    rate_mg_per_h: float | None = None,
    dose_mg: float | None = None,
    reason: str = "",
    occurred_at: dt.datetime | None = None,
    client_ref: uuid.UUID | None = None,
) -> SessionEntry:
    """Start, change the rate, pause, resume, give a bolus or stop.

    Checked against the session as charted (the order of events), the plan's hard
    ceilings (refused) and soft limits (a reason needed), and the check-in (a
    start needs it complete, or a physician's override).
    """
    try:
        event_kind = EventKind(kind)
    except ValueError:
        raise refuse("kind", f"must be one of: {', '.join(k.value for k in EventKind)}") from None
    plan = session.plan_version

    def fields(state: SessionState, when: dt.datetime) -> dict[str, Any]:
        if event_kind is EventKind.START and not state.may_start:
            raise refuse(
                "check_in",
                "the check-in is not complete: "
                + (" ".join(state.check_in_missing) or "check the patient in first")
                + " A physician may override with a reason.",
            )
        if event_kind is EventKind.RATE_CHANGE and not reason.strip():
            raise refuse("reason", "say why the rate changes")
        if rate_mg_per_h is not None:
            if rate_mg_per_h > plan.hard_ceiling_rate_mg_per_h * 1.000001:
                raise refuse(
                    "rate_mg_per_h",
                    f"{rate_mg_per_h:g} mg/h is above the plan's hard limit of "
                    f"{plan.hard_ceiling_rate_mg_per_h:g} mg/h: not allowed",
                )
            for soft, text in _soft_rate_limits(plan):
                if rate_mg_per_h > soft * 1.000001 and not reason.strip():
                    raise refuse(
                        "reason", f"{rate_mg_per_h:g} mg/h passes the {text}: give a reason"
                    )
        if dose_mg is not None and dose_mg > plan.hard_ceiling_bolus_mg * 1.000001:
            raise refuse(
                "dose_mg",
                f"a bolus of {dose_mg:g} mg is above the plan's hard limit of "
                f"{plan.hard_ceiling_bolus_mg:g} mg: not allowed",
            )
        _check_sequence(state, event_kind, when, rate_mg_per_h, dose_mg)
        return {
            "rate_mg_per_h": rate_mg_per_h if event_kind is not EventKind.BOLUS else None,
            "dose_mg": dose_mg if event_kind is EventKind.BOLUS else None,
            "ceiling_rate_mg_per_h": plan.hard_ceiling_rate_mg_per_h
            if rate_mg_per_h is not None
            else None,
            "ceiling_bolus_mg": plan.hard_ceiling_bolus_mg if dose_mg is not None else None,
            "data": {},
        }

    entry, _ = append(
        actor,
        session,
        event_kind.value,
        occurred_at=occurred_at,
        client_ref=client_ref,
        check=fields,
        reason=reason,
    )
    return entry


def _check_sequence(
    state: SessionState, kind: EventKind, when: dt.datetime, rate: float | None, dose: float | None
) -> None:
    """The events, this one in its place in time, must make sense and stay within the ceiling."""
    t0 = state.t0 or when
    pump = [event_of(e, t0) for e in state.entries if e.kind in _PUMP]
    new = InfusionEvent(kind, (when - t0).total_seconds() / 60.0, rate_mg_per_h=rate, dose_mg=dose)
    events = sorted([*pump, new], key=lambda e: e.time_min)  # stable: a same-time event goes after
    try:
        delivered = replay(events)
    except EventSequenceError as exc:
        raise refuse("kind", exc.reason) from None
    except InputError as exc:
        raise refuse(exc.field.split(".")[-1], exc.rule) from None
    ceiling = state.plan.hard_ceiling_session_mg
    if delivered.total_mg > ceiling * 1.000001:
        raise refuse(
            "kind",
            f"the session would deliver {delivered.total_mg:.1f} mg, above the plan's hard limit "
            f"of {ceiling:g} mg: not allowed",
        )
