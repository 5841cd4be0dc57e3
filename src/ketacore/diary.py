"""The patient's daily diary and their progress told in plain words.

A diary day holds three numeric rating scales, each a whole number from 0 to 10 where
higher is worse, in the Brief Pain Inventory's wording (Cleeland, BPI User Guide
[CleelandBPI]):

* ``pain_nrs``: average pain today, 0 = no pain, 10 = pain as bad as you can imagine
  (BPI item 3; the pain NRS anchors [PhysioCanada-NRS]);
* ``function_nrs``: how much pain got in the way of walking and daily activities today,
  0 = not at all, 10 = completely (BPI items 6 and 8, general activity and walking);
* ``mood_nrs``: how much pain got in the way of mood today, 0 = not at all,
  10 = completely (BPI item 7).

A day may be entered for today or, when missed, later with its real date: up to
:data:`MAX_DAYS_BACK` days back, never in the future.

:func:`progress` compares the average pain of the last :data:`WEEK_DAYS` days with the
baseline: the average of the diary days in the :data:`BASELINE_DAYS` days before the
first infusion, or, with no diary day then, the intake BPI's average-pain item (its
item 3). The words say which. Averages are shown as whole numbers (half rounds up) in
the sentence, with one decimal in the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import fmean
from typing import Literal

from ketacore.errors import InputError

__all__ = [
    "BASELINE_DAYS",
    "ITEMS",
    "MAX_DAYS_BACK",
    "SCORE_MAX",
    "WEEK_DAYS",
    "Baseline",
    "DiaryDay",
    "DiaryItem",
    "Progress",
    "check_day",
    "check_entry",
    "progress",
    "whole",
]

#: How far back a missed day may be filled in.
MAX_DAYS_BACK = 30
#: "This week": today and the 6 days before.
WEEK_DAYS = 7
#: The diary baseline: the 7 days before the first infusion (not its day).
BASELINE_DAYS = 7
SCORE_MAX = 10


@dataclass(frozen=True, slots=True)
class DiaryItem:
    """One 0-10 item: its key, its question and the words at each end."""

    id: str
    label: str
    question: str
    low: str
    high: str


ITEMS: tuple[DiaryItem, ...] = (
    DiaryItem(
        "pain_nrs",
        "Pain",
        "Your pain today, on average",
        "no pain",
        "pain as bad as you can imagine",
    ),
    DiaryItem(
        "function_nrs",
        "Daily activities",
        "How much did pain get in the way of walking and your daily activities today?",
        "not at all",
        "completely",
    ),
    DiaryItem(
        "mood_nrs",
        "Mood",
        "How much did pain get in the way of your mood today?",
        "not at all",
        "completely",
    ),
)
_LABELS = {item.id: item.label for item in ITEMS}


@dataclass(frozen=True, slots=True)
class DiaryDay:
    """One day of the diary as it stands (the newest entry for that day)."""

    day: dt.date
    pain_nrs: int
    function_nrs: int
    mood_nrs: int


def check_day(day: dt.date, *, today: dt.date) -> dt.date:
    """``day`` if a diary day may be entered for it today, else :class:`InputError` on ``day``."""
    if day > today:
        raise InputError("day", "Date: must not be in the future")
    if day < today - dt.timedelta(days=MAX_DAYS_BACK):
        raise InputError("day", f"Date: must be within the last {MAX_DAYS_BACK} days")
    return day


def check_entry(values: Mapping[str, object], *, day: dt.date, today: dt.date) -> DiaryDay:
    """The checked diary day; the first broken rule raises :class:`InputError` naming its item."""
    check_day(day, today=today)
    scores: dict[str, int] = {}
    for item in ITEMS:
        value = values.get(item.id)
        if value is None or value == "":
            raise InputError(item.id, f"{item.label}: choose a number from 0 to {SCORE_MAX}")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SCORE_MAX:
            raise InputError(item.id, f"{item.label}: must be a whole number from 0 to {SCORE_MAX}")
        scores[item.id] = value
    return DiaryDay(day=day, **scores)


@dataclass(frozen=True, slots=True)
class Baseline:
    """The pain before treatment and where it came from."""

    pain: float
    source: Literal["diary", "intake"]
    days: int  # diary days averaged (0 for the intake)


@dataclass(frozen=True, slots=True)
class Progress:
    """This week's average pain against the baseline, and the sentence that says so."""

    week_average: float | None
    week_days: int
    baseline: Baseline | None
    first_infusion: dt.date | None
    words: str


def whole(value: float) -> int:
    """``value`` rounded to a whole number, half up (4.5 -> 5), as people round."""
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _baseline(
    days: Sequence[DiaryDay], first_infusion: dt.date | None, intake_average: int | None
) -> Baseline | None:
    if first_infusion is None:
        return None
    start = first_infusion - dt.timedelta(days=BASELINE_DAYS)
    before = [d.pain_nrs for d in days if start <= d.day < first_infusion]
    if before:
        return Baseline(fmean(before), "diary", len(before))
    if intake_average is not None:
        return Baseline(float(intake_average), "intake", 0)
    return None


def progress(
    days: Iterable[DiaryDay],
    *,
    today: dt.date,
    infusion_days: Iterable[dt.date] = (),
    intake_average: int | None = None,
) -> Progress:
    """The patient's progress on ``today``.

    Args:
        days: The diary, one entry per day (any order).
        infusion_days: Days the patient had an infusion (signed-off sessions).
        intake_average: The intake BPI's "pain on average" answer, if any: the baseline
            when no diary day falls in the week before the first infusion.
    """
    diary = sorted(days, key=lambda d: d.day)
    first = min(infusion_days, default=None)
    week_start = today - dt.timedelta(days=WEEK_DAYS - 1)
    week = [d.pain_nrs for d in diary if week_start <= d.day <= today]
    average = fmean(week) if week else None
    baseline = _baseline(diary, first, intake_average)
    return Progress(average, len(week), baseline, first, _words(average, baseline, first))


def _words(average: float | None, baseline: Baseline | None, first: dt.date | None) -> str:
    if average is None:
        now = "You have not filled in your diary in the last 7 days."
    else:
        now = f"Your average pain this week is {whole(average)}"
    if first is None:
        return now if average is None else f"{now}. Your treatment has not started yet."
    if baseline is None:
        tail = "There is no pain score from before your first infusion to compare with."
        return f"{now} {tail}" if average is None else f"{now}. {tail}"
    source = (
        f"your diary in the {BASELINE_DAYS} days before your first infusion"
        if baseline.source == "diary"
        else "the average pain you gave on your intake questionnaire"
    )
    then = whole(baseline.pain)
    if average is None:
        return f"{now} Before treatment your average pain was {then} ({source})."
    if whole(average) == then:
        return f"{now}, the same as before treatment: {then} ({source})."
    change = "down from" if whole(average) < then else "up from"
    return f"{now}, {change} {then} before treatment ({source})."
