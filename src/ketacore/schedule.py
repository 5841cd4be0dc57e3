"""Clinic time: local wall-clock times to instants, and interval arithmetic for a calendar.

Pure (stdlib ``zoneinfo`` and ``datetime``). A clinic states its hours in local
wall-clock time ("09:00-17:00 on Mondays"); appointments are stored as UTC instants.
Going from one to the other must be explicit about the two DST transitions:

* **Spring forward** (America/New_York, second Sunday of March, 02:00 -> 03:00): local
  times from 02:00 to 02:59 do not exist. :func:`to_instant` refuses them with an
  :class:`~ketacore.errors.InputError` naming the field; it never shifts them silently.
* **Fall back** (first Sunday of November, 02:00 -> 01:00): local times from 01:00 to
  01:59 happen twice. :func:`to_instant` takes the *first* of the two (``fold=0``,
  still on daylight time), the reading a person has in mind when they book "01:30"
  before the clocks change; the second needs an explicit UTC offset.

Intervals are half-open ``[start, end)`` pairs of aware datetimes (or any ordered values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ketacore.errors import InputError

__all__ = [
    "Interval",
    "clinic_zone",
    "covers",
    "exists_locally",
    "local_window",
    "merge",
    "overlaps",
    "subtract",
    "to_instant",
]

Interval = tuple[dt.datetime, dt.datetime]
_UTC = dt.UTC


def clinic_zone(name: str, *, field: str = "time_zone") -> ZoneInfo:
    """The IANA time zone ``name`` ("America/Phoenix").

    Raises:
        InputError: On ``field`` when no such zone is known.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            field, f"{name!r} is not a time zone name (for example America/New_York)"
        ) from None


def exists_locally(day: dt.date, time: dt.time, zone: ZoneInfo) -> bool:
    """Whether the wall-clock time ``time`` on ``day`` happens in ``zone`` (not in a DST gap)."""
    naive = dt.datetime.combine(day, time)
    for fold in (0, 1):
        local = naive.replace(tzinfo=zone, fold=fold)
        if local.astimezone(_UTC).astimezone(zone).replace(tzinfo=None) == naive:
            return True
    return False


def to_instant(day: dt.date, time: dt.time, zone: ZoneInfo, *, field: str = "start") -> dt.datetime:
    """The UTC instant of the local wall-clock ``time`` on ``day`` in ``zone``.

    An ambiguous time (the repeated hour when clocks fall back) is the first of the
    two (daylight time, ``fold=0``).

    Raises:
        InputError: On ``field`` for a time in the spring-forward gap, which does not exist.
    """
    if not exists_locally(day, time, zone):
        raise InputError(
            field,
            f"{time:%H:%M} on {day.isoformat()} does not exist in {zone.key}: the clocks "
            "jump forward an hour that night; choose a time before or after the change",
        )
    return dt.datetime.combine(day, time).replace(tzinfo=zone, fold=0).astimezone(_UTC)


def local_window(day: dt.date, opens: dt.time, closes: dt.time, zone: ZoneInfo) -> Interval | None:
    """The instants of a window stated in local time ("08:00-17:00") on ``day``.

    A boundary that falls in a DST gap moves to the first instant after the gap
    (a window opening at 02:30 on spring-forward night opens at 03:00), so a window
    keeps the local times that do exist. None when the window is empty.
    """
    start = _existing(day, opens, zone)
    end = _existing(day, closes, zone) if closes != dt.time(0) else None
    if end is None:  # "until midnight"
        end = _existing(day + dt.timedelta(days=1), dt.time(0), zone)
    return (start, end) if start < end else None


def _existing(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    if exists_locally(day, time, zone):
        return to_instant(day, time, zone)
    # In a gap: the wall clock reads the time after the jump at the first instant after it.
    # fold=1 reads the gap time with the offset after the transition, which lands after it.
    local = dt.datetime.combine(day, time).replace(tzinfo=zone, fold=1)
    after = local.astimezone(_UTC)
    earlier = dt.datetime.combine(day, time).replace(tzinfo=zone, fold=0).astimezone(_UTC)
    gap_end = max(after, earlier)
    # The first instant whose local reading is at or after ``time``: the transition itself.
    probe = min(after, earlier)
    while probe < gap_end and probe.astimezone(zone).replace(tzinfo=None) < dt.datetime.combine(
        day, time
    ):
        probe += dt.timedelta(minutes=1)
    return probe


def overlaps(a: Interval, b: Interval) -> bool:
    """Whether two half-open intervals share an instant (touching ends do not)."""
    return a[0] < b[1] and b[0] < a[1]


def covers(outer: Interval, inner: Interval) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of intervals, sorted, touching ones joined."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def subtract(intervals: Sequence[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    """``intervals`` with every part covered by ``cuts`` removed."""
    out = merge(intervals)
    for cut_start, cut_end in merge(cuts):
        kept: list[Interval] = []
        for start, end in out:
            if cut_end <= start or end <= cut_start:
                kept.append((start, end))
                continue
            if start < cut_start:
                kept.append((start, cut_start))
            if cut_end < end:
                kept.append((cut_end, end))
        out = kept
    return out
