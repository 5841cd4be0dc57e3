"""Run the scenario table (scenarios.py) through the default rule set."""

from __future__ import annotations

import re

import pytest

from ketacore.rules import Decision, default_rule_set, evaluate, facts_from_dict

from .scenarios import BASE, SCENARIOS, Scenario

RULES = default_rule_set()

INTERNAL_KEY = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def test_the_table_has_at_least_40_scenarios_with_unique_names():
    assert len(SCENARIOS) >= 40
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario(scenario: Scenario):
    result = evaluate(facts_from_dict(scenario.facts()), RULES)
    found = {f.id for f in result.findings if f.severity != "info"}
    assert (result.decision.value, found) == (scenario.decision, set(scenario.findings))
    assert result.rule_set_version == RULES.version
    assert result.rule_set_id == RULES.id
    for finding in result.findings:
        assert finding.message
        assert finding.source
        assert finding.rule
        # What a clinician reads: no field keys (``cardiac = unstable``, ``diabetic_neuropathy``).
        keys = INTERNAL_KEY.findall(f"{finding.message} {finding.detail} {finding.rule}")
        assert not keys, f"{finding.id}: {keys}"


@pytest.mark.parametrize(
    ("codes", "grades"),
    [
        (["G90.522"], ["moderate"]),
        (["B02.29"], ["weak"]),
        (["G54.6"], ["weak"]),
        (["M79.2"], ["weak"]),
        (["E11.42"], ["weak"]),
        (["E08.42"], ["weak"]),
        (["E13.41"], ["weak"]),
        (["G90.51"], ["moderate"]),
        (["G56.42"], ["moderate"]),
        (["G57.71"], ["moderate"]),
        (["M54.16"], ["weak"]),
        (["M54.50"], ["weak"]),
        (["G62.81"], ["weak"]),
        (["G90.522", "B02.29"], ["moderate", "weak"]),
    ],
)
def test_it_reports_the_evidence_grade_of_each_condition(codes, grades):
    result = evaluate(facts_from_dict(BASE | {"diagnoses": codes}), RULES)
    evidence = [f for f in result.findings if f.id == "indication.evidence_grade"]
    assert sorted(f.evidence_grade or "" for f in evidence) == sorted(grades)
    assert all("[Cohen2018]" in f.detail for f in evidence)  # the grade cites its source


def test_it_is_never_candidate_while_a_safety_fact_is_unknown():
    safety_facts = [
        "hypertension",
        "bp_readings",
        "cardiac",
        "pregnant",
        "breastfeeding",
        "psychosis",
        "active_substance_use",
        "liver_function",
        "raised_icp",
        "raised_iop",
        "medications",
    ]
    for fact in safety_facts:
        facts = {k: v for k, v in BASE.items() if k != fact}
        result = evaluate(facts_from_dict(facts), RULES)
        assert result.decision is Decision.INCOMPLETE, fact
        assert fact in result.unknowns
        assert not result.complete


def test_a_complete_clean_record_is_complete():
    result = evaluate(facts_from_dict(BASE), RULES)
    assert result.decision is Decision.CANDIDATE
    assert result.complete
    assert result.unknowns == ()


def test_findings_are_ordered_most_restrictive_first():
    facts = BASE | {"pregnant": True, "cardiac": "stable", "medications": ["oxycodone"]}
    severities = [f.severity for f in evaluate(facts_from_dict(facts), RULES).findings]
    order = ["exclude", "specialist", "review", "unknown", "precaution", "info"]
    assert severities == sorted(severities, key=order.index)


def test_an_empty_record_asks_for_every_fact():
    result = evaluate(facts_from_dict({}), RULES)
    assert result.decision is Decision.INCOMPLETE
    assert {"diagnoses", "pain_duration_months", "medications", "pregnant"} <= set(result.unknowns)
    assert all(
        f.message.startswith("Unknown - ask:") for f in result.findings if f.severity == "unknown"
    )
