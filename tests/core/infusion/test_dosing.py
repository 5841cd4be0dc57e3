"""Protocol library and dose calculation: figures computed by hand, every limit, every refusal."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ketacore.errors import InputError
from ketacore.infusion import (
    DoseBasis,
    HardLimitError,
    LimitStatus,
    calculate,
    default_library,
    default_protocol_document,
    load_protocol_library,
    require_within_hard_limits,
)


def _library(**changes: Any) -> Any:
    document = default_protocol_document()
    document.update(changes)
    return load_protocol_library(document)


def test_the_shipped_library_has_the_entries_the_clinics_use_each_with_a_source() -> None:
    library = default_library()
    ids = [p.id for p in library.protocols]
    assert ids == [
        "half-mg-per-kg-40-min",
        "one-hour-higher-dose",
        "four-hour",
        "crps-schwartzman",
        "guideline-80-mg",
        "custom",
    ]
    assert library.approved_by is None  # a physician must approve it
    for protocol in library.protocols:
        assert protocol.source
        for limit in protocol.limits:
            assert limit.source
    crps = library.get("crps-schwartzman")
    assert crps.series.count == 10
    assert crps.series.spacing_days == 1
    assert crps.duration_min == 240
    assert [m.drug for m in crps.premedication] == ["Midazolam", "Clonidine"]


def test_half_mg_per_kg_over_40_minutes_by_hand() -> None:
    library = default_library()
    calc = calculate(library, library.get("half-mg-per-kg-40-min"), weight_kg=72)
    # 0.5 mg/kg x 72 kg = 36 mg over 40 min = 54 mg/h; at 1 mg/mL 54 mL/h, 36 mL.
    assert calc.total_mg == pytest.approx(36.0)
    assert calc.rate_mg_per_h == pytest.approx(54.0)
    assert calc.rate_ml_per_h == pytest.approx(54.0)
    assert calc.total_ml == pytest.approx(36.0)
    assert not calc.hard_breaches
    assert not calc.soft_breaches
    assert [s.label for s in calc.steps][:3] == ["Dose", "Rate", "Dose in the session"]


def test_crps_titration_is_capped_at_25_mg_per_hour() -> None:
    library = default_library()
    calc = calculate(library, library.get("crps-schwartzman"), weight_kg=72)
    assert calc.rate_mg_per_h == pytest.approx(12.6)  # 0.175 x 72
    # 0.35 x 72 = 25.2 mg/h, above "never more than 25 mg/h"
    assert calc.max_rate_mg_per_h == pytest.approx(25.0)
    assert calc.hard_ceiling_rate_mg_per_h == pytest.approx(25.0)
    assert calc.hard_ceiling_session_mg == pytest.approx(100.0)
    assert "capped at the hard ceiling of 25 mg/h" in [s.working for s in calc.steps]
    require_within_hard_limits(calc)  # does not raise


def test_a_starting_dose_over_a_hard_limit_is_refused_naming_the_limit() -> None:
    library = default_library()
    calc = calculate(library, library.get("crps-schwartzman"), weight_kg=100, dose=0.35)
    breached = {(c.limit.scope, c.limit.quantity.value) for c in calc.hard_breaches}
    assert breached == {("crps-schwartzman", "rate_mg_per_h"), ("crps-schwartzman", "session_mg")}
    with pytest.raises(HardLimitError) as caught:
        require_within_hard_limits(calc)
    assert caught.value.field == "rate_mg_per_h"
    assert "35 mg/h, above this protocol's hard limit of 25 mg/h" in str(caught.value)
    assert "Schwartzman 2009" in str(caught.value)


def test_soft_limits_above_and_below_need_a_reason() -> None:
    library = default_library()
    four = library.get("four-hour")
    above = calculate(library, four, weight_kg=70, dose=0.7)
    # 0.7 mg/kg/h is over the protocol's 0.6; 2.8 mg/kg in 4 h over the drug-wide 2.5.
    assert {(c.limit.scope, c.limit.quantity.value) for c in above.soft_breaches} == {
        ("four-hour", "rate_mg_per_kg_per_h"),
        ("library", "session_mg_per_kg"),
    }
    assert {c.status for c in above.soft_breaches} == {LimitStatus.ABOVE_SOFT_MAX}
    assert not above.hard_breaches  # 0.7 is under the hard 0.8
    below = calculate(library, four, weight_kg=70, dose=0.05, duration_min=240)
    assert LimitStatus.BELOW_SOFT_MIN in {c.status for c in below.soft_breaches}
    key = below.soft_breaches[0].key
    assert key == "four-hour:rate_mg_per_kg_per_h:below_soft_min"


def test_a_value_equal_to_a_limit_is_within_it() -> None:
    library = default_library()
    # 80 mg is the guideline start and exactly the soft maximum.
    calc = calculate(library, library.get("guideline-80-mg"), weight_kg=80)
    assert not calc.soft_breaches
    over = calculate(library, library.get("guideline-80-mg"), weight_kg=80, dose=80.5)
    assert [c.limit.quantity.value for c in over.soft_breaches] == ["session_mg"]


def test_pump_rounding_half_up_but_never_above_a_hard_ceiling() -> None:
    library = default_library()
    calc = calculate(library, library.get("half-mg-per-kg-40-min"), weight_kg=73.3)
    # 36.65 mg over 40 min = 54.975 mL/h at 1 mg/mL -> 55.0 on a 0.1 mL/h pump
    assert calc.rate_ml_per_h_exact == pytest.approx(54.975)
    assert calc.rate_ml_per_h == pytest.approx(55.0)
    assert calc.pumped_total_mg == pytest.approx(55.0 * 40 / 60)

    document = default_protocol_document()
    custom = document["protocols"][-1]
    custom["limits"] = [{"quantity": "rate_mg_per_h", "hard_max": 25.05, "source": "test"}]
    library = load_protocol_library(document)
    calc = calculate(
        library,
        library.get("custom"),
        weight_kg=70,
        dose=25.05,
        basis=DoseBasis.MG_PER_H,
        concentration_mg_per_ml=3,
    )
    # 25.05 / 3 = 8.35 mL/h: half-up would give 8.4 mL/h = 25.2 mg/h, over 25.05.
    assert calc.rate_ml_per_h == pytest.approx(8.3)
    assert calc.pumped_rate_mg_per_h <= 25.05


def test_a_bag_too_small_is_refused() -> None:
    library = default_library()
    with pytest.raises(InputError) as caught:
        calculate(library, library.get("half-mg-per-kg-40-min"), weight_kg=70, bag_volume_ml=20)
    assert caught.value.field == "bag_volume_ml"
    assert "holds 20 mL but the infusion needs 35 mL" in caught.value.rule


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"weight_kg": 7}, "weight_kg"),
        ({"weight_kg": 700}, "weight_kg"),
        ({"weight_kg": 70, "duration_min": 30}, "duration_min"),
        ({"weight_kg": 70, "dose": -1}, "dose"),
        ({"weight_kg": 70, "dose": float("nan")}, "dose"),
        ({"weight_kg": 70, "basis": DoseBasis.MG}, "dose_basis"),
    ],
)
def test_bad_choices_are_refused_naming_the_field(kwargs: dict[str, Any], field: str) -> None:
    library = default_library()
    with pytest.raises(InputError) as caught:
        calculate(library, library.get("half-mg-per-kg-40-min"), **kwargs)
    assert caught.value.field == field


def test_the_custom_protocol_may_change_basis_with_a_dose() -> None:
    library = default_library()
    custom = library.get("custom")
    with pytest.raises(InputError, match="dose: is required in mg when the basis changes"):
        calculate(library, custom, weight_kg=70, basis=DoseBasis.MG)
    calc = calculate(library, custom, weight_kg=70, basis=DoseBasis.MG, dose=60, duration_min=90)
    assert calc.rate_mg_per_h == pytest.approx(40.0)


def _broken(path: list[Any], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(default_protocol_document())
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    ("path", "value", "field", "rule"),
    [
        (["surprise"], 1, "surprise", "is not allowed here"),
        (["schema"], "x/2", "schema", "must be"),
        (["limits", 0, "soft_max"], 9, "limits[0].soft_max", "must not be above hard_max"),
        (["limits"], [], "limits", "drug-wide hard_max for rate_mg_per_h"),
        (["protocols", 0, "dose"], 0, "protocols[0].dose", "must be a number > 0"),
        (["protocols", 0, "duration_min"], 90, "protocols[0].duration_min", "duration_range_min"),
        (["protocols", 1, "id"], "half-mg-per-kg-40-min", "protocols[1].id", "used twice"),
        (
            ["protocols", 0, "titration"],
            {"step": 0.1, "interval_min": 10, "max": 1, "note": "x"},
            "protocols[0].titration",
            "only possible for a rate",
        ),
        (
            ["protocols", 3, "series", "spacing_days"],
            0,
            "protocols[3].series.spacing_days",
            "at least 1",
        ),
        (
            ["protocols", 3, "limits", 0, "quantity"],
            "speed",
            "protocols[3].limits[0].quantity",
            "one of",
        ),
        (["protocols", 3, "source"], KeyError, "protocols[3].source", "is required"),
    ],
)
def test_a_broken_library_is_refused_naming_the_field(
    path: list[Any], value: Any, field: str, rule: str
) -> None:
    with pytest.raises(InputError) as caught:
        load_protocol_library(_broken(path, value))
    assert caught.value.field == field
    assert rule in caught.value.rule


@settings(max_examples=200, deadline=None)
@given(
    weight=st.floats(40, 150),
    dose=st.floats(0.05, 0.6),
    minutes=st.floats(120, 240),
)
def test_figures_agree_with_each_other(weight: float, dose: float, minutes: float) -> None:
    library = default_library()
    assume(dose * weight * minutes / 60 < 249)  # the 250 mL bag at 1 mg/mL holds it
    calc = calculate(
        library, library.get("four-hour"), weight_kg=weight, dose=dose, duration_min=minutes
    )
    assert calc.rate_mg_per_h == pytest.approx(dose * weight)
    assert calc.total_mg == pytest.approx(dose * weight * minutes / 60)
    assert abs(calc.rate_ml_per_h - calc.rate_ml_per_h_exact) <= 0.05 + 1e-9
    assert calc.total_ml == pytest.approx(calc.rate_ml_per_h * minutes / 60)
    if calc.hard_breaches:  # the start itself is over a ceiling: nothing is capped below it
        assert calc.rate_mg_per_h > calc.hard_ceiling_rate_mg_per_h - 1e-9
        return
    assert calc.max_rate_mg_per_h <= calc.hard_ceiling_rate_mg_per_h + 1e-9
    assert calc.max_rate_mg_per_h * minutes / 60 <= calc.hard_ceiling_session_mg + 1e-9
