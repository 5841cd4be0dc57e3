"""Evaluating a screening: facts from the chart, the patient and clinicians, through the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ketaclinic.lib import clock
from ketaclinic.patients.converters import latest_weight
from ketaclinic.patients.models import Condition, EntryStatus, Medication, Patient
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind, PolicyVersion
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.screening.models import Screening
from ketaclinic.screening.services.intake import answers_of
from ketacore import intake
from ketacore.errors import InputError
from ketacore.icd10 import normalise_icd10
from ketacore.questionnaires import is_instrument
from ketacore.rules import (
    EligibilityDecision,
    EligibilityFacts,
    RuleSet,
    decision_to_dict,
    evaluate,
    facts_from_dict,
    facts_to_dict,
    merge_facts,
)
from ketacore.rules.facts import completed_years
from ketacore.scoring import ScoreResult, get_instrument

__all__ = [
    "Evaluation",
    "chart_facts",
    "eligibility_rules",
    "evaluate_screening",
    "instrument_results",
    "reported_facts",
    "rules_of",
]


def eligibility_rules(patient: Patient) -> PolicyVersion:
    """The eligibility policy version in force at the patient's clinic (reads only)."""
    return policies.in_force(patient.clinic, PolicyKind.ELIGIBILITY)


def rules_of(version: PolicyVersion) -> RuleSet:
    """The validated rule set of an eligibility policy version."""
    rule_set: RuleSet = policies.loaded(version)
    return rule_set


def _months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(0, months - (1 if end.day < start.day else 0))


def chart_facts(patient: Patient, *, on: dt.date | None = None) -> EligibilityFacts:
    """Facts the chart already holds: diagnoses, recorded sex, medications, pain onset,
    date of birth (so the age on ``on``), and the latest dated weight.

    A typed converter at the edge of the core: ORM rows in, ``EligibilityFacts`` out.

    Raises:
        InputError: On ``diagnoses`` for a stored code that is not in the ICD-10-CM
            release in use (the chart must be corrected).
    """
    today = on or clock.today()
    codes = tuple(
        normalise_icd10(code, field="diagnoses")
        for code in Condition.objects.filter(patient=patient, status=EntryStatus.ACTIVE)
        .exclude(icd10_code="")
        .order_by("pk")
        .values_list("icd10_code", flat=True)
    )
    meds = tuple(
        Medication.objects.filter(patient=patient, status=EntryStatus.ACTIVE)
        .order_by("pk")
        .values_list("name", flat=True)
    )
    onset = patient.pain_onset_date
    born = patient.date_of_birth
    weight = latest_weight(patient, on=today)
    kg = weight.weight_kg if weight is not None else None
    return EligibilityFacts(
        diagnoses=codes or None,
        sex=patient.sex if patient.sex in ("female", "male", "other") else None,
        medications=meds or None,
        pain_duration_months=(float(_months_between(onset, today)) if onset is not None else None),
        date_of_birth=born,
        age_years=completed_years(born, today) if born is not None and born <= today else None,
        weight_kg=float(kg) if kg is not None else None,
        weight_measured_on=weight.measured_on if weight is not None and kg is not None else None,
        assessed_on=today,
    )


def reported_facts(answers: Mapping[str, QuestionnaireResponse]) -> EligibilityFacts:
    """Facts the patient reported in the intake's question sections."""
    sections = {q: r.answers for q, r in answers.items() if q in intake.FACT_SECTIONS}
    return intake.reported_facts(sections)


def instrument_results(answers: Mapping[str, QuestionnaireResponse]) -> tuple[ScoreResult, ...]:
    """The complete instruments, scored by ``ketacore`` from their stored answers."""
    return tuple(
        get_instrument(q).score(r.answers, r.options)
        for q, r in answers.items()
        if is_instrument(q) and r.complete
    )


@dataclass(frozen=True)
class Evaluation:
    """What the screening page shows: facts with their sources and the rules' result.

    ``facts`` is the documented JSON of the typed facts (for the page and for
    the signed record); the rules ran on the typed facts themselves.
    """

    facts: dict[str, Any]
    sources: dict[str, str]
    rule_set: PolicyVersion
    result: EligibilityDecision | None
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return decision_to_dict(self.result) if self.result else {}


def evaluate_screening(
    screening: Screening, rule_set: PolicyVersion | None = None, *, on: dt.date | None = None
) -> Evaluation:
    """Gather the facts from chart, patient and clinicians and run the rule set in force.

    ``on``: the day the facts are assessed on (default today): age, pain
    duration and how old a blood-pressure reading is are counted to it.
    """
    patient = screening.patient
    rule_set = rule_set or eligibility_rules(patient)
    answers = answers_of(screening)
    try:
        clinician = facts_from_dict(screening.clinician_facts)
        facts, sources = merge_facts(
            chart_facts(patient, on=on), reported_facts(answers), clinician
        )
        scored = instrument_results(answers)
    except InputError as exc:  # a stored value the current code no longer accepts
        return Evaluation({}, {}, rule_set, None, f"{exc.field}: {exc.rule}")
    if scored:
        facts = replace(facts, instrument_results=scored)
        channels = {answers[r.instrument].get_entered_via_display() for r in scored}
        sources["instruments"] = ", ".join(sorted(channels))
    result = evaluate(facts, rules_of(rule_set))
    return Evaluation(facts_to_dict(facts), sources, rule_set, result)
