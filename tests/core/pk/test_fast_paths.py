"""The effect site by blocks, and results written into a caller's ``out=`` buffer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ketacore import pk
from ketacore.errors import InputError
from ketacore.pk._blocks import GridPlan, _coupled_doubling, effect_factors, sweep_with_effect
from ketacore.pk._solve import Modes, PkParameterArrays, Schedule, march
from tests.core.pk.conftest import ode_solution
from tests.core.pk.test_blocks import block_grids
from tests.core.pk.test_solve import grid_floats, parameters, regimens


def _effect_by_blocks(
    arrays: PkParameterArrays,
    schedule: Schedule,
    times: np.ndarray,
    chunk_size: int = 2048,
    block_values: int = 1 << 17,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cp, Ce (P, T) mg/L, final states and final Ce by blocks (worthwhile or not)."""
    modes = Modes.of(arrays)
    grid, which = np.unique(times, return_inverse=True)
    plan = GridPlan.of(schedule, grid)
    cp = np.full((len(arrays), grid.size), np.nan)
    ce = np.full((len(arrays), grid.size), np.nan)
    final = np.empty_like(modes.coef_per_l)
    final_ce = np.empty(len(arrays))
    blocks = sweep_with_effect(
        modes, schedule, plan, final, final_ce, chunk_size=chunk_size, block_values=block_values
    )
    for run, rows, cp_block, ce_block in blocks:
        cp[rows, run.first : run.first + run.count] = cp_block[:, : run.count]
        ce[rows, run.first : run.first + run.count] = ce_block[:, : run.count]
        assert np.all(ce_block[:, run.count :] == -np.inf)
    return cp[:, which], ce[:, which], final, final_ce


def _effect_by_steps(
    arrays: PkParameterArrays, schedule: Schedule, times: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The same by the step-by-step march (the slow exact path)."""
    modes = Modes.of(arrays)
    cp = np.empty((len(arrays), times.size))
    ce = np.empty((len(arrays), times.size))
    final = np.zeros_like(modes.coef_per_l)
    for k, cp_k, ce_k, s in march(modes, schedule, times, effect_site=True):
        assert ce_k is not None
        cp[:, k], ce[:, k] = cp_k, ce_k
        final = s.copy()
    return cp, ce, final, ce[:, -1].copy()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(parameters(), min_size=1, max_size=4),
    regimens(),
    block_grids(),
    st.integers(1, 3),
    st.integers(1, 3000),
)
def test_effect_site_by_blocks_equals_the_march(
    ps: list[pk.PkParameters],
    reg: pk.Regimen,
    t: np.ndarray,
    chunk_size: int,
    block_values: int,
) -> None:
    arrays = PkParameterArrays.from_parameters(ps)
    schedule = Schedule.of((reg,))
    cp, ce, s_end, ce_end = _effect_by_blocks(arrays, schedule, t, chunk_size, block_values)
    cp_m, ce_m, s_end_m, ce_end_m = _effect_by_steps(arrays, schedule, t)
    scale = max(reg.total_dose_mg / float(arrays.v1_l.min()), 1e-12)
    # The two paths round differently at every step: over up to 3000 steps that is a few
    # thousand ulps of the regimen's scale (CI found 1.2e-12 of it on a value near zero),
    # so the floor is 1e-11 of the scale; the relative check stays at 1e-9.
    floor = 1e-11 * scale
    np.testing.assert_allclose(cp, cp_m, rtol=1e-9, atol=floor)
    np.testing.assert_allclose(ce, ce_m, rtol=1e-9, atol=floor)
    np.testing.assert_allclose(s_end, s_end_m, rtol=1e-9, atol=floor)
    np.testing.assert_allclose(ce_end, ce_end_m, rtol=1e-9, atol=floor)
    assert np.all(ce >= 0)  # sums of non-negative terms, no clipping needed


@settings(max_examples=10, deadline=None)
@given(parameters(), regimens(), grid_floats(0, 20), st.integers(1, 300), st.integers(48, 400))
def test_effect_site_by_blocks_matches_a_stiff_ode_solution(
    p: pk.PkParameters, reg: pk.Regimen, start: float, step_ms: int, count: int
) -> None:
    t = start + step_ms / 1000 * np.arange(count, dtype=np.float64)
    assume(GridPlan.for_blocks(Schedule.of((reg,)), t) is not None)
    sim = pk.simulate(p, reg, t)  # takes the block path on this grid
    _, ce_ode, _ = ode_solution(p, reg, t)
    bound = reg.total_dose_mg / p.v1_l * 1000
    np.testing.assert_allclose(
        sim.effect_site_ng_per_ml, ce_ode * 1000, rtol=1e-6, atol=1e-9 * max(bound, 1e-12)
    )


def test_effect_site_by_blocks_when_ke0_equals_a_disposition_rate() -> None:
    p = pk.get_model("domino").parameters(pk.Patient(70, 45))
    lam = Modes.of(PkParameterArrays.from_parameters([p])).lam_per_min[0]
    reg = pk.Regimen.build(boluses=[(0, 5)], infusions=[(0, 40, 0.875), (90, 30, 0.2)])
    t = np.arange(0, 300 * 60 + 1) / 60.0
    for rate in lam:
        q = p.with_ke0(float(rate))
        arrays = PkParameterArrays.from_parameters([q])
        cp, ce, _, _ = _effect_by_blocks(arrays, Schedule.of((reg,)), t)
        cp_m, ce_m, _, _ = _effect_by_steps(arrays, Schedule.of((reg,)), t)
        np.testing.assert_allclose(cp, cp_m, rtol=1e-9)
        np.testing.assert_allclose(ce[:, 1:], ce_m[:, 1:], rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    st.floats(0.001, 3.0),
    st.floats(0.01, 5.0),
    st.floats(0.0, 2.0),
    st.floats(0.0, 3.0),
    st.integers(1, 80),
)
def test_coupled_doubling_matches_the_closed_form(
    lam: float, ke0: float, step: float, rate: float, count: int
) -> None:
    # A unit state s = 1 with Ce = 0, and an infusion at ``rate`` from empty, k steps on.
    lam_a, coef, ke0_a = np.array([[lam]]), np.array([[1.0]]), np.array([ke0])
    e, alpha, c_psi = effect_factors(lam_a, coef, ke0_a, step)
    a = np.exp(-lam_a * step)
    g = coef * step * (-np.expm1(-lam * step) / (lam * step) if lam * step > 0 else 1.0)
    free_s, free_ce = np.empty((count, 1, 1)), np.empty((count, 1, 1))
    free_s[0], free_ce[0] = 1.0, 0.0
    _coupled_doubling(free_s, free_ce, a, e[:, None], alpha)
    fed_s, fed_ce = np.zeros((count, 1, 1)), np.zeros((count, 1))
    _coupled_doubling(fed_s, fed_ce, a, e[:, None], alpha, rate * g, rate * c_psi)
    k = np.arange(count, dtype=np.float64) * step
    e_k, alpha_k, psi_k = effect_factors(
        np.full((count, 1), lam), np.ones((count, 1)), np.full(count, ke0), k
    )
    np.testing.assert_allclose(free_s[:, 0, 0], np.exp(-lam * k), rtol=1e-12)
    np.testing.assert_allclose(free_ce[:, 0, 0], alpha_k[:, 0], rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(fed_ce[:, 0], rate * psi_k[:, 0], rtol=1e-10, atol=1e-14)
    assert np.all(e_k >= 0)


# ------------------------------------------------------------------ out= buffers


@pytest.mark.parametrize("effect_site", [True, False])
@pytest.mark.parametrize(
    "times",
    [
        np.arange(0, 300.0, 0.25),  # evenly spaced: by blocks
        np.array([0, 0.5, 3, 3, 7.25, 40, 41, 90, 200]),  # irregular, repeated: marched
        np.repeat(np.arange(0, 200.0, 1.0), 2),  # even but repeated: blocks, then a take
    ],
)
def test_out_buffers_are_filled_as_the_allocating_path(
    effect_site: bool, times: np.ndarray
) -> None:
    ps = [pk.get_model("domino").parameters(pk.Patient(w, 45)) for w in (55, 70, 95)]
    reg = pk.Regimen.build(boluses=[(0, 7)], infusions=[(0, 40, 0.875)])
    fresh = pk.simulate_many(ps, reg, times, effect_site=effect_site)
    shape = (2, 3, times.size) if effect_site else (3, times.size)
    out = np.full(shape, np.nan)
    into = pk.simulate_many(ps, reg, times, effect_site=effect_site, out=out)
    assert np.shares_memory(into.plasma_ng_per_ml, out)
    np.testing.assert_array_equal(into.plasma_ng_per_ml, fresh.plasma_ng_per_ml)
    np.testing.assert_array_equal(out[0] if effect_site else out, fresh.plasma_ng_per_ml)
    np.testing.assert_array_equal(into.auc_ng_min_per_ml, fresh.auc_ng_min_per_ml)
    if effect_site:
        assert into.effect_site_ng_per_ml is not None
        np.testing.assert_array_equal(out[1], fresh.effect_site_ng_per_ml)
    # Reused: a second plan into the same buffer overwrites every value.
    other = pk.Regimen.constant_infusion(20.0, 60.0)
    again = pk.simulate_many(ps, other, times, effect_site=effect_site, out=out)
    np.testing.assert_array_equal(
        again.plasma_ng_per_ml, pk.simulate_many(ps, other, times).plasma_ng_per_ml
    )


@pytest.mark.parametrize(
    "out",
    [
        np.empty((3, 10)),  # plasma-only shape with the effect site asked for
        np.empty((2, 3, 10), dtype=np.float32),
        np.empty((2, 3, 11)),
        [[0.0] * 10] * 3,
    ],
)
def test_a_bad_out_buffer_is_refused_naming_the_field(out: object) -> None:
    ps = [pk.get_model("domino").parameters(pk.Patient(w, 45)) for w in (55, 70, 95)]
    with pytest.raises(InputError) as err:
        pk.simulate_many(ps, pk.Regimen.constant_infusion(35, 40), np.arange(10.0), out=out)  # type: ignore[arg-type]
    assert err.value.field == "out"


def test_a_read_only_out_buffer_is_refused() -> None:
    out = np.empty((1, 10))
    out.setflags(write=False)
    p = pk.get_model("domino").parameters(pk.Patient(70, 45))
    with pytest.raises(InputError, match="writeable"):
        pk.simulate_many(p, pk.Regimen(), np.arange(10.0), effect_site=False, out=out)
