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
    clinical-facts.md §1.1 (evidence grades), §1.2 (contraindications), §6
    (blood pressure), §7.4 (interactions); each rule's source in the rule set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ketacore.errors import InputError
from ketacore.icd10 import CATALOGUE, group_of, normalise_icd10
from ketacore.rules._ruleset import Rule, RuleSet, Severity
from ketacore.scoring import ScoreResult, get_instrument

__all__ = [
    "FACT_KEYS",
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


class TreatmentClass(StrEnum):
    """Treatments tried before ketamine (the issue's list)."""

    GABAPENTINOID = "gabapentinoid"
    TCA_SNRI = "tca_snri"
    OPIOID = "opioid"
    NSAID = "nsaid"
    TOPICAL = "topical"
    PHYSICAL_THERAPY = "physical_therapy"
    INTERVENTIONAL = "interventional"


class TreatmentOutcome(StrEnum):
    """How a prior treatment went."""

    INADEQUATE_RELIEF = "inadequate_relief"
    NOT_TOLERATED = "not_tolerated"
    HELPED = "helped"


@dataclass(frozen=True, slots=True)
class PriorTreatment:
    """One treatment class tried and its outcome."""

    treatment: TreatmentClass
    outcome: TreatmentOutcome


@dataclass(frozen=True, slots=True)
class BloodPressureReading:
    """One blood-pressure reading in mmHg."""

    systolic_mmhg: int
    diastolic_mmhg: int


@dataclass(frozen=True, slots=True)
class EligibilityFacts:
    """What the clinic knows about a patient; ``None`` always means unknown.

    Attributes:
        diagnoses: ICD-10-CM codes (normalised).
        pain_duration_months: How long the pain has lasted, in months.
        instrument_results: Scored instruments (DN4, PHQ-9, ...).
        prior_treatments: Treatments tried and their outcome; empty = none tried.
        bp_readings: Blood-pressure readings, mmHg.
        hypertension: ``"none"``, ``"controlled"`` or ``"uncontrolled"``.
        cardiac: ``"none"``, ``"stable"`` (known heart disease) or ``"unstable"``.
        sex: Recorded sex: ``"female"``, ``"male"`` or ``"other"``.
        pregnant: Pregnant now.
        breastfeeding: Breast-feeding now.
        psychosis: ``"none"``, ``"past"`` or ``"current"`` (active or poorly controlled).
        active_substance_use: Active substance misuse.
        liver_function: ``"normal"``, ``"mild"``, ``"moderate"`` or ``"severe"`` impairment.
        raised_icp: Raised intracranial pressure.
        raised_iop: Raised intraocular pressure.
        medications: Current medications by generic name; empty = none.
    """

    diagnoses: tuple[str, ...] | None = None
    pain_duration_months: float | None = None
    instrument_results: tuple[ScoreResult, ...] | None = None
    prior_treatments: tuple[PriorTreatment, ...] | None = None
    bp_readings: tuple[BloodPressureReading, ...] | None = None
    hypertension: str | None = None
    cardiac: str | None = None
    sex: str | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    psychosis: str | None = None
    active_substance_use: bool | None = None
    liver_function: str | None = None
    raised_icp: bool | None = None
    raised_iop: bool | None = None
    medications: tuple[str, ...] | None = None


#: The question to ask for each unknown fact, in plain words.
QUESTIONS: Mapping[str, str] = {
    "diagnoses": "What are the patient's diagnoses (ICD-10)?",
    "pain_duration_months": "How many months has the pain lasted?",
    "instrument_results": "Complete a neuropathic-pain screen (DN4, LANSS, S-LANSS or ID Pain).",
    "prior_treatments": "Which treatments have been tried, and how did each go?",
    "bp_readings": "Record at least one blood-pressure reading.",
    "hypertension": "Does the patient have high blood pressure, and is it controlled?",
    "cardiac": "Does the patient have heart disease, and is it stable?",
    "sex": "What is the patient's recorded sex?",
    "pregnant": "Is the patient pregnant?",
    "breastfeeding": "Is the patient breast-feeding?",
    "psychosis": "Has the patient ever had psychosis, and is it current?",
    "active_substance_use": "Is there active substance misuse?",
    "liver_function": "What is the patient's liver function (normal, mild, moderate, severe)?",
    "raised_icp": "Is there raised pressure inside the skull?",
    "raised_iop": "Is there raised pressure in the eye (e.g. glaucoma)?",
    "medications": "What medications does the patient take now?",
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


# ----------------------------------------------------------------- checks


def _value(facts: EligibilityFacts, name: str) -> object:
    return getattr(facts, name)


def _is_unknown(facts: EligibilityFacts, name: str) -> bool:
    value = _value(facts, name)
    return value is None or (name == "diagnoses" and value == ())


def _in(value: object, allowed: Sequence[object]) -> bool:
    return any(type(value) is type(a) and value == a for a in allowed)


_Hit = tuple[str, str | None]  # (detail, evidence grade)


def _check(rule: Rule, facts: EligibilityFacts, rs: RuleSet) -> tuple[list[_Hit], list[str]]:
    """Return (hits, unknown facts needed) for one rule."""
    p = rule.params
    hits: list[_Hit] = []
    c = rule.check
    if c == "fact_in":
        skip = p.get("skip_when")
        if skip is not None and _in(_value(facts, skip["fact"]), skip["values"]):
            return [], []
        if _is_unknown(facts, p["fact"]):
            return [], [p["fact"]]
        value = _value(facts, p["fact"])
        if _in(value, p["values"]):
            hits.append((f"{p['fact']} = {_show(value)}", None))
        return hits, []
    if c in ("diagnosis_not_neuropathic", "evidence_grade"):
        if _is_unknown(facts, "diagnoses"):
            return [], ["diagnoses"]
        codes = facts.diagnoses or ()
        if c == "diagnosis_not_neuropathic":
            neuro = [d for d in codes if d in CATALOGUE and CATALOGUE[d].neuropathic]
            if not neuro:
                hits.append((f"diagnoses = {', '.join(codes)}", None))
            return hits, []
        groups = sorted({grp.value for d in codes if (grp := group_of(d)) is not None})
        for name in groups:
            grade = rs.evidence_grades.get(name)
            if grade is not None:
                hits.append((f"{name}: {grade.grade}. {grade.note} ({grade.source})", grade.grade))
        return hits, []
    if c == "duration_below":
        if facts.pain_duration_months is None:
            return [], ["pain_duration_months"]
        if facts.pain_duration_months < p["min_months"]:
            hits.append((f"pain duration {_show(facts.pain_duration_months)} months", None))
        return hits, []
    if c == "bp_above":
        if not facts.bp_readings:
            return [], ["bp_readings"]
        high = [
            r
            for r in facts.bp_readings
            if r.systolic_mmhg > p["systolic_above_mmhg"]
            or r.diastolic_mmhg > p["diastolic_above_mmhg"]
        ]
        if high:
            shown = ", ".join(f"{r.systolic_mmhg}/{r.diastolic_mmhg}" for r in high)
            hits.append((f"readings above the limit: {shown} mmHg", None))
        return hits, []
    if c == "screen_negative":
        screens = [r for r in facts.instrument_results or () if r.instrument in p["instruments"]]
        if not screens:
            return [], ["instrument_results"]
        if not any(r.band is not None and r.band.id in p["positive_bands"] for r in screens):
            shown = ", ".join(f"{r.instrument} = {_show(r.total)}" for r in screens)
            hits.append((shown, None))
        return hits, []
    if c == "prior_treatments_insufficient":
        if facts.prior_treatments is None:
            return [], ["prior_treatments"]
        failed = sorted(
            {
                t.treatment.value
                for t in facts.prior_treatments
                if t.outcome.value in p["failure_outcomes"]
            }
        )
        if len(failed) < p["min_classes"]:
            hits.append((f"tried without success: {', '.join(failed) or 'none'}", None))
        return hits, []
    if c == "instrument_flag":
        results = [r for r in facts.instrument_results or () if r.instrument == p["instrument"]]
        if not results:
            return [], (["instrument_results"] if p["ask_if_missing"] else [])
        if any(p["flag"] in r.flag_ids() for r in results):
            hits.append((f"{p['instrument']} flag {p['flag']}", None))
        return hits, []
    if c == "medication_class":
        if facts.medications is None:
            return [], ["medications"]
        names = rs.drug_classes[p["drug_class"]].names
        matched = [m for m in facts.medications if _matches(m, names)]
        if matched:
            hits.append((f"medications: {', '.join(matched)}", None))
        return hits, []
    if c == "medications_unmatched":
        if facts.medications is None:
            return [], ["medications"]
        every = [n for dc in rs.drug_classes.values() for n in dc.names]
        unmatched = [m for m in facts.medications if not _matches(m, every)]
        if unmatched:
            hits.append((f"not checked: {', '.join(unmatched)}", None))
        return hits, []
    if c == "contradiction_sex":
        if _in(_value(facts, p["fact"]), p["values"]) and _in(facts.sex, p["sexes"]):
            hits.append(
                (f"{p['fact']} = {_show(_value(facts, p['fact']))}, sex = {facts.sex}", None)
            )
        return hits, []
    if c == "contradiction_diagnosis":
        matched = [d for d in facts.diagnoses or () if d.startswith(tuple(p["code_prefixes"]))]
        if matched and _in(_value(facts, p["fact"]), p["values"]):
            shown = _show(_value(facts, p["fact"]))
            hits.append((f"diagnoses {', '.join(matched)} but {p['fact']} = {shown}", None))
        return hits, []
    raise AssertionError(f"unhandled check {c}")  # pragma: no cover - validated on load


def _matches(medication: str, names: Sequence[str]) -> bool:
    text = medication.lower()
    return any(re.search(rf"\b{re.escape(n)}\b", text) for n in names)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def evaluate(facts: EligibilityFacts, rule_set: RuleSet) -> EligibilityDecision:
    """Apply ``rule_set`` to ``facts`` and return the decision with all findings.

    Args:
        facts: What is known; ``None`` fields are unknown.
        rule_set: A validated rule set (see :func:`~ketacore.rules.default_rule_set`).

    Returns:
        The decision, every finding (most restrictive first), the facts to ask
        for, and the rule-set id and version that produced it.

    References:
        clinical-facts.md §1.1, §1.2, §6, §7.4, through each rule's source.
    """
    findings: list[Finding] = []
    asked: dict[str, list[str]] = {}
    for rule in rule_set.rules:
        hits, unknown = _check(rule, facts, rule_set)
        for detail, grade in hits:
            findings.append(
                Finding(
                    id=rule.id,
                    severity=rule.severity.value,
                    message=rule.message,
                    rule=rule.rule_text,
                    source=rule.source,
                    detail=detail,
                    evidence_grade=grade,
                    clinic_decision=rule.clinic_decision,
                )
            )
        if rule.on_unknown == "ask":
            for fact in unknown:
                asked.setdefault(fact, []).append(rule.id)
    for fact, rule_ids in asked.items():
        findings.append(
            Finding(
                id=f"unknown.{fact}",
                severity="unknown",
                message=f"Unknown - ask: {QUESTIONS[fact]}",
                rule=f"Needed by: {', '.join(rule_ids)}",
                source="Issue requirement: a missing fact is asked, never guessed",
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


# ----------------------------------------------------------------- JSON

#: The keys of the facts JSON (docs/screening.md §4.3), in documented order.
FACT_KEYS = (
    "diagnoses",
    "pain_duration_months",
    "instruments",
    "prior_treatments",
    "bp_readings",
    "hypertension",
    "cardiac",
    "sex",
    "pregnant",
    "breastfeeding",
    "psychosis",
    "active_substance_use",
    "liver_function",
    "raised_icp",
    "raised_iop",
    "medications",
)


def _enum(data: Mapping[str, Any], key: str, allowed: Sequence[str], where: str = "") -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if value not in allowed:
        raise InputError(
            f"{where}.{key}" if where else key,
            f"must be null (unknown) or one of: {', '.join(allowed)}",
        )
    return str(value)


def _bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise InputError(key, "must be true, false or null (unknown)")


def _list(data: Mapping[str, Any], key: str) -> list[Any] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise InputError(key, "must be a list or null (unknown)")
    return value


def _int_field(entry: Mapping[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = entry.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(f"{where}.{key}", f"must be a whole number from {low} to {high}")
    return value


def facts_from_dict(data: Mapping[str, Any]) -> EligibilityFacts:
    """Build :class:`EligibilityFacts` from the documented JSON (docs/screening.md).

    Missing keys and ``null`` mean unknown. Instruments are given as answers and
    scored here, so a decision never rests on a total typed by hand.

    Args:
        data: The facts object.

    Returns:
        Validated facts.

    Raises:
        InputError: Naming the field and the rule for any bad value, an unknown
            key, or an instrument's missing or out-of-range answers.
    """
    from ketacore.rules._ruleset import FACT_VALUES

    if not isinstance(data, Mapping):
        raise InputError("facts", "must be a JSON object")
    for key in data:
        if key not in FACT_KEYS:
            raise InputError(key, f"is not a known fact; known facts: {', '.join(FACT_KEYS)}")

    diagnoses: tuple[str, ...] | None = None
    raw_dx = _list(data, "diagnoses")
    if raw_dx is not None:
        codes = []
        for i, code in enumerate(raw_dx):
            if not isinstance(code, str):
                raise InputError(f"diagnoses[{i}]", "must be an ICD-10-CM code string")
            codes.append(normalise_icd10(code, field=f"diagnoses[{i}]"))
        diagnoses = tuple(codes)

    duration = data.get("pain_duration_months")
    if duration is not None and (
        isinstance(duration, bool)
        or not isinstance(duration, int | float)
        or not 0 <= duration <= 1200
    ):
        raise InputError(
            "pain_duration_months", "must be a number of months from 0 to 1200, or null"
        )

    results: tuple[ScoreResult, ...] | None = None
    raw_instr = _list(data, "instruments")
    if raw_instr is not None:
        scored = []
        for i, entry in enumerate(raw_instr):
            where = f"instruments[{i}]"
            if not isinstance(entry, Mapping) or not isinstance(entry.get("instrument"), str):
                raise InputError(where, 'must be an object {"instrument": id, "answers": {...}}')
            extra = set(entry) - {"instrument", "answers", "options"}
            if extra:
                raise InputError(
                    f"{where}.{sorted(extra)[0]}", "allowed keys: instrument, answers, options"
                )
            try:
                instrument = get_instrument(entry["instrument"])
                scored.append(instrument.score(entry.get("answers") or {}, entry.get("options")))
            except InputError as exc:
                raise InputError(f"{where}.{exc.field}", exc.rule) from None
        results = tuple(scored)

    treatments: tuple[PriorTreatment, ...] | None = None
    raw_tx = _list(data, "prior_treatments")
    if raw_tx is not None:
        items = []
        for i, entry in enumerate(raw_tx):
            where = f"prior_treatments[{i}]"
            if not isinstance(entry, Mapping):
                raise InputError(where, 'must be an object {"treatment": ..., "outcome": ...}')
            t = _enum(entry, "treatment", [c.value for c in TreatmentClass], where)
            o = _enum(entry, "outcome", [c.value for c in TreatmentOutcome], where)
            if t is None or o is None:
                missing = "treatment" if t is None else "outcome"
                raise InputError(f"{where}.{missing}", "is required")
            items.append(PriorTreatment(TreatmentClass(t), TreatmentOutcome(o)))
        treatments = tuple(items)

    readings: tuple[BloodPressureReading, ...] | None = None
    raw_bp = _list(data, "bp_readings")
    if raw_bp is not None:
        bps = []
        for i, entry in enumerate(raw_bp):
            where = f"bp_readings[{i}]"
            if not isinstance(entry, Mapping):
                raise InputError(
                    where, 'must be an object {"systolic_mmhg": .., "diastolic_mmhg": ..}'
                )
            sys_ = _int_field(entry, "systolic_mmhg", where, 40, 300)
            dia = _int_field(entry, "diastolic_mmhg", where, 20, 200)
            if dia >= sys_:
                raise InputError(where, "diastolic must be lower than systolic")
            bps.append(BloodPressureReading(sys_, dia))
        readings = tuple(bps)

    meds: tuple[str, ...] | None = None
    raw_meds = _list(data, "medications")
    if raw_meds is not None:
        for i, m in enumerate(raw_meds):
            if not isinstance(m, str) or not m.strip():
                raise InputError(f"medications[{i}]", "must be a medication name")
        meds = tuple(m.strip() for m in raw_meds)

    def enum_fact(key: str) -> str | None:
        return _enum(data, key, [str(v) for v in FACT_VALUES[key]])

    return EligibilityFacts(
        diagnoses=diagnoses,
        pain_duration_months=None if duration is None else float(duration),
        instrument_results=results,
        prior_treatments=treatments,
        bp_readings=readings,
        hypertension=enum_fact("hypertension"),
        cardiac=enum_fact("cardiac"),
        sex=enum_fact("sex"),
        pregnant=_bool(data, "pregnant"),
        breastfeeding=_bool(data, "breastfeeding"),
        psychosis=enum_fact("psychosis"),
        active_substance_use=_bool(data, "active_substance_use"),
        liver_function=enum_fact("liver_function"),
        raised_icp=_bool(data, "raised_icp"),
        raised_iop=_bool(data, "raised_iop"),
        medications=meds,
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
