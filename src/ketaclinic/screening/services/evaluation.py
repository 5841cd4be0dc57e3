"""Evaluating a screening: facts from the chart, the patient and clinicians, through the rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from ketaclinic.patients.models import Condition, EntryStatus, Medication, Patient
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind, PolicyVersion
from ketaclinic.screening.models import Screening
from ketaclinic.screening.services.intake import answers_of
from ketacore import intake
from ketacore.errors import InputError
from ketacore.questionnaires import is_instrument
from ketacore.rules import EligibilityDecision, RuleSet, decision_to_dict, evaluate, facts_from_dict

__all__ = ["Evaluation", "chart_facts", "eligibility_rules", "evaluate_screening", "rules_of"]


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


def chart_facts(patient: Patient) -> dict[str, Any]:
    """Facts the chart already holds: diagnoses, recorded sex, medications, pain onset."""
    facts: dict[str, Any] = {}
    codes = list(
        Condition.objects.filter(patient=patient, status=EntryStatus.ACTIVE)
        .exclude(icd10_code="")
        .order_by("pk")
        .values_list("icd10_code", flat=True)
    )
    if codes:
        facts["diagnoses"] = codes
    if patient.sex in ("female", "male", "other"):
        facts["sex"] = patient.sex
    meds = list(
        Medication.objects.filter(patient=patient, status=EntryStatus.ACTIVE)
        .order_by("pk")
        .values_list("name", flat=True)
    )
    if meds:
        facts["medications"] = meds
    if patient.pain_onset_date is not None:
        facts["pain_duration_months"] = _months_between(
            patient.pain_onset_date, timezone.localdate()
        )
    return facts


@dataclass(frozen=True)
class Evaluation:
    """What the screening page shows: facts with their sources and the rules' result."""

    facts: dict[str, Any]
    sources: dict[str, str]
    rule_set: PolicyVersion
    result: EligibilityDecision | None
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return decision_to_dict(self.result) if self.result else {}


def evaluate_screening(screening: Screening, rule_set: PolicyVersion | None = None) -> Evaluation:
    """Gather the facts from chart, patient and clinicians and run the rule set in force."""
    patient = screening.patient
    rule_set = rule_set or eligibility_rules(patient)
    answers = answers_of(screening)
    sections = {q: r.answers for q, r in answers.items() if q in intake.FACT_SECTIONS}
    facts, sources = intake.merge_facts(
        chart_facts(patient), intake.reported_facts(sections), screening.clinician_facts
    )
    done = [r for q, r in answers.items() if is_instrument(q) and r.score is not None]
    if done:
        facts["instruments"] = [
            {"instrument": r.questionnaire, "answers": r.answers, "options": r.options}
            for r in done
        ]
        sources["instruments"] = ", ".join(sorted({r.get_entered_via_display() for r in done}))
    try:
        result = evaluate(facts_from_dict(facts), rules_of(rule_set))
    except InputError as exc:
        return Evaluation(facts, sources, rule_set, None, f"{exc.field}: {exc.rule}")
    return Evaluation(facts, sources, rule_set, result)
