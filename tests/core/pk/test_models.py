"""Parameter sets, covariates, validity ranges and value-object validation."""

from __future__ import annotations

from typing import Any

import pytest

from ketacore import pk
from ketacore.errors import InputError, OutOfValidatedRangeError

REQUIRED = ("domino", "kamp", "hijazi", "herd", "sherwin", "elkomy", "clements")


@pytest.mark.parametrize("name", REQUIRED)
def test_every_required_model_is_documented(name: str) -> None:
    model = pk.get_model(name)
    assert model.citation
    assert model.ke0_source
    assert model.covariates
    assert model.validity.source
    assert model.iiv.source
    v = model.validity
    p = model.parameters(
        pk.Patient((v.weight_min_kg + v.weight_max_kg) / 2, (v.age_min_years + v.age_max_years) / 2)
    )
    assert p.label == name
    assert p.ke0_per_min > 0


def test_unverified_models_say_so() -> None:
    assert "not verified" in pk.get_model("kamp").parameters(pk.Patient(70, 45)).warnings[0]
    assert not pk.get_model("clements").verified
    assert pk.get_model("domino").parameters(pk.Patient(70, 45)).warnings == ()


def test_domino_default_ke0_is_navarretes_and_kamps_depends_on_weight() -> None:
    assert pk.get_model("DOMINO").parameters(pk.Patient(70, 45)).ke0_per_min == 0.238
    assert pk.get_model("kamp").parameters(pk.Patient(70, 45)).ke0_per_min == pytest.approx(
        1.39, abs=0.005
    )


def test_ke0_from_peak_time_recovers_domino(reference: dict[str, Any]) -> None:
    p = pk.get_model("domino").parameters(pk.Patient(70, 45))
    tpeak = reference["bolus_peak_time_domino_ke0_0.238"]["tpeak_min"]
    assert pk.ke0_for_peak_time(p, tpeak) == pytest.approx(0.238, rel=0.01)
    with pytest.raises(InputError, match="peak_time_min"):
        pk.ke0_for_peak_time(p, 1e4)


def test_allometric_models_scale_clearance_with_three_quarter_power() -> None:
    herd = pk.get_model("herd")
    a = herd.parameters(pk.Patient(17.5, 8))
    b = herd.parameters(pk.Patient(70, 8), allow_extrapolation=True)
    assert a.cl_l_per_min / b.cl_l_per_min == pytest.approx(0.25**0.75)
    assert a.v1_l / b.v1_l == pytest.approx(0.25)
    assert b.cl_l_per_min == pytest.approx(90 / 60)


def test_a_patient_outside_the_range_is_refused_unless_extrapolation_is_allowed() -> None:
    model = pk.get_model("domino")
    with pytest.raises(OutOfValidatedRangeError) as info:
        model.parameters(pk.Patient(200, 45))
    assert info.value.field == "weight_kg"
    with pytest.raises(OutOfValidatedRangeError, match="age_years"):
        model.parameters(pk.Patient(70, 10))
    p = model.parameters(pk.Patient(200, 45), allow_extrapolation=True)
    assert "extrapolation" in p.warnings[0]
    sim = pk.simulate(p, pk.Regimen.constant_infusion(10, 10), [10])
    assert sim.warnings == p.warnings


def test_unknown_model_names_the_field() -> None:
    with pytest.raises(InputError, match="model: unknown model 'propofol'"):
        pk.get_model("propofol")


def test_custom_models_from_volumes_match_micro_constants() -> None:
    micro = pk.get_model("domino").parameters(pk.Patient(70, 45))
    physio = pk.PkParameters.from_volumes_and_clearances(
        v1_l=micro.v1_l,
        cl_l_per_min=micro.cl_l_per_min,
        v2_l=micro.v2_l,
        q2_l_per_min=micro.q2_l_per_min,
        v3_l=micro.v3_l,
        q3_l_per_min=micro.q3_l_per_min,
        ke0_per_min=0.238,
    )
    assert physio.k31_per_min == pytest.approx(micro.k31_per_min)
    assert physio.n_compartments == 3
    assert physio.vss_l == pytest.approx(micro.vss_l)
    one = pk.PkParameters(v1_l=5, k10_per_min=0.1)
    assert (one.n_compartments, one.v2_l, one.v3_l) == (1, 0.0, 0.0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"v1_l": -1}, "v1_l"),
        ({"k10_per_min": 0}, "k10"),
        ({"k12_per_min": float("nan")}, "k12"),
        ({"k12_per_min": 0.5}, "k21"),
        ({"ke0_per_min": float("inf")}, "ke0"),
        ({"v1_l": True}, "v1_l"),
    ],
)
def test_bad_parameters_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"v1_l": 5.0, "k10_per_min": 0.1}
    args.update(kwargs)
    with pytest.raises(InputError) as info:
        pk.PkParameters(**args)
    assert info.value.field == field


def test_volume_without_clearance_is_refused() -> None:
    with pytest.raises(InputError, match="v2_l"):
        pk.PkParameters.from_volumes_and_clearances(v1_l=5, cl_l_per_min=1, v2_l=3, ke0_per_min=1)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: pk.Regimen.build(boluses=[(0, -1)]), "boluses[0].dose_mg"),
        (lambda: pk.Regimen.build(boluses=[(float("nan"), 1)]), "boluses[0].time_min"),
        (
            lambda: pk.Regimen.build(infusions=[(0, 10, float("inf"))]),
            "infusions[0].rate_mg_per_min",
        ),
        (lambda: pk.Regimen.build(infusions=[(0, 0, 1)]), "infusions[0].duration_min"),
        (lambda: pk.Regimen(boluses=(pk.Infusion(0, 1, 1),)), "boluses[0]"),  # type: ignore[arg-type]
        (lambda: pk.Regimen(infusions=(pk.Bolus(0, 1),)), "infusions[0]"),  # type: ignore[arg-type]
        (lambda: pk.Regimen.constant_infusion(-5, 10), "dose_mg"),
    ],
)
def test_bad_doses_and_rates_name_the_field(build: Any, field: str) -> None:
    with pytest.raises(InputError) as info:
        build()
    assert info.value.field == field


def test_regimen_bookkeeping() -> None:
    reg = pk.Regimen.build(boluses=[(0, 7)], infusions=[(0, 40, 0.875), (30, 20, 1.0)])
    assert reg.total_dose_mg == pytest.approx(7 + 35 + 20)
    assert reg.end_of_dosing_min == 50
    assert reg.dose_given_by_mg(35) == pytest.approx(7 + 0.875 * 35 + 5)
    assert pk.Regimen().end_of_dosing_min == 0
