"""Facts from JSON: unknown is explicit, bad values name the field and the rule."""

from __future__ import annotations

from typing import Any

import pytest

from ketacore.errors import InputError
from ketacore.rules import (
    EligibilityFacts,
    decision_to_dict,
    default_rule_set,
    evaluate,
    facts_from_dict,
)

from .scenarios import BASE


def test_every_fact_defaults_to_unknown():
    assert facts_from_dict({}) == EligibilityFacts()
    assert facts_from_dict({"pregnant": None}).pregnant is None


def test_it_normalises_codes_and_scores_instruments():
    facts = facts_from_dict(BASE | {"diagnoses": ["g90522"]})
    assert facts.diagnoses == ("G90.522",)
    assert facts.instrument_results is not None
    assert facts.instrument_results[0].total == 6


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"smoker": True}, "smoker"),
        ({"pregnant": "no"}, "pregnant"),
        ({"hypertension": "high"}, "hypertension"),
        ({"sex": "M"}, "sex"),
        ({"pain_duration_months": -1}, "pain_duration_months"),
        ({"pain_duration_months": True}, "pain_duration_months"),
        ({"diagnoses": "G90.522"}, "diagnoses"),
        ({"diagnoses": ["crps"]}, "diagnoses[0]"),
        ({"bp_readings": [{"systolic_mmhg": 120}]}, "bp_readings[0].diastolic_mmhg"),
        ({"bp_readings": [{"systolic_mmhg": 80, "diastolic_mmhg": 90}]}, "bp_readings[0]"),
        (
            {"bp_readings": [{"systolic_mmhg": 120.5, "diastolic_mmhg": 80}]},
            "bp_readings[0].systolic_mmhg",
        ),
        (
            {"prior_treatments": [{"treatment": "yoga", "outcome": "helped"}]},
            "prior_treatments[0].treatment",
        ),
        ({"prior_treatments": [{"treatment": "opioid"}]}, "prior_treatments[0].outcome"),
        ({"medications": ["", "x"]}, "medications[0]"),
        (
            {"instruments": [{"instrument": "dn4", "answers": {"q1_burning": 1}}]},
            "instruments[0].answers",
        ),
        ({"instruments": [{"instrument": "dn4x", "answers": {}}]}, "instruments[0].instrument"),
        (
            {"instruments": [{"instrument": "nrs", "answers": {"q1_pain": 12}}]},
            "instruments[0].answers.q1_pain",
        ),
        ({"instruments": [{"instrument": "nrs", "score": 3}]}, "instruments[0].score"),
    ],
)
def test_bad_facts_name_the_field(changes: dict[str, Any], field: str):
    with pytest.raises(InputError) as err:
        facts_from_dict(BASE | changes)
    assert err.value.field == field


def test_missing_instrument_answers_are_all_listed():
    with pytest.raises(InputError) as err:
        facts_from_dict(
            {"instruments": [{"instrument": "dn4-interview", "answers": {"q1_burning": 1}}]}
        )
    assert err.value.field == "instruments[0].answers"
    assert "q2_painful_cold" in err.value.rule
    assert "q7_itching" in err.value.rule


def test_decision_json_names_the_rule_set_and_every_finding_field():
    data = decision_to_dict(
        evaluate(facts_from_dict(BASE | {"hypertension": "controlled"}), default_rule_set())
    )
    assert data["decision"] == "candidate_with_precautions"
    assert data["complete"] is True
    assert data["rule_set"]["version"] == default_rule_set().version
    assert set(data["findings"][0]) == {
        "id",
        "severity",
        "message",
        "rule",
        "source",
        "detail",
        "evidence_grade",
        "clinic_decision",
    }
