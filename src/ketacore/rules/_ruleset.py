"""Rule sets as validated data: the clinic edits and versions them, the core checks them.

A rule set is a JSON document (see ``data/default_eligibility.json`` and
docs/screening.md). Each rule names one *check* of
:data:`~ketacore.rules.eligibility_checks.ELIGIBILITY_CHECKS` and gives its
parameters, severity, message and source as data, so a clinic can change
thresholds, severities and wording, add rules over any recorded fact, and bump
the version without touching code. The rule's text is generated from the check
and its parameters, never typed: text and threshold cannot disagree. A
document that breaks any rule of the format is refused with an
:class:`~ketacore.errors.InputError` naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from types import MappingProxyType
from typing import Any

from ketacore.errors import InputError
from ketacore.icd10 import ConditionGroup
from ketacore.rules.checks import Check, Context
from ketacore.rules.eligibility_checks import ELIGIBILITY_CHECKS
from ketacore.rules.facts import FACT_VALUES, EligibilityFacts

__all__ = [
    "FACT_VALUES",
    "SCHEMA",
    "DrugClass",
    "EvidenceGrade",
    "Rule",
    "RuleSet",
    "Severity",
    "default_rule_document",
    "default_rule_set",
    "load_rule_set",
    "rules_table",
]

#: The document format this code reads.
SCHEMA = "ketaclinic.eligibility-rules/1"


class Severity(StrEnum):
    """What a finding does to the decision (see ``eligibility.Decision``)."""

    EXCLUDE = "exclude"
    SPECIALIST = "specialist"
    REVIEW = "review"
    PRECAUTION = "precaution"
    INFO = "info"


_TOP_KEYS = {
    "schema",
    "id",
    "version",
    "description",
    "approved_by",
    "evidence_grades",
    "drug_classes",
    "rules",
}
_RULE_KEYS = {
    "id",
    "check",
    "params",
    "severity",
    "on_unknown",
    "safety",
    "clinic_decision",
    "message",
    "source",
}
#: Accepted and ignored: documents written before rule texts were generated.
_LEGACY_RULE_KEYS = {"rule_text"}


@dataclass(frozen=True, slots=True)
class EvidenceGrade:
    """The guideline's evidence grade for one condition group."""

    group: str
    grade: str
    note: str
    source: str


@dataclass(frozen=True, slots=True)
class DrugClass:
    """Generic names (lower-case) that belong to one interaction class."""

    name: str
    names: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: a typed check with its parameters, and what a finding means.

    Attributes:
        id: Stable rule id, e.g. ``"safety.pregnancy"``; findings carry it.
        check: The check with its parameters (a class of ``ELIGIBILITY_CHECKS``).
        severity: What a finding does to the decision.
        on_unknown: ``"ask"``: a missing fact this rule needs is an "unknown - ask"
            finding that keeps the decision from "candidate"; ``"ignore"``: it is not.
        safety: Safety-relevant rules must use ``on_unknown = "ask"``.
        clinic_decision: True where the value is the clinic's choice, not a
            guideline's (a physician must approve it).
        message: Plain words for the clinician.
        source: Citation as "Author Year [Key]" (keys in docs/references.md), or
            "clinic decision (configurable)" where no publication sets the value.
    """

    id: str
    check: Check[EligibilityFacts]
    severity: Severity
    on_unknown: str
    safety: bool
    clinic_decision: bool
    message: str
    source: str

    @property
    def check_name(self) -> str:
        return self.check.name

    @property
    def params(self) -> dict[str, Any]:
        return self.check.params()

    @property
    def rule_text(self) -> str:
        """The condition, exactly, generated from the check's parameters."""
        return self.check.text()


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A validated, versioned rule set.

    Attributes:
        id: Rule-set id, e.g. ``"ketaclinic-default"``.
        version: Version string; every decision stores it.
        description: What the rule set is for.
        approved_by: Who approved it for clinical use, or None (not yet approved).
        evidence_grades: Condition group -> grade.
        drug_classes: Class name -> generic names.
        rules: The rules, in document order.
    """

    id: str
    version: str
    description: str
    approved_by: str | None
    evidence_grades: Mapping[str, EvidenceGrade]
    drug_classes: Mapping[str, DrugClass]
    rules: tuple[Rule, ...]

    @property
    def context(self) -> Context:
        """What the checks consult beyond their own parameters."""
        return Context({}, self.evidence_grades, self.drug_classes)


def _require(cond: bool, field: str, rule: str) -> None:
    if not cond:
        raise InputError(field, rule)


def _text(data: Mapping[str, Any], key: str, where: str, *, empty_ok: bool = False) -> str:
    value = data.get(key)
    ok = isinstance(value, str) and (empty_ok or value.strip() != "")
    _require(ok, f"{where}.{key}" if where else key, "must be a non-empty string")
    assert isinstance(value, str)
    return value


def _str_list(value: object, field: str) -> list[str]:
    _require(isinstance(value, list) and len(value) > 0, field, "must be a non-empty list")
    assert isinstance(value, list)
    for i, v in enumerate(value):
        _require(isinstance(v, str) and v != "", f"{field}[{i}]", "must be a non-empty string")
    return value


def _keys(entry: Mapping[str, Any], field: str, allowed: set[str]) -> None:
    for key in entry:
        _require(
            key in allowed,
            f"{field}.{key}",
            f"is not allowed here; allowed: {', '.join(sorted(allowed))}",
        )
    for key in sorted(allowed):
        _require(key in entry, f"{field}.{key}", "is required")


def _evidence_grades(raw: object) -> dict[str, EvidenceGrade]:
    _require(isinstance(raw, dict), "evidence_grades", "must be an object")
    assert isinstance(raw, dict)
    groups = {g.value for g in ConditionGroup}
    grades: dict[str, EvidenceGrade] = {}
    for group, entry in raw.items():
        where = f"evidence_grades.{group}"
        _require(group in groups, where, f"must be a condition group: {', '.join(sorted(groups))}")
        _require(isinstance(entry, dict), where, "must be an object")
        _keys(entry, where, {"grade", "note", "source"})
        grades[group] = EvidenceGrade(
            group,
            _text(entry, "grade", where),
            _text(entry, "note", where),
            _text(entry, "source", where),
        )
    return grades


def _drug_classes(raw: object) -> dict[str, DrugClass]:
    _require(isinstance(raw, dict), "drug_classes", "must be an object")
    assert isinstance(raw, dict)
    classes: dict[str, DrugClass] = {}
    for name, entry in raw.items():
        where = f"drug_classes.{name}"
        _require(isinstance(entry, dict), where, "must be an object")
        _keys(entry, where, {"names", "source"})
        names = _str_list(entry["names"], f"{where}.names")
        for i, n in enumerate(names):
            _require(
                n == n.strip().lower(), f"{where}.names[{i}]", "must be a lower-case generic name"
            )
        classes[name] = DrugClass(name, tuple(names), _text(entry, "source", where))
    return classes


def _rule(raw: object, where: str, context: Context) -> Rule:
    _require(isinstance(raw, dict), where, "must be an object")
    assert isinstance(raw, dict)
    for key in raw:
        _require(
            key in _RULE_KEYS | _LEGACY_RULE_KEYS,
            f"{where}.{key}",
            f"is not a rule field; allowed: {', '.join(sorted(_RULE_KEYS))}",
        )
    for key in sorted(_RULE_KEYS):
        _require(key in raw, f"{where}.{key}", "is required")
    check = ELIGIBILITY_CHECKS.parse(raw["check"], raw["params"], where=where, context=context)
    severities = [s.value for s in Severity]
    _require(
        raw["severity"] in severities,
        f"{where}.severity",
        f"must be one of: {', '.join(severities)}",
    )
    _require(
        raw["on_unknown"] in ("ask", "ignore"), f"{where}.on_unknown", "must be 'ask' or 'ignore'"
    )
    for flag in ("safety", "clinic_decision"):
        _require(isinstance(raw[flag], bool), f"{where}.{flag}", "must be true or false")
    _require(
        not (raw["safety"] and raw["on_unknown"] != "ask"),
        f"{where}.on_unknown",
        "must be 'ask' for a safety rule: an unknown safety fact is never passed silently",
    )
    return Rule(
        id=_text(raw, "id", where),
        check=check,
        severity=Severity(raw["severity"]),
        on_unknown=raw["on_unknown"],
        safety=raw["safety"],
        clinic_decision=raw["clinic_decision"],
        message=_text(raw, "message", where),
        source=_text(raw, "source", where),
    )


def load_rule_set(document: Mapping[str, Any]) -> RuleSet:
    """Validate a rule-set document strictly and return it as a :class:`RuleSet`.

    Args:
        document: The parsed JSON document (format in docs/screening.md).

    Returns:
        The validated, immutable rule set.

    Raises:
        InputError: Naming the first field that breaks the format, e.g.
            ``rules[6].params.systolic_above_mmhg: must be an integer from 60 to 300``.
    """
    _require(isinstance(document, Mapping), "rule_set", "must be a JSON object")
    for key in document:
        _require(
            key in _TOP_KEYS,
            key,
            f"is not a rule-set field; allowed: {', '.join(sorted(_TOP_KEYS))}",
        )
    _require(document.get("schema") == SCHEMA, "schema", f"must be {SCHEMA!r}")
    rs_id = _text(document, "id", "")
    version = _text(document, "version", "")
    description = _text(document, "description", "")
    approved = document.get("approved_by")
    _require(
        approved is None or (isinstance(approved, str) and approved.strip() != ""),
        "approved_by",
        "must be null or a non-empty string",
    )

    grades = _evidence_grades(document.get("evidence_grades"))
    classes = _drug_classes(document.get("drug_classes"))
    context = Context(document, grades, classes)
    rules_raw = document.get("rules")
    _require(
        isinstance(rules_raw, list) and len(rules_raw) > 0, "rules", "must be a non-empty list"
    )
    assert isinstance(rules_raw, list)
    rules: list[Rule] = []
    for i, raw in enumerate(rules_raw):
        rule = _rule(raw, f"rules[{i}]", context)
        _require(
            rule.id not in {r.id for r in rules},
            f"rules[{i}].id",
            f"duplicates rule id {rule.id!r}",
        )
        rules.append(rule)
    return RuleSet(
        id=rs_id,
        version=version,
        description=description,
        approved_by=approved if isinstance(approved, str) else None,
        evidence_grades=MappingProxyType(grades),
        drug_classes=MappingProxyType(classes),
        rules=tuple(rules),
    )


def default_rule_document() -> dict[str, Any]:
    """Return the default rule-set document (JSON data) shipped as package data.

    A clinic edits a copy of this and publishes it as a new version.
    """
    text = (
        resources.files("ketacore.rules")
        .joinpath("data/default_eligibility.json")
        .read_text(encoding="utf-8")
    )
    document: dict[str, Any] = json.loads(text)
    return document


def default_rule_set() -> RuleSet:
    """Return the default rule set shipped as package data.

    Returns:
        The validated rule set from ``ketacore/rules/data/default_eligibility.json``.

    References:
        Every rule's ``source`` field (publications cited by key; docs/references.md).
    """
    return load_rule_set(default_rule_document())


def rules_table(rule_set: RuleSet) -> str:
    """The rule set as the Markdown table of docs/screening.md §2 (a test keeps it true)."""
    lines = [
        "| Rule id | Condition (generated from the parameters) | Check | Severity "
        "| Unknown fact | Clinic decision | Source |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in rule_set.rules:
        params = json.dumps(rule.params, ensure_ascii=False) if rule.params else ""
        check = f"`{rule.check_name}` {params}".strip()
        cells = (
            f"`{rule.id}`",
            rule.rule_text,
            check,
            rule.severity.value,
            rule.on_unknown,
            "yes" if rule.clinic_decision else "no",
            rule.source,
        )
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
