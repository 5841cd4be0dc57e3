"""Metrics, plan comparison, ceiling solves, TCI and populations."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from ketacore import pk
from ketacore.errors import InputError, OutOfValidatedRangeError


def _dense(p: pk.PkParameters, reg: pk.Regimen, end: float) -> tuple[np.ndarray, pk.Simulation]:
    t = np.linspace(0, end, 200_001)
    return t, pk.simulate(p, reg, t)


def test_metrics_agree_with_a_brute_force_grid(domino70: pk.PkParameters) -> None:
    reg = pk.Regimen.build(boluses=[(0, 7)], infusions=[(0, 40, 0.875), (60, 20, 0.5)])
    m = pk.plan_metrics(domino70, reg, horizon_min=200)
    t, sim = _dense(domino70, reg, 200)
    dt = t[1] - t[0]
    assert m.cmax_ng_per_ml == pytest.approx(sim.plasma_ng_per_ml.max(), rel=1e-9)
    assert m.effect_site_cmax_ng_per_ml == pytest.approx(sim.effect_site_ng_per_ml.max(), rel=1e-7)
    assert m.effect_site_tmax_min == pytest.approx(
        t[np.argmax(sim.effect_site_ng_per_ml)], abs=2 * dt
    )
    assert m.auc_ng_min_per_ml == pytest.approx(np.trapezoid(sim.plasma_ng_per_ml, t), rel=1e-5)
    for bt in m.plasma_bands:
        inside = (sim.plasma_ng_per_ml >= bt.band.low_ng_per_ml) & (
            sim.plasma_ng_per_ml <= bt.band.high_ng_per_ml
        )
        assert bt.within_min == pytest.approx(inside.sum() * dt, abs=3 * dt)
        assert bt.above_min == pytest.approx(
            (sim.plasma_ng_per_ml > bt.band.high_ng_per_ml).sum() * dt, abs=3 * dt
        )
    assert m.band("analgesia", site="effect_site").band is pk.ANALGESIA_BAND
    with pytest.raises(InputError, match="band"):
        m.band("nonexistent")


def test_time_to_discharge_lands_on_the_level(domino70: pk.PkParameters) -> None:
    reg = pk.Regimen.constant_infusion(35, 40)
    m = pk.plan_metrics(domino70, reg, discharge_ng_per_ml=60)
    at = pk.simulate(domino70, reg, [40 + m.time_to_discharge_min]).plasma_ng_per_ml[0]
    assert at == pytest.approx(60, rel=1e-8)
    assert pk.plan_metrics(domino70, reg, discharge_ng_per_ml=500).time_to_discharge_min == 0


def test_half_time_of_one_compartment_is_ln2_over_k10() -> None:
    p = pk.PkParameters(v1_l=10, k10_per_min=0.1, ke0_per_min=1)
    for duration in (10, 100, 1000):
        assert pk.decrement_time_min(p, duration) == pytest.approx(math.log(2) / 0.1, rel=1e-9)


def test_context_sensitive_half_time_grows_with_duration(domino70: pk.PkParameters) -> None:
    times = [pk.decrement_time_min(domino70, d) for d in (10, 40, 60, 240)]
    assert times == sorted(times)
    with pytest.raises(InputError, match="decrement_fraction"):
        pk.decrement_time_min(domino70, 60, 1.0)


def test_comparison_of_one_dose_over_longer_durations_lowers_the_peak(
    domino70: pk.PkParameters,
) -> None:
    comparison = pk.compare_plans(domino70, pk.same_dose_options(35, (40, 60, 120, 240)))
    peaks = [m.cmax_ng_per_ml for m in comparison.metrics]
    assert peaks == sorted(peaks, reverse=True)
    assert all(m.total_dose_mg == pytest.approx(35) for m in comparison.metrics)
    rates = pk.compare_plans(domino70, pk.same_duration_options(60, (0.5, 1.0)))
    assert rates.metrics[1].cmax_ng_per_ml == pytest.approx(2 * rates.metrics[0].cmax_ng_per_ml)
    with pytest.raises(InputError, match="options"):
        pk.compare_plans(domino70, ())


def test_shortest_duration_puts_the_peak_exactly_on_the_ceiling(domino70: pk.PkParameters) -> None:
    sol = pk.shortest_duration_under_ceiling(domino70, dose_mg=35, ceiling_ng_per_ml=200)
    assert sol.monotone
    reg = pk.Regimen.constant_infusion(35, sol.duration_min)
    assert pk.plan_metrics(domino70, reg).cmax_ng_per_ml == pytest.approx(200, rel=1e-8)
    easy = pk.shortest_duration_under_ceiling(domino70, dose_mg=1, ceiling_ng_per_ml=200)
    assert easy.duration_min == 1.0
    with pytest.raises(InputError, match="ceiling_ng_per_ml"):
        pk.shortest_duration_under_ceiling(
            domino70, dose_mg=1e4, ceiling_ng_per_ml=10, max_duration_min=60
        )


def test_effect_site_shortest_duration(domino70: pk.PkParameters) -> None:
    sol = pk.shortest_duration_under_ceiling(
        domino70, dose_mg=35, ceiling_ng_per_ml=200, site="effect_site"
    )
    reg = pk.Regimen.constant_infusion(35, sol.duration_min)
    assert pk.plan_metrics(domino70, reg).effect_site_cmax_ng_per_ml == pytest.approx(200, rel=1e-6)
    with pytest.raises(InputError, match="site"):
        pk.shortest_duration_under_ceiling(
            domino70, dose_mg=35, ceiling_ng_per_ml=200, site="brain"
        )


@pytest.mark.parametrize("site", ["plasma", "effect_site"])
def test_largest_dose_within_the_chair_time_hits_the_ceiling(
    domino70: pk.PkParameters, site: str
) -> None:
    sol = pk.largest_dose_under_ceiling(
        domino70, ceiling_ng_per_ml=150, chair_time_min=120, site=site
    )
    m = pk.plan_metrics(domino70, pk.Regimen.constant_infusion(sol.dose_mg, 120))
    peak = m.cmax_ng_per_ml if site == "plasma" else m.effect_site_cmax_ng_per_ml
    assert peak == pytest.approx(150, rel=1e-6)


def test_plasma_tci_matches_the_reference_and_holds_the_target(
    domino70: pk.PkParameters, reference: dict[str, Any]
) -> None:
    ref = reference["tci_plasma_domino_200ng_per_ml_70kg"]
    plan = pk.plan_tci(
        domino70,
        targets=[pk.TciTarget(0, 200)],
        duration_min=60,
        settings=pk.TciSettings(syringe_mg_per_ml=10),
    )
    period_s = 10
    assert plan.rate_mg_per_min[0] * period_s / 60 == pytest.approx(
        ref["first_period_mg"], rel=2e-3
    )
    assert plan.rate_mg_per_min[1] / 60 == pytest.approx(ref["second_period_mg_per_s"], rel=5e-3)
    assert plan.total_dose_mg == pytest.approx(ref["total_60min_mg"], rel=2e-3)
    assert plan.rate_mg_per_min[-1] / 60 == pytest.approx(ref["rate_at_60min_mg_per_s"], rel=5e-3)
    after = plan.times_min >= 1
    assert np.max(np.abs(plan.plasma_ng_per_ml[after] / 200 - 1)) < 0.01
    assert np.all(plan.rate_ml_per_h == pytest.approx(plan.rate_mg_per_min * 6))
    assert plan.regimen.total_dose_mg == pytest.approx(plan.total_dose_mg)


def test_tci_never_exceeds_the_pump_maximum(domino70: pk.PkParameters) -> None:
    settings = pk.TciSettings(syringe_mg_per_ml=1, pump_max_ml_per_h=30)  # 0.5 mg/min
    for site in ("plasma", "effect_site"):
        plan = pk.plan_tci(
            domino70,
            targets=[pk.TciTarget(0, 200), pk.TciTarget(20, 0)],
            duration_min=30,
            settings=pk.TciSettings(syringe_mg_per_ml=1, pump_max_ml_per_h=30, site=site),
        )
        assert plan.rate_mg_per_min.max() <= settings.max_rate_mg_per_min + 1e-12
        assert plan.rate_mg_per_min.min() >= 0
        assert np.all(plan.rate_mg_per_min[plan.period_start_min >= 20] == 0)


def test_effect_site_tci_matches_the_reference(
    domino70: pk.PkParameters, reference: dict[str, Any]
) -> None:
    ref = reference["tci_effect_domino_200ng_per_ml_70kg"]
    plan = pk.plan_tci(
        domino70,
        targets=[pk.TciTarget(0, 200)],
        duration_min=30,
        settings=pk.TciSettings(syringe_mg_per_ml=10, site="effect_site"),
    )
    assert plan.rate_mg_per_min[0] / 6 == pytest.approx(ref["bolus_mg_over_10s"], rel=1e-3)
    ce = dict(zip(np.round(plan.times_min, 6), plan.effect_site_ng_per_ml, strict=True))
    assert ce[1.0] == pytest.approx(ref["ce_at_1min_ng_per_ml"], abs=0.5)
    assert ce[2.0] == pytest.approx(ref["ce_at_2min_ng_per_ml"], abs=0.1)
    assert plan.effect_site_ng_per_ml.max() < 200 * 1.01


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"targets": []}, "targets"),
        ({"targets": [pk.TciTarget(5, 1), pk.TciTarget(0, 1)]}, "targets"),
        ({"duration_min": -1}, "duration_min"),
    ],
)
def test_tci_refuses_bad_input(
    domino70: pk.PkParameters, kwargs: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {
        "targets": [pk.TciTarget(0, 100)],
        "duration_min": 5,
        "settings": pk.TciSettings(syringe_mg_per_ml=10),
    }
    args.update(kwargs)
    with pytest.raises(InputError, match=field):
        pk.plan_tci(domino70, **args)
    with pytest.raises(InputError, match="site"):
        pk.TciSettings(syringe_mg_per_ml=10, site="brain")


def test_population_is_reproducible_and_ordered() -> None:
    model = pk.get_model("domino")
    args: dict[str, Any] = {
        "n_patients": 500,
        "weights_kg": (50.0, 120.0),
        "age_years": 45,
        "seed": 7,
        "threshold_ng_per_ml": 250,
    }
    reg = pk.Regimen.constant_infusion(35, 40)
    t = np.arange(0, 121, 5.0)
    a = pk.simulate_population(model, reg, t, **args)
    b = pk.simulate_population(model, reg, t, **args)
    np.testing.assert_array_equal(a.plasma_percentiles_ng_per_ml, b.plasma_percentiles_ng_per_ml)
    low, mid, high = a.plasma_percentiles_ng_per_ml
    assert np.all(low <= mid)
    assert np.all(mid <= high)
    assert a.probability_cmax_above == pytest.approx(np.mean(a.cmax_ng_per_ml > 250))
    assert any("project default" in w for w in a.warnings)
    params, _weights = pk.draw_population(
        model, n_patients=500, weights_kg=(50.0, 120.0), age_years=45, seed=7
    )
    summary = pk.summarize_peaks(params, reg, np.union1d(t, [40]), chunk_size=64)
    np.testing.assert_allclose(summary.cmax_ng_per_ml, a.cmax_ng_per_ml, rtol=1e-12)
    single = pk.simulate_many(params.take(slice(0, 3)), reg, [120.0])
    np.testing.assert_allclose(summary.auc_ng_min_per_ml[:3], single.auc_ng_min_per_ml, rtol=1e-12)


def test_variability_is_log_normal_with_the_published_cv() -> None:
    params, _ = pk.draw_population(
        pk.get_model("herd"), n_patients=40_000, weights_kg=30.0, age_years=8, seed=1
    )
    cl = params.cl_l_per_min
    assert np.std(np.log(cl)) == pytest.approx(math.sqrt(math.log1p(0.381**2)), rel=0.03)
    none = pk.IivCv(0, 0, 0, 0, 0, 0, "none", False)
    flat, _ = pk.draw_population(
        pk.get_model("domino"), n_patients=3, weights_kg=70.0, age_years=45, seed=1, iiv=none
    )
    typical = pk.get_model("domino").parameters(pk.Patient(70, 45))
    np.testing.assert_allclose(flat.k10_per_min, typical.k10_per_min)


def test_population_refuses_patients_outside_the_range_unless_allowed() -> None:
    model = pk.get_model("herd")
    with pytest.raises(OutOfValidatedRangeError, match="weight_kg"):
        pk.draw_population(model, n_patients=10, weights_kg=(10.0, 90.0), age_years=8, seed=1)
    params, _ = pk.draw_population(
        model, n_patients=10, weights_kg=(10.0, 90.0), age_years=8, seed=1, allow_extrapolation=True
    )
    assert any("extrapolation" in w for w in params.warnings)
    with pytest.raises(InputError, match="n_patients"):
        pk.draw_population(model, n_patients=0, weights_kg=30.0, age_years=8, seed=1)
    with pytest.raises(InputError, match="weights_kg"):
        pk.draw_population(model, n_patients=2, weights_kg=[30.0], age_years=8, seed=1)
