"""Free time in the clinic's calendar: what a booking needs, whether a time has it, free slots.

Read only. The booking services call :func:`check` inside their transaction (after
taking the write lock on SQLite), and :func:`free_slots` / :func:`nearest` to offer
alternatives; the API's availability endpoint calls :func:`free_slots` too, so the
public flow, the staff calendar and the services agree on what is free.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Role
from ketaclinic.lib import clock
from ketaclinic.scheduling.models import (
    Allocation,
    Closure,
    OpeningHours,
    Resource,
    ResourceKind,
    WorkingHours,
)
from ketaclinic.scheduling.needs import Choice, Need, Slot, local_start, settings_of
from ketacore.schedule import (
    Interval,
    clinic_zone,
    covers,
    local_window,
    overlaps,
    subtract,
)

__all__ = [
    "Choice",
    "Need",
    "Slot",
    "check",
    "free_slots",
    "local_start",
    "nearest",
    "settings_of",
]

#: How far from the asked time alternatives are looked for, in days either side.
SEARCH_DAYS = 14


@dataclass
class _Calendar:
    """Everything the checks read for a range of days, loaded once."""

    clinic: Clinic
    zone: ZoneInfo
    step: dt.timedelta
    opening: dict[int, list[tuple[dt.time, dt.time]]]
    closures: list[tuple[Interval, int | None, str]]
    all_resources: list[Resource]
    all_staff: list[User]
    busy: dict[str, list[Interval]] = field(default_factory=lambda: defaultdict(list))
    _windows: dict[dt.date, list[Interval]] = field(default_factory=dict)
    _duty: dict[tuple[int, dt.date], list[Interval]] = field(default_factory=dict)
    duty: dict[
        int, dict[int, tuple[list[tuple[dt.time, dt.time]], list[tuple[dt.time, dt.time]]]]
    ] = field(default_factory=dict)

    @classmethod
    def load(
        cls, clinic: Clinic, start: dt.datetime, end: dt.datetime, exclude: int | None = None
    ) -> _Calendar:
        opening: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
        for row in OpeningHours.objects.filter(clinic=clinic):
            opening[row.weekday].append((row.opens, row.closes))
        closures = [
            ((c.starts_at, c.ends_at), c.resource_id, c.reason)
            for c in Closure.objects.filter(clinic=clinic, starts_at__lt=end, ends_at__gt=start)
        ]
        cal = cls(
            clinic,
            clinic_zone(clinic.time_zone),
            dt.timedelta(minutes=settings_of(clinic).slot_step_min),
            opening,
            closures,
            list(Resource.objects.filter(clinic=clinic, active=True).order_by("name", "pk")),
            list(User.objects.filter(clinic=clinic, is_active=True).order_by("pk")),
        )
        holds = Allocation.objects.filter(
            appointment__clinic=clinic, active=True, starts_at__lt=end, ends_at__gt=start
        )
        if exclude is not None:
            holds = holds.exclude(appointment_id=exclude)
        for holder, s, e in holds.values_list("holder", "starts_at", "ends_at"):
            cal.busy[holder].append((s, e))
        for wh in WorkingHours.objects.filter(clinician__clinic=clinic):
            work, breaks = cal.duty.setdefault(wh.clinician_id, {}).setdefault(wh.weekday, ([], []))
            (breaks if wh.is_break else work).append((wh.starts, wh.ends))
        return cal

    def resources(self, kind: str) -> list[Resource]:
        return [r for r in self.all_resources if r.kind == kind]

    def staff(self, roles: tuple[str, ...]) -> list[User]:
        return [u for u in self.all_staff if u.role in roles]

    def windows(self, day: dt.date) -> list[Interval]:
        """The clinic's open time on ``day``, closures taken out."""
        if day not in self._windows:
            self._windows[day] = self._open_on(day)
        return self._windows[day]

    def _open_on(self, day: dt.date) -> list[Interval]:
        spans = [local_window(day, o, c, self.zone) for o, c in self.opening.get(day.weekday(), [])]
        cuts = [span for span, resource, _ in self.closures if resource is None]
        return subtract([s for s in spans if s is not None], cuts)

    def on_duty(self, user_id: int, day: dt.date) -> list[Interval]:
        key = (user_id, day)
        if key not in self._duty:
            self._duty[key] = self._duty_on(user_id, day)
        return self._duty[key]

    def _duty_on(self, user_id: int, day: dt.date) -> list[Interval]:
        work, breaks = self.duty.get(user_id, {}).get(day.weekday(), ([], []))
        spans = [local_window(day, s, e, self.zone) for s, e in work]
        pauses = [local_window(day, s, e, self.zone) for s, e in breaks]
        return subtract([s for s in spans if s], [p for p in pauses if p])

    def free(self, holder: str, span: Interval) -> bool:
        return not any(overlaps(span, b) for b in self.busy.get(holder, ()))

    def resource_open(self, resource: Resource, span: Interval) -> bool:
        return not any(r == resource.pk and overlaps(span, c) for c, r, _ in self.closures)


def holder_of(obj: Resource | User) -> str:
    return f"resource:{obj.pk}" if isinstance(obj, Resource) else f"user:{obj.pk}"


def _fmt(zone: ZoneInfo, span: Interval) -> str:
    return f"{span[0].astimezone(zone):%H:%M}–{span[1].astimezone(zone):%H:%M}"


def _day_of(cal: _Calendar, instant: dt.datetime) -> dt.date:
    return instant.astimezone(cal.zone).date()


def _pick(cal: _Calendar, need: Need, span: Interval, choice: Choice) -> Slot | str:
    """A slot at ``span`` with what it needs, or the field that cannot be met."""
    day = _day_of(cal, span[0])
    resource = None
    if need.resource_kind is not None:
        options = [choice.resource] if choice.resource else cal.resources(need.resource_kind)
        resource = next(
            (r for r in options if cal.resource_open(r, span) and cal.free(holder_of(r), span)),
            None,
        )
        if resource is None:
            return "resource"
    clinicians = [choice.clinician] if choice.clinician else cal.staff(need.clinician_roles)
    clinician = next(
        (
            u
            for u in clinicians
            if any(covers(w, span) for w in cal.on_duty(u.pk, day)) and cal.free(holder_of(u), span)
        ),
        None,
    )
    if clinician is None:
        return "clinician"
    physician = None
    if need.needs_cover:
        doctors = [choice.physician] if choice.physician else cal.staff((Role.PHYSICIAN,))
        physician = next(
            (u for u in doctors if any(covers(w, span) for w in cal.on_duty(u.pk, day))), None
        )
        if physician is None:
            return "physician"
    return Slot(span[0], span[1], resource, clinician, physician)


def check(
    clinic: Clinic,
    need: Need,
    starts_at: dt.datetime,
    choice: Choice,
    *,
    exclude: int | None = None,
) -> Slot:
    """The slot ``starts_at`` gives ``need``, with the chair, room and clinicians it holds.

    Raises:
        ValidationError: Naming the field and the rule: a time that has passed, outside
            opening hours or in a closure, longer than the chair is open, a resource or
            clinician of the wrong kind, off duty or taken. A taken one is a
            :class:`~ketaclinic.scheduling.errors.SlotTakenError` with the nearest free slots.
    """
    from ketaclinic.scheduling.errors import SlotTakenError, refuse

    span = (starts_at, starts_at + dt.timedelta(minutes=need.minutes))
    cal = _Calendar.load(
        clinic, span[0] - dt.timedelta(days=1), span[1] + dt.timedelta(days=1), exclude
    )
    zone, day = cal.zone, _day_of(cal, starts_at)
    if starts_at < clock.now():
        refuse(
            "starts_at",
            f"{starts_at.astimezone(zone):%d %b %Y %H:%M} has passed; choose a time from now on",
        )
    windows = cal.windows(day)
    if not any(covers(w, span) for w in windows):
        for closed, resource, reason in cal.closures:
            if resource is None and overlaps(closed, span):
                refuse("starts_at", f"the clinic is closed then ({reason})")
        if not windows:
            refuse("starts_at", f"the clinic is closed on {day:%A %d %b %Y}")
        longest = max(w[1] - w[0] for w in windows)
        if span[1] - span[0] > longest:
            refuse(
                "duration",
                f"the {need.label} takes {need.minutes} min, longer than the "
                f"{'chair' if need.resource_kind == ResourceKind.CHAIR else 'clinic'} is open "
                f"on {day:%a %d %b %Y} ({int(longest.total_seconds() // 60)} min)",
            )
        hours = ", ".join(_fmt(zone, w) for w in windows)
        refuse("starts_at", f"{_fmt(zone, span)} is outside opening hours ({hours})")
    if choice.resource is not None:
        r = choice.resource
        if r.kind != need.resource_kind:
            wanted = {
                str(ResourceKind.CHAIR): "an infusion chair",
                str(ResourceKind.ROOM): "a consulting room",
            }.get(need.resource_kind or "", "no room (it is by video or phone)")
            refuse(
                "resource",
                f"{r.name} is a {r.get_kind_display().lower()}; this {need.label} needs {wanted}",
            )
        if r.clinic_id != clinic.pk:
            refuse("resource", f"{r.name} is not a chair or room of this clinic")
        if not r.active or not cal.resource_open(r, span):
            refuse("resource", f"{r.name} is closed then")
    for name, user, roles in (
        ("clinician", choice.clinician, need.clinician_roles),
        ("physician", choice.physician, (Role.PHYSICIAN,) if need.needs_cover else ()),
    ):
        if user is None:
            continue
        if user.role not in roles or user.clinic_id != clinic.pk:
            refuse(name, f"{user.get_full_name() or user.username} cannot take this {need.label}")
        if not any(covers(w, span) for w in cal.on_duty(user.pk, day)):
            duty = ", ".join(_fmt(zone, w) for w in cal.on_duty(user.pk, day)) or "not working"
            refuse(name, f"{user.get_full_name() or user.username} is not on duty then ({duty})")
    found = _pick(cal, need, span, choice)
    if isinstance(found, Slot):
        return found
    what = {
        "resource": f"no {ResourceKind(need.resource_kind or 'room').label.lower()} is free",
        "clinician": "no clinician is free",
        "physician": "no physician is on duty to cover",
    }[found]
    if found == "resource" and choice.resource is not None:
        what = f"{choice.resource.name} is already booked"
    if found == "clinician" and choice.clinician is not None:
        who = choice.clinician.get_full_name() or choice.clinician.username
        what = f"{who} is already booked"
    raise SlotTakenError(
        found,
        f"{what} at {_fmt(zone, span)} on {day:%a %d %b %Y}",
        zone,
        search=(clinic, need, starts_at, exclude),
    )


def _scan_day(
    cal: _Calendar, need: Need, day: dt.date, choice: Choice, now: dt.datetime
) -> list[Slot]:
    length = dt.timedelta(minutes=need.minutes)
    slots: list[Slot] = []
    for w_start, w_end in cal.windows(day):
        at = w_start
        while at + length <= w_end:
            if at >= now:
                found = _pick(cal, need, (at, at + length), choice)
                if isinstance(found, Slot):
                    slots.append(found)
            at += cal.step
    return slots


def _load_days(
    clinic: Clinic, first_day: dt.date, last_day: dt.date, exclude: int | None
) -> _Calendar:
    zone = clinic_zone(clinic.time_zone)
    start = dt.datetime.combine(first_day, dt.time(0), zone) - dt.timedelta(days=1)
    end = dt.datetime.combine(last_day, dt.time(0), zone) + dt.timedelta(days=2)
    return _Calendar.load(clinic, start, end, exclude)


def free_slots(
    clinic: Clinic,
    need: Need,
    first_day: dt.date,
    last_day: dt.date,
    choice: Choice | None = None,
    *,
    exclude: int | None = None,
    limit: int = 200,
) -> list[Slot]:
    """Free slots for ``need`` from ``first_day`` to ``last_day`` (local days), earliest first."""
    cal = _load_days(clinic, first_day, last_day, exclude)
    now = clock.now()
    slots: list[Slot] = []
    day = first_day
    while day <= last_day and len(slots) < limit:
        slots += _scan_day(cal, need, day, choice or Choice(), now)
        day += dt.timedelta(days=1)
    return slots[:limit]


def nearest(
    clinic: Clinic, need: Need, around: dt.datetime, *, count: int = 3, exclude: int | None = None
) -> list[Slot]:
    """The ``count`` free slots nearest to ``around`` (before or after), nearest first.

    Days are searched outward from the asked one, up to :data:`SEARCH_DAYS` either side;
    once ``count`` are found, one more day either side is searched (a slot there may
    still be nearer across midnight) and the search stops.
    """
    zone = clinic_zone(clinic.time_zone)
    day = around.astimezone(zone).date()
    span = dt.timedelta(days=SEARCH_DAYS)
    cal = _load_days(clinic, day - span, day + span, exclude)
    now = clock.now()
    found: list[Slot] = []
    enough_at: int | None = None
    for offset in range(SEARCH_DAYS + 1):
        days = {day - dt.timedelta(days=offset), day + dt.timedelta(days=offset)}
        for d in sorted(days):
            found += _scan_day(cal, need, d, Choice(), now)
        if enough_at is None and len(found) >= count:
            enough_at = offset
        if enough_at is not None and offset > enough_at:
            break
    found.sort(key=lambda s: (abs(s.starts_at - around), s.starts_at))
    return found[:count]
