"""JSON taken strictly (issue 10 item 7): every refusal names its field, never a traceback."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketacore import strict_json
from ketacore.errors import InputError
from ketacore.rules import default_rule_document, facts_from_dict, load_rule_set


@pytest.mark.parametrize(
    ("text", "field", "rule_part"),
    [
        ('{"pregnant": true, "pregnant": false}', "pregnant", "appears twice"),
        (
            '{"bp_readings": [{"systolic_mmhg": 1, "systolic_mmhg": 2}]}',
            "bp_readings[0].systolic_mmhg",
            "appears twice",
        ),
        ('{"pain_duration_months": ' + "9" * 5000 + "}", "pain_duration_months", "5000 digits"),
        ('{"a": [1, -' + "1" * 4301 + "]}", "a[1]", "4301 digits"),
        ('{"weight_kg": NaN}', "weight_kg", "NaN"),
        ('{"weight_kg": -Infinity}', "weight_kg", "-Infinity"),
        ('{"weight_kg": 1e999}', "weight_kg", "too large"),
        ("[" * 100_000 + "]" * 100_000, "--input", "nested more than 64"),
        ('{"a": ', "--input", "not valid JSON"),
    ],
)
def test_it_refuses_what_json_lets_through(text, field, rule_part) -> None:
    with pytest.raises(InputError) as exc:
        strict_json.loads(text, field="--input")
    assert exc.value.field == field
    assert rule_part in exc.value.rule


def test_it_refuses_invalid_utf8_by_position() -> None:
    with pytest.raises(InputError) as exc:
        strict_json.loads(b'{"sex": "\xff"}', field="body")
    assert (exc.value.field, exc.value.rule) == (
        "body",
        "is not valid UTF-8 (byte 0xff at position 9)",
    )


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"note": "[" * 1000, "a": [[[1]]]})
    assert strict_json.loads(text)["a"] == [[[1]]]


def test_it_returns_plain_values() -> None:
    data = strict_json.loads(b'{"a": {"b": [1, 2.5, "x", null, true]}}')
    assert data == {"a": {"b": [1, 2.5, "x", None, True]}}
    assert type(data) is dict
    assert type(data["a"]) is dict


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        (
            {"bp_readings": [{"systolic_mmhg": 120, "diastolic_mmhg": 80, "arm": "left"}]},
            "bp_readings[0].arm",
        ),
        (
            {"prior_treatments": [{"treatment": "opioid", "outcome": "helped", "dose": 5}]},
            "prior_treatments[0].dose",
        ),
        (
            {"instruments": [{"instrument": "dn4", "answers": {}, "options": "cutoff=4"}]},
            "instruments[0].options",
        ),
        ({"instruments": [{"instrument": "dn4", "answers": "all yes"}]}, "instruments[0].answers"),
        (
            {
                "instruments": [
                    {"instrument": "dn4", "answers": {}, "options": {"cutoff": "4", "x": 1}}
                ]
            },
            "instruments[0].options.x",
        ),
        (
            {
                "prior_treatments": [
                    {"treatment": "opioid", "outcome": "helped"},
                    {"treatment": "opioid", "outcome": "not_tolerated"},
                ]
            },
            "prior_treatments[1].treatment",
        ),
        (
            {
                "bp_readings": [
                    {"systolic_mmhg": 120, "diastolic_mmhg": 80, "measured_on": "27/11/2026"}
                ]
            },
            "bp_readings[0].measured_on",
        ),
        (
            {
                "bp_readings": [
                    {"systolic_mmhg": 120, "diastolic_mmhg": 80, "measured_on": "2026-11-28"}
                ],
                "assessed_on": "2026-11-27",
            },
            "bp_readings[0].measured_on",
        ),
        ({"date_of_birth": "1980-01-01"}, "assessed_on"),
        (
            {"date_of_birth": "1980-01-01", "assessed_on": "2026-11-27", "age_years": 40},
            "age_years",
        ),
        ({"weight_kg": True}, "weight_kg"),
        ({"medications_checked": [""]}, "medications_checked[0]"),
        ({"diagnoses": ["G90.9X"]}, "diagnoses[0]"),
    ],
)
def test_facts_refuse_unknown_keys_and_bad_values_at_any_depth(facts, field) -> None:
    with pytest.raises(InputError) as exc:
        facts_from_dict(facts)
    assert exc.value.field == field


def test_the_age_is_computed_from_the_date_of_birth_on_the_day_assessed() -> None:
    facts = facts_from_dict({"date_of_birth": "2008-11-27", "assessed_on": "2026-11-27"})
    assert facts.age_years == 18
    facts = facts_from_dict({"date_of_birth": "2008-11-28", "assessed_on": "2026-11-27"})
    assert facts.age_years == 17


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
_KEYS = st.sampled_from(
    [
        "diagnoses",
        "instruments",
        "prior_treatments",
        "bp_readings",
        "medications",
        "pregnant",
        "medications_checked",
        "date_of_birth",
        "assessed_on",
        "age_years",
        "weight_kg",
        "sex",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _JSON, max_size=4))
def test_any_json_gives_facts_or_an_input_error_never_a_crash(data) -> None:
    with contextlib.suppress(InputError):
        facts_from_dict(data)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["rules", "drug_classes", "evidence_grades", "version"]), _JSON)
def test_any_json_in_a_rule_set_gives_a_rule_set_or_an_input_error(key, value) -> None:
    document = default_rule_document() | {key: value}
    with contextlib.suppress(InputError):
        load_rule_set(document)
