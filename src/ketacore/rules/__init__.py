"""Eligibility rules for IV ketamine: a versioned rule set (data) and its evaluation.

Use :func:`default_rule_set` (or :func:`load_rule_set` for a clinic's edited
document), build :class:`EligibilityFacts` (or :func:`facts_from_dict` from
JSON) and call :func:`evaluate`. See docs/screening.md for the rules table, the
decision logic and the JSON formats.

References:
    Each rule's ``source`` in the rule set cites its publication as "Author Year
    [Key]" (e.g. Cohen et al. 2018 [Cohen2018]); the keys are listed in
    docs/references.md.
"""

from __future__ import annotations

from ketacore.rules._ruleset import (
    FACT_VALUES,
    DrugClass,
    EvidenceGrade,
    Rule,
    RuleSet,
    Severity,
    default_rule_document,
    default_rule_set,
    load_rule_set,
    rules_table,
)
from ketacore.rules.eligibility import (
    FACT_KEYS,
    BloodPressureReading,
    Decision,
    EligibilityDecision,
    EligibilityFacts,
    Finding,
    PriorTreatment,
    TreatmentClass,
    TreatmentOutcome,
    decision_to_dict,
    evaluate,
    facts_from_dict,
)
from ketacore.rules.facts import FACT_SOURCES, facts_to_dict, merge_facts

__all__ = [
    "FACT_KEYS",
    "FACT_SOURCES",
    "FACT_VALUES",
    "BloodPressureReading",
    "Decision",
    "DrugClass",
    "EligibilityDecision",
    "EligibilityFacts",
    "EvidenceGrade",
    "Finding",
    "PriorTreatment",
    "Rule",
    "RuleSet",
    "Severity",
    "TreatmentClass",
    "TreatmentOutcome",
    "decision_to_dict",
    "default_rule_document",
    "default_rule_set",
    "evaluate",
    "facts_from_dict",
    "facts_to_dict",
    "load_rule_set",
    "merge_facts",
    "rules_table",
]
