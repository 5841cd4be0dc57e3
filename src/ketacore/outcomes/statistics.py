"""Clinic statistics over many series: survival of relief, responder rates, mean change.

Nothing here is hand-written where SciPy keeps an estimator (issue 13 §4):

* **Kaplan-Meier** of relief duration: :func:`scipy.stats.ecdf` on right-censored data
  (:class:`scipy.stats.CensoredData`), its survival function and
  ``sf.confidence_interval(method="log-log")``: Greenwood's variance on the log(-log S)
  scale, which keeps the band inside 0-1 (Klein and
  Moeschberger 2003 [KleinMoeschberger2003], section 4.3). The estimator is checked against
  the 6-MP remission data of Freireich 1963 [Freireich1963] as tabulated by Kleinbaum and
  Klein [KleinbaumKlein2012] (tests/core/outcomes/test_statistics.py).
* **Responder rates**: :func:`scipy.stats.binomtest` and its ``proportion_ci``: Wilson's
  score interval by default [Wilson1927], Clopper-Pearson's exact interval on request
  [ClopperPearson1934]; SciPy [SciPy2020].
* **Mean change** (PHQ-9, GAD-7): mean and its t interval, :func:`scipy.stats.t.interval`
  with the sample's standard error (the database gives the count, sum and sum of squares).

The inputs are what the database aggregates hand over (counts per duration, sums), never
rows of patients: :func:`kaplan_meier` takes grouped ``(duration, censored, count)`` and
expands them with :func:`numpy.repeat`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from ketacore.errors import InputError

__all__ = [
    "CI_LEVEL",
    "KaplanMeier",
    "MeanChange",
    "Rate",
    "kaplan_meier",
    "mean_change",
    "rate",
]

#: The confidence level of every interval shown.
CI_LEVEL = 0.95

Method = Literal["wilson", "exact"]


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    """A Kaplan-Meier curve: at each distinct time, S(t) and its 95 % band.

    Attributes:
        times: The distinct observed times (events and censorings), ascending.
        survival: S(t) just after each time.
        low, high: The pointwise 95 % confidence band (log-log method).
        at_risk: Number still followed just before each time.
        events: Events (relief ended) at each time.
        n: Series in all; ``events_total`` of them ended, the rest are censored.
        median: The first time at which S(t) <= 0.5, or None if never reached.
    """

    times: tuple[float, ...]
    survival: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    at_risk: tuple[int, ...]
    events: tuple[int, ...]
    n: int
    events_total: int
    median: float | None


def _whole(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise InputError(field, "must be a whole number >= 0")
    return int(value)


def kaplan_meier(groups: Iterable[tuple[float, bool, int]]) -> KaplanMeier | None:
    """The Kaplan-Meier estimate from grouped ``(duration, censored, count)`` rows.

    Returns None when there is no observation (an empty breakdown shows "no data", not 1).

    Raises:
        InputError: a negative or non-finite duration, or a count that is not a whole
            number >= 0.
    """
    rows = list(groups)
    durations = np.array([float(d) for d, _c, _n in rows], dtype=float)
    censored = np.array([bool(c) for _d, c, _n in rows], dtype=bool)
    counts = np.array([_whole(n, "count") for _d, _c, n in rows], dtype=np.int64)
    if durations.size and (not np.all(np.isfinite(durations)) or np.any(durations < 0)):
        raise InputError("duration", "must be a finite number of days >= 0")
    n = int(counts.sum())
    if n == 0:
        return None
    times = np.repeat(durations, counts)
    is_censored = np.repeat(censored, counts)
    events_total = int((~is_censored).sum())
    if events_total == 0:
        # ecdf needs an event; with none, S(t) = 1 throughout and the band is not defined.
        at = np.unique(times)
        ones = tuple(1.0 for _ in at)
        return KaplanMeier(
            tuple(float(t) for t in at),
            ones,
            ones,
            ones,
            tuple(int(v) for v in n - np.searchsorted(np.sort(times), at, "left")),
            tuple(0 for _ in at),
            n,
            0,
            None,
        )
    data = stats.CensoredData.right_censored(times, is_censored)
    sf = stats.ecdf(data).sf
    with warnings.catch_warnings():
        # Where S(t) is 1 (censored before any event) or 0 (the last left with an event)
        # the log-log band is undefined; SciPy says so with a warning and a NaN.
        warnings.filterwarnings("ignore", "The confidence interval is undefined", RuntimeWarning)
        band = sf.confidence_interval(CI_LEVEL, method="log-log")
    survival = sf.probabilities
    # There the band is the estimate itself: it is shown, never guessed.
    low = np.where(np.isnan(band.low.probabilities), survival, band.low.probabilities)
    high = np.where(np.isnan(band.high.probabilities), survival, band.high.probabilities)
    reached = np.nonzero(survival <= 0.5)[0]
    return KaplanMeier(
        times=tuple(float(t) for t in sf.quantiles),
        survival=tuple(float(s) for s in survival),
        low=tuple(float(v) for v in low),
        high=tuple(float(v) for v in high),
        at_risk=tuple(int(v) for v in n - np.searchsorted(np.sort(times), sf.quantiles, "left")),
        events=tuple(int(v) for v in _count_at(np.sort(times[~is_censored]), sf.quantiles)),
        n=n,
        events_total=events_total,
        median=float(sf.quantiles[reached[0]]) if reached.size else None,
    )


def _count_at(ordered: np.ndarray, at: np.ndarray) -> np.ndarray:
    """How many of ``ordered`` (sorted) equal each value of ``at``."""
    return np.searchsorted(ordered, at, "right") - np.searchsorted(ordered, at, "left")


@dataclass(frozen=True, slots=True)
class Rate:
    """``k`` of ``n`` with its 95 % interval (None when ``n`` is 0)."""

    k: int
    n: int
    low: float | None
    high: float | None
    method: Method

    @property
    def proportion(self) -> float | None:
        return self.k / self.n if self.n else None


def rate(k: int, n: int, *, method: Method = "wilson") -> Rate:
    """A proportion with its 95 % confidence interval: Wilson's score (default) or exact.

    Raises:
        InputError: counts that are not whole numbers, or ``k`` above ``n``; an unknown method.
    """
    k, n = _whole(k, "k"), _whole(n, "n")
    if k > n:
        raise InputError("k", "cannot exceed n")
    if method not in ("wilson", "exact"):
        raise InputError("method", "must be wilson or exact")
    if n == 0:
        return Rate(k, n, None, None, method)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=CI_LEVEL, method=method)
    return Rate(k, n, float(ci.low), float(ci.high), method)


@dataclass(frozen=True, slots=True)
class MeanChange:
    """The mean of a change (after minus before) with its 95 % t interval."""

    n: int
    mean: float | None
    low: float | None
    high: float | None


def mean_change(n: int, total: float, total_squares: float) -> MeanChange:
    """Mean and t interval from the database's count, sum and sum of squares.

    With one value the interval is not defined (None); with none, nothing is.

    Raises:
        InputError: a count that is not a whole number >= 0, or sums that are not finite.
    """
    n = _whole(n, "n")
    if not (math.isfinite(total) and math.isfinite(total_squares)):
        raise InputError("total", "must be finite")
    if n == 0:
        return MeanChange(0, None, None, None)
    mean = total / n
    if n == 1:
        return MeanChange(1, mean, None, None)
    variance = max((total_squares - n * mean * mean) / (n - 1), 0.0)
    sem = math.sqrt(variance / n)
    if sem == 0.0:
        return MeanChange(n, mean, mean, mean)
    low, high = stats.t.interval(CI_LEVEL, n - 1, loc=mean, scale=sem)
    return MeanChange(n, mean, float(low), float(high))
