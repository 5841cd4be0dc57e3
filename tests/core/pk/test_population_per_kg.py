"""Populations: per-kg dosing, and the whole-matrix path against the march."""

from __future__ import annotations

import numpy as np
import pytest

from ketacore import pk
from ketacore.errors import InputError
from ketacore.pk import _population

DOMINO = pk.get_model("domino")
PER_KG = pk.Regimen.build(infusions=[(0.0, 40.0, 0.5 / 40.0)])  # 0.5 mg/kg over 40 min
TIMES = np.arange(0.0, 121.0, 1.0)
NO_VARIABILITY = pk.IivCv(0, 0, 0, 0, 0, 0, "none", False)


def _run(**changes: object) -> pk.PopulationResult:
    kwargs: dict[str, object] = {
        "n_patients": 300,
        "weights_kg": (50.0, 120.0),
        "age_years": 45,
        "seed": 3,
        "threshold_ng_per_ml": 200.0,
        **changes,
    }
    return pk.simulate_population(DOMINO, PER_KG, TIMES, **kwargs)  # type: ignore[arg-type]


def test_per_kg_dosing_scales_each_virtual_patients_dose_by_their_weight() -> None:
    result = _run(dose_per_kg=True)
    params, weights = pk.draw_population(
        DOMINO, n_patients=300, weights_kg=(50.0, 120.0), age_years=45, seed=3
    )
    np.testing.assert_array_equal(result.weights_kg, weights)
    by_hand = pk.simulate_many(params, PER_KG, TIMES, effect_site=False, dose_scale=weights)
    np.testing.assert_allclose(
        result.cmax_ng_per_ml, by_hand.plasma_ng_per_ml.max(axis=1), rtol=1e-12
    )
    np.testing.assert_allclose(
        result.plasma_percentiles_ng_per_ml,
        np.percentile(by_hand.plasma_ng_per_ml, result.percentiles, axis=0),
        rtol=1e-12,
    )
    # The same regimen read as mg: each patient got 1/weight of the per-kg dose.
    in_mg = _run()
    np.testing.assert_allclose(result.cmax_ng_per_ml, in_mg.cmax_ng_per_ml * weights, rtol=1e-9)


def test_per_kg_dosing_without_variability_gives_domino_the_same_peak_at_every_weight() -> None:
    # Domino scales every volume and clearance linearly with weight, so a dose per kg
    # gives the same concentrations at any weight; a dose in mg does not.
    per_kg = _run(dose_per_kg=True, iiv=NO_VARIABILITY)
    assert np.ptp(per_kg.cmax_ng_per_ml) < 1e-9 * per_kg.cmax_ng_per_ml.max()
    params = DOMINO.parameters(pk.Patient(70, 45))
    exact = pk.plan_metrics(params, PER_KG.scaled(70.0), horizon_min=120.0, bands=())
    assert per_kg.cmax_ng_per_ml[0] == pytest.approx(exact.cmax_ng_per_ml, rel=1e-9)
    in_mg = _run(iiv=NO_VARIABILITY)
    assert np.ptp(in_mg.cmax_ng_per_ml) > 0.5 * in_mg.cmax_ng_per_ml.min()


def test_per_kg_dosing_must_be_a_boolean() -> None:
    with pytest.raises(InputError) as err:
        _run(dose_per_kg="yes")
    assert err.value.field == "dose_per_kg"


@pytest.mark.parametrize("dose_per_kg", [False, True])
@pytest.mark.parametrize(
    "times",
    [TIMES, np.array([0.0, 5.0, 20.0, 40.0, 60.0, 90.0])],  # even (blocks) and irregular
)
def test_the_whole_matrix_path_equals_the_march(
    monkeypatch: pytest.MonkeyPatch, dose_per_kg: bool, times: np.ndarray
) -> None:
    kwargs = {"dose_per_kg": dose_per_kg, "percentiles": (5.0, 50.0, 95.0)}
    matrix = pk.simulate_population(
        DOMINO,
        PER_KG,
        times,
        n_patients=200,
        weights_kg=(50.0, 120.0),
        age_years=45,
        seed=9,
        threshold_ng_per_ml=150.0,
        **kwargs,  # type: ignore[arg-type]
    )
    monkeypatch.setattr(_population, "_MATRIX_VALUES", 0)
    marched = pk.simulate_population(
        DOMINO,
        PER_KG,
        times,
        n_patients=200,
        weights_kg=(50.0, 120.0),
        age_years=45,
        seed=9,
        threshold_ng_per_ml=150.0,
        **kwargs,  # type: ignore[arg-type]
    )
    np.testing.assert_allclose(
        matrix.plasma_percentiles_ng_per_ml, marched.plasma_percentiles_ng_per_ml, rtol=1e-9
    )
    np.testing.assert_allclose(matrix.cmax_ng_per_ml, marched.cmax_ng_per_ml, rtol=1e-9)
    assert matrix.probability_cmax_above == marched.probability_cmax_above
