"""The preview against the exact reference paths (plan_metrics, the march, populations)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ketacore import pk
from ketacore.errors import InputError, OutOfValidatedRangeError
from ketacore.pk._pointwise import SegmentStates, peaks_in_window, settled_min
from ketacore.pk._population import percentiles_over_rows
from ketacore.pk._solve import Modes, PkParameterArrays, Schedule, march
from tests.core.pk.conftest import ode_solution

DOMINO = pk.get_model("domino")
PATIENT = pk.Patient(weight_kg=70, age_years=45)


@pytest.fixture(scope="module")
def view() -> pk.Preview:
    return pk.preview(DOMINO, PATIENT, dose_mg=35.0, chosen_duration_min=60.0)


def _reference(
    params: pk.PkParameters,
    option: pk.PreviewOption,
    horizon_min: float,
    band: pk.ConcentrationBand,
    dissociation_ng_per_ml: float,
    discharge_ng_per_ml: float,
) -> pk.PlanMetrics:
    above = pk.ConcentrationBand("dissociation level", dissociation_ng_per_ml, math.inf)
    return pk.plan_metrics(
        params,
        option.regimen,
        horizon_min=horizon_min,
        bands=(band, above),
        discharge_ng_per_ml=discharge_ng_per_ml,
    )


def _assert_figures_match(view: pk.Preview, params: pk.PkParameters) -> None:
    """Every figure of every option against plan_metrics (SciPy's Brent on a 1-s grid)."""
    horizon = float(view.times_min[-1])
    for option in view.options:
        m = _reference(
            params,
            option,
            horizon,
            view.analgesia_band,
            view.dissociation_ng_per_ml,
            view.discharge_ng_per_ml,
        )
        for site, figures in (("plasma", option.plasma), ("effect_site", option.effect_site)):
            reference = (
                (m.cmax_ng_per_ml, m.tmax_min)
                if site == "plasma"
                else (m.effect_site_cmax_ng_per_ml, m.effect_site_tmax_min)
            )
            # Peaks: both refine on the exact solution; the time of a smooth maximum is
            # determined to about sqrt(rounding) by any method, hence 1e-5 min.
            assert figures.cmax_ng_per_ml == pytest.approx(reference[0], rel=1e-9)
            assert figures.tmax_min == pytest.approx(reference[1], abs=1e-5)
            bands = m.plasma_bands if site == "plasma" else m.effect_site_bands
            assert figures.analgesia_min == pytest.approx(bands[0].within_min, abs=1e-6)
            assert figures.above_dissociation_min == pytest.approx(
                bands[1].within_min + bands[1].above_min, abs=1e-6
            )
        assert option.discharge_min == pytest.approx(
            m.end_of_dosing_min + m.time_to_discharge_min, abs=1e-6
        )


def test_figures_agree_with_plan_metrics(view: pk.Preview) -> None:
    _assert_figures_match(view, DOMINO.parameters(PATIENT))


def test_caller_levels_are_used_and_agree_with_plan_metrics() -> None:
    band = pk.ConcentrationBand("clinic analgesia", 50.0, 120.0, "clinic policy")
    view = pk.preview(
        DOMINO,
        PATIENT,
        dose_mg=50.0,
        chosen_duration_min=50.0,
        durations_min=(30.0, 90.0),
        analgesia_band=band,
        dissociation_ng_per_ml=150.0,
        discharge_ng_per_ml=60.0,
        threshold_ng_per_ml=300.0,
    )
    assert (view.analgesia_band, view.dissociation_ng_per_ml) == (band, 150.0)
    assert (view.discharge_ng_per_ml, view.threshold_ng_per_ml) == (60.0, 300.0)
    assert [o.duration_min for o in view.options] == [30.0, 50.0, 90.0]
    _assert_figures_match(view, DOMINO.parameters(PATIENT))


def test_figures_agree_for_another_model_and_a_non_integer_duration() -> None:
    patient = pk.Patient(weight_kg=95, age_years=60)
    model = pk.get_model("kamp")
    view = pk.preview(model, patient, dose_mg=47.5, chosen_duration_min=50.78)
    assert 50.78 in view.times_min  # the infusion stop is a grid time
    _assert_figures_match(view, model.parameters(patient))


def test_curves_equal_the_march_and_an_ode_solution(view: pk.Preview) -> None:
    params = DOMINO.parameters(PATIENT)
    arrays = PkParameterArrays.from_parameters([params])
    t = view.times_min
    for option in view.options:
        cp = np.empty(t.size)
        ce = np.empty(t.size)
        for k, cp_k, ce_k, _ in march(
            Modes.of(arrays), Schedule.of((option.regimen,)), t, effect_site=True
        ):
            assert ce_k is not None
            cp[k], ce[k] = cp_k[0] * 1000, ce_k[0] * 1000
        np.testing.assert_allclose(option.plasma_ng_per_ml, cp, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(option.effect_site_ng_per_ml, ce, rtol=1e-9, atol=1e-12)
        few = t[::20]
        cp_ode, ce_ode, _ = ode_solution(params, option.regimen, few)
        np.testing.assert_allclose(option.plasma_ng_per_ml[::20], cp_ode * 1000, rtol=1e-6)
        np.testing.assert_allclose(option.effect_site_ng_per_ml[::20], ce_ode * 1000, rtol=1e-6)


def test_grid_every_minute_to_past_the_slowest_discharge(view: pk.Preview) -> None:
    t = view.times_min
    np.testing.assert_array_equal(t, np.arange(t.size, dtype=np.float64))
    assert t[-1] > max(o.discharge_min for o in view.options)
    # 240 min at 35 mg stays under 100 ng/mL: "discharge" at the end of the infusion.
    assert view.options[-1].discharge_min == 240.0
    assert not view.times_min.flags.writeable


def test_no_band_time_is_cut_short_by_the_default_horizon() -> None:
    # 70 mg over 240 min peaks in the analgesic band; Cp and Ce leave it (70 ng/mL)
    # well after the slowest option falls below the discharge level (100 ng/mL).
    view = pk.preview(DOMINO, PATIENT, dose_mg=70.0, chosen_duration_min=240.0)
    lowest = view.analgesia_band.low_ng_per_ml
    for option in view.options:
        assert option.plasma_ng_per_ml[-1] < lowest
        assert option.effect_site_ng_per_ml[-1] < lowest
        assert view.times_min[-1] > option.discharge_min
    params = DOMINO.parameters(PATIENT)
    long = float(view.times_min[-1]) + 240.0
    for option in view.options:
        m = _reference(params, option, long, view.analgesia_band, 100.0, 100.0)
        assert option.plasma.analgesia_min == pytest.approx(m.plasma_bands[0].within_min, abs=1e-6)
        assert option.effect_site.analgesia_min == pytest.approx(
            m.effect_site_bands[0].within_min, abs=1e-6
        )


def test_the_chosen_option_is_marked_and_added_when_missing(view: pk.Preview) -> None:
    assert [o.duration_min for o in view.options] == [40.0, 60.0, 120.0, 240.0]
    assert [o.chosen for o in view.options] == [False, True, False, False]
    assert view.chosen.duration_min == 60.0
    assert view.chosen.label == "35 mg over 60 min"
    assert view.chosen.rate_mg_per_min == pytest.approx(35.0 / 60.0)
    added = pk.preview(DOMINO, PATIENT, dose_mg=35.0, chosen_duration_min=90.0)
    assert [o.duration_min for o in added.options] == [40.0, 60.0, 90.0, 120.0, 240.0]
    assert added.chosen.duration_min == 90.0


def test_population_band_is_the_models_variability_with_a_fixed_seed(view: pk.Preview) -> None:
    for option in view.options:
        population = pk.simulate_population(
            DOMINO,
            option.regimen,
            view.times_min,
            n_patients=view.n_virtual_patients,
            weights_kg=PATIENT.weight_kg,
            age_years=PATIENT.age_years,
            seed=view.seed,
            threshold_ng_per_ml=view.threshold_ng_per_ml,
            percentiles=(5.0, 95.0),
        )
        bands = population.plasma_percentiles_ng_per_ml
        np.testing.assert_allclose(option.population_p5_ng_per_ml, bands[0], rtol=1e-12)
        np.testing.assert_allclose(option.population_p95_ng_per_ml, bands[1], rtol=1e-12)
        assert option.probability_cmax_above == population.probability_cmax_above
        assert np.all(option.population_p5_ng_per_ml <= option.plasma_ng_per_ml + 1e-9)
    assert view.iiv == DOMINO.iiv
    # Shorter infusions peak higher: more virtual patients above 250 ng/mL.
    risks = [o.probability_cmax_above for o in view.options]
    assert risks == sorted(risks, reverse=True)
    assert risks[0] > 0.0


def test_a_preview_is_reproducible_and_its_seed_matters(view: pk.Preview) -> None:
    again = pk.preview(DOMINO, PATIENT, dose_mg=35.0, chosen_duration_min=60.0)
    for a, b in zip(view.options, again.options, strict=True):
        np.testing.assert_array_equal(a.population_p95_ng_per_ml, b.population_p95_ng_per_ml)
        assert a.plasma == b.plasma
    other = pk.preview(DOMINO, PATIENT, dose_mg=35.0, chosen_duration_min=60.0, seed=7)
    assert not np.array_equal(
        other.options[0].population_p95_ng_per_ml, view.options[0].population_p95_ng_per_ml
    )


def test_assumptions_and_warnings_are_carried(view: pk.Preview) -> None:
    assert view.assumptions
    assert all(a.startswith("assumed: ") for a in view.assumptions)
    assert any("30 % CV" in a for a in view.assumptions)
    assert "variability: project default 30 % CV (not published)" in view.warnings
    unverified = pk.preview(pk.get_model("kamp"), PATIENT, dose_mg=35.0, chosen_duration_min=60.0)
    assert any("kamp" in w for w in unverified.warnings)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dose_mg": -1.0}, "dose_mg"),
        ({"dose_mg": math.nan}, "dose_mg"),
        ({"chosen_duration_min": 0.0}, "chosen_duration_min"),
        ({"durations_min": ()}, "durations_min"),
        ({"durations_min": (40.0, -5.0)}, "durations_min[1]"),
        ({"durations_min": "40"}, "durations_min"),
        ({"dissociation_ng_per_ml": math.inf}, "dissociation_ng_per_ml"),
        ({"discharge_ng_per_ml": 0.0}, "discharge_ng_per_ml"),
        ({"threshold_ng_per_ml": -250.0}, "threshold_ng_per_ml"),
        ({"step_min": 0.0}, "step_min"),
        ({"horizon_min": -1.0}, "horizon_min"),
        ({"n_virtual_patients": 0}, "n_virtual_patients"),
        ({"n_virtual_patients": 10.5}, "n_virtual_patients"),
        ({"seed": -1}, "seed"),
        ({"seed": True}, "seed"),
        ({"analgesia_band": (70, 160)}, "analgesia_band"),
    ],
)
def test_bad_input_names_the_field(changes: dict[str, object], field: str) -> None:
    kwargs: dict[str, object] = {"dose_mg": 35.0, "chosen_duration_min": 60.0, **changes}
    with pytest.raises(InputError) as err:
        pk.preview(DOMINO, PATIENT, **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_a_patient_outside_the_models_range_needs_extrapolation() -> None:
    heavy = pk.Patient(weight_kg=180, age_years=45)
    with pytest.raises(OutOfValidatedRangeError) as err:
        pk.preview(DOMINO, heavy, dose_mg=35.0, chosen_duration_min=60.0)
    assert err.value.field == "weight_kg"
    view = pk.preview(
        DOMINO, heavy, dose_mg=35.0, chosen_duration_min=60.0, allow_extrapolation=True
    )
    assert any(w.startswith("extrapolation") for w in view.warnings)


def test_a_short_horizon_still_reports_the_exact_discharge_time() -> None:
    view = pk.preview(DOMINO, PATIENT, dose_mg=35.0, chosen_duration_min=40.0, horizon_min=30.0)
    assert view.times_min[-1] == 30.0
    assert view.options[0].discharge_min == pytest.approx(43.6517307, abs=1e-6)
    # A horizon between grid times ends the window, and so the band times, there.
    between = pk.preview(
        DOMINO, PATIENT, dose_mg=35.0, chosen_duration_min=40.0, horizon_min=30.5, step_min=7.0
    )
    np.testing.assert_array_equal(between.times_min, [0, 7, 14, 21, 28, 30.5])
    params = DOMINO.parameters(PATIENT)
    m = _reference(params, between.chosen, 30.5, between.analgesia_band, 100.0, 100.0)
    assert between.chosen.plasma.analgesia_min == pytest.approx(
        m.plasma_bands[0].within_min, abs=1e-6
    )


# ------------------------------------------------------------------ the pieces it uses


@pytest.mark.parametrize(
    "regimen",
    [
        pk.Regimen.build(boluses=[(0, 7)], infusions=[(0, 40, 0.875)]),
        pk.Regimen.build(boluses=[(0, 10), (30, 5)], infusions=[(5, 20, 1.0), (50, 30, 0.3)]),
        pk.Regimen.constant_infusion(35.0, 40.0),
        pk.Regimen(),
    ],
)
def test_peaks_of_pk_simulate_equal_plan_metrics(regimen: pk.Regimen) -> None:
    params = DOMINO.parameters(PATIENT)
    m = pk.plan_metrics(params, regimen, horizon_min=200.0, bands=())
    cmax, tmax, ce_max, ce_tmax = peaks_in_window(params, regimen, 200.0, 1.0 / 60.0)
    assert cmax == pytest.approx(m.cmax_ng_per_ml, rel=1e-9, abs=1e-12)
    assert tmax == pytest.approx(m.tmax_min, abs=1e-5)
    assert ce_max == pytest.approx(m.effect_site_cmax_ng_per_ml, rel=1e-9, abs=1e-12)
    assert ce_tmax == pytest.approx(m.effect_site_tmax_min, abs=1e-5)


@pytest.mark.parametrize("rows", [1, 2, 3, 10, 999, 1000, 1001])
@pytest.mark.parametrize(
    "percentiles", [(5.0, 95.0), (0.0, 100.0), (50.0,), (5.0, 50.0, 95.0), (95.0, 5.0)]
)
def test_percentiles_over_rows_equal_numpy(rows: int, percentiles: tuple[float, ...]) -> None:
    values = np.random.default_rng(rows).random((rows, 37))
    values[:, 3] = 0.0  # ties, as at t = 0
    before = values.copy()
    got = percentiles_over_rows(values, percentiles)
    np.testing.assert_array_equal(got, np.percentile(values, percentiles, axis=0))
    np.testing.assert_array_equal(values, before)


@pytest.mark.parametrize("level_ng_per_ml", [30.0, 70.0, 100.0, 500.0])
def test_settled_min_bounds_when_cp_and_ce_stay_below_a_level(level_ng_per_ml: float) -> None:
    params = DOMINO.parameters(PATIENT)
    regimens = [pk.Regimen.constant_infusion(35.0, d) for d in (10.0, 40.0, 120.0)]
    arrays = PkParameterArrays.from_parameters([params] * len(regimens))
    states = SegmentStates.of(Modes.of(arrays), Schedule.of(regimens))
    ends = np.array([r.end_of_dosing_min for r in regimens])
    settled = settled_min(states, ends, level_ng_per_ml)
    assert np.all(settled >= ends)
    for regimen, at in zip(regimens, settled, strict=True):
        after = at + np.arange(0.0, 600.0, 1.0 / 60.0)
        sim = pk.simulate(params, regimen, after)
        assert sim.plasma_ng_per_ml.max() <= level_ng_per_ml * (1 + 1e-12)
        assert sim.effect_site_ng_per_ml.max() <= level_ng_per_ml * (1 + 1e-12)
        # The last crossing itself: within one 1-s sample of the last value above.
        before = np.arange(regimen.end_of_dosing_min, at, 1.0 / 60.0)
        if before.size:
            late = pk.simulate(params, regimen, before)
            above = (late.plasma_ng_per_ml > level_ng_per_ml) | (
                late.effect_site_ng_per_ml > level_ng_per_ml
            )
            last = before[above].max() if np.any(above) else regimen.end_of_dosing_min
            assert at - last < 1.0 / 60.0 + 1e-6
