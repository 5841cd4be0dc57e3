"""Exact solver: against an independent stiff ODE solution, invariants, references."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketacore import pk
from ketacore.errors import InputError
from tests.core.pk.conftest import ode_solution

rates = st.floats(0.001, 3.0)


def grid_floats(low: float, high: float) -> st.SearchStrategy[float]:
    """Times and amounts on a 0.001 grid: no subnormal or nearly coincident instants,
    which would test SciPy's step control rather than the engine."""
    return st.integers(round(low * 1000), round(high * 1000)).map(lambda x: x / 1000)


@st.composite
def parameters(draw: st.DrawFn) -> pk.PkParameters:
    n = draw(st.sampled_from([1, 2, 3]))
    k12 = draw(rates) if n >= 2 else 0.0
    k21 = draw(rates) if n >= 2 else 0.0
    k13 = draw(st.floats(0.001, 1.0)) if n == 3 else 0.0
    k31 = draw(st.floats(0.001, 0.1)) if n == 3 else 0.0
    return pk.PkParameters(
        v1_l=draw(st.floats(1.0, 100.0)),
        k10_per_min=draw(rates),
        k12_per_min=k12,
        k13_per_min=k13,
        k21_per_min=k21,
        k31_per_min=k31,
        ke0_per_min=draw(st.floats(0.05, 5.0)),
    )


@st.composite
def regimens(draw: st.DrawFn) -> pk.Regimen:
    boluses = draw(
        st.lists(st.tuples(grid_floats(0, 100), grid_floats(0, 50)), min_size=0, max_size=3)
    )
    infusions = draw(
        st.lists(
            st.tuples(grid_floats(0, 100), grid_floats(0.1, 120), grid_floats(0, 5)),
            min_size=0 if boluses else 1,
            max_size=4,
        )
    )
    return pk.Regimen.build(boluses=boluses, infusions=infusions)


@st.composite
def grids(draw: st.DrawFn) -> np.ndarray:
    values = draw(st.lists(grid_floats(0, 300), min_size=1, max_size=25))
    return np.array(sorted(values))


def _assert_close(engine: np.ndarray, oracle: np.ndarray, bound: float) -> None:
    """Relative difference under 1e-6; values below 1e-9 of ``bound`` (an upper bound
    on any concentration of the case, ng/mL) are compared absolutely, because the
    ODE solver's own absolute tolerance dominates there."""
    np.testing.assert_allclose(engine, oracle, rtol=1e-6, atol=1e-9 * max(bound, 1e-12))


def _bound(p: pk.PkParameters, reg: pk.Regimen) -> float:
    return reg.total_dose_mg / p.v1_l * 1000


# 30 examples keep this under ~30 s: each oracle solve is a tight-tolerance Radau run.
@settings(max_examples=30, deadline=None)
@given(parameters(), regimens(), grids())
def test_it_matches_a_stiff_ode_solution(
    p: pk.PkParameters, reg: pk.Regimen, t: np.ndarray
) -> None:
    sim = pk.simulate(p, reg, t)
    cp, ce, _ = ode_solution(p, reg, t)
    _assert_close(sim.plasma_ng_per_ml, cp * 1000, _bound(p, reg))
    _assert_close(sim.effect_site_ng_per_ml, ce * 1000, _bound(p, reg))


@settings(max_examples=10, deadline=None)
@given(parameters(), regimens(), grid_floats(1, 300))
def test_it_conserves_mass_and_integrates_auc_exactly(
    p: pk.PkParameters, reg: pk.Regimen, t_end: float
) -> None:
    sim = pk.simulate(p, reg, [t_end])
    _, _, eliminated = ode_solution(p, reg, np.array([t_end]))
    given_mg = reg.dose_given_by_mg(t_end)
    eliminated_mg = p.cl_l_per_min * sim.auc_ng_min_per_ml / 1000
    assert sim.amount_in_body_mg + eliminated_mg == pytest.approx(given_mg, rel=1e-9, abs=1e-9)
    assert eliminated_mg == pytest.approx(eliminated[0], rel=1e-6, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(parameters(), regimens(), regimens(), grid_floats(0, 10), grids())
def test_it_is_linear_and_superposes(
    p: pk.PkParameters, a: pk.Regimen, b: pk.Regimen, factor: float, t: np.ndarray
) -> None:
    both = pk.Regimen(a.boluses + b.boluses, a.infusions + b.infusions)
    sa, sb, sab = (pk.simulate(p, r, t) for r in (a, b, both))
    scale = max(float(sab.plasma_ng_per_ml.max()), 1e-9)
    np.testing.assert_allclose(
        sab.plasma_ng_per_ml,
        sa.plasma_ng_per_ml + sb.plasma_ng_per_ml,
        rtol=1e-9,
        atol=1e-12 * scale,
    )
    scaled = pk.simulate(p, a.scaled(factor), t)
    np.testing.assert_allclose(
        scaled.plasma_ng_per_ml,
        factor * sa.plasma_ng_per_ml,
        rtol=1e-9,
        atol=1e-12 * scale * (1 + factor),
    )
    assert np.all(sab.plasma_ng_per_ml >= 0)
    assert np.all(sab.effect_site_ng_per_ml >= 0)


@pytest.mark.parametrize("model", ["domino", "kamp", "hijazi", "clements"])
def test_it_reaches_rate_over_clearance_at_steady_state(model: str) -> None:
    p = pk.get_model(model).parameters(pk.Patient(70, 45))
    rate = 0.5
    sim = pk.simulate(p, pk.Regimen.build(infusions=[(0, 1e6, rate)]), [2e5])
    expected = rate / p.cl_l_per_min * 1000
    assert sim.plasma_ng_per_ml[0] == pytest.approx(expected, rel=1e-9)
    assert sim.effect_site_ng_per_ml[0] == pytest.approx(expected, rel=1e-9)


def test_it_derives_domino_volumes_and_clearances(
    domino70: pk.PkParameters, reference: dict[str, Any]
) -> None:
    ref = reference["domino_derived_70kg"]
    for name in ("v1_l", "v2_l", "v3_l", "cl_l_per_min", "q2_l_per_min", "q3_l_per_min"):
        assert getattr(domino70, name) == pytest.approx(ref[name], rel=1e-4), name
    assert round(domino70.v1_l, 2) == 4.41
    assert round(domino70.cl_l_per_min, 2) == 1.93


@pytest.mark.parametrize(
    ("model", "plasma_key", "effect_key"),
    [
        ("domino", "domino_plasma_ng_per_ml", "domino_effect_site_ng_per_ml_ke0_0.238"),
        ("kamp", "kamp_plasma_ng_per_ml", "kamp_effect_site_ng_per_ml_ke0_1.39"),
    ],
)
def test_it_reproduces_the_computed_reference_table(
    reference: dict[str, Any], model: str, plasma_key: str, effect_key: str
) -> None:
    ref = reference["infusion_35mg_40min_70kg"]
    p = pk.get_model(model).parameters(pk.Patient(70, 45))
    sim = pk.simulate(p, pk.Regimen.constant_infusion(35.0, 40.0), ref["times_min"])
    # The table prints one decimal: agree to within its rounding.
    np.testing.assert_allclose(sim.plasma_ng_per_ml, ref[plasma_key], atol=0.051)
    np.testing.assert_allclose(sim.effect_site_ng_per_ml, ref[effect_key], atol=0.051)


def test_it_reproduces_the_bolus_reference(
    domino70: pk.PkParameters, reference: dict[str, Any]
) -> None:
    ref = reference["domino_bolus_70mg_70kg"]
    sim = pk.simulate(domino70, pk.Regimen.build(boluses=[(0, 70)]), ref["times_min"])
    np.testing.assert_allclose(sim.plasma_ng_per_ml, ref["plasma_ng_per_ml"], rtol=2e-3)


@pytest.mark.parametrize("model", ["domino", "kamp"])
def test_it_finds_the_published_exponents(reference: dict[str, Any], model: str) -> None:
    from ketacore.pk._solve import Modes, as_arrays

    p = pk.get_model(model).parameters(pk.Patient(70, 45))
    lam = np.sort(Modes.of(as_arrays(p)).lam_per_min[0])[::-1]
    np.testing.assert_allclose(lam, reference["exponents_per_min"][model], rtol=1e-4)


def test_a_value_at_a_bolus_instant_includes_the_bolus(domino70: pk.PkParameters) -> None:
    sim = pk.simulate(domino70, pk.Regimen.build(boluses=[(5, 7)]), [0, 5, 5])
    assert sim.plasma_ng_per_ml[0] == 0
    assert sim.plasma_ng_per_ml[1] == pytest.approx(7 / domino70.v1_l * 1000)
    assert sim.plasma_ng_per_ml[2] == sim.plasma_ng_per_ml[1]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_it_stays_exact_when_ke0_equals_a_disposition_rate(which: int) -> None:
    from ketacore.pk._solve import Modes, as_arrays

    base = pk.get_model("domino").parameters(pk.Patient(70, 45))
    lam = Modes.of(as_arrays(base)).lam_per_min[0]
    p = base.with_ke0(float(lam[which]))
    t = np.linspace(0, 200, 41)
    reg = pk.Regimen.build(boluses=[(0, 10)], infusions=[(0, 40, 0.9)])
    _, ce, _ = ode_solution(p, reg, t)
    _assert_close(pk.simulate(p, reg, t).effect_site_ng_per_ml, ce * 1000, _bound(p, reg))


def test_one_batch_equals_separate_patients_and_regimens() -> None:
    model = pk.get_model("domino")
    ps = [model.parameters(pk.Patient(w, 45)) for w in (50, 70, 120)]
    regs = [pk.Regimen.constant_infusion(d, 40) for d in (25, 35, 60)]
    t = np.linspace(0, 120, 13)
    batch = pk.simulate_many(ps, regs, t)
    assert batch.plasma_ng_per_ml.shape == (3, 13)
    for i in range(3):
        single = pk.simulate(ps[i], regs[i], t)
        np.testing.assert_allclose(batch.plasma_ng_per_ml[i], single.plasma_ng_per_ml, rtol=1e-12)
        assert batch.effect_site_ng_per_ml is not None
        np.testing.assert_allclose(
            batch.effect_site_ng_per_ml[i], single.effect_site_ng_per_ml, rtol=1e-12
        )


def test_a_long_irregular_grid_takes_the_uncached_path(domino70: pk.PkParameters) -> None:
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 100, 400))
    reg = pk.Regimen.build(infusions=[(0, 40, 0.875)])
    cp, _, _ = ode_solution(domino70, reg, t)
    _assert_close(pk.simulate(domino70, reg, t).plasma_ng_per_ml, cp * 1000, _bound(domino70, reg))


def test_weight_based_dose_scale_matches_explicit_regimens() -> None:
    from ketacore.pk._solve import Schedule

    regimen = pk.Regimen.build(infusions=[(0, 240, 1 / 60)])
    scaled = Schedule.of((regimen,)).scaled(np.array([50.0, 100.0]))
    assert scaled.rate_after[:, 0] == pytest.approx([50 / 60, 100 / 60])
    assert scaled.dose_by_mg(240.0) == pytest.approx([200.0, 400.0])
    two = Schedule.of((regimen, regimen))
    with pytest.raises(InputError, match="dose_scale"):
        two.scaled(np.array([1.0, 1.0]))  # only a single shared regimen can be scaled
    with pytest.raises(InputError, match="dose_scale"):
        Schedule.of((regimen,)).scaled(np.array([-1.0]))


@pytest.mark.parametrize(
    ("times", "rule"),
    [
        ([], "non-empty"),
        ([5, 1], "sorted"),
        ([-1, 2], ">= 0"),
        ([0, float("nan")], "finite"),
        ([0, float("inf")], "finite"),
        ([[1, 2]], "non-empty list"),
        (["a"], "list of numbers"),
    ],
)
def test_it_refuses_bad_time_grids(domino70: pk.PkParameters, times: list[Any], rule: str) -> None:
    with pytest.raises(InputError, match="times_min") as info:
        pk.simulate(domino70, pk.Regimen.constant_infusion(1, 1), times)
    assert rule in info.value.rule
