"""Evaluation by blocks (ketacore.pk._blocks): against the march and the ODE oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ketacore import pk
from ketacore.pk._blocks import _MAX_RUN, GridPlan, _doubling, sweep
from ketacore.pk._population import _peaks_by_blocks, _peaks_by_steps
from ketacore.pk._solve import (
    Modes,
    PkParameterArrays,
    Schedule,
    final_auc_and_amount,
    march,
)
from tests.core.pk.conftest import ode_solution
from tests.core.pk.test_solve import grid_floats, parameters, regimens


@st.composite
def block_grids(draw: st.DrawFn) -> np.ndarray:
    """Sorted times made of one to three evenly spaced runs (steps on a 0.001 grid),
    sometimes with a few irregular times mixed in: what blocks are for, plus the
    seams between runs."""
    pieces = []
    for _ in range(draw(st.integers(1, 3))):
        start = draw(grid_floats(0, 200))
        step = draw(st.integers(1, 5000)) / 1000
        count = draw(st.integers(1, 120))
        pieces.append(start + step * np.arange(count))
    pieces.append(np.array(draw(st.lists(grid_floats(0, 300), max_size=4))))
    return np.sort(np.concatenate(pieces))


def _population(ps: list[pk.PkParameters]) -> PkParameterArrays:
    return PkParameterArrays.from_parameters(ps)


def _by_blocks(
    arrays: PkParameterArrays,
    schedule: Schedule,
    times: np.ndarray,
    *,
    chunk_size: int = 2048,
    block_values: int = 1 << 17,
) -> tuple[np.ndarray, np.ndarray]:
    """Cp (P, T) mg/L and final states by blocks, whether or not the plan is worthwhile."""
    modes = Modes.of(arrays)
    grid, which = np.unique(times, return_inverse=True)
    plan = GridPlan.of(schedule, grid)
    out = np.full((len(arrays), grid.size), np.nan)
    final = np.empty_like(modes.coef_per_l)
    blocks = sweep(modes, schedule, plan, final, chunk_size=chunk_size, block_values=block_values)
    for run, rows, cp in blocks:
        out[rows, run.first : run.first + run.count] = cp[:, : run.count]
        assert np.all(cp[:, run.count :] == -np.inf)
    return out[:, which], final


def _by_steps(
    arrays: PkParameterArrays, schedule: Schedule, times: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The same by the step-by-step march."""
    modes = Modes.of(arrays)
    out = np.empty((len(arrays), times.size))
    final = np.zeros_like(modes.coef_per_l)
    for k, cp, _, s in march(modes, schedule, times, effect_site=False):
        out[:, k] = cp
        final = s.copy()
    return out, final


@settings(max_examples=60, deadline=None)
@given(
    st.lists(parameters(), min_size=1, max_size=4),
    regimens(),
    block_grids(),
    st.integers(1, 3),
    st.integers(1, 3000),
)
def test_blocks_equal_the_march_on_random_schedules_and_grids(
    ps: list[pk.PkParameters],
    reg: pk.Regimen,
    t: np.ndarray,
    chunk_size: int,
    block_values: int,
) -> None:
    arrays = _population(ps)
    schedule = Schedule.of((reg,))
    blocks, s_blocks = _by_blocks(
        arrays, schedule, t, chunk_size=chunk_size, block_values=block_values
    )
    steps, s_steps = _by_steps(arrays, schedule, t)
    scale = max(reg.total_dose_mg / float(arrays.v1_l.min()), 1e-12)
    np.testing.assert_allclose(blocks, steps, rtol=1e-9, atol=1e-12 * scale)
    assert np.all(blocks >= 0)  # sums of non-negative terms, no clipping needed
    np.testing.assert_allclose(s_blocks, s_steps, rtol=1e-9, atol=1e-12 * scale)


# Each oracle solve is a tight-tolerance Radau run: few examples.
@settings(max_examples=15, deadline=None)
@given(parameters(), regimens(), grid_floats(0, 20), st.integers(1, 300), st.integers(48, 400))
def test_plasma_by_blocks_matches_a_stiff_ode_solution(
    p: pk.PkParameters, reg: pk.Regimen, start: float, step_ms: int, count: int
) -> None:
    t = start + step_ms / 1000 * np.arange(count, dtype=np.float64)
    assume(GridPlan.of(Schedule.of((reg,)), t).worthwhile)
    sim = pk.simulate_many(p, reg, t, effect_site=False)
    cp, _, _ = ode_solution(p, reg, t)
    bound = reg.total_dose_mg / p.v1_l * 1000
    np.testing.assert_allclose(
        sim.plasma_ng_per_ml[0], cp * 1000, rtol=1e-6, atol=1e-9 * max(bound, 1e-12)
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(parameters(), min_size=1, max_size=5), regimens(), block_grids())
def test_peaks_by_blocks_equal_peaks_by_steps(
    ps: list[pk.PkParameters], reg: pk.Regimen, t: np.ndarray
) -> None:
    arrays = _population(ps)
    modes = Modes.of(arrays)
    schedule = Schedule.of((reg,))
    grid = np.unique(t)
    plan = GridPlan.of(schedule, grid)
    best_b, tmax_b, last_b, s_b = _peaks_by_blocks(modes, schedule, plan)
    best_s, tmax_s, last_s, s_s = _peaks_by_steps(modes, schedule, t)
    scale = max(reg.total_dose_mg / float(arrays.v1_l.min()), 1e-12)
    np.testing.assert_allclose(best_b, best_s, rtol=1e-9, atol=1e-12 * scale)
    np.testing.assert_allclose(last_b, last_s, rtol=1e-9, atol=1e-12 * scale)
    auc_b, _ = final_auc_and_amount(modes, schedule, float(t[-1]), s_b)
    auc_s, _ = final_auc_and_amount(modes, schedule, float(t[-1]), s_s)
    np.testing.assert_allclose(auc_b, auc_s, rtol=1e-9, atol=1e-12 * scale * t[-1])
    # Tmax is a grid time where Cp reaches Cmax (the two paths round differently, so
    # two times within a rounding of each other may swap; exact ties are tested below).
    steps, _ = _by_steps(arrays, schedule, t)
    for i in range(len(ps)):
        for tmax in (tmax_b[i], tmax_s[i]):
            assert tmax in grid
            at = steps[i, np.searchsorted(t, tmax)]
            assert at == pytest.approx(best_s[i], rel=1e-9, abs=1e-12 * scale)


def test_exact_ties_keep_the_first_time_in_both_paths() -> None:
    p = pk.get_model("domino").parameters(pk.Patient(70, 45))
    arrays = _population([p, p])
    # Nothing until 60 min (Cp exactly 0), then an infusion; the second patient gets
    # no drug at all, so every Cp is 0 and the peak is the first time.
    reg = pk.Regimen.build(infusions=[(60.0, 60.0, 1.0)])  # 60 to 120 min
    schedule = Schedule.of((reg,)).scaled(np.array([1.0, 0.0]))
    t = np.arange(0, 241, 0.5)
    plan = GridPlan.of(schedule, t)
    assert plan.worthwhile
    modes = Modes.of(arrays)
    for best, tmax, _, _ in (
        _peaks_by_blocks(modes, schedule, plan),
        _peaks_by_steps(modes, schedule, t),
    ):
        assert best[1] == 0
        assert tmax[1] == 0
        assert tmax[0] == 120.0  # a constant infusion peaks at its end


def test_summarize_peaks_takes_blocks_and_agrees_with_full_output() -> None:
    model = pk.get_model("domino")
    params, weights = pk.draw_population(
        model, n_patients=700, weights_kg=(50.0, 120.0), age_years=45, seed=11
    )
    reg = pk.Regimen.build(boluses=[(0, 0.2)], infusions=[(0, 40.05, 0.5 / 60)])
    t = np.arange(0, 121, 1 / 6)
    assert GridPlan.of(Schedule.of((reg,)), np.unique(t)).worthwhile
    one = pk.summarize_peaks(params, reg, t, dose_scale=weights, chunk_size=256)
    two = pk.summarize_peaks(params, reg, t, dose_scale=weights, chunk_size=300, workers=2)
    for name in ("cmax_ng_per_ml", "tmax_min", "auc_ng_min_per_ml", "final_ng_per_ml"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    full = pk.simulate_many(params, reg, t, dose_scale=weights)  # effect site: the march
    cp = full.plasma_ng_per_ml
    np.testing.assert_allclose(one.cmax_ng_per_ml, cp.max(axis=1), rtol=1e-10)
    np.testing.assert_allclose(one.final_ng_per_ml, cp[:, -1], rtol=1e-10)
    np.testing.assert_allclose(one.auc_ng_min_per_ml, full.auc_ng_min_per_ml, rtol=1e-10)
    np.testing.assert_array_equal(one.tmax_min, t[cp.argmax(axis=1)])


def test_simulate_many_by_blocks_keeps_repeated_times_and_its_other_outputs() -> None:
    ps = [pk.get_model("domino").parameters(pk.Patient(w, 45)) for w in (50, 70, 120)]
    regs = [pk.Regimen.build(boluses=[(0, 5)], infusions=[(1, 31, d / 30)]) for d in (25, 35, 60)]
    t = np.sort(np.concatenate([np.arange(0, 90, 0.25), [10.0, 10.0, 31.0]]))
    assert GridPlan.of(Schedule.of(regs), np.unique(t)).worthwhile
    fast = pk.simulate_many(ps, regs, t, effect_site=False)
    slow = pk.simulate_many(ps, regs, t, effect_site=True)
    assert fast.effect_site_ng_per_ml is None
    assert fast.plasma_ng_per_ml.shape == (3, t.size)
    np.testing.assert_allclose(fast.plasma_ng_per_ml, slow.plasma_ng_per_ml, rtol=1e-10)
    np.testing.assert_allclose(fast.auc_ng_min_per_ml, slow.auc_ng_min_per_ml, rtol=1e-10)
    np.testing.assert_allclose(fast.amount_in_body_mg, slow.amount_in_body_mg, rtol=1e-10)
    repeated = np.flatnonzero(t == 10.0)
    assert repeated.size == 3
    assert np.all(fast.plasma_ng_per_ml[:, repeated] == fast.plasma_ng_per_ml[:, [repeated[0]]])


def test_plan_splits_at_events_and_into_even_runs() -> None:
    reg = pk.Regimen.build(boluses=[(30.25, 1)], infusions=[(0, 60.2, 1.0)])
    schedule = Schedule.of((reg,))
    t = np.concatenate([np.arange(0, 100, 0.5), [100.3, 101.0, 107.0]])
    plan = GridPlan.of(schedule, t)
    assert plan.segment_start_min.tolist() == [0.0, 30.25, 60.2]
    np.testing.assert_allclose(plan.segment_length_min, [30.25, 29.95, 46.8])
    covered = [(r.segment, r.first, r.count) for r in plan.runs]
    # [0, 30.25): 0..30 | [30.25, 60.2): 30.5..60 | 60.5..99.5, then 100.3, 101 | 107
    assert covered == [(0, 0, 61), (1, 61, 60), (2, 121, 79), (2, 200, 2), (2, 202, 1)]
    offsets = [r.offset_min for r in plan.runs]
    np.testing.assert_allclose(offsets, [0.0, 0.25, 0.3, 40.1, 46.8])
    assert sum(r.count for r in plan.runs) == t.size
    for r in plan.runs:
        kind = plan.kinds[r.kind]
        assert r.rows * kind.cols >= r.count
        assert (r.rows - 1) * kind.cols < r.count


def test_plan_treats_a_rounded_decimal_grid_as_even_and_cuts_long_runs() -> None:
    schedule = Schedule.of((pk.Regimen.build(infusions=[(0, 1e4, 1.0)]),))
    t = np.arange(0, 6 * 3600 + 1, 10) / 60.0  # steps of 1/6 min, rounded to binary
    plan = GridPlan.of(schedule, t)
    assert [r.count for r in plan.runs] == [2161]
    assert len(plan.kinds) == 1
    long = GridPlan.of(schedule, np.arange(_MAX_RUN + 10, dtype=np.float64) * 0.01)
    assert [r.count for r in long.runs] == [_MAX_RUN, 10]
    assert len(long.kinds) == 1  # both pieces share the spacing's tables
    assert long.runs[1].offset_min == pytest.approx(_MAX_RUN * 0.01)


def test_irregular_grids_are_left_to_the_march() -> None:
    schedule = Schedule.of((pk.Regimen.build(infusions=[(0, 40, 1.0)]),))
    rng = np.random.default_rng(5)
    t = np.sort(rng.uniform(0, 100, 500))
    assert not GridPlan.of(schedule, t).worthwhile
    assert GridPlan.for_blocks(schedule, t) is None
    even = np.linspace(0, 100, 500)
    assert GridPlan.of(schedule, even).worthwhile
    plan = GridPlan.for_blocks(schedule, even)
    assert plan is not None
    assert plan.runs == GridPlan.of(schedule, even).runs
    # 31 times cannot make a run of 32.
    assert GridPlan.for_blocks(schedule, np.arange(31.0)) is None


@settings(max_examples=30, deadline=None)
@given(
    st.floats(0.0, 5.0),
    st.floats(0.0, 2.0),
    st.floats(-3.0, 3.0),
    st.integers(1, 100),
)
def test_doubling_matches_the_closed_form(lam: float, step: float, v0: float, count: int) -> None:
    a = np.exp(-lam * step)
    g = -np.expm1(-lam * step) / lam if lam > 0 else step
    values = np.empty((count, 1))
    values[0] = v0
    _doubling(values, np.array([a]), np.array([g]))
    k = np.arange(count)
    gain_k = -np.expm1(-lam * step * k) / lam if lam > 0 else step * k
    expected = v0 * np.exp(-lam * step * k) + gain_k
    np.testing.assert_allclose(values[:, 0], expected, rtol=1e-13, atol=1e-13 * (1 + abs(v0)))


def test_long_runs_cut_into_pieces_and_bolus_instants_match_the_march() -> None:
    ps = [pk.get_model("domino").parameters(pk.Patient(w, 45)) for w in (55, 95)]
    arrays = _population(ps)
    # 18001 times every second: the last segment (210-300 min) is longer than _MAX_RUN
    # and is cut; boluses land on grid times (a value at a bolus instant includes the
    # bolus) and between them.
    reg = pk.Regimen.build(
        boluses=[(0, 20), (50, 10), (77.77, 5)], infusions=[(10, 100, 0.5), (150, 60, 1.2)]
    )
    t = np.arange(18001) / 60.0
    schedule = Schedule.of((reg,))
    plan = GridPlan.for_blocks(schedule, t)
    assert plan is not None
    assert max(r.count for r in plan.runs) == _MAX_RUN
    blocks, s_blocks = _by_blocks(arrays, schedule, t)
    steps, s_steps = _by_steps(arrays, schedule, t)
    np.testing.assert_allclose(blocks, steps, rtol=1e-9)
    # (The march rounds each 1/60-min step to 1e-12 min: over 18,000 steps its clock
    # drifts by ~6e-9 min, visible only in modes that have decayed to ~1e-69.)
    np.testing.assert_allclose(s_blocks, s_steps, rtol=1e-9, atol=1e-12 * s_steps.max())
    at_50 = np.flatnonzero(t == 50.0)[0]
    jump = blocks[:, at_50] - blocks[:, at_50 - 1]
    np.testing.assert_allclose(jump, 10 / arrays.v1_l, rtol=1e-2)  # the bolus, plus 1 s


def test_fast_modes_that_underflow_stay_exact() -> None:
    # Rates far above any ketamine model: e^(-λ·t) underflows to 0 within the grid.
    p = pk.PkParameters(
        v1_l=2.0,
        k10_per_min=40.0,
        k12_per_min=25.0,
        k13_per_min=3.0,
        k21_per_min=30.0,
        k31_per_min=0.002,
        ke0_per_min=1.0,
    )
    reg = pk.Regimen.build(boluses=[(0, 5)], infusions=[(200, 100, 1.0)])
    t = np.arange(0, 1000, 1.0)
    arrays = _population([p])
    schedule = Schedule.of((reg,))
    blocks, _ = _by_blocks(arrays, schedule, t)
    steps, _ = _by_steps(arrays, schedule, t)
    assert np.all(np.isfinite(blocks))
    np.testing.assert_allclose(blocks, steps, rtol=1e-9, atol=1e-300)
