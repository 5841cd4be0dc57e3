"""Relief after an infusion or a series: when it starts, how long it lasts, and what is not known.

The rules (the clinic's follow-up policy, :class:`~ketacore.outcomes.policy.ReliefRule`,
with the moderate reduction of :class:`~ketacore.outcomes.policy.ResponseRule`):

* **Onset**: the first diary day from ``start`` (the infusion, or the last infusion of a
  series) to ``start + onset_within_days`` with pain at or below
  ``baseline × (1 − moderate_percent / 100)``: IMMPACT's moderately important reduction
  (Dworkin 2008 [Dworkin2008]; Farrar 2001 [Farrar2001]). None: *no relief* (no onset, no
  duration, not censored).
* **End**: after the onset, the first day of ``confirm_days`` consecutive diary days with
  pain at or above ``baseline × return_percent / 100``. Consecutive means consecutive
  entries with no gap of more than ``max_gap_days`` days without an entry between them.
  The duration is ``end − start`` in days.
* **Censored** (not known to have ended; the duration is ``last_seen − start``, "at least"
  that long), by whichever comes first:

  - a gap of more than ``max_gap_days`` days without an entry: censored at the last diary
    day before the gap;
  - the next infusion: censored at the day before it;
  - today: censored at the last diary day.

Missing days are never filled in. Only the diary days up to today and before the next
infusion are read. The comparisons are exact: a baseline that is a mean of diary days is
taken as the fraction it came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from ketacore.outcomes.policy import ReliefRule, ResponseRule
from ketacore.outcomes.response import PainDay, day_words

__all__ = ["Relief", "relief_after"]

_ONE = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Relief:
    start: dt.date  # the infusion, or the last infusion of a series
    onset: dt.date | None
    end: dt.date | None  # first day pain was back (uncensored relief only)
    duration_days: int | None  # end - start, or last_seen - start when censored
    censored: bool
    reason: str  # in words
    last_seen: dt.date | None  # the day the relief was last known (censored), or the last day read


def _no_relief(
    start: dt.date, diary: list[PainDay], horizon: dt.date, limit: dt.date, below: Fraction, by: str
) -> Relief:
    last = diary[-1].day if diary else None
    target = f"{float(below):.1f} or below"
    if not any(d.day <= limit for d in diary):
        until = day_words(min(limit, horizon))
        reason = f"No relief seen: no diary day from {day_words(start)} to {until}."
    elif limit > horizon:
        reason = f"No relief so far: pain not yet {target} ({by} {day_words(horizon)})."
    else:
        reason = f"No relief: pain did not fall to {target} by {day_words(limit)}."
    return Relief(start, None, None, None, False, reason, last)


def relief_after(
    days: Iterable[PainDay],
    *,
    start: dt.date,
    baseline: float,
    next_infusion: dt.date | None,
    today: dt.date,
    relief: ReliefRule,
    response: ResponseRule,
) -> Relief:
    """The relief after ``start`` against ``baseline`` (see the module's rules)."""
    by_next = next_infusion is not None and next_infusion <= today
    horizon = next_infusion - _ONE if by_next and next_infusion is not None else today
    by_words = "next infusion after" if by_next else "diary read to"
    pains: dict[dt.date, int] = {d.day: d.pain for d in days if start <= d.day <= horizon}
    diary = [PainDay(day, pains[day]) for day in sorted(pains)]
    b = Fraction(baseline).limit_denominator(1000)
    if b <= 0:
        last = diary[-1].day if diary else None
        return Relief(
            start, None, None, None, False, "The baseline pain is 0: no relief to measure.", last
        )
    below = b * (100 - response.moderate_percent) / 100
    back = b * relief.return_percent / 100
    limit = start + dt.timedelta(days=relief.onset_within_days)
    onset = next((d for d in diary if d.day <= limit and d.pain <= below), None)
    if onset is None:
        return _no_relief(start, diary, horizon, limit, below, by_words)

    prev = onset.day
    run: list[dt.date] = []

    def censored(at: dt.date, reason: str) -> Relief:
        return Relief(start, onset.day, None, (at - start).days, True, reason, at)

    for d in diary:
        if d.day <= onset.day:
            continue
        if (d.day - prev).days - 1 > relief.max_gap_days:
            return censored(
                prev,
                f"No diary from {day_words(prev + _ONE)} to {day_words(d.day - _ONE)} "
                f"(more than {relief.max_gap_days} days).",
            )
        run = [*run, d.day] if d.pain >= back else []
        if len(run) >= relief.confirm_days:
            return Relief(
                start,
                onset.day,
                run[0],
                (run[0] - start).days,
                False,
                f"Pain back to {float(back):.1f} or more ({relief.return_percent} % of baseline "
                f"{float(b):.1f}) on {relief.confirm_days} diary days in a row from "
                f"{day_words(run[0])}.",
                d.day,
            )
        prev = d.day
    missing = (horizon - prev).days if by_next else (today - prev).days
    if missing > relief.max_gap_days:
        return censored(
            prev,
            f"No diary since {day_words(prev)} (more than {relief.max_gap_days} days).",
        )
    if by_next and next_infusion is not None:
        return censored(horizon, f"The next infusion on {day_words(next_infusion)} came first.")
    if run:
        return censored(
            prev,
            f"Pain back from {day_words(run[0])} but not yet on {relief.confirm_days} diary "
            f"days in a row; the last diary day is {day_words(prev)}.",
        )
    return censored(prev, f"Relief still going on {day_words(prev)}, the last diary day.")
