"""What the clinic knows about a patient for screening: typed facts, and their JSON.

:class:`EligibilityFacts` holds every fact as a typed value; ``None`` always
means *unknown*, and an unknown fact a rule needs is asked, never guessed.
:func:`facts_from_dict` reads the documented JSON (docs/screening.md §4.3) one
key at a time through :data:`FACT_READERS`, each reader naming the field and
the rule of anything it refuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from ketacore.errors import InputError
from ketacore.icd10 import normalise_icd10
from ketacore.scoring import ScoreResult, get_instrument

__all__ = [
    "FACT_KEYS",
    "FACT_SOURCES",
    "FACT_VALUES",
    "QUESTIONS",
    "TREATMENT_LABELS",
    "BloodPressureReading",
    "EligibilityFacts",
    "PriorTreatment",
    "TreatmentClass",
    "TreatmentOutcome",
    "completed_years",
    "facts_from_dict",
    "facts_to_dict",
    "merge_facts",
]


class TreatmentClass(StrEnum):
    """Treatments tried before ketamine."""

    GABAPENTINOID = "gabapentinoid"
    TCA_SNRI = "tca_snri"
    OPIOID = "opioid"
    NSAID = "nsaid"
    TOPICAL = "topical"
    PHYSICAL_THERAPY = "physical_therapy"
    INTERVENTIONAL = "interventional"


#: Treatment classes in a clinician's words (finding details, forms).
TREATMENT_LABELS: Mapping[TreatmentClass, str] = {
    TreatmentClass.GABAPENTINOID: "gabapentinoids",
    TreatmentClass.TCA_SNRI: "tricyclic or SNRI antidepressants",
    TreatmentClass.OPIOID: "opioids",
    TreatmentClass.NSAID: "anti-inflammatory painkillers",
    TreatmentClass.TOPICAL: "topical treatments",
    TreatmentClass.PHYSICAL_THERAPY: "physical therapy",
    TreatmentClass.INTERVENTIONAL: "interventional procedures",
}


class TreatmentOutcome(StrEnum):
    """How a prior treatment went.

    ``unknown``: the class was tried, or may have been, and how it went is not known
    (the patient was "not sure"): it is counted per class, never guessed.
    """

    INADEQUATE_RELIEF = "inadequate_relief"
    NOT_TOLERATED = "not_tolerated"
    HELPED = "helped"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PriorTreatment:
    """One treatment class tried and its outcome."""

    treatment: TreatmentClass
    outcome: TreatmentOutcome


@dataclass(frozen=True, slots=True)
class BloodPressureReading:
    """One blood-pressure reading in mmHg, with the date it was taken where known."""

    systolic_mmhg: int
    diastolic_mmhg: int
    measured_on: dt.date | None = None


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
        medications: Current medications (generic or brand names); empty = none.
        medications_checked: Medications a clinician has checked for interactions
            by hand (those the interaction table does not know); empty = none.
        date_of_birth: The patient's date of birth (the chart's).
        age_years: Completed years of age on ``assessed_on``.
        weight_kg: The latest weight, kg.
        weight_measured_on: The date of that weight.
        assessed_on: The date the facts describe (ages and the age of readings count to it).
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
    medications_checked: tuple[str, ...] | None = None
    date_of_birth: dt.date | None = None
    age_years: int | None = None
    weight_kg: float | None = None
    weight_measured_on: dt.date | None = None
    assessed_on: dt.date | None = None

    def value(self, name: str) -> object:
        """A fact by name (the names of :data:`FACT_VALUES` and the fields above)."""
        return getattr(self, name)

    def unknown(self, name: str) -> bool:
        value = self.value(name)
        return value is None or (name == "diagnoses" and value == ())


#: Facts a rule may test for given values, with the values each can take.
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

#: The question to ask for each unknown fact, in plain words.
QUESTIONS: Mapping[str, str] = MappingProxyType(
    {
        "diagnoses": "What are the patient's diagnoses (ICD-10)?",
        "pain_duration_months": "How many months has the pain lasted?",
        "instrument_results": (
            "Complete a neuropathic-pain screen (DN4, LANSS, S-LANSS or ID Pain)."
        ),
        "prior_treatments": "Which treatments have been tried, and how did each go?",
        "bp_readings": "Record a blood-pressure reading with the date it was taken.",
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
        "medications_checked": "Which medications has a clinician checked by hand?",
        "date_of_birth": "What is the patient's date of birth?",
        "age_years": "What is the patient's date of birth (age)?",
        "weight_kg": "What does the patient weigh now?",
        "weight_measured_on": "When was the patient last weighed?",
        "assessed_on": "On what date are these facts assessed?",
    }
)

# ----------------------------------------------------------------- JSON readers
# Each reader takes the JSON value (never None: null is unknown) and returns the
# typed value, or raises InputError naming the field.


def _list(value: object, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(key, "must be a list or null (unknown)")
    return value


def _object(entry: object, where: str, shape: str) -> Mapping[str, Any]:
    if not isinstance(entry, Mapping):
        raise InputError(where, f"must be an object {shape}")
    return entry


def _choice(value: object, allowed: Sequence[str], field: str) -> str:
    if value not in allowed:
        raise InputError(field, f"must be null (unknown) or one of: {', '.join(allowed)}")
    return str(value)


def _only(entry: Mapping[str, Any], where: str, allowed: Sequence[str]) -> None:
    """Refuse a key the format does not have: never silently dropped."""
    for key in entry:
        if key not in allowed:
            raise InputError(
                f"{where}.{key}", f"is not allowed here; allowed: {', '.join(allowed)}"
            )


def _date(value: object, field: str) -> dt.date:
    if not isinstance(value, str):
        raise InputError(field, "must be a date written YYYY-MM-DD, or null (unknown)")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(field, f"{value!r} is not a date written YYYY-MM-DD") from None
    if len(value) != 10 or day.year < 1900:
        raise InputError(field, "must be a date written YYYY-MM-DD, from 1900 on")
    return day


def _whole(entry: Mapping[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = entry.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(f"{where}.{key}", f"must be a whole number from {low} to {high}")
    return value


def _read_diagnoses(value: object, key: str) -> tuple[str, ...]:
    codes = []
    for i, code in enumerate(_list(value, key)):
        if not isinstance(code, str):
            raise InputError(f"{key}[{i}]", "must be an ICD-10-CM code string")
        codes.append(normalise_icd10(code, field=f"{key}[{i}]"))
    return tuple(codes)


def _read_months(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1200:
        raise InputError(key, "must be a number of months from 0 to 1200, or null")
    return float(value)


def _read_instruments(value: object, key: str) -> tuple[ScoreResult, ...]:
    scored = []
    for i, raw in enumerate(_list(value, key)):
        where = f"{key}[{i}]"
        entry = _object(raw, where, '{"instrument": id, "answers": {...}}')
        if not isinstance(entry.get("instrument"), str):
            raise InputError(where, 'must be an object {"instrument": id, "answers": {...}}')
        extra = set(entry) - {"instrument", "answers", "options"}
        if extra:
            raise InputError(
                f"{where}.{sorted(extra)[0]}", "allowed keys: instrument, answers, options"
            )
        try:
            instrument = get_instrument(entry["instrument"])
            answers = entry.get("answers")
            scored.append(
                instrument.score({} if answers is None else answers, entry.get("options"))
            )
        except InputError as exc:
            raise InputError(f"{where}.{exc.field}", exc.rule) from None
    return tuple(scored)


def _read_treatments(value: object, key: str) -> tuple[PriorTreatment, ...]:
    items: list[PriorTreatment] = []
    for i, raw in enumerate(_list(value, key)):
        where = f"{key}[{i}]"
        entry = _object(raw, where, '{"treatment": ..., "outcome": ...}')
        _only(entry, where, ("treatment", "outcome"))
        for part in ("treatment", "outcome"):
            if entry.get(part) is None:
                raise InputError(f"{where}.{part}", "is required")
        treatment = _choice(entry["treatment"], list(TreatmentClass), f"{where}.treatment")
        outcome = _choice(entry["outcome"], list(TreatmentOutcome), f"{where}.outcome")
        if any(t.treatment == treatment for t in items):
            raise InputError(
                f"{where}.treatment", f"{treatment} is listed twice; give one outcome per class"
            )
        items.append(PriorTreatment(TreatmentClass(treatment), TreatmentOutcome(outcome)))
    return tuple(items)


def _read_readings(value: object, key: str) -> tuple[BloodPressureReading, ...]:
    readings = []
    for i, raw in enumerate(_list(value, key)):
        where = f"{key}[{i}]"
        entry = _object(raw, where, '{"systolic_mmhg": .., "diastolic_mmhg": ..}')
        _only(entry, where, ("systolic_mmhg", "diastolic_mmhg", "measured_on"))
        systolic = _whole(entry, "systolic_mmhg", where, 40, 300)
        diastolic = _whole(entry, "diastolic_mmhg", where, 20, 200)
        if diastolic >= systolic:
            raise InputError(where, "diastolic must be lower than systolic")
        measured = entry.get("measured_on")
        day = None if measured is None else _date(measured, f"{where}.measured_on")
        readings.append(BloodPressureReading(systolic, diastolic, day))
    return tuple(readings)


def _read_medications(value: object, key: str) -> tuple[str, ...]:
    names = _list(value, key)
    for i, name in enumerate(names):
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"{key}[{i}]", "must be a medication name")
    return tuple(n.strip() for n in names)


def _read_age(value: object, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 130:
        raise InputError(key, "must be a whole number of years from 0 to 130, or null")
    return value


def _read_weight(value: object, key: str) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not 1 <= float(value) <= 500:  # type: ignore[arg-type]
        raise InputError(key, "must be a weight in kg from 1 to 500, or null")
    return float(value)  # type: ignore[arg-type]


def _read_value(key: str) -> Callable[[object, str], object]:
    allowed = FACT_VALUES[key]
    if all(isinstance(v, bool) for v in allowed):

        def read_bool(value: object, field: str) -> bool:
            if not isinstance(value, bool):
                raise InputError(field, "must be true, false or null (unknown)")
            return value

        return read_bool
    return lambda value, field: _choice(value, [str(v) for v in allowed], field)


#: JSON key -> (EligibilityFacts field, reader), in the documented order.
FACT_READERS: Mapping[str, tuple[str, Callable[[object, str], object]]] = MappingProxyType(
    {
        "diagnoses": ("diagnoses", _read_diagnoses),
        "pain_duration_months": ("pain_duration_months", _read_months),
        "instruments": ("instrument_results", _read_instruments),
        "prior_treatments": ("prior_treatments", _read_treatments),
        "bp_readings": ("bp_readings", _read_readings),
        **{
            k: (k, _read_value(k))
            for k in (
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
            )
        },
        "medications": ("medications", _read_medications),
        "medications_checked": ("medications_checked", _read_medications),
        "date_of_birth": ("date_of_birth", _date),
        "age_years": ("age_years", _read_age),
        "weight_kg": ("weight_kg", _read_weight),
        "weight_measured_on": ("weight_measured_on", _date),
        "assessed_on": ("assessed_on", _date),
    }
)

#: The keys of the facts JSON (docs/screening.md §4.3), in documented order.
FACT_KEYS: tuple[str, ...] = tuple(FACT_READERS)


def facts_from_dict(data: Mapping[str, Any]) -> EligibilityFacts:
    """Build :class:`EligibilityFacts` from the documented JSON (docs/screening.md).

    Missing keys and ``null`` mean unknown. Instruments are given as answers and
    scored here, so a decision never rests on a total typed by hand.

    Raises:
        InputError: Naming the field and the rule for any bad value, an unknown
            key, or an instrument's missing or out-of-range answers.
    """
    if not isinstance(data, Mapping):
        raise InputError("facts", "must be a JSON object")
    values: dict[str, object] = {}
    for key, value in data.items():
        if key not in FACT_READERS:
            raise InputError(key, f"is not a known fact; known facts: {', '.join(FACT_KEYS)}")
        if value is not None:
            field, read = FACT_READERS[key]
            values[field] = read(value, key)
    _check_dates(values)
    return EligibilityFacts(**values)  # type: ignore[arg-type]


def completed_years(born: dt.date, on: dt.date) -> int:
    """Completed years of age on ``on`` (a birthday on ``on`` counts)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _check_dates(values: dict[str, Any]) -> None:
    """The dates against ``assessed_on``; the age from the date of birth.

    Nothing is dated after the day assessed; ``age_years`` is computed from
    ``date_of_birth`` (and must agree with it when both are given).
    """
    on: dt.date | None = values.get("assessed_on")
    born: dt.date | None = values.get("date_of_birth")
    if born is not None:
        if on is None:
            raise InputError("assessed_on", "is required with date_of_birth (the age counts to it)")
        if born > on:
            raise InputError("date_of_birth", f"is after the day assessed ({on.isoformat()})")
        age = completed_years(born, on)
        given = values.get("age_years")
        if given is not None and given != age:
            raise InputError(
                "age_years",
                f"is {given}, but date_of_birth {born.isoformat()} gives {age} on {on.isoformat()}",
            )
        values["age_years"] = age
    if on is None:
        return
    weighed = values.get("weight_measured_on")
    if weighed is not None and weighed > on:
        raise InputError("weight_measured_on", f"is after the day assessed ({on.isoformat()})")
    for i, reading in enumerate(values.get("bp_readings") or ()):
        if reading.measured_on is not None and reading.measured_on > on:
            raise InputError(
                f"bp_readings[{i}].measured_on", f"is after the day assessed ({on.isoformat()})"
            )


def facts_to_dict(facts: EligibilityFacts) -> dict[str, Any]:
    """The known facts as the documented JSON (the inverse of :func:`facts_from_dict`)."""
    out: dict[str, Any] = {}
    for key, (field, _) in FACT_READERS.items():
        value = getattr(facts, field)
        if value is None:
            continue
        if key == "instruments":
            value = [
                {"instrument": r.instrument, "answers": dict(r.items), "options": dict(r.options)}
                for r in value
            ]
        elif key == "prior_treatments":
            value = [{"treatment": t.treatment.value, "outcome": t.outcome.value} for t in value]
        elif key == "bp_readings":
            value = [_reading_dict(r) for r in value]
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = value
    return out


def _reading_dict(reading: BloodPressureReading) -> dict[str, Any]:
    out: dict[str, Any] = {
        "systolic_mmhg": reading.systolic_mmhg,
        "diastolic_mmhg": reading.diastolic_mmhg,
    }
    if reading.measured_on is not None:
        out["measured_on"] = reading.measured_on.isoformat()
    return out


#: Where a fact can come from, in increasing precedence.
FACT_SOURCES = ("chart", "patient", "clinician")


def merge_facts(
    chart: EligibilityFacts, patient: EligibilityFacts, clinician: EligibilityFacts
) -> tuple[EligibilityFacts, dict[str, str]]:
    """Combine the three sources of facts; say where each came from.

    A later source replaces an earlier one (chart, then patient, then
    clinician), except that current medications are the union of every
    source's list (nobody's list is dropped) and blood-pressure readings come
    from clinicians only.

    Returns:
        The merged facts, and JSON fact key -> source (``"chart"``,
        ``"patient"``, ``"clinician"``, or ``"chart + patient"`` for a merged list).
    """
    merged: dict[str, Any] = {}
    source: dict[str, str] = {}
    keys = {field: key for key, (field, _) in FACT_READERS.items()}
    for name, layer in zip(FACT_SOURCES, (chart, patient, clinician), strict=True):
        for f in fields(layer):
            value = getattr(layer, f.name)
            if value is None or (f.name == "bp_readings" and name != "clinician"):
                continue
            key = keys[f.name]
            if f.name == "medications" and merged.get("medications") is not None:
                merged["medications"] = _union(merged["medications"], value)
                source[key] = f"{source[key]} + {name}"
                continue
            merged[f.name] = value
            source[key] = name
    return replace(EligibilityFacts(), **merged), source


def _union(first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    seen = {m.casefold() for m in first}
    return (*first, *(m for m in second if m.casefold() not in seen))
