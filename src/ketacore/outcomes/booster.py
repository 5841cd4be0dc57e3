"""When a booster is due: from the patient's own ended relief periods.

The estimate (the clinic's follow-up policy, :class:`~ketacore.outcomes.policy.BoosterRule`):

* the **median** of the patient's relief durations that *ended* (uncensored; a censored
  relief only says "at least", and a period with no relief has no duration). With an even
  number the median may end in a half day; it is rounded down, so the booster is never
  suggested later than the data say;
* ``expected_end = last_infusion + median``;
* ``due_on = expected_end − lead_days``, but not before today: when that day has passed,
  the booster is due today, and the basis says so;
* with no ended relief there is no estimate (``due_on`` None) and the basis says what is
  missing.

Relief and its end are defined in :mod:`ketacore.outcomes.relief` (IMMPACT's moderate
reduction, Dworkin 2008 [Dworkin2008]; Farrar 2001 [Farrar2001]).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median

from ketacore.outcomes.policy import BoosterRule
from ketacore.outcomes.relief import Relief
from ketacore.outcomes.response import day_words

__all__ = ["BoosterEstimate", "booster_estimate"]


@dataclass(frozen=True, slots=True)
class BoosterEstimate:
    due_on: dt.date | None
    expected_end: dt.date | None  # when relief after the last infusion is expected to end
    basis: str  # how it was worked out, with the numbers used
    durations: tuple[int, ...]  # the ended relief durations used, in days


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def booster_estimate(
    reliefs: Iterable[Relief], *, last_infusion: dt.date, today: dt.date, rule: BoosterRule
) -> BoosterEstimate:
    """The booster estimate from ``reliefs`` (see the module's rules)."""
    all_reliefs = tuple(reliefs)
    durations = tuple(
        r.duration_days
        for r in all_reliefs
        if not r.censored and r.end is not None and r.duration_days is not None
    )
    if not durations:
        censored = sum(1 for r in all_reliefs if r.censored)
        without = sum(1 for r in all_reliefs if r.onset is None)
        counted = (
            f" ({_plural(censored, 'relief period')} still going or cut short, "
            f"{_plural(without, 'infusion')} without relief)"
            if all_reliefs
            else ""
        )
        return BoosterEstimate(
            None,
            None,
            f"No estimate: no relief period has ended yet{counted}; the estimate needs at "
            "least one relief period that ended.",
            (),
        )
    middle = median(durations)
    days = math.floor(middle)
    listed = ", ".join(str(d) for d in durations)
    rounded = f" = {middle:g}, rounded down to {days}" if days != middle else f" = {days}"
    expected_end = last_infusion + dt.timedelta(days=days)
    worked = expected_end - dt.timedelta(days=rule.lead_days)
    basis = (
        f"Median of {_plural(len(durations), 'relief period')}: {listed} days{rounded} days. "
        f"Last infusion {day_words(last_infusion)} + {days} days = expected end of relief "
        f"{day_words(expected_end)}; booster {rule.lead_days} days before: {day_words(worked)}."
    )
    if worked < today:
        basis += f" That day has passed, so the booster is due today ({day_words(today)})."
        return BoosterEstimate(today, expected_end, basis, durations)
    return BoosterEstimate(worked, expected_end, basis, durations)
