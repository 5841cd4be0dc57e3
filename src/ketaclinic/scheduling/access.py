"""Permission-checked getters for the calendar (404 outside the user's clinic; reads audited).

A list of appointments writes one list record naming the patients shown; one
appointment of a patient writes a view record, as the patients' getters do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability, Role
from ketaclinic.lib import clock
from ketaclinic.lib.access import require
from ketaclinic.patients import access as patient_access
from ketaclinic.patients import services as patient_services
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import (
    Appointment,
    BoosterDue,
    BoosterStatus,
    Closure,
    OpeningHours,
    Resource,
    WorkingHours,
)
from ketaclinic.scheduling.needs import settings_of
from ketacore.schedule import clinic_zone

__all__ = [
    "MAX_DAYS",
    "appointment_for_staff",
    "appointments_for_staff",
    "boosters_due",
    "calendar_setup",
    "clinician_for",
    "clinician_to_set_up",
    "clinicians_of",
    "closure_to_remove",
    "day_view",
    "own_appointments",
    "patient_for_booking",
    "resource_for",
    "resource_to_set_up",
    "resources_of",
]

#: The longest range one list or availability request covers, in days.
MAX_DAYS = 31
_RELATED = ("patient", "prospect", "resource", "clinician", "physician", "clinic")


def _rows(clinic_id: int) -> QuerySet[Appointment]:
    return Appointment.objects.filter(clinic_id=clinic_id).select_related(*_RELATED)


def _in_range(staff: User, first_day: dt.date, last_day: dt.date) -> QuerySet[Appointment]:
    if last_day < first_day or (last_day - first_day).days >= MAX_DAYS:
        raise ValidationError({"to": f"to: from 0 to {MAX_DAYS - 1} days after from"})
    zone = clinic_zone(staff.clinic.time_zone)
    start = dt.datetime.combine(first_day, dt.time(0), zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), zone)
    return _rows(staff.clinic_id).filter(starts_at__lt=end, ends_at__gt=start)


def _patients(rows: list[Any]) -> list[Patient]:
    return list({r.patient_id: r.patient for r in rows if r.patient is not None}.values())


def appointments_for_staff(user: Any, first_day: dt.date, last_day: dt.date) -> list[Appointment]:
    """The clinic's appointments on local days ``first_day``-``last_day`` (audited as a list)."""
    staff = require(user, Capability.SCHEDULE_VIEW)
    shown = list(_in_range(staff, first_day, last_day))
    patient_services.record_list(staff, _patients(shown), summary="Appointments")
    return shown


def day_view(user: Any, day: dt.date) -> tuple[list[Appointment], list[BoosterDue]]:
    """A calendar day's appointments and the boosters waiting to be booked (one list record)."""
    staff = require(user, Capability.SCHEDULE_VIEW)
    shown = list(_in_range(staff, day, day))
    boosters = boosters_due(staff) if staff.can(Capability.SCHEDULE_BOOK) else []
    patient_services.record_list(staff, _patients([*shown, *boosters]), summary="Calendar day")
    return shown, boosters


def week_view(user: Any, monday: dt.date) -> list[Appointment]:
    """A calendar week's appointments, Monday to Sunday (one list record)."""
    staff = require(user, Capability.SCHEDULE_VIEW)
    shown = list(_in_range(staff, monday, monday + dt.timedelta(days=6)))
    patient_services.record_list(staff, _patients(shown), summary="Calendar week")
    return shown


def resources_of(user: Any) -> list[Resource]:
    staff = require(user, Capability.SCHEDULE_VIEW)
    return list(Resource.objects.filter(clinic_id=staff.clinic_id, active=True))


def clinicians_of(user: Any) -> list[User]:
    """The clinic's active nurses and physicians (whom appointments hold)."""
    staff = require(user, Capability.SCHEDULE_VIEW)
    return list(
        User.objects.filter(
            clinic_id=staff.clinic_id, is_active=True, role__in=(Role.NURSE, Role.PHYSICIAN)
        ).order_by("role", "last_name", "username")
    )


def appointment_for_staff(user: Any, code: UUID | str, capability: Capability) -> Appointment:
    """One appointment of the user's clinic; the read of its patient is audited."""
    staff = require(user, capability)
    try:
        appointment = _rows(staff.clinic_id).get(code=code)
    except (Appointment.DoesNotExist, ValueError):
        raise Http404("No such appointment") from None
    if appointment.patient is not None:
        patient_services.record_view(staff, appointment.patient, part="appointment")
    return appointment


def own_appointments(user: Any) -> list[Appointment]:
    """A portal user's own appointments, newest last."""
    patient = patient_access.get_own_patient(user, part="appointments")
    return list(_rows(patient.clinic_id).filter(patient=patient))


def patient_for_booking(user: Any, code: UUID | str, capability: Capability) -> Patient:
    return patient_access.get_patient_for_user(user, code, capability, part="appointments")


def resource_for(
    user: User, code: UUID | str | None, *, field: str = "resource"
) -> Resource | None:
    """A chair or room of the user's clinic named in a booking; None when none is named."""
    if code is None:
        return None
    found = Resource.objects.filter(clinic_id=user.clinic_id, code=code).first()
    if found is None:
        raise ValidationError({field: f"{field}: no such chair or room in this clinic"})
    return found


def clinician_for(user: User, code: UUID | str | None, *, field: str) -> User | None:
    """A nurse or physician of the user's clinic named in a booking; None when none is named."""
    if code is None:
        return None
    found = User.objects.filter(
        clinic_id=user.clinic_id, code=code, role__in=(Role.NURSE, Role.PHYSICIAN)
    ).first()
    if found is None:
        raise ValidationError({field: f"{field}: no such nurse or physician in this clinic"})
    return found


def boosters_due(user: Any) -> list[BoosterDue]:
    """Boosters marked due and not booked yet: the front desk's suggestions.

    Unread: whoever shows them records the list (:func:`day_view` does).
    """
    staff = require(user, Capability.SCHEDULE_BOOK)
    return list(
        BoosterDue.objects.filter(clinic_id=staff.clinic_id, status=BoosterStatus.DUE)
        .select_related("patient")
        .order_by("due_on", "pk")
    )


def calendar_setup(user: Any) -> dict[str, Any]:
    """What the admin's set-up page shows: every chair and room (in use or not), opening
    hours and each clinician's hours per weekday, and closures not yet over. No patient."""
    staff = require(user, Capability.SCHEDULE_MANAGE)
    clinic_id = staff.clinic_id
    return {
        "resources": list(Resource.objects.filter(clinic_id=clinic_id)),
        "opening": list(OpeningHours.objects.filter(clinic_id=clinic_id)),
        "working": list(
            WorkingHours.objects.filter(clinician__clinic_id=clinic_id).order_by(
                "clinician_id", "weekday", "is_break", "starts"
            )
        ),
        "settings": settings_of(staff.clinic),
        "closures": list(
            Closure.objects.filter(clinic_id=clinic_id, ends_at__gt=clock.now())
            .select_related("resource")
            .order_by("starts_at", "pk")
        ),
    }


def resource_to_set_up(user: Any, code: UUID | str) -> Resource:
    """A chair or room of the admin's clinic, in use or not (404 otherwise)."""
    staff = require(user, Capability.SCHEDULE_MANAGE)
    try:
        return Resource.objects.get(clinic_id=staff.clinic_id, code=code)
    except (Resource.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such chair or room") from None


def closure_to_remove(user: Any, code: UUID | str) -> Closure:
    staff = require(user, Capability.SCHEDULE_MANAGE)
    try:
        return Closure.objects.select_related("resource").get(clinic_id=staff.clinic_id, code=code)
    except (Closure.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such closure") from None


def clinician_to_set_up(user: Any, code: UUID | str) -> User:
    """An active nurse or physician of the admin's clinic, whose hours the admin sets."""
    staff = require(user, Capability.SCHEDULE_MANAGE)
    try:
        return User.objects.get(
            clinic_id=staff.clinic_id,
            code=code,
            is_active=True,
            role__in=(Role.NURSE, Role.PHYSICIAN),
        )
    except (User.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such nurse or physician") from None
