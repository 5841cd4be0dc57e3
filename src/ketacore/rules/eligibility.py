"""Eligibility for IV ketamine: facts in, a decision with every finding out.

:class:`EligibilityFacts` holds what the clinic knows about a patient. Every
field is optional: ``None`` means *unknown*, and an unknown fact that a rule
needs is reported as an "unknown - ask" finding instead of being guessed.
:func:`evaluate` applies a :class:`~ketacore.rules.RuleSet` (data, versioned)
and returns an :class:`EligibilityDecision` that names the rule-set version.

Decision order, most to least restrictive::

    not_a_candidate > needs_specialist_clearance > incomplete
        > candidate_with_precautions > candidate

* ``exclude`` findings give ``not_a_candidate``;
* ``specialist`` findings give ``needs_specialist_clearance``;
* an unknown fact that a rule asks for, or a contradiction (``review``), gives
  ``incomplete``: the decision is never ``candidate`` or
  ``candidate_with_precautions`` while a needed fact is unknown or contradictory;
* ``precaution`` findings give ``candidate_with_precautions``;
* otherwise ``candidate``.

Unknowns are listed in every decision, even when a more restrictive finding
already decides it, so the clinic still knows what to ask.

References:
    Cohen SP et al. (2018), Reg Anesth Pain Med 43(5):521-546 [Cohen2018]
    (evidence grades, contraindications); blood pressure and interactions: each
    rule's source in the rule set. Full entries in docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ketacore.rules._ruleset import RuleSet, Severity
from ketacore.rules.facts import (
    FACT_KEYS,
    QUESTIONS,
    BloodPressureReading,
    EligibilityFacts,
    PriorTreatment,
    TreatmentClass,
    TreatmentOutcome,
    facts_from_dict,
)

__all__ = [
    "FACT_KEYS",
    "QUESTIONS",
    "BloodPressureReading",
    "Decision",
    "EligibilityDecision",
    "EligibilityFacts",
    "Finding",
    "PriorTreatment",
    "TreatmentClass",
    "TreatmentOutcome",
    "decision_to_dict",
    "evaluate",
    "facts_from_dict",
]


class Decision(StrEnum):
    """The screening decision, most restrictive first (see the module docstring)."""

    NOT_A_CANDIDATE = "not_a_candidate"
    NEEDS_SPECIALIST_CLEARANCE = "needs_specialist_clearance"
    INCOMPLETE = "incomplete"
    CANDIDATE_WITH_PRECAUTIONS = "candidate_with_precautions"
    CANDIDATE = "candidate"


_RANK: Mapping[Decision, int] = {d: i for i, d in enumerate(reversed(list(Decision)))}
_FROM_SEVERITY: Mapping[str, Decision] = {
    Severity.EXCLUDE: Decision.NOT_A_CANDIDATE,
    Severity.SPECIALIST: Decision.NEEDS_SPECIALIST_CLEARANCE,
    Severity.REVIEW: Decision.INCOMPLETE,
    "unknown": Decision.INCOMPLETE,
    Severity.PRECAUTION: Decision.CANDIDATE_WITH_PRECAUTIONS,
    Severity.INFO: Decision.CANDIDATE,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason behind a decision.

    Attributes:
        id: The rule id, or ``unknown.<fact>`` for a fact that must be asked.
        severity: ``exclude``, ``specialist``, ``review``, ``unknown``,
            ``precaution`` or ``info``.
        message: Plain words for the clinician.
        rule: The rule's condition, stated exactly.
        source: Citation.
        detail: The patient's values that triggered it (e.g. ``"190/95 mmHg"``).
        evidence_grade: The evidence grade for the patient's condition, where relevant.
        clinic_decision: True when the threshold is the clinic's choice, not a guideline's.
    """

    id: str
    severity: str
    message: str
    rule: str
    source: str
    detail: str = ""
    evidence_grade: str | None = None
    clinic_decision: bool = False


@dataclass(frozen=True, slots=True)
class EligibilityDecision:
    """The decision and everything that led to it.

    Attributes:
        decision: The most restrictive outcome of the findings.
        findings: Every finding, most restrictive first.
        unknowns: Facts that must be asked before the decision is complete.
        rule_set_id: The rule set used.
        rule_set_version: Its version (store it with the decision).
        rule_set_approved_by: Who approved the rule set, or None.
        evidence_grades: Evidence grades of the diagnosed conditions (also in findings).
    """

    decision: Decision
    findings: tuple[Finding, ...]
    unknowns: tuple[str, ...]
    rule_set_id: str
    rule_set_version: str
    rule_set_approved_by: str | None = None
    evidence_grades: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when no needed fact is unknown and nothing awaits review."""
        return not self.unknowns and all(f.severity != "review" for f in self.findings)


def evaluate(facts: EligibilityFacts, rule_set: RuleSet) -> EligibilityDecision:
    """Apply ``rule_set`` to ``facts`` and return the decision with all findings.

    Args:
        facts: What is known; ``None`` fields are unknown.
        rule_set: A validated rule set (see :func:`~ketacore.rules.default_rule_set`).

    Returns:
        The decision, every finding (most restrictive first), the facts to ask
        for, and the rule-set id and version that produced it.

    References:
        Each rule's source in the rule set (e.g. Cohen et al. 2018 [Cohen2018]);
        docs/references.md.
    """
    findings: list[Finding] = []
    asked: dict[str, list[str]] = {}
    context = rule_set.context
    for rule in rule_set.rules:
        result = rule.check.evaluate(facts, context)
        text = rule.rule_text
        for hit in result.hits:
            findings.append(
                Finding(
                    id=rule.id,
                    severity=rule.severity.value,
                    message=rule.message,
                    rule=text,
                    source=rule.source,
                    detail=hit.detail,
                    evidence_grade=hit.evidence_grade,
                    clinic_decision=rule.clinic_decision,
                )
            )
        if rule.on_unknown == "ask":
            for fact in result.unknown:
                asked.setdefault(fact, []).append(rule.message)
    for fact, needed_by in asked.items():
        findings.append(
            Finding(
                id=f"unknown.{fact}",
                severity="unknown",
                message=f"Unknown - ask: {QUESTIONS[fact]}",
                rule=f"Needed by: {'; '.join(dict.fromkeys(needed_by))}",
                source="ketaclinic: a fact a rule needs is asked, never guessed",
            )
        )
    decision = max(
        (_FROM_SEVERITY[f.severity] for f in findings),
        key=lambda d: _RANK[d],
        default=Decision.CANDIDATE,
    )
    order = {
        s: i
        for i, s in enumerate(("exclude", "specialist", "review", "unknown", "precaution", "info"))
    }
    findings.sort(key=lambda f: (order[f.severity], f.id))
    grades = tuple(f.evidence_grade for f in findings if f.evidence_grade is not None)
    return EligibilityDecision(
        decision=decision,
        findings=tuple(findings),
        unknowns=tuple(asked),
        rule_set_id=rule_set.id,
        rule_set_version=rule_set.version,
        rule_set_approved_by=rule_set.approved_by,
        evidence_grades=grades,
    )


def decision_to_dict(decision: EligibilityDecision) -> dict[str, Any]:
    """Return ``decision`` as the documented JSON of ``ketaclinic screen`` (docs/screening.md)."""
    return {
        "decision": decision.decision.value,
        "complete": decision.complete,
        "rule_set": {
            "id": decision.rule_set_id,
            "version": decision.rule_set_version,
            "approved_by": decision.rule_set_approved_by,
        },
        "unknowns": list(decision.unknowns),
        "findings": [
            {
                "id": f.id,
                "severity": f.severity,
                "message": f.message,
                "rule": f.rule,
                "source": f.source,
                "detail": f.detail,
                "evidence_grade": f.evidence_grade,
                "clinic_decision": f.clinic_decision,
            }
            for f in decision.findings
        ],
    }
