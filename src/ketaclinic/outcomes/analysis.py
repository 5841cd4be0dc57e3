"""A patient's response, relief and booster estimate, from plain values (no query here).

Hands the diary's pain and the infusion days to ``ketacore.outcomes`` with the clinic's
follow-up policy, and puts the results together the way the progress page, its PDF, the
chart and the front desk's worklist read them (docs/outcomes.md, *Response, relief and
boosters*):

* the series, each with its baseline, its response in the window after it and the relief
  after its last infusion (a booster is read against the baseline of the series it
  boosts: the days just before a booster are not pain before treatment);
* the relief after each infusion (against the same baseline);
* the responder status now: the latest treatment series' baseline against the window
  ending today;
* the booster estimate from the relief after each series.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ketacore.outcomes.booster import BoosterEstimate, booster_estimate
from ketacore.outcomes.policy import FollowUpPolicy
from ketacore.outcomes.relief import Relief, relief_after
from ketacore.outcomes.response import (
    Mean,
    PainDay,
    ResponderStatus,
    Series,
    Unknown,
    baseline,
    day_words,
    responder_status,
    series_of,
    series_response,
)

__all__ = ["InfusionRelief", "Outcome", "SeriesOutcome", "analyse"]


@dataclass(frozen=True, slots=True)
class SeriesOutcome:
    series: Series
    reference: Series  # whose baseline is used (the series itself, or the one it boosts)
    baseline: Mean | None
    response: ResponderStatus | Unknown
    window_complete: bool  # the response window after the series is over
    relief: Relief | Unknown


@dataclass(frozen=True, slots=True)
class InfusionRelief:
    day: dt.date
    series: int
    relief: Relief | Unknown


@dataclass(frozen=True, slots=True)
class Outcome:
    policy: FollowUpPolicy
    today: dt.date
    series: tuple[SeriesOutcome, ...]
    infusions: tuple[InfusionRelief, ...]
    status: ResponderStatus | Unknown | None  # None: no infusion yet
    booster: BoosterEstimate | None  # None: no infusion yet

    @property
    def relief_spans(self) -> tuple[tuple[dt.date, dt.date], ...]:
        """Each series' relief as (onset, end or last day known), for the chart."""
        spans = []
        for s in self.series:
            r = s.relief
            if isinstance(r, Relief) and r.onset is not None:
                spans.append((r.onset, r.end or r.last_seen or r.onset))
        return tuple(spans)


def _references(series: tuple[Series, ...]) -> list[Series]:
    """For each series, the series whose baseline it is read against."""
    refs: list[Series] = []
    for s in series:
        refs.append(refs[-1] if s.booster and refs else s)
    return refs


def analyse(
    pains: Sequence[PainDay],
    infusion_days: Sequence[dt.date] | Mapping[dt.date, int],
    *,
    today: dt.date,
    policy: FollowUpPolicy,
) -> Outcome:
    """Everything the progress page shows about response, relief and boosters.

    ``infusion_days`` may map each day to its plan's infusions per series, so that a series
    also ends when the plan's count is reached (ketacore.outcomes.response.split_series).
    """
    rule, relief_rule = policy.response, policy.relief
    per_series = infusion_days if isinstance(infusion_days, Mapping) else None
    series = series_of(infusion_days, rule, per_series=per_series)
    refs = _references(series)
    days = tuple(sorted({d for s in series for d in s.days}))

    def relief_from(start: dt.date, ref: Series, after: dt.date | None) -> Relief | Unknown:
        base = baseline(pains, ref, rule)
        if base is None:
            return Unknown(f"No baseline before the infusion of {day_words(ref.first)}.")
        return relief_after(
            pains,
            start=start,
            baseline=base.value,
            next_infusion=after,
            today=today,
            relief=relief_rule,
            response=rule,
        )

    outcomes = []
    for i, (s, ref) in enumerate(zip(series, refs, strict=True)):
        after = series[i + 1].first if i + 1 < len(series) else None
        outcomes.append(
            SeriesOutcome(
                series=s,
                reference=ref,
                baseline=baseline(pains, ref, rule),
                response=series_response(pains, s, rule, reference=ref),
                window_complete=s.last + dt.timedelta(days=rule.window_days) <= today,
                relief=relief_from(s.last, ref, after),
            )
        )
    infusions = []
    for s, ref in zip(series, refs, strict=True):
        for day in s.days:
            later = [d for d in days if d > day]
            infusions.append(
                InfusionRelief(day, s.number, relief_from(day, ref, min(later, default=None)))
            )
    if not series:
        return Outcome(policy, today, (), (), None, None)
    latest = series[-1]
    status = responder_status(pains, latest, on=today, rule=rule, reference=refs[-1])
    estimate = booster_estimate(
        [o.relief for o in outcomes if isinstance(o.relief, Relief)],
        last_infusion=latest.last,
        today=today,
        rule=policy.booster,
    )
    return Outcome(policy, today, tuple(outcomes), tuple(infusions), status, estimate)
