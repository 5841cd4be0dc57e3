"""When a patient is asked to fill in questionnaires: the follow-up policy's time points as dates.

Pure date arithmetic (no clock, no database): the caller gives the dates a patient's record
holds (each plan's signature, the days of its infusions) and the policy's
``questionnaires`` section, and gets every occurrence of every time point that the record
fixes so far.

Series. A plan's infusions form series by the one rule of
:func:`ketacore.outcomes.response.split_series`: a series has ended when it holds the plan's
series count of infusions (it ends on the last of them, known that day), or when more
than ``response.series_gap_days`` days pass without another infusion (it ends on its
last infusion, known only the day after the gap has passed). An infusion after a series
has ended starts the next series (a booster).

Occurrences. A time point falls ``offset_days`` after its anchor, and again every
``every_days`` for ``repeat`` more times. It opens that day, or the day its anchor
became known if that is later (the end of a series that ended by a gap is known late),
and stays open ``open_days`` more days: ``closes_on`` is the last day it can be filled
in. Reminders go out ``reminder_days`` after it opens. The repeats counted from the end
of a series stop when the next series starts: a new series has its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ketacore.errors import InputError
from ketacore.outcomes.policy import Anchor, QuestionnaireSchedule
from ketacore.outcomes.response import split_series

__all__ = [
    "Due",
    "Infusion",
    "PlanDates",
    "Series",
    "due_questionnaires",
    "horizon_days",
    "reminder_dates",
    "series_of",
]


@dataclass(frozen=True, slots=True)
class Infusion:
    """One infusion: its day (clinic time) and the series count of the plan it was given on."""

    day: dt.date
    series_count: int


@dataclass(frozen=True, slots=True)
class Series:
    """Consecutive infusions of one plan; ``ended_on`` is None while the series goes on."""

    number: int
    first: dt.date
    last: dt.date
    infusions: int
    ended_on: dt.date | None
    #: The day the end became known: ``last`` when the count was reached, the day after
    #: the gap when it ended by a gap (None while it goes on).
    known_on: dt.date | None
    ended_by: str  # "count", "gap" or ""


def series_of(
    infusions: Sequence[Infusion], *, gap_days: int, today: dt.date
) -> tuple[Series, ...]:
    """The series of one plan's infusions, by the rules in the module's docstring.

    Raises:
        InputError: On ``infusions`` for an infusion after ``today`` or a series count below 1.
    """
    for i in infusions:
        if i.day > today:
            raise InputError("infusions", f"{i.day.isoformat()} is after today")
        if i.series_count < 1:
            raise InputError("infusions", "a series count must be at least 1")
    counts = {i.day: i.series_count for i in infusions}
    groups = split_series(counts, gap_days=gap_days, per_series=counts)
    out: list[Series] = []
    for k, group in enumerate(groups):
        first, last = group[0], group[-1]
        after_gap = last + dt.timedelta(days=gap_days + 1)
        if len(group) >= counts[last]:
            ended_on, known_on, by = last, last, "count"
        elif k + 1 < len(groups) or (today - last).days > gap_days:
            ended_on, known_on, by = last, after_gap, "gap"
        else:
            ended_on, known_on, by = None, None, ""
        out.append(Series(k + 1, first, last, len(group), ended_on, known_on, by))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class PlanDates:
    """What one treatment plan fixes: ``ref`` names the plan (its code) in each anchor."""

    ref: str
    signed_on: dt.date
    infusions: tuple[Infusion, ...]


@dataclass(frozen=True, slots=True)
class Due:
    """One occurrence of a time point: what is asked, and from when to when."""

    timepoint: str
    label: str
    occurrence: int  # 1 for the first
    anchor: Anchor
    anchor_ref: str  # unique per patient with timepoint and occurrence
    anchor_date: dt.date
    opens_on: dt.date
    closes_on: dt.date
    instruments: tuple[str, ...]


def _anchors(
    plan: PlanDates, *, gap_days: int, today: dt.date
) -> list[tuple[Anchor, str, dt.date, dt.date, dt.date | None]]:
    """(anchor, ref, date, known on, stop before) for every anchor the plan fixes so far."""
    found: list[tuple[Anchor, str, dt.date, dt.date, dt.date | None]] = [
        (Anchor.PLAN_SIGNED, f"{plan.ref}:signed", plan.signed_on, plan.signed_on, None)
    ]
    if plan.infusions:
        first = min(i.day for i in plan.infusions)
        found.append((Anchor.FIRST_INFUSION, f"{plan.ref}:first", first, first, None))
    series = series_of(plan.infusions, gap_days=gap_days, today=today)
    for k, s in enumerate(series):
        if s.ended_on is None or s.known_on is None:
            continue
        stop = series[k + 1].first if k + 1 < len(series) else None
        ref = f"{plan.ref}:series{s.number}"
        found.append((Anchor.SERIES_END, ref, s.ended_on, s.known_on, stop))
    return found


def due_questionnaires(
    schedule: QuestionnaireSchedule, plans: Sequence[PlanDates], *, gap_days: int, today: dt.date
) -> tuple[Due, ...]:
    """Every occurrence the patient's plans fix so far, earliest first (past, open and future).

    ``today`` only decides which series have ended by a gap; the caller picks the
    occurrences open on a day (``opens_on <= day <= closes_on``).
    """
    out: list[Due] = []
    for plan in plans:
        for anchor, ref, on, known_on, stop in _anchors(plan, gap_days=gap_days, today=today):
            for point in schedule.timepoints:
                if point.anchor != anchor:
                    continue
                for n, offset in enumerate(point.offsets(), start=1):
                    opens = max(on + dt.timedelta(days=offset), known_on)
                    if stop is not None and opens >= stop:
                        break
                    out.append(
                        Due(
                            timepoint=point.id,
                            label=point.label,
                            occurrence=n,
                            anchor=anchor,
                            anchor_ref=ref,
                            anchor_date=on,
                            opens_on=opens,
                            closes_on=opens + dt.timedelta(days=schedule.open_days),
                            instruments=point.instruments,
                        )
                    )
    out.sort(key=lambda d: (d.opens_on, d.anchor_ref, d.timepoint, d.occurrence))
    return tuple(out)


def reminder_dates(schedule: QuestionnaireSchedule, opens_on: dt.date) -> tuple[dt.date, ...]:
    """The days a reminder goes out for an occurrence that opens on ``opens_on``."""
    return tuple(opens_on + dt.timedelta(days=d) for d in schedule.reminder_days)


def horizon_days(schedule: QuestionnaireSchedule, *, gap_days: int) -> int:
    """How many days after a record's latest date (a plan signed, an infusion) an occurrence
    can still open or stay open: the latest offset of any time point, plus the days a series'
    end can stay unknown (the gap and the day after it), plus the days it stays open.

    A patient whose record holds nothing newer than this has nothing left to open today, so
    the daily run can pass them by.
    """
    latest = max((max(t.offsets()) for t in schedule.timepoints), default=0)
    return latest + gap_days + 1 + schedule.open_days
