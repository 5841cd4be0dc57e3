"""The typed check registry: parse with field-named errors, generated text, evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ketacore.errors import InputError
from ketacore.rules import Decision, default_rule_document, evaluate, facts_from_dict, load_rule_set
from ketacore.rules.checks import Check, CheckRegistry, Context, Result, param
from ketacore.rules.eligibility_checks import ELIGIBILITY_CHECKS
from ketacore.rules.facts import BloodPressureReading, EligibilityFacts

from .scenarios import BASE, bp

CONTEXT = Context({})


def test_every_check_kind_has_a_summary_and_labelled_parameters() -> None:
    for name in ELIGIBILITY_CHECKS.names():
        cls = ELIGIBILITY_CHECKS.get(name, "check")
        assert cls.summary, name
        for spec in cls.specs().values():
            assert spec.label, name
            if spec.kind == "int":
                assert spec.low is not None, name
                assert spec.high is not None, name
                assert spec.unit, name


def test_the_rule_text_is_generated_from_the_threshold() -> None:
    check = ELIGIBILITY_CHECKS.parse(
        "bp_above",
        {"systolic_above_mmhg": 160, "diastolic_above_mmhg": 100},
        where="r",
        context=CONTEXT,
    )
    assert check.text() == (
        "Any reading with systolic above 160 mmHg or diastolic above 100 mmHg "
        "(a reading of exactly 160/100 does not count)."
    )
    document = default_rule_document()
    rule = next(r for r in document["rules"] if r["id"] == "safety.bp_reading_severe")
    rule["params"]["systolic_above_mmhg"] = 150
    rule["rule_text"] = "An old hand-typed text that says 180."
    loaded = load_rule_set(document)
    text = next(r for r in loaded.rules if r.id == "safety.bp_reading_severe").rule_text
    assert "above 150 mmHg" in text
    assert "180" not in text


@pytest.mark.parametrize(
    ("reading", "excluded"), [((180, 110), False), ((181, 90), True), ((150, 111), True)]
)
def test_a_reading_at_the_limit_does_not_exclude(reading, excluded) -> None:
    rules = load_rule_set(default_rule_document())
    result = evaluate(facts_from_dict(BASE | {"bp_readings": bp(*reading)}), rules)
    assert (result.decision is Decision.NOT_A_CANDIDATE) is excluded


@pytest.mark.parametrize(
    ("check", "params", "field", "rule"),
    [
        (
            "bp_above",
            {"systolic_above_mmhg": 999, "diastolic_above_mmhg": 100},
            "r.params.systolic_above_mmhg",
            "must be an integer from 60 to 300",
        ),
        ("bp_above", {"systolic_above_mmhg": 160}, "r.params.diastolic_above_mmhg", "is required"),
        (
            "bp_above",
            {"systolic_above_mmhg": 160, "diastolic_above_mmhg": 90, "x": 1},
            "r.params.x",
            "is not a parameter of this check",
        ),
        ("fact_in", {"fact": "cardiac", "values": ["yes"]}, "r.params.values[0]", "must be one of"),
        (
            "fact_in",
            {"fact": "pregnant", "values": [True], "skip_when": {"fact": "sex"}},
            "r.params.skip_when.values",
            "is required",
        ),
        ("duration_below", {"min_months": True}, "r.params.min_months", "must be an integer"),
        ("no_such_check", {}, "r.check", "must be one of"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(check, params, field, rule) -> None:
    with pytest.raises(InputError) as exc:
        ELIGIBILITY_CHECKS.parse(check, params, where="r", context=CONTEXT)
    assert exc.value.field == field
    assert rule in exc.value.rule


def test_the_parameters_round_trip_to_the_document() -> None:
    for rule in default_rule_document()["rules"]:
        check = ELIGIBILITY_CHECKS.parse(
            rule["check"], rule["params"], where="r", context=Context({}, {}, _classes())
        )
        assert check.params() == rule["params"], rule["id"]


def _classes() -> dict[str, object]:
    return dict(load_rule_set(default_rule_document()).drug_classes)


def test_a_new_check_kind_is_one_class() -> None:
    """A family of its own (a vital-sign alert, say) needs only its class and a registry."""
    alerts: CheckRegistry[EligibilityFacts] = CheckRegistry("test-alerts")

    @alerts.register
    @dataclass(frozen=True, slots=True)
    class SystolicBelow(Check[EligibilityFacts]):
        name = "systolic_below"
        summary = "A reading is below a floor."
        floor_mmhg: int = param("int", "Systolic floor", unit="mmHg", low=40, high=120)

        def text(self) -> str:
            return f"Systolic below {self.floor_mmhg} mmHg."

        def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
            low = [r for r in facts.bp_readings or () if r.systolic_mmhg < self.floor_mmhg]
            return Result.hit_if(bool(low), f"{len(low)} low readings")

    check = alerts.parse("systolic_below", {"floor_mmhg": 90}, where="alert", context=CONTEXT)
    facts = EligibilityFacts(bp_readings=(BloodPressureReading(85, 50),))
    assert check.evaluate(facts, CONTEXT).hits[0].detail == "1 low readings"
    assert check.text() == "Systolic below 90 mmHg."
    with pytest.raises(ValueError, match="registered twice"):
        alerts.register(SystolicBelow)
