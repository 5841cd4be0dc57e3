"""Rule sets as validated data: the clinic edits and versions them, the core checks them.

A rule set is a JSON document (see ``data/default_eligibility.json`` and
docs/screening.md). Each rule names one *check* implemented in code (for
example ``fact_in`` or ``bp_above``) and gives its parameters, severity,
message, rule text and source as data, so a clinic can change thresholds,
severities and wording, add rules over any recorded fact, and bump the version
without touching code. A document that breaks any rule of the format is refused
with an :class:`~ketacore.errors.InputError` naming the field.

References:
    shared/reference/clinical-facts.md (every rule's ``source`` cites it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from types import MappingProxyType
from typing import Any

from ketacore.errors import InputError
from ketacore.icd10 import ConditionGroup

__all__ = [
    "CHECKS",
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


#: Facts a ``fact_in``-style check may test, with the values each can take.
FACT_VALUES: Mapping[str, tuple[object, ...]] = MappingProxyType(
    {
        "sex": ("female", "male", "other"),
        "hypertension": ("none", "controlled", "uncontrolled"),
        "cardiac": ("none", "stable", "unstable"),
        "psychosis": ("none", "past", "current"),
        "liver_function": ("normal", "mild", "moderate", "severe"),
        "pregnant": (True, False),
        "breastfeeding": (True, False),
        "active_substance_use": (True, False),
        "raised_icp": (True, False),
        "raised_iop": (True, False),
    }
)

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
    "rule_text",
    "source",
}


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
    """One rule: a named check, its parameters, and what a finding means.

    Attributes:
        id: Stable rule id, e.g. ``"safety.pregnancy"``; findings carry it.
        check: Name of the check implemented in code (see :data:`CHECKS`).
        params: The check's parameters (thresholds, values), validated per check.
        severity: What a finding does to the decision.
        on_unknown: ``"ask"``: a missing fact this rule needs is an "unknown - ask"
            finding that keeps the decision from "candidate"; ``"ignore"``: it is not.
        safety: Safety-relevant rules must use ``on_unknown = "ask"``.
        clinic_decision: True where the value is the clinic's choice, not a
            guideline's (a physician must approve it).
        message: Plain words for the clinician.
        rule_text: The condition, stated exactly.
        source: Citation (clinical-facts.md section and S-numbers).
    """

    id: str
    check: str
    params: Mapping[str, Any]
    severity: Severity
    on_unknown: str
    safety: bool
    clinic_decision: bool
    message: str
    rule_text: str
    source: str


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


def _require(cond: bool, field: str, rule: str) -> None:
    if not cond:
        raise InputError(field, rule)


def _text(data: Mapping[str, Any], key: str, where: str, *, empty_ok: bool = False) -> str:
    value = data.get(key)
    ok = isinstance(value, str) and (empty_ok or value.strip() != "")
    _require(ok, f"{where}.{key}" if where else key, "must be a non-empty string")
    assert isinstance(value, str)
    return value


def _str_list(value: object, field: str, *, allowed: Sequence[object] | None = None) -> list[Any]:
    _require(isinstance(value, list) and len(value) > 0, field, "must be a non-empty list")
    assert isinstance(value, list)
    for i, v in enumerate(value):
        if allowed is None:
            _require(isinstance(v, str) and v != "", f"{field}[{i}]", "must be a non-empty string")
        else:
            ok = any(type(v) is type(a) and v == a for a in allowed)
            choices = ", ".join(json.dumps(a) for a in allowed)
            _require(ok, f"{field}[{i}]", f"must be one of: {choices}")
    return value


def _keys(params: Mapping[str, Any], field: str, required: set[str], optional: set[str]) -> None:
    for key in params:
        _require(
            key in required | optional,
            f"{field}.{key}",
            f"is not a parameter of this check; allowed: {', '.join(sorted(required | optional))}",
        )
    for key in sorted(required):
        _require(key in params, f"{field}.{key}", "is required")


def _fact_values(params: Mapping[str, Any], field: str) -> None:
    fact = params.get("fact")
    _require(
        fact in FACT_VALUES,
        f"{field}.fact",
        f"must be one of: {', '.join(FACT_VALUES)}",
    )
    assert isinstance(fact, str)
    _str_list(params.get("values"), f"{field}.values", allowed=FACT_VALUES[fact])


def _positive_int(value: object, field: str, low: int, high: int) -> None:
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    _require(ok, field, f"must be an integer from {low} to {high}")


def _check_fact_in(p: Mapping[str, Any], f: str, rs: Mapping[str, Any]) -> None:
    _keys(p, f, {"fact", "values"}, {"skip_when"})
    _fact_values(p, f)
    if "skip_when" in p:
        skip = p["skip_when"]
        _require(isinstance(skip, dict), f"{f}.skip_when", "must be an object")
        _keys(skip, f"{f}.skip_when", {"fact", "values"}, set())
        _fact_values(skip, f"{f}.skip_when")


def _check_none(p: Mapping[str, Any], f: str, rs: Mapping[str, Any]) -> None:
    _keys(p, f, set(), set())


def _check_duration(p: Mapping[str, Any], f: str, rs: Mapping[str, Any]) -> None:
    _keys(p, f, {"min_months"}, set())
    _positive_int(p["min_months"], f"{f}.min_months", 0, 120)


def _check_bp(p: Mapping[str, Any], f: str, rs: Mapping[str, Any]) -> None:
    _keys(p, f, {"systolic_above_mmhg", "diastolic_above_mmhg"}, set())
    _positive_int(p["systolic_above_mmhg"], f"{f}.systolic_above_mmhg", 60, 300)
    _positive_int(p["diastolic_above_mmhg"], f"{f}.diastolic_above_mmhg", 30, 200)


def _check_screen(p: Mapping[str, Any], f: str, rs: Mapping[str, Any]) -> None:
    from ketacore.scoring import INSTRUMENTS

    _keys(p, f, {"instruments", "positive_bands"}, set())
    _str_list(p["instruments"], f"{f}.instruments", allowed=tuple(INSTRUMENTS))
    _str_list(p["positive_bands"], f"{f}.positive_bands")


def _check_prior(p: Mapping[str, Any], f: str, rs: Mapping[str, Any]) -> None:
    from ketacore.rules.eligibility import TreatmentOutcome

    _keys(p, f, {"min_classes", "failure_outcomes"}, set())
    _positive_int(p["min_classes"], f"{f}.min_classes", 0, 7)
    _str_list(
        p["failure_outcomes"],
        f"{f}.failure_outcomes",
        allowed=tuple(o.value for o in TreatmentOutcome),
    )


def _check_flag(p: Mapping[str, Any], f: str, rs: Mapping[str, Any]) -> None:
    from ketacore.scoring import INSTRUMENTS

    _keys(p, f, {"instrument", "flag", "ask_if_missing"}, set())
    _require(p["instrument"] in INSTRUMENTS, f"{f}.instrument", "must be a known instrument id")
    _require(isinstance(p["flag"], str) and p["flag"] != "", f"{f}.flag", "must be a flag id")
    _require(isinstance(p["ask_if_missing"], bool), f"{f}.ask_if_missing", "must be true or false")


def _check_med_class(p: Mapping[str, Any], f: str, rs: Mapping[str, Any]) -> None:
    _keys(p, f, {"drug_class"}, set())
    classes = rs.get("drug_classes") or {}
    _require(
        p["drug_class"] in classes,
        f"{f}.drug_class",
        f"must name a class in drug_classes: {', '.join(sorted(classes))}",
    )


def _check_contra_sex(p: Mapping[str, Any], f: str, rs: Mapping[str, Any]) -> None:
    _keys(p, f, {"fact", "values", "sexes"}, set())
    _fact_values(p, f)
    _str_list(p["sexes"], f"{f}.sexes", allowed=FACT_VALUES["sex"])


def _check_contra_dx(p: Mapping[str, Any], f: str, rs: Mapping[str, Any]) -> None:
    _keys(p, f, {"code_prefixes", "fact", "values"}, set())
    _str_list(p["code_prefixes"], f"{f}.code_prefixes")
    _fact_values(p, f)


#: Check name -> parameter validator. The checks themselves are in ``eligibility``.
CHECKS: Mapping[str, Any] = MappingProxyType(
    {
        "fact_in": _check_fact_in,
        "diagnosis_not_neuropathic": _check_none,
        "evidence_grade": _check_none,
        "duration_below": _check_duration,
        "bp_above": _check_bp,
        "screen_negative": _check_screen,
        "prior_treatments_insufficient": _check_prior,
        "instrument_flag": _check_flag,
        "medication_class": _check_med_class,
        "medications_unmatched": _check_none,
        "contradiction_sex": _check_contra_sex,
        "contradiction_diagnosis": _check_contra_dx,
    }
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

    grades_raw = document.get("evidence_grades")
    _require(isinstance(grades_raw, dict), "evidence_grades", "must be an object")
    assert isinstance(grades_raw, dict)
    groups = {g.value for g in ConditionGroup}
    grades: dict[str, EvidenceGrade] = {}
    for group, entry in grades_raw.items():
        where = f"evidence_grades.{group}"
        _require(group in groups, where, f"must be a condition group: {', '.join(sorted(groups))}")
        _require(isinstance(entry, dict), where, "must be an object")
        _keys(entry, where, {"grade", "note", "source"}, set())
        grades[group] = EvidenceGrade(
            group,
            _text(entry, "grade", where),
            _text(entry, "note", where),
            _text(entry, "source", where),
        )

    classes_raw = document.get("drug_classes")
    _require(isinstance(classes_raw, dict), "drug_classes", "must be an object")
    assert isinstance(classes_raw, dict)
    classes: dict[str, DrugClass] = {}
    for name, entry in classes_raw.items():
        where = f"drug_classes.{name}"
        _require(isinstance(entry, dict), where, "must be an object")
        _keys(entry, where, {"names", "source"}, set())
        names = _str_list(entry["names"], f"{where}.names")
        for i, n in enumerate(names):
            _require(
                n == n.strip().lower(), f"{where}.names[{i}]", "must be a lower-case generic name"
            )
        classes[name] = DrugClass(name, tuple(names), _text(entry, "source", where))

    rules_raw = document.get("rules")
    _require(
        isinstance(rules_raw, list) and len(rules_raw) > 0, "rules", "must be a non-empty list"
    )
    assert isinstance(rules_raw, list)
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw in enumerate(rules_raw):
        where = f"rules[{i}]"
        _require(isinstance(raw, dict), where, "must be an object")
        for key in raw:
            _require(
                key in _RULE_KEYS,
                f"{where}.{key}",
                f"is not a rule field; allowed: {', '.join(sorted(_RULE_KEYS))}",
            )
        for key in sorted(_RULE_KEYS):
            _require(key in raw, f"{where}.{key}", "is required")
        rule_id = _text(raw, "id", where)
        _require(rule_id not in seen, f"{where}.id", f"duplicates rule id {rule_id!r}")
        seen.add(rule_id)
        check = raw["check"]
        _require(check in CHECKS, f"{where}.check", f"must be one of: {', '.join(CHECKS)}")
        params = raw["params"]
        _require(isinstance(params, dict), f"{where}.params", "must be an object")
        CHECKS[check](params, f"{where}.params", document)
        severities = [s.value for s in Severity]
        _require(
            raw["severity"] in severities,
            f"{where}.severity",
            f"must be one of: {', '.join(severities)}",
        )
        _require(
            raw["on_unknown"] in ("ask", "ignore"),
            f"{where}.on_unknown",
            "must be 'ask' or 'ignore'",
        )
        for flag in ("safety", "clinic_decision"):
            _require(isinstance(raw[flag], bool), f"{where}.{flag}", "must be true or false")
        _require(
            not (raw["safety"] and raw["on_unknown"] != "ask"),
            f"{where}.on_unknown",
            "must be 'ask' for a safety rule: an unknown safety fact is never passed silently",
        )
        rules.append(
            Rule(
                id=rule_id,
                check=check,
                params=MappingProxyType(json.loads(json.dumps(params))),
                severity=Severity(raw["severity"]),
                on_unknown=raw["on_unknown"],
                safety=raw["safety"],
                clinic_decision=raw["clinic_decision"],
                message=_text(raw, "message", where),
                rule_text=_text(raw, "rule_text", where),
                source=_text(raw, "source", where),
            )
        )
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
        Every rule's ``source`` field (clinical-facts.md S-numbers).
    """
    return load_rule_set(default_rule_document())
