"""Chair utilisation for the clinic admin: a week per chair and per day, idle gaps, no-shows.

Reads only (issue 12 §9). The arithmetic is ``ketacore.utilisation``; this gathers a
week's opening hours, closures and appointments of the admin's clinic, in its time zone.
Appointments that held a chair count as booked whether they happened, were missed or are
still to come; cancelled ones do not. The no-show rate is over the week's appointments of
every kind whose time has come and that were not cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.lib import clock
from ketaclinic.lib.access import require
from ketaclinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    Closure,
    OpeningHours,
    Resource,
    ResourceKind,
)
from ketacore.schedule import Interval, clinic_zone, local_window, subtract
from ketacore.utilisation import Use, combine, no_show_rate, use_of

__all__ = ["MIN_GAP", "ChairWeek", "WeekReport", "week_report"]

#: Shorter stretches of open time are turnover between patients, not idle capacity.
MIN_GAP = dt.timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class ChairWeek:
    chair: str
    days: list[Use]  # Monday to Sunday
    week: Use


@dataclass(frozen=True, slots=True)
class WeekReport:
    monday: dt.date
    zone: str
    chairs: list[ChairWeek]
    total: Use
    no_shows: int
    kept: int

    @property
    def no_show_rate(self) -> float | None:
        return no_show_rate(self.no_shows, self.kept)

    @property
    def days(self) -> list[dt.date]:
        return [self.monday + dt.timedelta(days=i) for i in range(7)]


def week_report(user: User, monday: dt.date) -> WeekReport:
    staff = require(user, Capability.SCHEDULE_MANAGE)
    clinic = staff.clinic
    zone = clinic_zone(clinic.time_zone)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    start = dt.datetime.combine(monday, dt.time(0), zone)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(0), zone)
    hours: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for row in OpeningHours.objects.filter(clinic=clinic):
        hours.setdefault(row.weekday, []).append((row.opens, row.closes))
    closures = list(
        Closure.objects.filter(clinic=clinic, starts_at__lt=end, ends_at__gt=start).values_list(
            "resource_id", "starts_at", "ends_at"
        )
    )
    chairs = list(
        Resource.objects.filter(clinic=clinic, kind=ResourceKind.CHAIR, active=True).order_by(
            "name"
        )
    )
    held = list(
        Appointment.objects.filter(
            clinic=clinic, resource__in=chairs, starts_at__lt=end, ends_at__gt=start
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .values_list("resource_id", "starts_at", "ends_at")
    )
    report: list[ChairWeek] = []
    for chair in chairs:
        cuts = [(s, e) for r, s, e in closures if r is None or r == chair.pk]
        booked = [(s, e) for r, s, e in held if r == chair.pk]
        per_day = []
        for day in days:
            spans = [local_window(day, o, c, zone) for o, c in hours.get(day.weekday(), [])]
            open_spans: list[Interval] = subtract([s for s in spans if s is not None], cuts)
            per_day.append(use_of(open_spans, booked, min_gap=MIN_GAP))
        report.append(ChairWeek(chair.name, per_day, combine(per_day)))
    now = clock.now()
    past = Appointment.objects.filter(
        clinic=clinic, starts_at__gte=start, starts_at__lt=min(end, now)
    ).exclude(status=AppointmentStatus.CANCELLED)
    no_shows = past.filter(status=AppointmentStatus.NO_SHOW).count()
    return WeekReport(
        monday,
        zone.key,
        report,
        combine([c.week for c in report]),
        no_shows,
        past.count() - no_shows,
    )
