"""The intake questions and how answers become facts (no database)."""

from __future__ import annotations

import pytest

from ketacore import intake
from ketacore.errors import InputError
from ketacore.rules import (
    default_rule_set,
    evaluate,
    facts_from_dict,
    facts_to_dict,
    merge_facts,
)

#: Every treatment class answered, as the demo patient answers them.
ALL_TRIED = {
    "gabapentinoid": "inadequate_relief",
    "tca_snri": "not_tolerated",
    "opioid": "not_tried",
    "nsaid": "helped",
    "topical": "not_tried",
    "physical_therapy": "inadequate_relief",
    "interventional": "not_tried",
}


def test_it_names_the_question_and_the_rule_for_a_bad_answer() -> None:
    with pytest.raises(InputError) as exc:
        intake.clean_section(intake.HEALTH, {"hypertension": "sometimes"})
    assert exc.value.field == "health.hypertension"
    assert "none, controlled, uncontrolled, unsure" in exc.value.rule

    with pytest.raises(InputError) as exc:
        intake.clean_section(intake.PAIN, {"pain_duration_months": 1201})
    assert exc.value.field == "pain.pain_duration_months"

    with pytest.raises(InputError) as exc:
        intake.clean_section(intake.PAIN, {"favourite_colour": "blue"})
    assert exc.value.field == "pain.favourite_colour"

    with pytest.raises(InputError) as exc:
        intake.clean_section(
            intake.MEDICINES, {"medications": "pregabalin", "no_medications": "yes"}
        )
    assert exc.value.field == "medicines.no_medications"


def test_unanswered_and_unsure_leave_facts_unknown() -> None:
    answers = {
        "health": intake.clean_section(
            intake.HEALTH,
            {
                "hypertension": "unsure",
                "cardiac": "stable",
                "pregnant": "no",
                "liver_function": "yes",
            },
        )
    }
    facts = intake.reported_facts_json(answers)
    assert facts == {"cardiac": "stable", "pregnant": False}
    assert not intake.section_done(intake.HEALTH, answers["health"])


def test_prior_treatments_list_every_class_answered() -> None:
    done = intake.clean_section(intake.TREATMENTS, ALL_TRIED)
    facts = intake.reported_facts_json({"treatments": done})
    assert facts["prior_treatments"] == [
        {"treatment": "gabapentinoid", "outcome": "inadequate_relief"},
        {"treatment": "tca_snri", "outcome": "not_tolerated"},
        {"treatment": "nsaid", "outcome": "helped"},
        {"treatment": "physical_therapy", "outcome": "inadequate_relief"},
    ]
    facts_from_dict(facts)  # the format ketacore reads

    nothing = intake.clean_section(intake.TREATMENTS, dict.fromkeys(ALL_TRIED, "not_tried"))
    assert intake.reported_facts_json({"treatments": nothing})["prior_treatments"] == []


def _prior_treatments_finding(answers: dict[str, str]) -> str:
    """What the default rules make of the treatments answered: pass, ask or hit."""
    section = intake.clean_section(intake.TREATMENTS, answers)
    facts = facts_from_dict(intake.reported_facts_json({"treatments": section}))
    result = evaluate(facts, default_rule_set())
    ids = {f.id for f in result.findings}
    if "unknown.prior_treatments" in ids:
        return "ask"
    return "hit" if "indication.prior_treatments" in ids else "pass"


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # two classes failed: known, whatever the "not sure" classes (issue 10 item 5)
        (
            {"gabapentinoid": "inadequate_relief", "tca_snri": "not_tolerated", "opioid": "unsure"},
            "pass",
        ),
        ({**ALL_TRIED, "opioid": "unsure", "topical": "unsure"}, "pass"),
        # one failed and one not sure: the unsure class may count, so ask
        ({"gabapentinoid": "inadequate_relief", "opioid": "unsure"}, "ask"),
        # one failed, the others answered (not "not sure"), the rest not answered: ask
        ({"gabapentinoid": "inadequate_relief", "opioid": "helped"}, "ask"),
        # one failed, every class answered: too few
        ({**dict.fromkeys(ALL_TRIED, "not_tried"), "opioid": "inadequate_relief"}, "hit"),
        ({**dict.fromkeys(ALL_TRIED, "helped"), "opioid": "not_tolerated"}, "hit"),
    ],
)
def test_prior_treatments_are_counted_per_class(answers, expected) -> None:
    assert _prior_treatments_finding(answers) == expected


def test_medicines_none_is_a_known_empty_list_and_a_list_is_split_by_line() -> None:
    none = intake.clean_section(intake.MEDICINES, {"no_medications": "yes"})
    assert intake.reported_facts_json({"medicines": none}) == {"medications": []}
    listed = intake.clean_section(
        intake.MEDICINES, {"medications": "pregabalin 150 mg\n\n  sertraline 50 mg "}
    )
    assert listed == {"medications": ["pregabalin 150 mg", "sertraline 50 mg"]}
    assert intake.section_done(intake.MEDICINES, listed)
    assert not intake.section_done(intake.MEDICINES, {})


def test_a_clinician_overrides_the_patient_and_the_source_is_kept() -> None:
    typed, sources = merge_facts(
        facts_from_dict({"diagnoses": ["G90.521"], "sex": "female", "medications": ["Pregabalin"]}),
        facts_from_dict(
            {
                "hypertension": "none",
                "medications": ["pregabalin", "Sertraline"],
                "bp_readings": [{"systolic_mmhg": 200, "diastolic_mmhg": 90}],
            }
        ),
        facts_from_dict(
            {
                "hypertension": "controlled",
                "bp_readings": [{"systolic_mmhg": 130, "diastolic_mmhg": 80}],
            }
        ),
    )
    facts = facts_to_dict(typed)
    assert facts["hypertension"] == "controlled"
    assert sources["hypertension"] == "clinician"
    assert facts["medications"] == ["Pregabalin", "Sertraline"]  # union, case-insensitive
    assert sources["medications"] == "chart + patient"
    # Only clinicians record blood pressure.
    assert facts["bp_readings"] == [{"systolic_mmhg": 130, "diastolic_mmhg": 80}]
    assert sources["diagnoses"] == "chart"


def test_the_typed_facts_are_those_of_the_json() -> None:
    answers = {"treatments": intake.clean_section(intake.TREATMENTS, ALL_TRIED)}
    typed = intake.reported_facts(answers)
    assert facts_to_dict(typed) == intake.reported_facts_json(answers)
    assert typed.prior_treatments is not None
    assert len(typed.prior_treatments) == 4
