"""The calendar's set-up (chairs, rooms, hours, closures), prospects and boosters marked due."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Capability, Role
from ketaclinic.audit.services import Action, record
from ketaclinic.lib import clock
from ketaclinic.patients.models import Patient
from ketaclinic.patients.validation import parse_phone
from ketaclinic.scheduling.availability import settings_of
from ketaclinic.scheduling.errors import refuse
from ketaclinic.scheduling.models import (
    BoosterDue,
    BoosterStatus,
    Closure,
    OpeningHours,
    Prospect,
    Resource,
    ResourceKind,
    WorkingHours,
)

__all__ = [
    "add_closure",
    "add_resource",
    "breaks_within",
    "configure",
    "create_prospect",
    "mark_booster_due",
    "set_opening_hours",
    "set_working_hours",
    "set_working_week",
    "spans_in_order",
]

Span = tuple[dt.time, dt.time]


def _manager(actor: User | None) -> None:
    if actor is not None and not actor.can(Capability.SCHEDULE_MANAGE):
        raise PermissionDenied("Only the clinic admin sets up the calendar.")


def spans_in_order(spans: Iterable[Span], field: str) -> list[Span]:
    """One day's spans in order; refused on ``field`` if one ends before it starts or 2 overlap."""
    out = sorted(spans)
    for start, end in out:
        if not start < end:
            refuse(field, f"{start:%H:%M}–{end:%H:%M} ends before it starts")
    for (_, end), (start, _) in itertools.pairwise(out):
        if start < end:
            refuse(field, "two spans of one day overlap")
    return out


@transaction.atomic
def configure(actor: User | None, clinic: Clinic, **values: int) -> None:
    """Set the clinic's durations (recovery, consultation, follow-up) and slot grid, in minutes."""
    _manager(actor)
    conf = settings_of(clinic)
    limits = {
        "recovery_min": (0, 480),
        "consultation_min": (5, 240),
        "follow_up_min": (5, 240),
        "slot_step_min": (5, 120),
    }
    for key, value in values.items():
        if key not in limits:
            refuse(key, "not a scheduling setting")
        low, high = limits[key]
        if not isinstance(value, int) or not low <= value <= high:
            refuse(key, f"must be a whole number of minutes from {low} to {high}")
        setattr(conf, key, value)
    if conf._state.adding:
        conf.save(force_insert=True)
    else:
        conf.save(update_fields=list(values))
    record(
        actor,
        Action.UPDATE,
        summary="Scheduling settings changed",
        changes=values,
        clinic_id=clinic.pk,
    )


@transaction.atomic
def add_resource(actor: User | None, clinic: Clinic, kind: str, name: str) -> Resource:
    _manager(actor)
    if kind not in ResourceKind.values:
        refuse("kind", "must be chair or room")
    name = name.strip()
    if not name or len(name) > 60:
        refuse("name", "give a name of at most 60 characters")
    if Resource.objects.filter(clinic=clinic, name=name).exists():
        refuse("name", f"the clinic already has {name}")
    resource = Resource.objects.create(clinic=clinic, kind=kind, name=name)
    record(
        actor,
        Action.CREATE,
        obj=resource,
        summary=f"{resource.get_kind_display()} added",
        changes={"name": name, "kind": kind},
        clinic_id=clinic.pk,
    )
    return resource


@transaction.atomic
def set_opening_hours(
    actor: User | None, clinic: Clinic, hours: Mapping[int, Iterable[Span]]
) -> None:
    """Replace the opening hours of each weekday given (0 Monday … 6 Sunday; [] closed)."""
    _manager(actor)
    changes: dict[str, Any] = {}
    for weekday, spans in hours.items():
        if weekday not in range(7):
            refuse("weekday", "must be 0 (Monday) to 6 (Sunday)")
        checked = spans_in_order(spans, "opening_hours")
        OpeningHours.objects.filter(clinic=clinic, weekday=weekday).delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(clinic=clinic, weekday=weekday, opens=o, closes=c) for o, c in checked
        )
        changes[str(weekday)] = [f"{o:%H:%M}-{c:%H:%M}" for o, c in checked]
    record(actor, Action.UPDATE, summary="Opening hours set", changes=changes, clinic_id=clinic.pk)


def breaks_within(work: Iterable[Span], breaks: Iterable[Span], field: str) -> None:
    """Refuse (on ``field``) a break that is not inside one span of the working hours."""
    spans = list(work)
    for start, end in breaks:
        if not any(s <= start and end <= e for s, e in spans):
            refuse(field, f"the break {start:%H:%M}–{end:%H:%M} is outside the working hours")


def _replace_day(
    clinician: User,
    weekday: int,
    work: Iterable[Span],
    breaks: Iterable[Span],
    fields: tuple[str, str],
) -> dict[str, Any]:
    """Check and store one weekday's hours (unaudited: the caller records); its changes."""
    if weekday not in range(7):
        refuse("weekday", "must be 0 (Monday) to 6 (Sunday)")
    work_field, breaks_field = fields
    spans, pauses = spans_in_order(work, work_field), spans_in_order(breaks, breaks_field)
    breaks_within(spans, pauses, breaks_field)
    WorkingHours.objects.filter(clinician=clinician, weekday=weekday).delete()
    WorkingHours.objects.bulk_create(
        [WorkingHours(clinician=clinician, weekday=weekday, starts=s, ends=e) for s, e in spans]
        + [
            WorkingHours(clinician=clinician, weekday=weekday, starts=s, ends=e, is_break=True)
            for s, e in pauses
        ]
    )
    return {
        "work": [f"{s:%H:%M}-{e:%H:%M}" for s, e in spans],
        "breaks": [f"{s:%H:%M}-{e:%H:%M}" for s, e in pauses],
    }


def _clinician(clinician: User) -> None:
    if clinician.role not in (Role.NURSE, Role.PHYSICIAN):
        refuse("clinician", "working hours are kept for nurses and physicians")


@transaction.atomic
def set_working_hours(
    actor: User | None,
    clinician: User,
    weekday: int,
    work: Iterable[Span],
    breaks: Iterable[Span] = (),
) -> None:
    """Replace a clinician's working hours and breaks on one weekday."""
    _manager(actor)
    _clinician(clinician)
    changes = _replace_day(clinician, weekday, work, breaks, ("working_hours", "breaks"))
    record(
        actor,
        Action.UPDATE,
        obj=clinician,
        summary="Working hours set",
        changes={"weekday": weekday, **changes},
        clinic_id=clinician.clinic_id,
    )


@transaction.atomic
def set_working_week(
    actor: User | None,
    clinician: User,
    week: Mapping[int, tuple[Iterable[Span], Iterable[Span]]],
) -> None:
    """Replace a clinician's working hours and breaks on each weekday given, all or none.

    ``week`` maps a weekday (0 Monday … 6 Sunday) to (working hours, breaks); a day
    with no working hours is a day off. A refusal names the day's field:
    ``work_<weekday>`` or ``breaks_<weekday>``.
    """
    _manager(actor)
    _clinician(clinician)
    if actor is not None and actor.clinic_id != clinician.clinic_id:
        refuse("clinician", "not a nurse or physician of this clinic")
    changes = {
        str(day): _replace_day(clinician, day, work, breaks, (f"work_{day}", f"breaks_{day}"))
        for day, (work, breaks) in sorted(week.items())
    }
    record(
        actor,
        Action.UPDATE,
        obj=clinician,
        summary="Working week set",
        changes=changes,
        clinic_id=clinician.clinic_id,
    )


@transaction.atomic
def add_closure(
    actor: User | None,
    clinic: Clinic,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
    resource: Resource | None = None,
) -> Closure:
    """Close the clinic (or one chair or room) from ``starts_at`` to ``ends_at``.

    Appointments already booked then stay booked: the calendar shows them for the front
    desk to move (closing never cancels anything by itself).
    """
    _manager(actor)
    if starts_at.tzinfo is None or ends_at.tzinfo is None or not starts_at < ends_at:
        refuse("ends_at", "a closure ends after it starts")
    if ends_at <= clock.now():
        refuse("ends_at", "that time has passed; a closure is for time to come")
    if not reason.strip():
        refuse("reason", "say why (a holiday, maintenance…)")
    if resource is not None and resource.clinic_id != clinic.pk:
        refuse("resource", "not a chair or room of this clinic")
    closure = Closure.objects.create(
        clinic=clinic,
        resource=resource,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip()[:200],
    )
    record(
        actor,
        Action.CREATE,
        obj=closure,
        summary="Closure added",
        changes={
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "resource": resource.name if resource else "whole clinic",
        },
        clinic_id=clinic.pk,
    )
    return closure


@transaction.atomic
def create_prospect(
    clinic: Clinic,
    *,
    given_name: str,
    family_name: str,
    email: str,
    phone: str,
    answers: Any = None,
) -> Prospect:
    """A prospective patient from the public booking form (no signed-in actor).

    Raises:
        ValidationError: Naming each field that is missing or invalid; nothing is stored.
    """
    errors: dict[str, str] = {}
    for key, value in (("given_name", given_name), ("family_name", family_name)):
        if not value.strip() or len(value.strip()) > 100:
            errors[key] = f"{key}: give a name of at most 100 characters"
    try:
        validate_email(email.strip())
    except ValidationError:
        errors["email"] = "email: this is not an email address we can write to"
    number = parse_phone(phone.strip()) if phone.strip() else None
    if number is None:
        errors["phone"] = "phone: this is not a phone number we can call; check the digits"
    if answers is not None and not isinstance(answers, Mapping):
        errors["answers"] = "answers: must be an object of question: answer"
    if errors:
        raise ValidationError(errors)
    assert number is not None
    prospect = Prospect.objects.create(
        clinic=clinic,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        email=email.strip(),
        phone=number.display,
        phone_e164=number.e164,
        answers=dict(answers or {}),
        created_at=clock.now(),
    )
    record(
        None,
        Action.CREATE,
        obj=prospect,
        summary="Prospective patient booked online",
        clinic_id=clinic.pk,
    )
    return prospect


@transaction.atomic
def mark_booster_due(actor: User, patient: Patient, due_on: dt.date, note: str = "") -> BoosterDue:
    """A clinician marks a booster due; it waits on the front desk's list until booked."""
    if not actor.can(Capability.BOOSTER_MARK):
        raise PermissionDenied("Only a nurse or physician marks a booster due.")
    if BoosterDue.objects.filter(patient=patient, status=BoosterStatus.DUE).exists():
        refuse("due_on", "a booster is already marked due for this patient")
    booster = BoosterDue.objects.create(
        clinic=patient.clinic,
        patient=patient,
        due_on=due_on,
        note=note.strip()[:300],
        marked_at=clock.now(),
        marked_by=actor,
    )
    record(
        actor,
        Action.CREATE,
        obj=booster,
        patient_code=str(patient.code),
        summary="Booster marked due",
        changes={"due_on": due_on.isoformat()},
    )
    return booster
