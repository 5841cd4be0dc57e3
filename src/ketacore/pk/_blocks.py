"""Plasma concentrations on evenly spaced times, a whole block per matrix product.

Canonical use (internal; the public entry points are ``summarize_peaks``,
``simulate_many`` on an evenly spaced grid, and ``preview``)::

    plan = GridPlan.for_blocks(schedule, unique_times_min)
    if plan is not None:
        final = np.empty_like(modes.coef_per_l)
        for run, rows, cp in sweep(modes, schedule, plan, final):
            ...  # cp[:, :run.count]: mg/L at grid[run.first : run.first + run.count]

Derivation (uses the modal form of ``ketacore.pk._solve``, derivation steps 2-3)
--------------------------------------------------------------------------------

1. Between two events the infusion rate R is constant and each partial state obeys
   ds_i/dt = -λ_i·s_i + C_i·R, so from any time t_a, τ later::

       s_i(t_a + τ) = s_i(t_a)·e^(-λ_i·τ) + C_i·R·G_i(τ),   G_i(τ) = (1 - e^(-λ_i·τ))/λ_i,

   with G_i(τ) evaluated as τ·h(λ_i·τ), h(x) = -expm1(-x)/x (``_solve._h``), exact
   and finite as λ_i -> 0.

2. A *run* is N requested times in one segment that are evenly spaced:
   t_k = t_0 + k·Δ, k = 0..N-1. Write k = j·B + l with 0 <= l < B (B columns,
   H = ceil(N/B) rows) and let T_j = t_0 + j·B·Δ. Step 1 from T_j over l·Δ gives::

       Cp(t_0 + (j·B + l)·Δ) = Σ_i s_i(T_j)·e^(-λ_i·l·Δ) + R·Σ_i C_i·G_i(l·Δ)
                             = Σ_{m=0..n} X[j, m]·Y[m, l]

   with X[j, i] = s_i(T_j), X[j, n] = R, Y[i, l] = e^(-λ_i·l·Δ) and
   Y[n, l] = Σ_i C_i·G_i(l·Δ) (the Cp of a unit-rate infusion from empty, l·Δ after
   its start). So one patient's H×B block of concentrations is
   the matrix product X·Y, inner dimension n + 1 <= 4, and one batched
   ``numpy.matmul`` (BLAS) evaluates every point of a run for many patients. The
   rows of X come from step 1 again: s_i(T_j) = s_i(t_0)·e^(-λ_i·j·B·Δ) +
   C_i·R·G_i(j·B·Δ), and s(t_0) from the segment's starting state over t_0 - e.

3. Every factor is >= 0 (C_i >= 0, doses and rates >= 0, hence s_i >= 0), so each
   concentration is a sum of n + 1 non-negative products: no cancellation. Its
   factors carry about log2(H) + log2(B) roundings each (step 4), so its relative
   error stays a few dozen units in the last place however long the run (the
   step-by-step recursion of ``_solve.march`` is exact too, but accumulates a
   rounding per step, and rounds step lengths to 1e-12 min). Every requested time
   is evaluated; nothing is interpolated.

4. Tables without exponentials per entry: with a = e^(-λ·δ) and g = G(δ), step 1
   over w·δ gives v_(k+w) = a^w·v_k + g_w, so entries w..2w-1 of a table
   (powers e^(-λ_i·l·Δ), gains G_i(l·Δ), row states s(T_j)) follow from entries
   0..w-1 in two array operations, and a^(2w) = (a^w)², g_2w = g_w·(1 + a^w)
   (``_doubling``). Only the first factor of each table is an exp/expm1.

5. Cost per patient: n·B table entries per spacing, (n + 1)·H row entries and
   (n + 1)·H·B multiply-adds in BLAS per run, against N sequential steps of
   several array passes each. With B = ceil(sqrt(N)) the tables are O(sqrt(N)).
   Runs are cut to at most ``_MAX_RUN`` times, so that a block of
   ``_BLOCK_VALUES // (H·B)`` >= 32 patients stays in a core's L2 cache while it
   is reduced. A block's last row may reach past the run (H·B >= N); those values
   are overwritten with -inf so that reductions run over whole contiguous rows.

6. Effect site (``sweep_with_effect``). Over τ at constant R from T (``_solve``
   derivation step 4, its last sum rewritten with G_i - φ_i = (1 - e^(-ke0·τ) - ke0·φ_i)/λ_i,
   which needs no division by λ_i)::

       Ce(T + τ) = e^(-ke0·τ)·Ce(T) + Σ_i ke0·φ_i(τ)·s_i(T) + R·Σ_i C_i·ψ_i(τ),
       ψ_i(τ) = G_i(τ) - φ_i(τ) >= 0 (the Ce of a unit-rate infusion of mode i),

   again a product X·Y with X[j] = [s(T_j), Ce(T_j), R] (inner dimension n + 2) and
   Y[:, l] = [ke0·φ_i(l·Δ); e^(-ke0·l·Δ); Σ_i C_i·ψ_i(l·Δ)]. Cp uses the same X with a
   zero row for Ce in its Y. Every factor is >= 0 again. Their tables and the rows
   Ce(T_j) come from doubling too (``_coupled_doubling``): with a = e^(-λ·w·δ),
   e = e^(-ke0·w·δ), α = ke0·φ(w·δ), g = C·G(w·δ), h = C·ψ(w·δ) the pair (s, Ce)
   obeys s' = a·s + R·g, Ce' = e·Ce + Σ α·s + R·Σ h over w·δ, and for 2w:
   α_2w = α_w·(a_w + e_w), g_2w = g_w·(1 + a_w), h_2w = h_w·(1 + e_w) + α_w·g_w.

Grids: requested times are split at the schedule's events and into maximal evenly
spaced runs (a time counts as t_0 + k·Δ when within ``tolerance`` of it). A grid
whose runs are short on average (irregular times) gains nothing from blocks: callers
then use the step-by-step march (``GridPlan.for_blocks`` returns None).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ketacore.pk._solve import Modes, Schedule, _h

__all__ = ["CHUNK_PATIENTS", "GridPlan", "Run", "RunKind", "sweep", "sweep_with_effect"]

FloatArray = NDArray[np.float64]

#: Patients per chunk of :func:`sweep`: its tables, (B, P, n) and (P, n+1, B), and the row
#: states (H, P, n+1) of 2048 patients take 1-2.5 MiB each for B, H = 38, so they stay
#: near the per-core L2 cache while they are built. Measured on the benchmark workload
#: (CPU time, docs/performance.md): 1024, 2048, 4096, 8192 patients took 0.29, 0.28,
#: 0.30, 0.38 s.
CHUNK_PATIENTS = 2048
#: Most points in one run (longer runs are cut): B, H <= 64, and a block of
#: _BLOCK_VALUES values holds about 32 patients or more.
_MAX_RUN = 4096
#: Values per matrix-product block: 2**17 float64 = 1 MiB, half of the 2 MiB per-core
#: L2 cache of the benchmark machine (docs/performance.md), so the block is still
#: cached when it is reduced. Measured as above: 2**16 took the same time, 2**18 17 %
#: more.
_BLOCK_VALUES = 1 << 17
#: Mean run length below which the step-by-step march is used instead. A run costs a
#: fixed setup (row states, a few dozen array operations per chunk); measured on the
#: benchmark machine (8192 patients, 2000 times in runs of L, CPU time), blocks took
#: 4.2×, 1.8×, 1.0× and 0.64× the march's time at L = 8, 16, 48 and 128.
_MIN_MEAN_RUN = 48
#: Absolute floor of the tolerance for "evenly spaced", min (the march rounds step
#: lengths to the same 1e-12 min when grouping them).
_TIME_TOLERANCE_MIN = 1e-12
#: Units in the last place of the largest time allowed on top: float rounding of an
#: evenly spaced grid, t_k = t_0 + k·Δ rounded, stays within a few ulp of the line.
_TIME_TOLERANCE_ULP = 16


@dataclass(frozen=True, slots=True)
class RunKind:
    """Tables shared by runs with one spacing.

    Attributes:
        step_min: Spacing Δ, min (0 for single times).
        cols: B, the columns of every block of this spacing.
        rows: The most rows H of any run of this spacing.
    """

    step_min: float
    cols: int
    rows: int


@dataclass(frozen=True, slots=True)
class Run:
    """Evenly spaced requested times inside one constant-rate segment.

    Attributes:
        segment: Index of the schedule event that starts the segment in force.
        first: Index of the run's first time in ``GridPlan.grid_min``.
        count: N, the number of times.
        offset_min: First time minus the segment's start time, min.
        rows: H = ceil(N / B).
        kind: Index into ``GridPlan.kinds``.
    """

    segment: int
    first: int
    count: int
    offset_min: float
    rows: int
    kind: int


def _uniform_runs(
    x: FloatArray, tolerance: float, budget: int
) -> list[tuple[int, int, float]] | None:
    """Split sorted distinct times into maximal evenly spaced runs.

    Returns:
        ``(start, count, step)`` triples covering ``x`` in order, every time within
        ``tolerance`` of ``x[start] + k·step``; or None once more than ``budget`` runs
        would be needed.
    """
    m = x.size
    steps = np.diff(x)
    # Step k starts a new spacing when it differs from step k - 1 (a loose test; the
    # fit to a line below is the real check, so a slow drift cannot hide in it).
    breaks = np.flatnonzero(np.abs(np.diff(steps)) > 2 * tolerance) + 1
    runs: list[tuple[int, int, float]] = []
    start = 0
    while start < m:
        if len(runs) == budget:
            return None
        if start == m - 1:
            runs.append((start, 1, 0.0))
            break
        after = np.searchsorted(breaks, start, side="right")
        end = int(breaks[after]) if after < breaks.size else m - 1  # last point of the run
        count = min(end - start + 1, _MAX_RUN)
        while True:
            step = float(x[start + count - 1] - x[start]) / (count - 1)
            line = x[start] + np.arange(count) * step
            if count == 2 or np.max(np.abs(x[start : start + count] - line)) <= tolerance:
                break
            count = max(2, count // 2)
        runs.append((start, count, step))
        start += count
    return runs


@dataclass(frozen=True, slots=True, eq=False)
class GridPlan:
    """Requested times grouped into evenly spaced runs per constant-rate segment.

    Independent of the patients: built once per call, shared by every chunk.

    Attributes:
        grid_min: The distinct requested times, sorted, min (T_u,).
        segment_start_min: Start of each segment (schedule events up to the last
            time), min (S,).
        segment_length_min: Length of each segment: to the next event, or to the last
            requested time for the last one, min (S,).
        runs: The runs, in time order.
        kinds: Spacings and block shapes, referenced by ``Run.kind``.
        tolerance_min: Largest distance of a time from its run's line, min.
    """

    grid_min: FloatArray
    segment_start_min: FloatArray
    segment_length_min: FloatArray
    runs: tuple[Run, ...]
    kinds: tuple[RunKind, ...]
    tolerance_min: float

    @classmethod
    def of(cls, schedule: Schedule, grid_min: FloatArray) -> GridPlan:
        """Plan a sorted grid of distinct times against a compiled schedule."""
        plan = cls._build(schedule, grid_min, budget=grid_min.size)
        assert plan is not None  # a budget of one run per time always suffices
        return plan

    @classmethod
    def for_blocks(cls, schedule: Schedule, grid_min: FloatArray) -> GridPlan | None:
        """The plan if blocks beat the step-by-step march, else None.

        Blocks pay when runs average at least ``_MIN_MEAN_RUN`` times; planning stops
        as soon as more runs than that allows are found, so an irregular grid costs
        little to refuse.
        """
        return cls._build(schedule, grid_min, budget=grid_min.size // _MIN_MEAN_RUN)

    @classmethod
    def _build(cls, schedule: Schedule, grid_min: FloatArray, budget: int) -> GridPlan | None:
        end = float(grid_min[-1])
        tolerance = max(_TIME_TOLERANCE_MIN, _TIME_TOLERANCE_ULP * math.ulp(max(end, 1.0)))
        starts = schedule.event_min[schedule.event_min <= end]
        lengths = np.diff(np.append(starts, end))
        bounds = [*np.searchsorted(grid_min, starts, side="left").tolist(), grid_min.size]
        pieces: list[tuple[int, int, int, float, float]] = []
        for segment, (lo, hi) in enumerate(itertools.pairwise(bounds)):
            if hi == lo:
                continue
            found = _uniform_runs(grid_min[lo:hi], tolerance, budget - len(pieces))
            if found is None:
                return None
            for start, count, step in found:
                offset = float(grid_min[lo + start] - starts[segment])
                pieces.append((segment, lo + start, count, offset, step))
        # One set of tables per spacing: a run joins a known spacing (looked up by its
        # step rounded to 1e-12 min) when its times still fit that spacing's line.
        steps: list[float] = []
        longest: list[int] = []
        by_key: dict[float, list[int]] = {}
        which: list[int] = []
        for _, first, count, _, step in pieces:
            found_kind = -1
            for index in by_key.get(round(step, 12), []):
                line = grid_min[first] + np.arange(count) * steps[index]
                if np.max(np.abs(grid_min[first : first + count] - line)) <= tolerance:
                    found_kind = index
                    break
            if found_kind < 0:
                found_kind = len(steps)
                steps.append(step)
                longest.append(count)
                by_key.setdefault(round(step, 12), []).append(found_kind)
            longest[found_kind] = max(longest[found_kind], count)
            which.append(found_kind)
        cols = [math.isqrt(n - 1) + 1 for n in longest]  # ceil(sqrt(n)) for n >= 1
        runs = tuple(
            Run(segment, first, count, offset, -(-count // cols[kind]), kind)
            for (segment, first, count, offset, _), kind in zip(pieces, which, strict=True)
        )
        rows = [1] * len(steps)
        for run in runs:
            rows[run.kind] = max(rows[run.kind], run.rows)
        kinds = tuple(RunKind(step, b, h) for step, b, h in zip(steps, cols, rows, strict=True))
        return cls(grid_min, starts, lengths, runs, kinds, tolerance)

    @property
    def worthwhile(self) -> bool:
        """Whether blocks beat the step-by-step march (mean run >= ``_MIN_MEAN_RUN``)."""
        return self.grid_min.size >= _MIN_MEAN_RUN * len(self.runs)


def _decay_and_gain(lam: FloatArray, tau_min: float) -> tuple[FloatArray, FloatArray]:
    """e^(-λ·τ) and G(τ) = τ·h(λ·τ) (derivation step 1), shape of ``lam``."""
    x = lam * tau_min
    return np.exp(-x), tau_min * _h(x)


def _doubling(values: FloatArray, decay: FloatArray, gain: FloatArray | None) -> None:
    """Fill ``values[1:]`` from ``values[0]`` by doubling along the first axis, in place.

    Entry k is the state k steps of δ after entry 0 under a constant forcing:
    v_(k+1) = a·v_k + g with a = e^(-λ·δ) and g the forced gain over δ (module
    derivation, step 1; ``g = 0`` gives the powers a^k·v_0). Applying step 1 over w·δ,
    v_(k+w) = a^w·v_k + g_w with g_w the gain over w·δ, so entries w..2w-1 follow from
    0..w-1 in two array operations, and the factors for 2w are a^(2w) = (a^w)² and
    g_2w = g_w·(1 + a^w). Every term is >= 0, so an entry carries at most about
    2·log2(len(values)) roundings.

    Args:
        values: Shape (K, ...) with entry 0 set; entries 1..K-1 are overwritten.
        decay: a, broadcastable to ``values[0]``.
        gain: g, broadcastable to ``values[0]``, or None for 0 (pure powers).
    """
    count = values.shape[0]
    a_w, g_w, w = decay, gain, 1
    while w < count:
        m = min(w, count - w)
        np.multiply(values[:m], a_w, out=values[w : w + m])
        if g_w is not None:
            values[w : w + m] += g_w
            g_w = g_w + a_w * g_w
        a_w = a_w * a_w
        w *= 2


def effect_factors(
    lam_per_min: FloatArray,
    coef_per_l: FloatArray,
    ke0_per_min: FloatArray,
    tau_min: float | FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Effect-site factors over τ (derivation step 6).

    Args:
        lam_per_min: λ_i, shape (..., n).
        coef_per_l: C_i, shape (..., n).
        ke0_per_min: ke0, shape (...).
        tau_min: τ >= 0, a number or shape (...).

    Returns:
        ``(e, alpha, c_psi)``: e^(-ke0·τ) of shape (...), ke0·φ_i(τ) and C_i·ψ_i(τ) of
        shape (..., n), all >= 0, so that Ce(T + τ) = e·Ce(T) + Σ alpha·s(T) + R·Σ c_psi.
    """
    tau = np.asarray(tau_min, dtype=np.float64)
    ke0 = ke0_per_min[..., None]
    tau_n = tau[..., None]
    e = np.exp(-ke0_per_min * tau)
    phi = (
        np.exp(-np.minimum(lam_per_min, ke0) * tau_n)
        * tau_n
        * _h(np.abs(ke0 - lam_per_min) * tau_n)
    )
    gain = tau_n * _h(lam_per_min * tau_n)
    return e, ke0 * phi, coef_per_l * np.maximum(gain - phi, 0.0)


def _coupled_doubling(
    lead: FloatArray,
    follow: FloatArray,
    decay: FloatArray,
    effect_decay: FloatArray,
    alpha: FloatArray,
    gain: FloatArray | None = None,
    effect_gain: FloatArray | None = None,
) -> None:
    """Fill entries 1.. of a (plasma, effect site) pair of tables by doubling, in place.

    Over one step δ: v' = a·v + g per mode and u' = e·u + α·v + h (derivation step 6),
    where u is per mode (``follow`` shaped like ``lead``) or summed over the modes
    (``follow`` without the last axis of ``lead``: then u' = e·u + Σ α·v + Σ h). Over
    w·δ the same form holds with a_w, e_w, α_w, g_w, h_w, and the factors for 2w are
    a_w², e_w², α_w·(a_w + e_w), g_w·(1 + a_w) and h_w·(1 + e_w) + α_w·g_w: all
    products and sums of non-negative numbers.

    Args:
        lead: Shape (K, ..., n), entry 0 set; entries 1..K-1 are overwritten.
        follow: Shape (K, ..., n) or (K, ...), entry 0 set; entries 1..K-1 overwritten.
        decay: a, broadcastable to ``lead[0]``.
        effect_decay: e, broadcastable to ``lead[0]`` with a last axis of length 1.
        alpha: α, broadcastable to ``lead[0]``.
        gain: g, broadcastable to ``lead[0]``, or None for 0.
        effect_gain: h, broadcastable to ``lead[0]``, or None for 0 (must be None when
            ``gain`` is None).
    """
    summed = follow.ndim < lead.ndim
    count = lead.shape[0]
    a_w, e_w, alpha_w, g_w, h_w, w = decay, effect_decay, alpha, gain, effect_gain, 1
    while w < count:
        m = min(w, count - w)
        coupling = alpha_w * lead[:m]
        if summed:
            np.multiply(follow[:m], e_w[..., 0], out=follow[w : w + m])
            follow[w : w + m] += coupling.sum(axis=-1)
            if h_w is not None:
                follow[w : w + m] += h_w.sum(axis=-1)
        else:
            np.multiply(follow[:m], e_w, out=follow[w : w + m])
            follow[w : w + m] += coupling
            if h_w is not None:
                follow[w : w + m] += h_w
        np.multiply(lead[:m], a_w, out=lead[w : w + m])
        if g_w is not None:
            lead[w : w + m] += g_w
            if h_w is not None:
                h_w = h_w + e_w * h_w + alpha_w * g_w
            g_w = g_w + a_w * g_w
        alpha_w = alpha_w * (a_w + e_w)
        a_w = a_w * a_w
        e_w = e_w * e_w
        w *= 2


def sweep(
    modes: Modes,
    schedule: Schedule,
    plan: GridPlan,
    final_states: FloatArray,
    *,
    chunk_size: int = CHUNK_PATIENTS,
    block_values: int = _BLOCK_VALUES,
) -> Iterator[tuple[Run, slice, FloatArray]]:
    """Evaluate Cp at every time of the plan, for a block of patients and a run at a time.

    Patients are taken ``chunk_size`` at a time (tables and row states are per chunk);
    within a chunk, runs in time order; within a run, blocks of patients.

    Args:
        modes: P patients' modal form.
        schedule: The compiled regimen(s) (1 or P rows).
        plan: The grid's runs (see :meth:`GridPlan.of`).
        final_states: Filled chunk by chunk: the partial states s at the last requested
            time, shape (P, n).
        chunk_size: Patients per chunk.
        block_values: Values per block (patients per block = block_values // (H·B)).

    Yields:
        ``(run, rows, cp)``: Cp in mg/L of the patients ``rows`` (absolute indices),
        shape (patients, H·B), for the runs of one chunk in time order. Columns
        0..run.count-1 are the run's times; the rest (times past the run, which the
        last row of the block also covers) are set to -inf, so that a reduction over
        the whole contiguous row (much faster in NumPy than over a strided view) can
        never pick them. ``cp`` is a live buffer, overwritten next.
    """
    count = modes.lam_per_min.shape[0]
    for lo in range(0, count, chunk_size):
        part = slice(lo, min(count, lo + chunk_size))
        blocks = _sweep_chunk(
            modes.take(part), schedule.take(part), plan, final_states[part], None, block_values
        )
        for run, rows, cp, _ in blocks:
            yield run, slice(lo + rows.start, lo + rows.stop), cp


def sweep_with_effect(
    modes: Modes,
    schedule: Schedule,
    plan: GridPlan,
    final_states: FloatArray,
    final_effect: FloatArray,
    *,
    chunk_size: int = CHUNK_PATIENTS,
    block_values: int = _BLOCK_VALUES,
) -> Iterator[tuple[Run, slice, FloatArray, FloatArray]]:
    """:func:`sweep` for Cp and Ce together (derivation step 6).

    Args:
        modes: P patients' modal form.
        schedule: The compiled regimen(s) (1 or P rows).
        plan: The grid's runs.
        final_states: Filled with the partial states s at the last requested time, (P, n).
        final_effect: Filled with Ce at the last requested time, mg/L, (P,).
        chunk_size: Patients per chunk.
        block_values: Values per block of each site.

    Yields:
        ``(run, rows, cp, ce)``: Cp and Ce in mg/L, each shaped and padded with -inf as
        the ``cp`` of :func:`sweep`; live buffers, overwritten next.
    """
    count = modes.lam_per_min.shape[0]
    for lo in range(0, count, chunk_size):
        part = slice(lo, min(count, lo + chunk_size))
        blocks = _sweep_chunk(
            modes.take(part),
            schedule.take(part),
            plan,
            final_states[part],
            final_effect[part],
            block_values,
        )
        for run, rows, cp, ce in blocks:
            assert ce is not None
            yield run, slice(lo + rows.start, lo + rows.stop), cp, ce


def _tables(modes: Modes, kind: RunKind, effect: bool) -> tuple[FloatArray, FloatArray | None]:
    """Y of one spacing for Cp and, with ``effect``, for Ce (derivation steps 2, 4, 6).

    Laid out as BLAS reads them best, (P, columns of X, B): for Cp, e^(-λ_i·l·Δ) in rows
    0..n-1 and in the last row Σ_i C_i·G_i(l·Δ), the Cp of a unit-rate infusion from
    empty (X's last column holds the rate R); with ``effect``, X has a Ce column n whose
    row in Cp's Y is 0, and Ce's Y holds ke0·φ_i(l·Δ), e^(-ke0·l·Δ) and Σ_i C_i·ψ_i(l·Δ).
    """
    lam, coef = modes.lam_per_min, modes.coef_per_l
    count, n = lam.shape
    width = n + 2 if effect else n + 1
    a, g = _decay_and_gain(lam, kind.step_min)
    table = np.empty((kind.cols, count, n))  # (B, P, n): doubling over contiguous rows
    table[0] = 1.0
    gains = np.empty((kind.cols, n, count))  # (B, n, P): the sum over i is contiguous
    gains[0] = 0.0
    y = np.zeros((count, width, kind.cols)) if effect else np.empty((count, width, kind.cols))
    y_effect = None
    if not effect:
        _doubling(table, a, None)
        _doubling(gains, np.ascontiguousarray(a.T), np.ascontiguousarray((g * coef).T))
    else:
        e, alpha, c_psi = effect_factors(lam, coef, modes.ke0_per_min, kind.step_min)
        response = np.empty((kind.cols, count, n))  # Ce per unit s_i at l·Δ
        response[0] = 0.0
        _coupled_doubling(table, response, a, e[:, None], alpha)
        psi = np.empty((kind.cols, n, count))  # C_i·ψ_i(l·Δ)
        psi[0] = 0.0
        _coupled_doubling(gains, psi, a.T, e[None, :], alpha.T, (g * coef).T, c_psi.T)
        powers = np.empty((kind.cols, count))
        powers[0] = 1.0
        _doubling(powers, e, None)
        y_effect = np.empty((count, width, kind.cols))
        y_effect[:, :n, :] = response.transpose(1, 2, 0)
        y_effect[:, n, :] = powers.T
        y_effect[:, n + 1, :] = np.add.reduce(psi, axis=1).T
    y[:, :n, :] = table.transpose(1, 2, 0)
    y[:, width - 1, :] = np.add.reduce(gains, axis=1).T
    return y, y_effect


def _sweep_chunk(
    modes: Modes,
    schedule: Schedule,
    plan: GridPlan,
    final_states: FloatArray,
    final_effect: FloatArray | None,
    block_values: int,
) -> Iterator[tuple[Run, slice, FloatArray, FloatArray | None]]:
    """:func:`sweep` (or, given ``final_effect``, :func:`sweep_with_effect`) for one chunk.

    ``rows`` are relative to the chunk; the Ce block is None without ``final_effect``.
    """
    effect = final_effect is not None
    lam, coef, ke0 = modes.lam_per_min, modes.coef_per_l, modes.ke0_per_min
    count, n = lam.shape
    width = n + 2 if effect else n + 1  # columns of X: s, (Ce,) R
    ys: list[tuple[FloatArray, FloatArray | None]] = []
    # From one row of X to the next (B·Δ): e^(-λ_i·B·Δ) and C_i·G_i(B·Δ), (P, n) each,
    # and with the effect site e^(-ke0·B·Δ), ke0·φ_i(B·Δ) and C_i·ψ_i(B·Δ).
    big: list[tuple[FloatArray, FloatArray]] = []
    big_effect: list[tuple[FloatArray, FloatArray, FloatArray]] = []
    for kind in plan.kinds:
        ys.append(_tables(modes, kind, effect))
        a, g = _decay_and_gain(lam, kind.step_min * kind.cols)
        big.append((a, g * coef))
        if effect:
            big_effect.append(effect_factors(lam, coef, ke0, kind.step_min * kind.cols))
    # X of a run, stored (H, P, width) so that the doubling runs over contiguous rows;
    # its last column holds the constant rate R (decay 1 and gain 0 keep it there).
    x_buffer = np.empty(max(k.rows for k in plan.kinds) * count * width)
    decay_x = np.ones((count, n + 1))
    gain_x = np.zeros((count, n + 1))
    size = max(block_values, max(k.rows * k.cols for k in plan.kinds))
    buffer = np.empty(size)
    buffer_effect = np.empty(size) if effect else buffer
    s = np.zeros((count, n))
    ce = np.zeros(count)
    by_segment: list[list[Run]] = [[] for _ in plan.segment_start_min]
    for run in plan.runs:
        by_segment[run.segment].append(run)
    for segment, runs in enumerate(by_segment):
        bolus = schedule.bolus_at[:, segment]
        if np.any(bolus != 0):
            s += bolus[:, None] * coef  # a bolus D adds C_i·D (_solve derivation 2)
        rate = schedule.rate_after[:, segment][:, None]  # (R, 1): 1 or P rows
        infusing = bool(np.any(rate != 0))
        forced = rate * coef  # C_i·R, (P, n)
        for run in runs:
            h, b = run.rows, plan.kinds[run.kind].cols
            x_rows = x_buffer[: h * count * width].reshape(h, count, width)
            decay, gain = _decay_and_gain(lam, run.offset_min)
            if effect:
                e0, alpha0, psi0 = effect_factors(lam, coef, ke0, run.offset_min)
                x_rows[0, :, n] = e0 * ce + np.add.reduce(alpha0 * s, axis=1)
                if infusing:
                    x_rows[0, :, n] += rate[:, 0] * np.add.reduce(psi0, axis=1)
            np.multiply(s, decay, out=x_rows[0, :, :n])  # s(t_0) by derivation step 1
            if infusing:
                x_rows[0, :, :n] += forced * gain
            if effect:
                x_rows[:, :, n + 1] = rate[:, 0]
                e_big, alpha_big, psi_big = big_effect[run.kind]
                _coupled_doubling(  # s(T_j), Ce(T_j), j = 0..H-1
                    x_rows[:, :, :n],
                    x_rows[:, :, n],
                    big[run.kind][0],
                    e_big[:, None],
                    alpha_big,
                    rate * big[run.kind][1],
                    rate * psi_big,
                )
            else:
                x_rows[0, :, n] = rate[:, 0]
                decay_x[:, :n] = big[run.kind][0]
                np.multiply(rate, big[run.kind][1], out=gain_x[:, :n])
                _doubling(x_rows, decay_x, gain_x)  # s(T_j), j = 0..H-1
            x = x_rows.transpose(1, 0, 2)  # (P, H, width): rows of contiguous values
            y, y_effect = ys[run.kind]
            per = max(1, block_values // (h * b))
            spare = h * b - run.count  # the last row's columns past the run's end
            for lo in range(0, count, per):
                hi = min(count, lo + per)
                block = buffer[: (hi - lo) * h * b].reshape(hi - lo, h, b)
                np.matmul(x[lo:hi], y[lo:hi], out=block)
                if spare:
                    block[:, h - 1, b - spare :] = -np.inf
                ce_values: FloatArray | None = None
                if y_effect is not None:
                    block_effect = buffer_effect[: (hi - lo) * h * b].reshape(hi - lo, h, b)
                    np.matmul(x[lo:hi], y_effect[lo:hi], out=block_effect)
                    if spare:
                        block_effect[:, h - 1, b - spare :] = -np.inf
                    ce_values = block_effect.reshape(hi - lo, h * b)
                yield run, slice(lo, hi), block.reshape(hi - lo, h * b), ce_values
        length = float(plan.segment_length_min[segment])
        if effect:
            e1, alpha1, psi1 = effect_factors(lam, coef, ke0, length)
            ce = e1 * ce + np.add.reduce(alpha1 * s, axis=1)
            if infusing:
                ce += rate[:, 0] * np.add.reduce(psi1, axis=1)
        decay, gain = _decay_and_gain(lam, length)
        s *= decay
        if infusing:
            s += forced * gain
    final_states[...] = s
    if final_effect is not None:
        final_effect[...] = ce
