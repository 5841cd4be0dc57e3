"""The eligibility family of checks: one class per kind of screening rule.

Each class's fields are the parameters a clinic sets in its rule set; see
:mod:`ketacore.rules.checks` for how they are parsed, described and applied.
Edge values are stated in each generated text (a blood pressure *at* the
limit does not count; a pain duration *at* the minimum passes; an age of
exactly the minimum passes; a reading exactly the longest age old is recent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ketacore import icd10
from ketacore.errors import InputError
from ketacore.medicines import BRANDS, ingredients, mentions
from ketacore.rules.checks import Check, CheckRegistry, Context, Hit, Params, Result, param
from ketacore.rules.facts import (
    FACT_VALUES,
    TREATMENT_LABELS,
    EligibilityFacts,
    TreatmentClass,
    TreatmentOutcome,
)
from ketacore.scoring import INSTRUMENTS

__all__ = ["ELIGIBILITY_CHECKS", "FACT_LABELS", "show"]

#: The registry a rule set's ``check`` names are looked up in.
ELIGIBILITY_CHECKS: CheckRegistry[EligibilityFacts] = CheckRegistry("eligibility")

#: Facts in a clinician's words (rule texts and edit forms).
FACT_LABELS = {
    "sex": "Recorded sex",
    "hypertension": "High blood pressure",
    "cardiac": "Heart disease",
    "psychosis": "Psychosis",
    "liver_function": "Liver impairment",
    "pregnant": "Pregnant",
    "breastfeeding": "Breast-feeding",
    "active_substance_use": "Active substance misuse",
    "raised_icp": "Raised intracranial pressure",
    "raised_iop": "Raised intraocular pressure",
}
_TESTABLE = tuple(FACT_VALUES)
_FACT_VALUE_CHOICES = tuple(dict.fromkeys(v for values in FACT_VALUES.values() for v in values))


def show(value: object) -> str:
    """A fact's value in words."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _stated(fact: str, value: object) -> str:
    """A fact and its value as a clinician reads it: "Heart disease: unstable"."""
    return f"{FACT_LABELS.get(fact, fact)}: {show(value).replace('_', ' ')}"


def _either(values: Sequence[object]) -> str:
    shown = [show(v).replace("_", " ") for v in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def _in(value: object, allowed: Sequence[object]) -> bool:
    return any(type(value) is type(a) and value == a for a in allowed)


def _check_values(fact: str, values: Sequence[object], field: str) -> None:
    allowed = FACT_VALUES[fact]
    for i, v in enumerate(values):
        if not _in(v, allowed):
            choices = ", ".join(
                "true" if a is True else "false" if a is False else f'"{a}"' for a in allowed
            )
            raise InputError(f"{field}.values[{i}]", f"must be one of: {choices}")


def _instrument_names(ids: Sequence[str]) -> str:
    return _either([INSTRUMENTS[i].name if i in INSTRUMENTS else i for i in ids])


def _generics(context: Context) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for dc in context.drug_classes.values() for n in dc.names))


def _group(group: str) -> str:
    return icd10.GROUP_LABELS.get(icd10.ConditionGroup(group), group)


def _titled(codes: Sequence[str]) -> str:
    return ", ".join(f"{c} ({icd10.describe(c) or 'not in ICD-10-CM'})" for c in codes)


@dataclass(frozen=True, slots=True)
class SkipWhen(Params):
    """When a ``fact_in`` rule does not apply (pregnancy questions for a male patient)."""

    fact: str = param("choice", "Fact", choices=_TESTABLE)
    values: tuple[Any, ...] = param("choices", "Values", choices=_FACT_VALUE_CHOICES)

    def validate(self, field: str, context: Context) -> None:
        _check_values(self.fact, self.values, field)


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class FactIn(Check[EligibilityFacts]):
    name = "fact_in"
    summary = "A recorded fact has one of the given values."

    fact: str = param("choice", "Fact", choices=_TESTABLE)
    values: tuple[Any, ...] = param("choices", "Values", choices=_FACT_VALUE_CHOICES)
    skip_when: SkipWhen | None = param(
        "object", "Does not apply when", nested=SkipWhen, optional=True
    )

    def validate(self, field: str, context: Context) -> None:
        _check_values(self.fact, self.values, field)

    def text(self) -> str:
        text = f"{FACT_LABELS[self.fact]}: {_either(self.values)}."
        if self.skip_when is not None:
            skip = self.skip_when
            text += f" Not applied when {FACT_LABELS[skip.fact].lower()} is {_either(skip.values)}."
        return text

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        skip = self.skip_when
        if skip is not None and _in(facts.value(skip.fact), skip.values):
            return Result()
        if facts.unknown(self.fact):
            return Result.ask(self.fact)
        value = facts.value(self.fact)
        return Result.hit_if(_in(value, self.values), _stated(self.fact, value))


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class DiagnosisNotNeuropathic(Check[EligibilityFacts]):
    name = "diagnosis_not_neuropathic"
    summary = "No diagnosis is a neuropathic pain condition."

    def text(self) -> str:
        return (
            "No diagnosis is a neuropathic pain condition: no ICD-10-CM code falls in a "
            "neuropathic range of the clinic's condition-group table (a code counts through "
            "its parent codes)."
        )

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        if facts.unknown("diagnoses"):
            return Result.ask("diagnoses")
        codes = facts.diagnoses or ()
        neuropathic = [d for d in codes if (row := icd10.condition_of(d)) and row.neuropathic]
        return Result.hit_if(not neuropathic, f"Diagnoses: {_titled(codes)}")


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class EvidenceGradeOf(Check[EligibilityFacts]):
    name = "evidence_grade"
    summary = "Reports the guideline's evidence grade of each diagnosed condition."

    def text(self) -> str:
        return "Reports the guideline's evidence grade for each condition group diagnosed."

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        if facts.unknown("diagnoses"):
            return Result.ask("diagnoses")
        codes = facts.diagnoses or ()
        groups = sorted({g.value for d in codes if (g := icd10.group_of(d)) is not None})
        hits = []
        for group in groups:
            if group == icd10.ConditionGroup.COMORBIDITY:
                continue
            grade = context.evidence_grades.get(group)
            if grade is None:  # never silently: the rule set lacks a grade for a group
                hits.append(Hit(f"{_group(group)}: no evidence grade in this rule set"))
                continue
            detail = f"{_group(group)}: {grade.grade}. {grade.note} ({grade.source})"
            hits.append(Hit(detail, grade.grade))
        return Result(hits=tuple(hits))


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class DurationBelow(Check[EligibilityFacts]):
    name = "duration_below"
    summary = "The pain has lasted less than a minimum time."

    min_months: int = param("int", "Shortest pain duration", unit="months", low=0, high=120)

    def text(self) -> str:
        return (
            f"Pain has lasted less than {self.min_months} months "
            f"(exactly {self.min_months} months passes)."
        )

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        months = facts.pain_duration_months
        if months is None:
            return Result.ask("pain_duration_months")
        return Result.hit_if(months < self.min_months, f"Pain for {show(months)} months")


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class BpAbove(Check[EligibilityFacts]):
    name = "bp_above"
    summary = "A blood-pressure reading is above a limit."

    systolic_above_mmhg: int = param("int", "Systolic limit", unit="mmHg", low=60, high=300)
    diastolic_above_mmhg: int = param("int", "Diastolic limit", unit="mmHg", low=30, high=200)

    def text(self) -> str:
        s, d = self.systolic_above_mmhg, self.diastolic_above_mmhg
        return (
            f"Any reading with systolic above {s} mmHg or diastolic above {d} mmHg "
            f"(a reading of exactly {s}/{d} does not count)."
        )

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        if not facts.bp_readings:
            return Result.ask("bp_readings")
        high = [
            r
            for r in facts.bp_readings
            if r.systolic_mmhg > self.systolic_above_mmhg
            or r.diastolic_mmhg > self.diastolic_above_mmhg
        ]
        shown = ", ".join(f"{r.systolic_mmhg}/{r.diastolic_mmhg}" for r in high)
        return Result.hit_if(bool(high), f"Readings above the limit: {shown} mmHg")


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class ScreenNegative(Check[EligibilityFacts]):
    name = "screen_negative"
    summary = "No neuropathic-pain screen is positive."

    instruments: tuple[str, ...] = param("choices", "Screens", choices=tuple(INSTRUMENTS))
    positive_bands: tuple[str, ...] = param("strings", "Bands that count as positive")

    def text(self) -> str:
        return (
            f"None of {_instrument_names(self.instruments)} is in its "
            f"{_either(self.positive_bands)} band (a total exactly at an instrument's "
            "cut-off is in the band)."
        )

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        screens = [r for r in facts.instrument_results or () if r.instrument in self.instruments]
        if not screens:
            return Result.ask("instrument_results")
        positive = any(r.band is not None and r.band.id in self.positive_bands for r in screens)
        shown = ", ".join(f"{_instrument_names([r.instrument])} {show(r.total)}" for r in screens)
        return Result.hit_if(not positive, shown)


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class PriorTreatmentsInsufficient(Check[EligibilityFacts]):
    name = "prior_treatments_insufficient"
    summary = "Too few treatment classes were tried without success."

    min_classes: int = param("int", "Fewest treatment classes", unit="classes", low=0, high=7)
    failure_outcomes: tuple[str, ...] = param(
        "choices", "Outcomes that count", choices=tuple(o.value for o in TreatmentOutcome)
    )

    def validate(self, field: str, context: Context) -> None:
        if TreatmentOutcome.UNKNOWN.value in self.failure_outcomes:
            raise InputError(
                f"{field}.failure_outcomes", "an unknown outcome is asked, never counted"
            )

    def text(self) -> str:
        return (
            f"Fewer than {self.min_classes} treatment classes tried with "
            f"{_either(self.failure_outcomes)} ({self.min_classes} or more passes; counted "
            "per class, and a class whose outcome is not known is asked when it could "
            "make the difference)."
        )

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        if facts.prior_treatments is None:
            return Result.ask("prior_treatments")
        failed = sorted(
            {
                t.treatment.value
                for t in facts.prior_treatments
                if t.outcome.value in self.failure_outcomes
            }
        )
        unsure = sorted(
            {
                t.treatment.value
                for t in facts.prior_treatments
                if t.outcome == TreatmentOutcome.UNKNOWN and t.treatment.value not in failed
            }
        )
        if len(failed) < self.min_classes and unsure:
            return Result.ask("prior_treatments")
        shown = [TREATMENT_LABELS.get(TreatmentClass(c), c) for c in failed]
        detail = f"Tried without success: {', '.join(shown) or 'none'}"
        return Result.hit_if(len(failed) < self.min_classes, detail)


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class InstrumentFlag(Check[EligibilityFacts]):
    name = "instrument_flag"
    summary = "A questionnaire raised a flag (for example PHQ-9 item 9)."

    instrument: str = param("choice", "Questionnaire", choices=tuple(INSTRUMENTS))
    flag: str = param("text", "Flag")
    ask_if_missing: bool = param("bool", "Ask for the questionnaire when it is missing")

    def text(self) -> str:
        name = INSTRUMENTS[self.instrument].name
        return f"{name} raises its flag '{self.flag.replace('_', ' ')}'."

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        results = [r for r in facts.instrument_results or () if r.instrument == self.instrument]
        if not results:
            return Result.ask("instrument_results") if self.ask_if_missing else Result()
        flagged = any(self.flag in r.flag_ids() for r in results)
        messages = [f.message for r in results for f in r.flags if f.id == self.flag]
        shown = messages[0] if messages else self.flag.replace("_", " ")
        return Result.hit_if(flagged, f"{INSTRUMENTS[self.instrument].name}: {shown}")


def _drug_classes(context: Context) -> tuple[str, ...]:
    return tuple(sorted(context.drug_classes))


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class MedicationClass(Check[EligibilityFacts]):
    name = "medication_class"
    summary = "A current medication belongs to a drug class of the rule set."

    drug_class: str = param("choice", "Drug class", choices=_drug_classes)

    def text(self) -> str:
        return f"A current medication is in the drug class '{self.drug_class.replace('_', ' ')}'."

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        if facts.medications is None:
            return Result.ask("medications")
        names = set(context.drug_classes[self.drug_class].names)
        generics = _generics(context)
        shown = []
        for medication in facts.medications:
            found = ingredients(medication, generics)
            hit = [i for i in found.ingredients if i in names]
            if hit:
                via = "" if not found.brands else f" ({', '.join(hit)})"
                shown.append(f"{medication}{via}")
        return Result.hit_if(bool(shown), f"Medicines: {', '.join(shown)}")


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class MedicationsUnmatched(Check[EligibilityFacts]):
    name = "medications_unmatched"
    summary = "A current medication is not in the interaction table and no clinician checked it."

    def text(self) -> str:
        return (
            "A current medication is not recognised in the interaction table (by generic or "
            "brand name), or has an ingredient it does not list, and no clinician has marked "
            "it checked."
        )

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        if facts.medications is None:
            return Result.ask("medications")
        generics = _generics(context)
        known = set(generics)
        checked = facts.medications_checked or ()
        unmatched = []
        for medication in facts.medications:
            found = ingredients(medication, generics)
            brand_parts = {i for b in found.brands for i in BRANDS[b]}
            recognised = bool(found.ingredients) and brand_parts <= known
            if not recognised and not any(mentions(medication, c) for c in checked):
                unmatched.append(medication)
        return Result.hit_if(bool(unmatched), f"Not checked: {', '.join(unmatched)}")


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class ContradictionSex(Check[EligibilityFacts]):
    name = "contradiction_sex"
    summary = "A fact contradicts the recorded sex."

    fact: str = param("choice", "Fact", choices=_TESTABLE)
    values: tuple[Any, ...] = param("choices", "Values", choices=_FACT_VALUE_CHOICES)
    sexes: tuple[str, ...] = param("choices", "Recorded sex", choices=FACT_VALUES["sex"])

    def validate(self, field: str, context: Context) -> None:
        _check_values(self.fact, self.values, field)

    def text(self) -> str:
        return (
            f"{FACT_LABELS[self.fact]}: {_either(self.values)}, while the recorded sex is "
            f"{_either(self.sexes)}."
        )

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        value = facts.value(self.fact)
        matched = _in(value, self.values) and _in(facts.sex, self.sexes)
        detail = f"{_stated(self.fact, value)}; {_stated('sex', facts.sex)}"
        return Result.hit_if(matched, detail)


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class ContradictionDiagnosis(Check[EligibilityFacts]):
    name = "contradiction_diagnosis"
    summary = "A diagnosis code contradicts a stated fact."

    code_prefixes: tuple[str, ...] = param(
        "strings", "Diagnosis codes (ICD-10-CM code or range, e.g. I20-I25) and codes under them"
    )
    fact: str = param("choice", "Fact", choices=_TESTABLE)
    values: tuple[Any, ...] = param("choices", "Values", choices=_FACT_VALUE_CHOICES)
    except_codes: tuple[str, ...] | None = param(
        "strings", "Except these codes and codes under them", optional=True
    )

    def validate(self, field: str, context: Context) -> None:
        _check_values(self.fact, self.values, field)
        for name in ("code_prefixes", "except_codes"):
            for i, spec in enumerate(getattr(self, name) or ()):
                icd10.parse_code_range(spec, f"{field}.{name}[{i}]")

    def _ranges(self, specs: Sequence[str] | None) -> tuple[icd10.CodeRange, ...]:
        return tuple(icd10.parse_code_range(s, "code_prefixes") for s in specs or ())

    def text(self) -> str:
        shown = [str(r) for r in self._ranges(self.code_prefixes)]
        text = f"A diagnosis coded under {_either(shown)}"
        if self.except_codes:
            text += f" (not {_either([str(r) for r in self._ranges(self.except_codes)])})"
        return (
            f"{text} is recorded while {FACT_LABELS[self.fact].lower()} is {_either(self.values)}."
        )

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        ranges, excepted = self._ranges(self.code_prefixes), self._ranges(self.except_codes)
        matched = [
            d
            for d in facts.diagnoses or ()
            if icd10.covers_any(ranges, d) and not icd10.covers_any(excepted, d)
        ]
        value = facts.value(self.fact)
        detail = f"Diagnosis {_titled(matched)}, but {_stated(self.fact, value).lower()}"
        return Result.hit_if(bool(matched) and _in(value, self.values), detail)


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class AgeBelow(Check[EligibilityFacts]):
    name = "age_below"
    summary = "The patient is younger than a minimum age."

    min_years: int = param("int", "Youngest age", unit="years", low=0, high=120)

    def text(self) -> str:
        return (
            f"Age is below {self.min_years} years on the day assessed (a patient of exactly "
            f"{self.min_years}, on their birthday, passes)."
        )

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        if facts.age_years is None:
            return Result.ask("age_years")
        return Result.hit_if(facts.age_years < self.min_years, f"Age {facts.age_years} years")


@ELIGIBILITY_CHECKS.register
@dataclass(frozen=True, slots=True)
class BpReadingOlderThan(Check[EligibilityFacts]):
    name = "bp_reading_older_than"
    summary = "The newest blood-pressure reading is too old (or none is dated)."

    max_age_days: int = param("int", "Oldest reading that counts", unit="days", low=0, high=3650)

    def text(self) -> str:
        n = self.max_age_days
        return (
            f"The newest dated blood-pressure reading is more than {n} days old on the day "
            f"assessed (a reading exactly {n} days old is recent enough); undated readings "
            "are asked for."
        )

    def evaluate(self, facts: EligibilityFacts, context: Context) -> Result:
        dated = [r.measured_on for r in facts.bp_readings or () if r.measured_on is not None]
        if not dated:
            return Result.ask("bp_readings")
        if facts.assessed_on is None:
            return Result.ask("assessed_on")
        newest = max(dated)
        age = (facts.assessed_on - newest).days
        return Result.hit_if(
            age > self.max_age_days, f"Newest reading {newest.isoformat()}, {age} days old"
        )
