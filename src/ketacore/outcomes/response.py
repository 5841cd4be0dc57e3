"""Infusion series and responder status from the pain diary.

The rules (the clinic's follow-up policy, :class:`~ketacore.outcomes.policy.ResponseRule`):

* **Series** (:func:`split_series`, the one rule for the progress page, the clinic's
  summary, the questionnaire schedule and the follow-up visits). The infusion days, sorted
  and each day once. A series ends after a gap of more than ``series_gap_days`` without an
  infusion, or once it holds its plan's number of infusions per series (when the caller
  knows it): the next infusion starts a new series. A later series of a single infusion is
  a *booster*.
* **Baseline.** The mean pain of the diary days in the ``baseline_days`` days before the
  series' first infusion (not its day); none with fewer than ``min_days`` diary days.
* **Window.** The mean pain of the diary days in the ``window_days`` days ending on a day
  (that day included), with the same minimum. Missing days are left out, never filled in.
* **Responder status.** The reduction from baseline to window, in percent (positive is
  better) and in points of the 0-10 scale. The category follows IMMPACT: a reduction of at
  least 30 % is moderately and at least 50 % substantially important, 10-20 % minimally
  (Dworkin 2008 [Dworkin2008]); a fall of about 2 points (or 30 %) on the 0-10 scale
  matched "much improved" (Farrar 2001 [Farrar2001]). The percentages and the points are
  the policy's (``minimal_percent``, ``moderate_percent``, ``substantial_percent``,
  ``points``).

The comparisons are exact (fractions of the diary's whole numbers), so a reduction of
exactly 30 % is moderate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from ketacore.outcomes.policy import ResponseRule

__all__ = [
    "Category",
    "Mean",
    "PainDay",
    "ResponderStatus",
    "Series",
    "Unknown",
    "baseline",
    "day_words",
    "exact",
    "responder_status",
    "series_of",
    "series_response",
    "split_series",
    "window_mean",
]

_ONE = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PainDay:
    """One diary day's pain (0-10, as it stands after any edit)."""

    day: dt.date
    pain: int


@dataclass(frozen=True, slots=True)
class Series:
    """A run of infusions with no gap longer than the policy's ``series_gap_days``."""

    number: int  # from 1
    first: dt.date
    last: dt.date
    days: tuple[dt.date, ...]
    booster: bool  # a later series of a single infusion


@dataclass(frozen=True, slots=True)
class Mean:
    """The mean pain of ``days`` diary days in the period ``first`` to ``last`` (both
    included; the period asked for, not the first and last diary day in it)."""

    value: float
    days: int
    first: dt.date
    last: dt.date


class Category(StrEnum):
    """How much pain fell, by the policy's IMMPACT percentages [Dworkin2008]."""

    SUBSTANTIAL = "substantial"
    MODERATE = "moderate"
    MINIMAL = "minimal"
    NONE = "none"

    @property
    def label(self) -> str:
        return {
            Category.SUBSTANTIAL: "substantial reduction",
            Category.MODERATE: "moderate reduction",
            Category.MINIMAL: "minimal reduction",
            Category.NONE: "no important reduction",
        }[self]


@dataclass(frozen=True, slots=True)
class ResponderStatus:
    baseline: Mean
    current: Mean
    percent: float  # reduction, positive = better
    points: float  # baseline - current on the 0-10 scale, positive = better
    category: Category
    meets_points: bool  # points >= rule.points
    working: str  # the sum in words


@dataclass(frozen=True, slots=True)
class Unknown:
    """No status: ``reason`` says why, in words."""

    reason: str


def day_words(day: dt.date) -> str:
    """``3 Mar 2026``."""
    return f"{day.day} {day:%b} {day.year}"


def exact(mean: Mean) -> Fraction:
    """The mean as the exact fraction it came from (a mean of whole-number diary days)."""
    return Fraction(round(mean.value * mean.days), mean.days)


def split_series(
    infusion_days: Iterable[dt.date],
    *,
    gap_days: int,
    per_series: Mapping[dt.date, int] | None = None,
) -> list[list[dt.date]]:
    """The infusion days in series, oldest first (see the module's rules).

    ``per_series`` maps an infusion day to its plan's number of infusions per series; a day
    it leaves out (or a count below 1) ends a series by the gap only.
    """
    counts = per_series or {}
    groups: list[list[dt.date]] = []
    for day in sorted(set(infusion_days)):
        if groups:
            group = groups[-1]
            full = counts.get(group[-1], 0)
            if (day - group[-1]).days <= gap_days and not (full >= 1 and len(group) >= full):
                group.append(day)
                continue
        groups.append([day])
    return groups


def series_of(
    infusion_days: Iterable[dt.date],
    rule: ResponseRule,
    *,
    per_series: Mapping[dt.date, int] | None = None,
) -> tuple[Series, ...]:
    """The infusion series, oldest first (see the module's rules)."""
    groups = split_series(infusion_days, gap_days=rule.series_gap_days, per_series=per_series)
    return tuple(
        Series(
            number=i + 1,
            first=group[0],
            last=group[-1],
            days=tuple(group),
            booster=i > 0 and len(group) == 1,
        )
        for i, group in enumerate(groups)
    )


def _mean(
    days: Iterable[PainDay], first: dt.date, last: dt.date, rule: ResponseRule
) -> Mean | None:
    pains: dict[dt.date, int] = {}
    for d in days:
        if first <= d.day <= last:
            pains[d.day] = d.pain
    if len(pains) < rule.min_days:
        return None
    return Mean(sum(pains.values()) / len(pains), len(pains), first, last)


def baseline(days: Iterable[PainDay], series: Series, rule: ResponseRule) -> Mean | None:
    """Mean pain in the ``baseline_days`` days before the series' first infusion."""
    return _mean(
        days, series.first - dt.timedelta(days=rule.baseline_days), series.first - _ONE, rule
    )


def window_mean(days: Iterable[PainDay], ending: dt.date, rule: ResponseRule) -> Mean | None:
    """Mean pain in the ``window_days`` days ending on ``ending`` (included)."""
    return _mean(days, ending - dt.timedelta(days=rule.window_days - 1), ending, rule)


def _category(percent: Fraction, rule: ResponseRule) -> Category:
    if percent >= rule.substantial_percent:
        return Category.SUBSTANTIAL
    if percent >= rule.moderate_percent:
        return Category.MODERATE
    if percent >= rule.minimal_percent:
        return Category.MINIMAL
    return Category.NONE


def _period(mean: Mean) -> str:
    return (
        f"mean of {mean.days} diary day{'s' if mean.days != 1 else ''}, "
        f"{day_words(mean.first)} to {day_words(mean.last)}"
    )


def _compare(before: Mean, now: Mean, rule: ResponseRule) -> ResponderStatus | Unknown:
    b, c = exact(before), exact(now)
    if b == 0:
        return Unknown("The baseline pain is 0: there is no reduction to measure.")
    points = b - c
    percent = points / b * 100
    category = _category(percent, rule)
    meets = points >= rule.points
    thresholds = {
        Category.SUBSTANTIAL: f"at least {rule.substantial_percent} %",
        Category.MODERATE: f"at least {rule.moderate_percent} %",
        Category.MINIMAL: f"at least {rule.minimal_percent} %",
        Category.NONE: f"below {rule.minimal_percent} %",
    }
    working = (
        f"Baseline {float(b):.1f} ({_period(before)}); now {float(c):.1f} ({_period(now)}). "
        f"Change {float(b):.1f} − {float(c):.1f} = {float(points):.1f} points; "
        f"{float(points):.1f} ÷ {float(b):.1f} = {float(percent):.0f} % reduction: "
        f"{category.label} ({thresholds[category]}); "
        f"{'meets' if meets else 'does not meet'} the {rule.points}-point change."
    )
    return ResponderStatus(before, now, float(percent), float(points), category, meets, working)


def _status(
    diary: tuple[PainDay, ...],
    series: Series,
    ending: dt.date,
    rule: ResponseRule,
    window: str,
    reference: Series | None,
) -> ResponderStatus | Unknown:
    against = reference or series
    before = baseline(diary, against, rule)
    if before is None:
        return Unknown(
            f"Fewer than {rule.min_days} diary days in the {rule.baseline_days} days before "
            f"the infusion of {day_words(against.first)}: no baseline."
        )
    now = window_mean(diary, ending, rule)
    if now is None:
        return Unknown(
            f"Fewer than {rule.min_days} diary days in the {rule.window_days} days {window}: "
            "too few recent days."
        )
    return _compare(before, now, rule)


def responder_status(
    days: Iterable[PainDay],
    series: Series,
    *,
    on: dt.date,
    rule: ResponseRule,
    reference: Series | None = None,
) -> ResponderStatus | Unknown:
    """The series' baseline against the window ending ``on``.

    ``reference``: the series whose baseline is used instead (a booster is compared with
    the baseline before the series it boosts, not with the days just before it).
    """
    return _status(tuple(days), series, on, rule, f"to {day_words(on)}", reference)


def series_response(
    days: Iterable[PainDay],
    series: Series,
    rule: ResponseRule,
    *,
    reference: Series | None = None,
) -> ResponderStatus | Unknown:
    """The series' baseline (or ``reference``'s) against the ``window_days`` days after its
    last infusion."""
    ending = series.last + dt.timedelta(days=rule.window_days)
    return _status(tuple(days), series, ending, rule, f"after {day_words(series.last)}", reference)
