"""Exact values between grid points: peaks, level crossings and the time to fall to a level.

Canonical use (internal; the public entry points are ``preview`` and ``pk simulate``)::

    states = SegmentStates.of(modes, schedule)      # P rows, 1 or P regimens
    peak, when = refine_peaks(states, grid, values)   # values (sites, P, T) in ng/mL
    above = time_above_min(states, grid, values, levels_ng_per_ml)   # (sites, levels, P)
    after = time_to_level_min(states, end_of_dosing_min, level_ng_per_ml)

How each number is obtained (no SciPy: these run on the ``pk simulate`` path, which
must start quickly, and on the preview, which must finish within milliseconds):

* Between two events the rate R is constant, and from the state at the start of the
  segment (s_i and Ce, computed once per event) Cp, Ce and their time derivatives at
  any time follow in closed form (``_solve`` derivation steps 3-4, ``_blocks`` step 6)::

      s_i(T + τ) = s_i(T)·e^(-λ_i·τ) + C_i·R·G_i(τ),       Cp = Σ s_i,
      dCp/dt = Σ_i (C_i·R - λ_i·s_i),                       dCe/dt = ke0·(Cp - Ce),
      d²Cp/dt² = -Σ_i λ_i·(C_i·R - λ_i·s_i),                d²Ce/dt² = ke0·(dCp/dt - dCe/dt).

* Peak: the largest grid value is kept, then each of the two grid intervals beside it
  whose derivative goes from > 0 to < 0 holds a maximum, where the exact derivative is
  0 (its root found as below, with the exact second derivative). Grids must contain
  every event time, so each interval lies in one segment, where Cp and Ce are smooth.
  A second peak narrower than one grid step would be missed.
* Level crossing: each grid interval whose end values lie on both sides of the level
  holds a crossing: the root of the exact value minus the level, by Newton's method
  with the exact derivative, kept inside the bracket by bisection (``_roots``), to
  ``_TIME_TOLERANCE_MIN``. A level crossed twice within one grid step (in and out
  again) is missed, as in ``plan_metrics``.
* Time to fall to a level after the last dose: with no more input,
  Cp(t) = Σ s_i·e^(-λ_i·t) with every s_i >= 0 is decreasing and convex, so Newton's
  method from the end of dosing approaches its single root from the left without
  overshooting; iterated until the step is below ``_TIME_TOLERANCE_MIN``. No grid is
  involved. Ce lags behind: :func:`settled_min` finds when it too stays below a level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ketacore.pk._blocks import effect_factors
from ketacore.pk._parameters import PkParameters
from ketacore.pk._regimen import Regimen
from ketacore.pk._solve import Modes, PkParameterArrays, Schedule, _h, concentrations_into
from ketacore.units import mg_per_l_from_ng_per_ml, ng_per_ml_array_from_mg_per_l

__all__ = [
    "SegmentStates",
    "dense_grid",
    "peaks_in_window",
    "refine_peaks",
    "settled_min",
    "sorted_distinct",
    "time_above_min",
    "time_to_level_min",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: Bisections and Newton's method stop within this many minutes of the exact time.
_TIME_TOLERANCE_MIN = 1e-9
#: Fraction of a level that Cp falls to before :func:`settled_min` bounds Ce's lag.
_SETTLE_FRACTION = 0.9
#: Newton steps allowed before giving up (convergence is monotone; see the docstring).
_MAX_NEWTON_STEPS = 200


@dataclass(frozen=True, slots=True, eq=False)
class SegmentStates:
    """The exact state of P rows at the start of every segment of their schedule.

    Attributes:
        modes: The rows' modal form.
        schedule: Their regimens (1 or P rows).
        plasma_states: s at each event, after its bolus, shape (E, P, n), mg/L.
        effect_mg_per_l: Ce at each event, shape (E, P), mg/L.
    """

    modes: Modes
    schedule: Schedule
    plasma_states: FloatArray
    effect_mg_per_l: FloatArray

    @classmethod
    def of(cls, modes: Modes, schedule: Schedule) -> SegmentStates:
        """Walk the events once (E exact steps, each vectorised over the rows)."""
        lam, coef, ke0 = modes.lam_per_min, modes.coef_per_l, modes.ke0_per_min
        events = schedule.event_min
        s_at = np.empty((events.size, *lam.shape))
        ce_at = np.empty((events.size, lam.shape[0]))
        s = np.zeros(lam.shape)
        ce = np.zeros(lam.shape[0])
        for j in range(events.size):
            s = s + schedule.bolus_at[:, j][:, None] * coef
            s_at[j], ce_at[j] = s, ce
            if j + 1 < events.size:
                tau = float(events[j + 1] - events[j])
                rate = schedule.rate_after[:, j][:, None]
                e, alpha, c_psi = effect_factors(lam, coef, ke0, tau)
                ce = e * ce + np.sum(alpha * s, axis=1) + rate[:, 0] * np.sum(c_psi, axis=1)
                s = s * np.exp(-lam * tau) + rate * coef * tau * _h(lam * tau)
        return cls(modes, schedule, s_at, ce_at)

    def segment_of(self, times_min: FloatArray) -> IntArray:
        """Index of the segment in force at each time (an event starts its segment)."""
        found: IntArray = np.searchsorted(self.schedule.event_min, times_min, side="right") - 1
        return found


class _Queries:
    """Exact Cp and Ce (ng/mL) and their slopes at many (row, segment) pairs, vectorised.

    Everything that does not depend on the time is gathered once, so that a step of a
    root search costs a few array operations on the queries.
    """

    def __init__(self, states: SegmentStates, rows: IntArray, segments: IntArray) -> None:
        modes, schedule = states.modes, states.schedule
        self.lam = modes.lam_per_min[rows]
        self.coef = modes.coef_per_l[rows]
        self.ke0 = modes.ke0_per_min[rows]
        shared = schedule.rate_after.shape[0] == 1
        self.rate = schedule.rate_after[np.zeros_like(rows) if shared else rows, segments]
        self.forced = self.rate[:, None] * self.coef  # C_i·R
        self.start_min = schedule.event_min[segments]
        self.s0 = states.plasma_states[segments, rows]
        self.ce0 = states.effect_mg_per_l[segments, rows]

    def at(self, times_min: FloatArray, effect: NDArray[np.bool_]) -> tuple[FloatArray, ...]:
        """Value, slope and curvature at each query's time and site.

        Args:
            times_min: One time per query, min.
            effect: Per query, True for Ce, False for Cp.

        Returns:
            ``(value, slope, curvature)`` in ng/mL, ng/mL/min and ng/mL/min².
        """
        tau = times_min - self.start_min
        x = self.lam * tau[:, None]
        s = self.s0 * np.exp(-x) + self.forced * tau[:, None] * _h(x)
        cp = np.sum(s, axis=1)
        net = self.forced - self.lam * s  # ds_i/dt
        dcp = np.sum(net, axis=1)
        value, slope, curvature = cp, dcp, -np.sum(self.lam * net, axis=1)
        if np.any(effect):
            e, alpha, c_psi = effect_factors(self.lam, self.coef, self.ke0, tau)
            ce = e * self.ce0 + np.sum(alpha * self.s0, axis=1) + self.rate * np.sum(c_psi, axis=1)
            dce = self.ke0 * (cp - ce)
            value = np.where(effect, ce, cp)
            slope = np.where(effect, dce, dcp)
            curvature = np.where(effect, self.ke0 * (dcp - dce), curvature)
        return (
            ng_per_ml_array_from_mg_per_l(value),
            ng_per_ml_array_from_mg_per_l(slope),
            ng_per_ml_array_from_mg_per_l(curvature),
        )


def _roots(
    queries: _Queries,
    effect: NDArray[np.bool_],
    lo_min: FloatArray,
    hi_min: FloatArray,
    level_ng_per_ml: FloatArray | None,
) -> FloatArray:
    """Where the slope (``level_ng_per_ml`` None) or value - level changes sign.

    Newton's method on the exact function and its exact derivative, kept inside the
    bracket: a step that would leave it is replaced by bisection, and the bracket
    shrinks at every step, so the search cannot fail; it stops once the step (or the
    bracket) is below ``_TIME_TOLERANCE_MIN``.

    Args:
        queries: One query per interval (its row and the segment of its left end).
        effect: Per query, True for Ce, False for Cp.
        lo_min: Left ends.
        hi_min: Right ends (each interval in one segment, one sign change inside).
        level_ng_per_ml: Per query level, or None for the slope.

    Returns:
        The roots, min.
    """

    def function(t: FloatArray) -> tuple[FloatArray, FloatArray]:
        value, slope, curvature = queries.at(t, effect)
        if level_ng_per_ml is None:
            return slope, curvature
        return value - level_ng_per_ml, slope

    lo, hi = lo_min.copy(), hi_min.copy()
    f_lo, _ = function(lo)
    f_hi, _ = function(hi)
    positive_lo = f_lo > 0
    chord = np.divide(f_lo, f_lo - f_hi, out=np.full_like(lo, 0.5), where=f_lo != f_hi)
    x = lo + (hi - lo) * np.clip(chord, 0.0, 1.0)
    done = np.zeros(lo.shape, dtype=bool)
    for _ in range(_MAX_NEWTON_STEPS):
        f, df = function(x)
        same = (f > 0) == positive_lo
        lo = np.where(same, x, lo)
        hi = np.where(same, hi, x)
        newton = x - np.divide(f, df, out=np.full_like(x, np.inf), where=df != 0)
        inside = (newton >= lo) & (newton <= hi)
        following = np.where(inside, newton, 0.5 * (lo + hi))
        converged = (np.abs(following - x) <= _TIME_TOLERANCE_MIN) | (
            hi - lo <= _TIME_TOLERANCE_MIN
        )
        x = np.where(done, x, following)
        done |= converged
        if np.all(done):
            break
    roots: FloatArray = x
    return roots


def refine_peaks(
    states: SegmentStates, grid_min: FloatArray, values_ng_per_ml: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Peak value and time per site and row: the best grid value, refined between points.

    Args:
        states: The rows' segment states.
        grid_min: Sorted distinct times containing every event time up to the last, (T,).
        values_ng_per_ml: Values on the grid, shape (S, P, T): site 0 Cp, site 1 Ce
            (S = 1 for Cp alone).

    Returns:
        ``(peak_ng_per_ml, peak_time_min)``, shape (S, P) each.
    """
    sites, count, size = values_ng_per_ml.shape
    best = np.argmax(values_ng_per_ml, axis=2)
    peak = np.take_along_axis(values_ng_per_ml, best[..., None], axis=2)[..., 0].copy()
    when = grid_min[best]
    site, row = np.indices((sites, count)).reshape(2, -1)
    best = best.reshape(-1)
    # The interval before and the interval after each best grid point.
    lo_index = np.concatenate((best - 1, best))
    site, row = np.tile(site, 2), np.tile(row, 2)
    inside = (lo_index >= 0) & (lo_index + 1 < size)
    site, row, lo_index = site[inside], row[inside], lo_index[inside]
    lo, hi = grid_min[lo_index], grid_min[lo_index + 1]
    queries = _Queries(states, row, states.segment_of(lo))
    effect = site == 1
    _, slope_lo, _ = queries.at(lo, effect)
    _, slope_hi, _ = queries.at(hi, effect)
    rising = (slope_lo > 0) & (slope_hi < 0)
    if np.any(rising):
        keep = np.flatnonzero(rising)
        queries = _Queries(states, row[keep], states.segment_of(lo[keep]))
        found = _roots(queries, effect[keep], lo[keep], hi[keep], None)
        value, _, _ = queries.at(found, effect[keep])
        for k, (s, r) in enumerate(zip(site[keep], row[keep], strict=True)):
            if value[k] > peak[s, r]:
                peak[s, r], when[s, r] = value[k], found[k]
    return peak, when


def time_above_min(
    states: SegmentStates,
    grid_min: FloatArray,
    values_ng_per_ml: FloatArray,
    levels_ng_per_ml: FloatArray,
) -> FloatArray:
    """Minutes above each level over the grid's span, per site, level and row.

    Args:
        states: The rows' segment states.
        grid_min: Sorted distinct times containing every event time up to the last, (T,).
        values_ng_per_ml: Values on the grid, (S, P, T): site 0 Cp, site 1 Ce.
        levels_ng_per_ml: Levels, ng/mL, shape (L,) (``inf`` gives 0 minutes).

    Returns:
        Minutes with the value strictly above each level, shape (S, L, P); each
        crossing located to ``_TIME_TOLERANCE_MIN``.
    """
    levels = levels_ng_per_ml[None, :, None, None]
    above = values_ng_per_ml[:, None, :, :] > levels  # (S, L, P, T)
    lengths = np.diff(grid_min)
    total: FloatArray = np.sum(np.where(above[..., :-1] & above[..., 1:], lengths, 0.0), axis=-1)
    site, level, row, index = np.nonzero(above[..., :-1] != above[..., 1:])
    if site.size:
        lo, hi = grid_min[index], grid_min[index + 1]
        queries = _Queries(states, row, states.segment_of(lo))
        crossing = _roots(queries, site == 1, lo, hi, levels_ng_per_ml[level])
        part = np.where(above[site, level, row, index], crossing - lo, hi - crossing)
        np.add.at(total, (site, level, row), part)
    return total


def time_to_level_min(
    states: SegmentStates, end_of_dosing_min: FloatArray, level_ng_per_ml: float
) -> FloatArray:
    """Minutes after the end of dosing until Cp falls to ``level_ng_per_ml`` (0 if below).

    Args:
        states: The rows' segment states.
        end_of_dosing_min: Each row's last dose (bolus or infusion stop), min, (P,);
            nothing may be given after it.
        level_ng_per_ml: The level, ng/mL (> 0).

    Returns:
        Minutes, shape (P,), to ``_TIME_TOLERANCE_MIN``.
    """
    rows = np.arange(end_of_dosing_min.size)
    segments = states.segment_of(end_of_dosing_min)
    tau = end_of_dosing_min - states.schedule.event_min[segments]
    lam = states.modes.lam_per_min
    # No input after the last dose: s decays freely from the state at its segment start.
    s = states.plasma_states[segments, rows] * np.exp(-lam * tau[:, None])
    level = mg_per_l_from_ng_per_ml(level_ng_per_ml)
    after = np.zeros(rows.size)
    for _ in range(_MAX_NEWTON_STEPS):
        terms = s * np.exp(-lam * after[:, None])
        excess = np.sum(terms, axis=1) - level
        slope = -np.sum(lam * terms, axis=1)
        falling = (excess > 0) & (slope < 0)
        step = np.where(falling, excess / np.where(falling, -slope, 1.0), 0.0)
        after += step
        if np.all(step <= _TIME_TOLERANCE_MIN):
            break
    return after


def settled_min(
    states: SegmentStates, end_of_dosing_min: FloatArray, level_ng_per_ml: float
) -> FloatArray:
    """The time from the start after which both Cp and Ce stay at or below a level.

    After the last dose Cp decreases (:func:`time_to_level_min` finds when it reaches
    the level), and Ce follows it through a first-order lag: once Ce is above Cp it
    only decreases, and while it is below, it stays below the largest Cp still to
    come. So if Ce is at or below the level when Cp reaches it, both stay below from
    then on; otherwise Ce, then above Cp, crosses the level once, later. That crossing
    is bracketed by the bound Ce(t + τ) <= Ce(t)·e^(-ke0·τ) + Cp(t)·(1 - e^(-ke0·τ))
    taken where Cp has fallen to ``_SETTLE_FRACTION`` of the level, and found as in
    ``_roots`` (to ``_TIME_TOLERANCE_MIN``).

    Args:
        states: The rows' segment states.
        end_of_dosing_min: Each row's last dose, min, (P,); nothing given after it.
        level_ng_per_ml: The level, ng/mL (> 0).

    Returns:
        Minutes from the start, (P,), never before the end of dosing.
    """
    rows = np.arange(end_of_dosing_min.size)
    effect = np.ones(rows.size, dtype=bool)
    reached = end_of_dosing_min + time_to_level_min(states, end_of_dosing_min, level_ng_per_ml)
    ce, _, _ = _Queries(states, rows, states.segment_of(reached)).at(reached, effect)
    settled: FloatArray = reached.copy()
    late = np.flatnonzero(ce > level_ng_per_ml)
    if late.size:
        below = _SETTLE_FRACTION * level_ng_per_ml
        ends = end_of_dosing_min[late]
        start = ends + time_to_level_min(states, end_of_dosing_min, below)[late]
        queries = _Queries(states, late, states.segment_of(start))
        ce_start, _, _ = queries.at(start, effect[late])
        ratio = np.maximum((ce_start - below) / (level_ng_per_ml - below), 1.0)
        bound = start + np.log(ratio) / states.modes.ke0_per_min[late]
        queries = _Queries(states, late, states.segment_of(reached[late]))
        level = np.full(late.size, level_ng_per_ml)
        settled[late] = _roots(queries, effect[late], reached[late], bound, level)
    return settled


def dense_grid(regimen: Regimen, horizon_min: float, step_min: float) -> FloatArray:
    """Every ``step_min`` over [0, horizon], plus every event time in it (``plan_metrics``'s grid).

    Args:
        regimen: The plan.
        horizon_min: End, min.
        step_min: Step, min.

    Returns:
        Sorted distinct times, at least two, min.
    """
    count = max(2, math.ceil(horizon_min / step_min) + 1)
    grid = np.linspace(0.0, horizon_min, count)
    events = [b.time_min for b in regimen.boluses]
    for inf in regimen.infusions:
        events += [inf.start_min, inf.stop_min]
    extra = np.array([e for e in events if e <= horizon_min])
    return sorted_distinct(np.concatenate((grid, extra)))


def sorted_distinct(values_min: FloatArray) -> FloatArray:
    """The distinct values, sorted: ``numpy.unique`` for a 1-D float array.

    ``numpy.unique`` (and ``union1d``) import ``numpy.ma`` on first use, 10 ms of the
    ``pk simulate`` start-up; a sort and a comparison of neighbours do not.
    """
    ordered = np.sort(values_min)
    keep = np.empty(ordered.size, dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    distinct: FloatArray = ordered[keep]
    return distinct


def peaks_in_window(
    parameters: PkParameters, regimen: Regimen, horizon_min: float, dense_step_min: float
) -> tuple[float, float, float, float]:
    """Plasma and effect-site peaks over [0, horizon], as ``plan_metrics`` finds them.

    The same dense grid as ``plan_metrics`` (every ``dense_step_min`` plus every event
    time), evaluated by blocks, and each peak refined between grid points on the exact
    solution (:func:`refine_peaks`) rather than by SciPy's bounded Brent search.

    Args:
        parameters: The patient's parameters.
        regimen: The plan.
        horizon_min: End of the window, min (>= 0).
        dense_step_min: Grid step, min (> 0).

    Returns:
        ``(cmax_ng_per_ml, tmax_min, effect_site_cmax_ng_per_ml, effect_site_tmax_min)``.
    """
    grid = dense_grid(regimen, horizon_min, dense_step_min)
    modes = Modes.of(PkParameterArrays.from_parameters([parameters]))
    schedule = Schedule.of((regimen,))
    values = np.empty((2, 1, grid.size))
    concentrations_into(modes, schedule, grid, values[0], values[1])
    peak, when = refine_peaks(SegmentStates.of(modes, schedule), grid, values)
    return float(peak[0, 0]), float(when[0, 0]), float(peak[1, 0]), float(when[1, 0])
