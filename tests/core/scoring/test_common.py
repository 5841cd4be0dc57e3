"""Shared machinery: registry, validation, options, JSON; property tests over every instrument."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ketacore.scoring as scoring
from ketacore.errors import InputError
from ketacore.scoring import INSTRUMENTS, get_instrument, score_result_to_dict

from .helpers import all_answers

EXPECTED_IDS = {
    "nrs",
    "dn4",
    "dn4-interview",
    "lanss",
    "s-lanss",
    "id-pain",
    "bpi-sf",
    "phq9",
    "gad7",
    "pgic",
    "rass",
    "moaas",
    "cadss",
    "bprs-positive",
    "aldrete",
    "padss",
}


def test_it_registers_every_instrument_under_its_stable_id():
    assert set(INSTRUMENTS) == EXPECTED_IDS
    for key, instrument in INSTRUMENTS.items():
        assert instrument.id == key
        assert instrument.version
        # Sources are cited by key ("Author Year [Key]"), defined in docs/references.md.
        assert re.search(r"\[[A-Z][A-Za-z0-9.-]*\]", instrument.references), key


def _isort_key(name: str) -> tuple[int, str]:
    # ruff RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical.
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_it_exports_a_sorted_all():
    assert scoring.__all__ == sorted(scoring.__all__, key=_isort_key)
    for name in scoring.__all__:
        assert hasattr(scoring, name)


def test_it_looks_up_case_insensitively_and_names_unknown_instruments():
    assert get_instrument(" DN4 ").id == "dn4"
    with pytest.raises(InputError) as err:
        get_instrument("painDETECT")
    assert err.value.field == "instrument"
    assert "dn4" in err.value.rule


@pytest.mark.parametrize("instrument_id", sorted(EXPECTED_IDS))
def test_it_keeps_item_ids_in_one_scheme(instrument_id):
    items = get_instrument(instrument_id).items
    for position, item in enumerate(items, start=1):
        number = item.id.split("_")[0]
        assert number.startswith("q")
        assert int(number[1:]) >= position  # positions, with PADSS's dropped q4 as the gap
    assert len({i.id for i in items}) == len(items)


def test_it_lists_every_missing_required_answer():
    with pytest.raises(InputError) as err:
        get_instrument("gad7").score({"q1_nervous": 1, "q4_trouble_relaxing": 0})
    assert err.value.field == "answers"
    for missing in (
        "q2_cannot_stop_worrying",
        "q3_worrying_too_much",
        "q5_restless",
        "q6_irritable",
        "q7_afraid",
    ):
        assert missing in err.value.rule
    assert "(5)" in err.value.rule


def test_it_names_the_item_and_its_range_when_out_of_range():
    answers = all_answers("phq9", 0) | {"q3_sleep": 4}
    with pytest.raises(InputError) as err:
        get_instrument("phq9").score(answers)
    assert err.value.field == "answers.q3_sleep"
    assert "from 0 to 3" in err.value.rule


@pytest.mark.parametrize("bad", ["2", 1.5, [1], {"a": 1}])
def test_it_refuses_answers_that_are_not_whole_numbers(bad):
    answers = all_answers("gad7", 0) | {"q2_cannot_stop_worrying": bad}
    with pytest.raises(InputError) as err:
        get_instrument("gad7").score(answers)
    assert err.value.field == "answers.q2_cannot_stop_worrying"


def test_it_refuses_booleans_for_scales_but_accepts_them_for_yes_no():
    with pytest.raises(InputError):
        get_instrument("gad7").score(all_answers("gad7", 0) | {"q1_nervous": True})
    answers = dict.fromkeys(all_answers("dn4", 0), False) | {"q1_burning": True}
    assert get_instrument("dn4").score(answers).total == 1


def test_it_accepts_whole_floats_and_treats_null_as_unanswered():
    assert get_instrument("nrs").score({"q1_pain": 7.0}).total == 7
    with pytest.raises(InputError) as err:
        get_instrument("nrs").score({"q1_pain": None})
    assert "q1_pain" in err.value.rule


def test_it_refuses_unknown_item_ids():
    with pytest.raises(InputError) as err:
        get_instrument("nrs").score({"q1_pain": 3, "pain": 3})
    assert err.value.field == "answers.pain"


def test_it_refuses_unknown_options_and_values():
    with pytest.raises(InputError) as err:
        get_instrument("dn4").score(all_answers("dn4", 0), {"cut": "4"})
    assert err.value.field == "options.cut"
    with pytest.raises(InputError) as err:
        get_instrument("dn4").score(all_answers("dn4", 0), {"cutoff": "6"})
    assert err.value.field == "options.cutoff"
    assert "4, 5" in err.value.rule


def test_it_records_instrument_version_and_options_in_the_result():
    result = get_instrument("id-pain").score(all_answers("id-pain", 0))
    assert (result.instrument, result.version) == ("id-pain", "1.0")
    assert dict(result.options) == {"cutoff": "2"}


def test_it_prints_the_five_documented_keys_first():
    data = score_result_to_dict(get_instrument("phq9").score(all_answers("phq9", 1)))
    assert list(data)[:5] == ["instrument", "total", "subscales", "band", "flags"]
    assert set(data) == {
        "instrument",
        "total",
        "subscales",
        "band",
        "flags",
        "instrument_version",
        "options",
        "items",
    }
    json.dumps(data, allow_nan=False)


@pytest.mark.parametrize("instrument_id", sorted(EXPECTED_IDS))
def test_it_describes_items_in_order_with_allowed_values(instrument_id):
    instrument = get_instrument(instrument_id)
    described = instrument.describe()
    assert [i["id"] for i in described["items"]] == [i.id for i in instrument.items]
    for entry in described["items"]:
        assert entry["text"]
        assert entry["allowed_values"] == sorted(entry["allowed_values"])
    json.dumps(described, allow_nan=False)


def _answer_sets(instrument_id: str, options: dict[str, str]) -> st.SearchStrategy[dict[str, int]]:
    items = get_instrument(instrument_id).items_with(options)
    parts: dict[str, st.SearchStrategy[int | None]] = {}
    for item in items:
        values = st.sampled_from([c.value for c in item.choices])
        parts[item.id] = values if item.required else st.one_of(st.none(), values)
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})


def _option_sets() -> list[tuple[str, dict[str, str]]]:
    cases: list[tuple[str, dict[str, str]]] = []
    for instrument in INSTRUMENTS.values():
        if not instrument.options:
            cases.append((instrument.id, {}))
        for option in instrument.options:
            for value in option.values:
                cases.append((instrument.id, {option.name: value}))
    return cases


@pytest.mark.parametrize(("instrument_id", "options"), _option_sets())
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_property_every_valid_answer_set_scores_within_range(instrument_id, options, data):
    instrument = get_instrument(instrument_id)
    items = instrument.items_with(options)
    answers = data.draw(_answer_sets(instrument_id, options))
    result = instrument.score(answers, options)
    assert dict(result.items) == answers
    assert len(answers) <= len(items)
    if result.total is not None:
        low, high = _RANGES[instrument_id]
        assert low <= result.total <= high
        if result.band is not None:
            assert result.band.low <= result.total <= result.band.high
    # Scoring is a pure function of the answers.
    assert instrument.score(answers, options) == result


_RANGES = {
    "nrs": (0, 10),
    "dn4": (0, 10),
    "dn4-interview": (0, 7),
    "lanss": (0, 24),
    "s-lanss": (0, 24),
    "id-pain": (-1, 5),
    "bpi-sf": (0, 0),
    "phq9": (0, 27),
    "gad7": (0, 21),
    "pgic": (1, 7),
    "rass": (-5, 4),
    "moaas": (0, 5),
    "cadss": (0, 92),
    "bprs-positive": (0, 28),
    "aldrete": (0, 10),
    "padss": (0, 10),
}
