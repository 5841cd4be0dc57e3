"""RASS, MOAA/S, CADSS, BPRS+, modified Aldrete and PADSS."""

from __future__ import annotations

import pytest

from ketacore.errors import InputError
from ketacore.scoring import get_instrument

from .helpers import all_answers, band_id


@pytest.mark.parametrize(
    ("level", "band"),
    [(4, "combative"), (1, "restless"), (0, "alert_and_calm"), (-1, "drowsy"), (-5, "unarousable")],
)
def test_rass_levels(level, band):
    result = get_instrument("rass").score({"q1_level": level})
    assert (result.total, band_id(result)) == (level, band)


@pytest.mark.parametrize("level", [-6, 5])
def test_rass_out_of_range(level):
    with pytest.raises(InputError) as err:
        get_instrument("rass").score({"q1_level": level})
    assert "from -5 to 4" in err.value.rule


@pytest.mark.parametrize(
    ("level", "band"),
    [
        (5, "responds_readily"),
        (3, "responds_to_loud_name"),
        (1, "responds_to_trapezius_squeeze"),
        (0, "no_response"),
    ],
)
def test_moaas_0_to_5_version(level, band):
    assert band_id(get_instrument("moaas").score({"q1_level": level})) == band


def test_moaas_refuses_the_1_to_6_variant():
    with pytest.raises(InputError):
        get_instrument("moaas").score({"q1_level": 6})


def test_cadss_has_23_numbered_items_and_no_invented_wording():
    items = get_instrument("cadss").items
    assert [i.id for i in items] == [f"q{n}" for n in range(1, 24)]
    assert all("wording not reproduced" in i.text for i in items)


def test_cadss_total_and_cadss6():
    answers = all_answers("cadss", 0) | {
        "q1": 2,
        "q2": 1,
        "q6": 4,
        "q7": 1,
        "q15": 3,
        "q22": 1,
        "q10": 4,
    }
    result = get_instrument("cadss").score(answers)
    assert result.total == 16
    assert result.subscales["cadss6"] == 12
    assert result.band is None
    assert get_instrument("cadss").score(all_answers("cadss", 4)).total == 92


def test_cadss_missing_items_are_listed():
    answers = all_answers("cadss", 0)
    del answers["q5"], answers["q23"]
    with pytest.raises(InputError) as err:
        get_instrument("cadss").score(answers)
    assert err.value.rule.endswith("q5, q23")


def test_bprs_positive_default_1_to_7():
    result = get_instrument("bprs-positive").score(all_answers("bprs-positive", 1))
    assert (result.total, result.subscales["total_0_to_24"]) == (4, 0)
    with pytest.raises(InputError) as err:
        get_instrument("bprs-positive").score(all_answers("bprs-positive", 0))
    assert "from 1 to 7" in err.value.rule


def test_bprs_positive_0_to_6_selectable_and_comparable():
    options = {"range": "0-6"}
    result = get_instrument("bprs-positive").score(
        all_answers("bprs-positive", 6, **options), options
    )
    assert (result.total, result.subscales["total_0_to_24"]) == (24, 24)
    classic = get_instrument("bprs-positive").score(all_answers("bprs-positive", 7))
    assert classic.subscales["total_0_to_24"] == 24
    with pytest.raises(InputError):
        get_instrument("bprs-positive").score(all_answers("bprs-positive", 7), options)


ALDRETE_FULL = all_answers("aldrete", 2)


@pytest.mark.parametrize(("total", "band"), [(8, "not_ready"), (9, "ready"), (10, "ready")])
def test_aldrete_standard_cutoff_9(total, band):
    answers = dict(ALDRETE_FULL)
    if total <= 9:
        answers["q1_activity"] = 1
    if total == 8:
        answers["q4_consciousness"] = 1
    result = get_instrument("aldrete").score(answers)
    assert (result.total, band_id(result)) == (total, band)


def test_aldrete_strict_needs_full_breathing_and_saturation():
    eight = ALDRETE_FULL | {"q1_activity": 1, "q4_consciousness": 1}
    assert band_id(get_instrument("aldrete").score(eight, {"variant": "strict"})) == "ready"
    seven = ALDRETE_FULL | {"q1_activity": 1, "q4_consciousness": 1, "q3_circulation": 1}
    assert band_id(get_instrument("aldrete").score(seven, {"variant": "strict"})) == "not_ready"
    low_sat = ALDRETE_FULL | {"q5_oxygen_saturation": 1}
    assert band_id(get_instrument("aldrete").score(low_sat)) == "ready"
    assert band_id(get_instrument("aldrete").score(low_sat, {"variant": "strict"})) == "not_ready"


@pytest.mark.parametrize(
    ("lost", "band"),
    [(2, "not_fit_for_discharge"), (1, "fit_for_discharge"), (0, "fit_for_discharge")],
)
def test_padss_infusion_variant_cutoff_9(lost, band):
    answers = all_answers("padss", 2)
    assert "q4_surgical_bleeding" not in answers
    answers["q3_pain_nausea_vomiting"] = 2 - lost
    result = get_instrument("padss").score(answers)
    assert result.total == 10 - lost
    assert band_id(result) == band
    assert ("escort_required" in result.flag_ids()) is (band == "fit_for_discharge")


def test_padss_infusion_refuses_the_bleeding_item():
    with pytest.raises(InputError) as err:
        get_instrument("padss").score(all_answers("padss", 2) | {"q4_surgical_bleeding": 2})
    assert err.value.field == "answers.q4_surgical_bleeding"


def test_padss_original_variant_asks_all_five():
    options = {"variant": "original"}
    answers = all_answers("padss", 2, **options) | {"q4_surgical_bleeding": 0}
    assert get_instrument("padss").score(answers, options).total == 8
    with pytest.raises(InputError) as err:
        get_instrument("padss").score(all_answers("padss", 2), options)
    assert "q4_surgical_bleeding" in err.value.rule
