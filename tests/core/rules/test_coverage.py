"""The class of problem, not the example (issue 10 items 3 and 6).

* every contraindication or precaution fact has a coded cross-check: a diagnosis
  in its code ranges beside a stated fact that denies it is a contradiction for
  review, never a silent candidate;
* every threshold's generated text says what a value exactly at it does.
"""

from __future__ import annotations

import pytest

from ketacore import icd10
from ketacore.rules import default_rule_set, evaluate, facts_from_dict
from ketacore.rules.checks import Check
from ketacore.rules.eligibility_checks import ELIGIBILITY_CHECKS
from tests.core.rules.scenarios import BASE

RULES = default_rule_set()
CONTRADICTIONS = [r for r in RULES.rules if r.check_name == "contradiction_diagnosis"]


def test_every_contraindication_and_precaution_fact_has_a_coded_cross_check() -> None:
    guarded = {
        r.params["fact"]
        for r in RULES.rules
        if r.check_name == "fact_in" and r.severity.value in ("exclude", "specialist", "precaution")
    }
    checked = {r.params["fact"] for r in CONTRADICTIONS}
    assert guarded - {"sex"} <= checked, f"no diagnosis cross-check for: {guarded - checked}"
    assert all(r.severity.value == "review" for r in CONTRADICTIONS)


def _codes_under(spec: str, excepted: list[str]) -> list[str]:
    rng = icd10.parse_code_range(spec, "x")
    skip = [icd10.parse_code_range(e, "x") for e in excepted]
    return [c for c in (rng.low, rng.high) if not any(s.covers(c) for s in skip)] + [
        next(
            c
            for c in icd10.CATALOGUE
            if rng.covers(c) and icd10.is_billable(c) and not any(s.covers(c) for s in skip)
        )
    ]


@pytest.mark.parametrize(
    ("rule_id", "spec"),
    [(r.id, spec) for r in CONTRADICTIONS for spec in r.params["code_prefixes"]],
)
def test_each_code_range_beside_a_denying_fact_is_a_contradiction(rule_id, spec) -> None:
    rule = next(r for r in RULES.rules if r.id == rule_id)
    value = rule.params["values"][0]
    for code in _codes_under(spec, rule.params.get("except_codes", [])):
        facts = facts_from_dict(BASE | {"diagnoses": ["G90.522", code], rule.params["fact"]: value})
        result = evaluate(facts, RULES)
        assert rule_id in {f.id for f in result.findings}, code
        assert result.decision.value not in ("candidate", "candidate_with_precautions"), code
        assert not result.complete


def test_excepted_codes_are_not_contradictions() -> None:
    rule = next(r for r in CONTRADICTIONS if r.params.get("except_codes"))
    for spec in rule.params["except_codes"]:
        facts = facts_from_dict(BASE | {"diagnoses": ["G90.522", spec], rule.params["fact"]: False})
        assert rule.id not in {f.id for f in evaluate(facts, RULES).findings}, spec


#: Each check kind with a threshold, and the words its text uses for the edge.
EDGE_WORDS = {
    "duration_below": "exactly 3 months passes",
    "bp_above": "a reading of exactly 180/110 does not count",
    "prior_treatments_insufficient": "2 or more passes",
    "screen_negative": "exactly at an instrument's cut-off is in the band",
    "age_below": "exactly 18, on their birthday, passes",
    "bp_reading_older_than": "a reading exactly 30 days old is recent enough",
}


def test_every_check_with_a_threshold_states_its_edge() -> None:
    with_threshold = {
        name
        for name in ELIGIBILITY_CHECKS.names()
        if any(s.kind == "int" for s in ELIGIBILITY_CHECKS.get(name, "check").specs().values())
    } | {"screen_negative"}
    assert with_threshold == set(EDGE_WORDS)
    for rule in RULES.rules:
        if rule.check_name in EDGE_WORDS:
            assert EDGE_WORDS[rule.check_name] in rule.rule_text, rule.id


@pytest.mark.parametrize(
    ("changes", "rule_id", "hit"),
    [
        ({"pain_duration_months": 3}, "indication.chronic", False),
        ({"pain_duration_months": 2.99}, "indication.chronic", True),
        (
            {
                "bp_readings": [
                    {"systolic_mmhg": 180, "diastolic_mmhg": 110, "measured_on": "2026-11-27"}
                ]
            },
            "safety.bp_reading_severe",
            False,
        ),
        (
            {
                "bp_readings": [
                    {"systolic_mmhg": 181, "diastolic_mmhg": 110, "measured_on": "2026-11-27"}
                ]
            },
            "safety.bp_reading_severe",
            True,
        ),
        (
            {
                "bp_readings": [
                    {"systolic_mmhg": 180, "diastolic_mmhg": 111, "measured_on": "2026-11-27"}
                ]
            },
            "safety.bp_reading_severe",
            True,
        ),
        ({"date_of_birth": "2008-11-27"}, "safety.age_adult", False),
        ({"date_of_birth": "2008-11-28"}, "safety.age_adult", True),
        (
            {
                "bp_readings": [
                    {"systolic_mmhg": 120, "diastolic_mmhg": 80, "measured_on": "2026-10-28"}
                ]
            },
            "safety.bp_reading_old",
            False,
        ),
        (
            {
                "bp_readings": [
                    {"systolic_mmhg": 120, "diastolic_mmhg": 80, "measured_on": "2026-10-27"}
                ]
            },
            "safety.bp_reading_old",
            True,
        ),
        (
            {
                "prior_treatments": [
                    {"treatment": "opioid", "outcome": "helped"},
                    {"treatment": "nsaid", "outcome": "not_tolerated"},
                    {"treatment": "topical", "outcome": "inadequate_relief"},
                ]
            },
            "indication.prior_treatments",
            False,
        ),
    ],
)
def test_each_edge_is_pinned(changes, rule_id, hit) -> None:
    result = evaluate(facts_from_dict(BASE | changes), RULES)
    assert (rule_id in {f.id for f in result.findings}) is hit


def test_checks_are_registered_once() -> None:
    assert all(
        issubclass(ELIGIBILITY_CHECKS.get(n, "check"), Check) for n in ELIGIBILITY_CHECKS.names()
    )
