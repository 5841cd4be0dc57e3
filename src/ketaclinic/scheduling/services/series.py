"""A treatment plan's whole series of infusions, booked at its spacing in one transaction.

The series takes the plan version's count, spacing and infusion length (frozen when the
physician signed it: ``PlanVersion.series_count``, ``series_spacing_days``,
``duration_min``, from the protocol as it stood in that library version). Session *n* is
on ``first_day + (n - 1) * spacing`` at the same *local* time, so a series crossing a DST
change keeps 09:00 at 09:00 on the wall clock. Each session finds a chair, a nurse and a
physician on duty to cover it through the same check as a single booking.

All or nothing: if any session finds no slot, nothing is booked and the refusal
(:class:`SeriesTakenError`) lists, for each such session, the nearest free slots; the caller
books again with ``overrides`` choosing one for those sessions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.audit.services import Action, record
from ketaclinic.patients.models import Patient
from ketaclinic.plans import services as plans
from ketaclinic.scheduling.availability import Choice
from ketaclinic.scheduling.errors import SeriesTakenError, refuse
from ketaclinic.scheduling.locking import lock_calendar
from ketaclinic.scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from ketaclinic.scheduling.services.booking import (
    Booking,
    book_locked,
    require_booker,
)
from ketacore.errors import InputError
from ketacore.schedule import clinic_zone, to_instant

__all__ = ["book_series", "series_times"]


def series_times(
    patient: Patient, first_day: dt.date, local_time: dt.time
) -> list[tuple[int, dt.datetime | InputError]]:
    """Each session's number and instant (or why that local time does not exist that day)."""
    version = plans.active_version(patient)
    if version is None:
        refuse("plan", "the patient has no signed treatment plan in progress")
    zone = clinic_zone(patient.clinic.time_zone)
    out: list[tuple[int, dt.datetime | InputError]] = []
    for n in range(1, version.series_count + 1):
        day = first_day + dt.timedelta(days=(n - 1) * version.series_spacing_days)
        try:
            out.append((n, to_instant(day, local_time, zone, field="starts_at")))
        except InputError as exc:
            out.append((n, exc))
    return out


def book_series(
    actor: User,
    patient: Patient,
    *,
    first_day: dt.date,
    local_time: dt.time,
    choice: Choice | None = None,
    overrides: Mapping[int, dt.datetime] | None = None,
) -> list[Appointment]:
    """Book every infusion of the patient's plan in progress not booked yet.

    Raises:
        ValidationError: On ``plan`` (none in progress, or every session already booked);
            :class:`SeriesTakenError` naming each session that found no slot, with the nearest
            free ones (looked for after the transaction has rolled back). Nothing is
            stored then.
    """
    try:
        return _book_series(actor, patient, first_day, local_time, choice, overrides)
    except SeriesTakenError as exc:
        raise exc.completed() from None


@transaction.atomic
def _book_series(
    actor: User,
    patient: Patient,
    first_day: dt.date,
    local_time: dt.time,
    choice: Choice | None,
    overrides: Mapping[int, dt.datetime] | None,
) -> list[Appointment]:
    require_booker(actor, patient.clinic)
    version = plans.active_version(patient)
    if version is None:
        refuse("plan", "the patient has no signed treatment plan in progress")
    lock_calendar(patient.clinic)
    booked = set(
        Appointment.objects.filter(
            plan_version__plan=version.plan,
            kind=AppointmentKind.INFUSION,
            status__in=(AppointmentStatus.BOOKED, AppointmentStatus.DONE),
        ).values_list("number_in_series", flat=True)
    )
    overrides = overrides or {}
    problems: dict[int, ValidationError] = {}
    made: list[Appointment] = []
    for number, at in series_times(patient, first_day, local_time):
        if number in booked:
            continue
        at = overrides.get(number, at)
        if isinstance(at, InputError):
            problems[number] = ValidationError({at.field: f"{at.field}: {at.rule}"})
            continue
        request = Booking(
            kind=AppointmentKind.INFUSION,
            starts_at=at,
            patient=patient,
            choice=choice or Choice(),
            plan_version=version,
            number_in_series=number,
        )
        try:
            made.append(book_locked(actor, request))
        except ValidationError as exc:
            problems[number] = exc
    if problems:
        raise SeriesTakenError(problems)
    if not made:
        refuse("plan", f"all {version.series_count} infusions of this plan are booked already")
    record(
        actor,
        Action.CREATE,
        obj=version.plan,
        patient_code=str(patient.code),
        summary=f"Infusion series booked ({len(made)} of {version.series_count})",
        changes={"appointments": [str(a.code) for a in made]},
    )
    return made
