"""What the public booking pages read: the clinic shown, its free consultation times."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Capability
from ketaclinic.booking.models import CalendarFeed
from ketaclinic.lib import clock
from ketaclinic.lib.access import require
from ketaclinic.public.access import public_profile
from ketaclinic.public.models import ClinicProfile
from ketaclinic.scheduling import services as scheduling
from ketaclinic.scheduling.availability import free_slots
from ketaclinic.scheduling.models import Appointment, AppointmentKind, Prospect
from ketacore.schedule import clinic_zone

__all__ = [
    "Day",
    "Time",
    "bookable_clinic",
    "booked_appointment",
    "current",
    "feed_of",
    "free_days",
    "free_times",
    "prospect_for",
]


def bookable_clinic() -> ClinicProfile | None:
    return public_profile()


@dataclass(frozen=True, slots=True)
class Time:
    value: str  # the instant, ISO 8601 in UTC: what the form sends back
    label: str  # "9:30 AM"
    starts_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Day:
    date: dt.date
    label: str  # "Tue 1 Dec"
    times: list[Time]


def free_times(clinic: Clinic, mode: str, first: dt.date, last: dt.date) -> list[Day]:
    """Free consultation times by local day (one per start time, whichever room or clinician)."""
    need = scheduling.need_for(clinic, AppointmentKind.CONSULTATION, mode=mode)
    zone = clinic_zone(clinic.time_zone)
    days: dict[dt.date, dict[dt.datetime, Time]] = {}
    for slot in free_slots(clinic, need, first, last, limit=2000):
        local = slot.starts_at.astimezone(zone)
        times = days.setdefault(local.date(), {})
        times.setdefault(
            slot.starts_at,
            Time(
                slot.starts_at.astimezone(dt.UTC).isoformat(), f"{local:%-I:%M %p}", slot.starts_at
            ),
        )
    return [
        Day(day, f"{day:%a %-d %b}", sorted(times.values(), key=lambda t: t.starts_at))
        for day, times in sorted(days.items())
    ]


def free_days(clinic: Clinic, mode: str) -> list[Day]:
    """The next days with free times, from today to ``BOOKING_DAYS_AHEAD`` ahead."""
    today = clock.now().astimezone(clinic_zone(clinic.time_zone)).date()
    last = today + dt.timedelta(days=settings.BOOKING_DAYS_AHEAD)
    return free_times(clinic, mode, today, last)


def booked_appointment(code: str) -> Appointment | None:
    """The appointment this browser just booked (its code kept in the session)."""
    try:
        key = uuid.UUID(str(code))
    except ValueError:
        return None
    return (
        Appointment.objects.select_related("clinic", "prospect")
        .filter(code=key, prospect__isnull=False)
        .first()
    )


def current(appointment: Appointment) -> Appointment:
    """The appointment as it is now (after a refused change, to show it again)."""
    return Appointment.objects.select_related("clinic", "prospect", "patient").get(
        pk=appointment.pk
    )


def feed_of(user: User) -> CalendarFeed | None:
    """The user's live calendar feed, if they have one."""
    require(user, Capability.SCHEDULE_VIEW)
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def prospect_for(user: object, code: object) -> Prospect:
    """A prospective patient of the user's clinic, not yet registered, for registering."""
    staff = require(user, Capability.PATIENT_CREATE)
    try:
        key = uuid.UUID(str(code))
    except ValueError:
        raise Http404("No such booking.") from None
    found = Prospect.objects.filter(
        code=key, clinic_id=staff.clinic_id, patient__isnull=True
    ).first()
    if found is None:
        raise Http404("No such booking, or the person is registered already.")
    return found
