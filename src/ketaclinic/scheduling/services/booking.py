"""Book, move, cancel, no-show: the one path every booking takes (docs/scheduling.md).

The staff calendar, the API, a series from a plan and (later) the public booking flow
all call :func:`book` and :func:`move`. Each runs in one transaction that:

1. takes the write lock first on SQLite (an UPDATE of the clinic's settings row; with
   IMMEDIATE transactions SQLite already holds it from BEGIN, the UPDATE makes it so
   whatever the transaction mode), so the check below and the insert are serialised;
2. checks the time (``availability.check``): not past, inside opening hours, no
   closure, a free chair or room and clinician, a physician on duty for infusions;
3. inserts the appointment and one ``Allocation`` per chair, room or clinician it holds,
   in a savepoint. The database refuses an overlap (the exclusion constraint on
   PostgreSQL, the trigger on SQLite): a concurrent booking that passed the check at the
   same moment on PostgreSQL fails here and gets the same :class:`SlotTakenError` refusal,
   with the nearest free slots, as one refused by the check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Capability
from ketaclinic.audit.services import Action, record
from ketaclinic.booking import notices
from ketaclinic.lib import clock
from ketaclinic.patients.models import Patient
from ketaclinic.plans import services as plans
from ketaclinic.plans.models import PlanVersion
from ketaclinic.scheduling import availability
from ketaclinic.scheduling.availability import Choice, Need, Slot
from ketaclinic.scheduling.errors import SlotTakenError, refuse
from ketaclinic.scheduling.locking import lock_calendar
from ketaclinic.scheduling.models import (
    Allocation,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    BoosterDue,
    BoosterStatus,
    Prospect,
)
from ketacore.schedule import clinic_zone

__all__ = [
    "Booking",
    "book",
    "book_locked",
    "cancel",
    "move",
    "need_for",
    "plan_for",
    "record_no_show",
    "require_booker",
]

_INFUSIONS = (AppointmentKind.INFUSION, AppointmentKind.BOOSTER)


@dataclass(frozen=True, slots=True)
class Booking:
    """What a booking asks for. Exactly one of ``patient`` and ``prospect``."""

    kind: str
    starts_at: dt.datetime
    patient: Patient | None = None
    prospect: Prospect | None = None
    mode: str = ""
    choice: Choice = field(default_factory=Choice)
    note: str = ""
    #: For an infusion of a series: the plan version and the session's number.
    plan_version: PlanVersion | None = None
    number_in_series: int | None = None


def require_booker(actor: User | None, clinic: Clinic | None = None) -> None:
    """The actor may book (in ``clinic``); None is the public flow, which books for prospects."""
    if actor is None:
        return
    if not actor.can(Capability.SCHEDULE_BOOK):
        raise PermissionDenied("Your role may not book appointments.")
    if clinic is not None and actor.clinic_id != clinic.pk:
        raise PermissionDenied("This is another clinic's calendar.")


def plan_for(patient: Patient, kind: str = AppointmentKind.BOOSTER) -> PlanVersion | None:
    """The plan version an infusion follows: the plan in progress; for a booster, if none
    is in progress, the newest plan (a booster may follow a finished course)."""
    active = plans.active_version(patient)
    if active is not None or kind == AppointmentKind.INFUSION:
        return active
    return next(iter(plans.plans_of(patient)), None)


def need_for(clinic: Clinic, kind: str, *, mode: str = "", plan: PlanVersion | None = None) -> Need:
    """What an appointment of ``kind`` holds; infusions take their length from the plan."""
    mode = "" if kind in _INFUSIONS else mode
    return Need.of(clinic, kind, mode=mode, infusion_min=plan.duration_min if plan else None)


def _person(request: Booking) -> tuple[Clinic, str]:
    if (request.patient is None) == (request.prospect is None):
        refuse("patient", "book for one registered patient or one prospective patient")
    person = request.patient or request.prospect
    assert person is not None
    return person.clinic, str(request.patient.code) if request.patient else ""


def _aware(starts_at: Any) -> dt.datetime:
    if not isinstance(starts_at, dt.datetime) or starts_at.tzinfo is None:
        refuse("starts_at", "give a date and a time (with the clinic's time zone)")
    return starts_at.astimezone(dt.UTC)


def _holds(appointment: Appointment, slot: Slot) -> None:
    """Insert the appointment's allocations; the database refuses an overlap."""
    held = [h for h in (slot.resource, slot.clinician) if h is not None]
    Allocation.objects.bulk_create(
        Allocation(
            appointment=appointment,
            holder=availability.holder_of(h),
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
        )
        for h in held
    )


def _is_overlap(exc: IntegrityError) -> bool:
    return "allocation_no_overlap" in str(exc)


def _taken_by_race(clinic: Clinic, need: Need, slot: Slot, exclude: int | None) -> SlotTakenError:
    zone = clinic_zone(clinic.time_zone)
    return SlotTakenError(
        "starts_at",
        f"this time was booked by someone else a moment ago "
        f"({slot.starts_at.astimezone(zone):%a %d %b %Y %H:%M})",
        zone,
        search=(clinic, need, slot.starts_at, exclude),
    )


@transaction.atomic
def book_locked(actor: User | None, request: Booking) -> Appointment:
    """Book inside the caller's transaction, the calendar already locked (series booking)."""
    clinic, patient_code = _person(request)
    plan = request.plan_version
    if request.kind in _INFUSIONS and plan is None:
        if request.patient is None:
            refuse("patient", "an infusion is booked for a registered patient")
        plan = plan_for(request.patient, request.kind)
    need = need_for(clinic, request.kind, mode=request.mode, plan=plan)
    slot = availability.check(clinic, need, _aware(request.starts_at), request.choice)
    now = clock.now()
    appointment = Appointment(
        clinic=clinic,
        patient=request.patient,
        prospect=request.prospect,
        kind=request.kind,
        mode=request.mode if request.kind not in _INFUSIONS else "",
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        infusion_min=need.infusion_min,
        recovery_min=need.recovery_min,
        resource=slot.resource,
        clinician=slot.clinician,
        physician=slot.physician,
        plan_version=plan if request.kind in _INFUSIONS else None,
        number_in_series=request.number_in_series,
        note=request.note.strip()[:300],
        created_at=now,
        created_by=actor,
        changed_at=now,
        changed_by=actor,
    )
    appointment.full_clean()
    try:
        with transaction.atomic():
            appointment.save(force_insert=True)
            _holds(appointment, slot)
    except IntegrityError as exc:
        if not _is_overlap(exc):
            raise
        raise _taken_by_race(clinic, need, slot, None) from None
    if request.kind == AppointmentKind.BOOSTER and request.patient is not None:
        BoosterDue.objects.filter(patient=request.patient, status=BoosterStatus.DUE).update(
            status=BoosterStatus.BOOKED, appointment=appointment
        )
    record(
        actor,
        Action.CREATE,
        obj=appointment,
        patient_code=patient_code,
        summary=f"{appointment.get_kind_display()} booked",
        changes=_summary(appointment),
        clinic_id=clinic.pk,
    )
    notices.appointment_changed(actor, appointment, notices.BOOKED)
    return appointment


def book(actor: User | None, request: Booking) -> Appointment:
    """Book one appointment (``actor`` None: the public flow, for a prospect).

    Raises:
        PermissionDenied: The actor's role may not book.
        ValidationError: Naming the field and the rule; :class:`SlotTakenError` (with the nearest
            free slots, looked for after the transaction has rolled back) when the time is
            taken. Nothing is stored.
    """
    try:
        return _book(actor, request)
    except SlotTakenError as exc:
        raise exc.completed() from None


@transaction.atomic
def _book(actor: User | None, request: Booking) -> Appointment:
    clinic, _ = _person(request)
    require_booker(actor, clinic)
    lock_calendar(clinic)
    return book_locked(actor, request)


def _locked(appointment: Appointment) -> Appointment:
    row = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related(
            "clinic", "patient", "prospect", "plan_version", "resource", "clinician", "physician"
        )
        .get(pk=appointment.pk)
    )
    return row


def move(
    actor: User | None,
    appointment: Appointment,
    starts_at: dt.datetime,
    *,
    choice: Choice | None = None,
    expected_starts_at: dt.datetime | None = None,
) -> Appointment:
    """Move an appointment to ``starts_at`` (and another chair, room or clinician if chosen).

    ``expected_starts_at`` is the time the form showed: if the appointment has been
    moved since, the form is stale and the move is refused.

    Raises:
        ValidationError: As :func:`book`; a stale form or a taken time is refused, with
            the nearest free slots, never moved somewhere else silently.
    """
    try:
        return _move(actor, appointment, starts_at, choice, expected_starts_at)
    except SlotTakenError as exc:
        raise exc.completed() from None


@transaction.atomic
def _move(
    actor: User | None,
    appointment: Appointment,
    starts_at: dt.datetime,
    choice: Choice | None,
    expected_starts_at: dt.datetime | None,
) -> Appointment:
    require_booker(actor, appointment.clinic)
    lock_calendar(appointment.clinic)
    row = _locked(appointment)
    if row.status != AppointmentStatus.BOOKED:
        refuse(
            "status",
            f"this appointment is {row.get_status_display().lower()}; only a booked one moves",
        )
    if expected_starts_at is not None and _aware(expected_starts_at) != row.starts_at:
        zone = clinic_zone(row.clinic.time_zone)
        refuse(
            "starts_at",
            "the appointment was moved meanwhile (it is now at "
            f"{row.starts_at.astimezone(zone):%a %d %b %Y %H:%M}); open it again",
        )
    plan = row.plan_version
    need = need_for(row.clinic, row.kind, mode=row.mode, plan=plan)
    wanted = choice or Choice(
        resource=row.resource, clinician=row.clinician, physician=row.physician
    )
    before = _summary(row)
    slot = availability.check(row.clinic, need, _aware(starts_at), wanted, exclude=row.pk)
    row.starts_at, row.ends_at = slot.starts_at, slot.ends_at
    row.resource, row.clinician, row.physician = slot.resource, slot.clinician, slot.physician
    row.changed_at, row.changed_by = clock.now(), actor
    try:
        with transaction.atomic():
            row.holds.all().delete()
            row.save(
                update_fields=[
                    "starts_at",
                    "ends_at",
                    "resource",
                    "clinician",
                    "physician",
                    "changed_at",
                    "changed_by",
                ]
            )
            _holds(row, slot)
    except IntegrityError as exc:
        if not _is_overlap(exc):
            raise
        raise _taken_by_race(row.clinic, need, slot, row.pk) from None
    after = _summary(row)
    record(
        actor,
        Action.UPDATE,
        obj=row,
        patient_code=str(row.patient.code) if row.patient else "",
        summary=f"{row.get_kind_display()} moved",
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    notices.appointment_changed(actor, row, notices.MOVED)
    return row


@transaction.atomic
def end_booked(
    actor: User | None, appointment: Appointment, status: str, reason: str, summary: str
) -> Appointment:
    row = _locked(appointment)
    if row.status != AppointmentStatus.BOOKED:
        refuse("status", f"this appointment is already {row.get_status_display().lower()}")
    row.status, row.cancel_reason = status, reason
    row.changed_at, row.changed_by = clock.now(), actor
    row.save(update_fields=["status", "cancel_reason", "changed_at", "changed_by"])
    row.holds.update(active=False)
    record(
        actor,
        Action.UPDATE,
        obj=row,
        patient_code=str(row.patient.code) if row.patient else "",
        summary=summary,
        changes={"status": [AppointmentStatus.BOOKED, status], "reason": reason},
    )
    ended = notices.CANCELLED if status == AppointmentStatus.CANCELLED else notices.ENDED
    notices.appointment_changed(actor, row, ended)
    return row


@transaction.atomic
def cancel(actor: User | None, appointment: Appointment, reason: str) -> Appointment:
    """Cancel a booked appointment with a reason; its time is free again."""
    require_booker(actor, appointment.clinic)
    reason = (reason or "").strip()
    if not reason:
        refuse("reason", "say why the appointment is cancelled")
    if len(reason) > 300:
        refuse("reason", "at most 300 characters")
    return end_booked(
        actor, appointment, AppointmentStatus.CANCELLED, reason, "Appointment cancelled"
    )


@transaction.atomic
def record_no_show(actor: User, appointment: Appointment) -> Appointment:
    """Record that the patient did not come (only once the appointment has started)."""
    require_booker(actor, appointment.clinic)
    if appointment.starts_at > clock.now():
        refuse("status", "a no-show is recorded once the appointment's time has come")
    return end_booked(actor, appointment, AppointmentStatus.NO_SHOW, "", "No-show recorded")


def _summary(a: Appointment) -> dict[str, Any]:
    return {
        "kind": a.kind,
        "mode": a.mode,
        "starts_at": a.starts_at.isoformat(),
        "ends_at": a.ends_at.isoformat(),
        "resource": a.resource.name if a.resource else "",
        "clinician": a.clinician.get_username() if a.clinician else "",
        "physician": a.physician.get_username() if a.physician else "",
    }
