"""The intake questionnaire: what the patient is asked, and how answers become facts.

The questionnaire has four question sections (pain, treatments tried, health and
safety, medicines) plus the self-completed instruments the clinic chooses. This
module is the question data and the pure functions that turn answers into the
eligibility facts of ``ketacore.rules`` (docs/screening.md §4.3). The sections are
questionnaires like the scored instruments (``ketacore.questionnaires``).

Three sources give facts, and the screening page shows which one each came from:

* the **chart** (diagnoses from active conditions, recorded sex, current
  medications),
* the **patient** (this questionnaire; "not sure" leaves a fact unknown),
* a **clinician** (nurse or physician, on the screening page); a clinician's
  value replaces the patient's, and only a clinician records blood pressure.

Nothing is guessed: an unanswered question, or "not sure", is an unknown fact,
which the rules turn into "unknown - ask".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ketacore.errors import InputError
from ketacore.rules import EligibilityFacts, TreatmentClass, TreatmentOutcome, facts_from_dict

__all__ = [
    "FACT_SECTIONS",
    "HEALTH",
    "MAX_PAIN_MONTHS",
    "MAX_TEXT",
    "MEDICINES",
    "PAIN",
    "TREATMENTS",
    "UNKNOWN",
    "Choice",
    "Question",
    "Section",
    "clean_section",
    "missing_answers",
    "reported_facts",
    "reported_facts_json",
    "section_done",
    "treatments_tried",
]


class _Unknown:
    """The fact value of "not sure": the fact stays unknown."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer to an intake question.

    Attributes:
        key: What is stored (stable; forms and the API use it).
        label: The answer in plain words.
        fact: The fact value it means, or :data:`UNKNOWN`.
    """

    key: str
    label: str
    fact: object


@dataclass(frozen=True, slots=True)
class Question:
    """One intake question.

    Attributes:
        id: Stable id; for a fact question it is the fact's name (or the
            treatment class for the treatments section).
        text: The question in our own words.
        choices: The allowed answers; empty for a number or text question.
        kind: ``"choice"``, ``"months"`` (a whole number of months), ``"text"``
            or ``"lines"`` (one entry per line).
        required: Whether the section counts as done without it.
        help: A hint shown under the question.
    """

    id: str
    text: str
    choices: tuple[Choice, ...] = ()
    kind: str = "choice"
    required: bool = True
    help: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A page of the questionnaire."""

    id: str
    title: str
    intro: str
    questions: tuple[Question, ...]


_YES_NO_UNSURE = (
    Choice("no", "No", False),
    Choice("yes", "Yes", True),
    Choice("unsure", "Not sure", UNKNOWN),
)

#: The longest pain duration we accept, in months (100 years).
MAX_PAIN_MONTHS: Final = 1200

PAIN = Section(
    "pain",
    "About your pain",
    "Tell us how long you have had this pain and where you feel it.",
    (
        Question(
            "pain_duration_months",
            "How many months have you had this pain?",
            kind="months",
            help="A whole number of months: for example 2 years is 24 months.",
        ),
        Question(
            "pain_location",
            "Where do you feel the pain?",
            kind="text",
            required=False,
            help="For example: both feet, left arm, the right side of the face.",
        ),
        Question(
            "diagnosis_told",
            "What have doctors called your pain, if anything?",
            kind="text",
            required=False,
            help="For example: diabetic neuropathy, shingles pain, CRPS. Leave empty if unsure.",
        ),
    ),
)

_TREATMENT_CHOICES = (
    Choice("not_tried", "Not tried", None),
    Choice(TreatmentOutcome.HELPED, "Helped", TreatmentOutcome.HELPED),
    Choice(
        TreatmentOutcome.INADEQUATE_RELIEF,
        "Tried, did not help enough",
        TreatmentOutcome.INADEQUATE_RELIEF,
    ),
    Choice(
        TreatmentOutcome.NOT_TOLERATED,
        "Tried, had to stop because of side effects",
        TreatmentOutcome.NOT_TOLERATED,
    ),
    Choice("unsure", "Not sure", UNKNOWN),
)

TREATMENTS = Section(
    "treatments",
    "Treatments you have tried",
    "For each kind of treatment, tell us whether you have tried it and how it went.",
    tuple(
        Question(treatment.value, text, _TREATMENT_CHOICES, help=hint)
        for treatment, text, hint in (
            (
                TreatmentClass.GABAPENTINOID,
                "Gabapentin or pregabalin",
                "Brand names include Neurontin and Lyrica.",
            ),
            (
                TreatmentClass.TCA_SNRI,
                "Antidepressants used for nerve pain",
                "For example amitriptyline, nortriptyline, duloxetine or venlafaxine.",
            ),
            (TreatmentClass.OPIOID, "Opioid painkillers", "For example tramadol, oxycodone."),
            (TreatmentClass.NSAID, "Anti-inflammatory painkillers", "For example ibuprofen."),
            (
                TreatmentClass.TOPICAL,
                "Creams or patches on the skin",
                "For example lidocaine plasters or capsaicin.",
            ),
            (TreatmentClass.PHYSICAL_THERAPY, "Physiotherapy or exercise therapy", ""),
            (
                TreatmentClass.INTERVENTIONAL,
                "Injections, nerve blocks or a stimulator",
                "For example a nerve block or a spinal cord stimulator.",
            ),
        )
    ),
)

HEALTH = Section(
    "health",
    "Your health and safety",
    "Ketamine is not safe for everyone. These questions help the physician decide "
    "whether it could be safe for you. If you are not sure, say so: the clinic will ask.",
    (
        Question(
            "hypertension",
            "Have you been told you have high blood pressure?",
            (
                Choice("none", "No", "none"),
                Choice("controlled", "Yes, and it is controlled", "controlled"),
                Choice("uncontrolled", "Yes, and it is not well controlled", "uncontrolled"),
                Choice("unsure", "Not sure", UNKNOWN),
            ),
        ),
        Question(
            "cardiac",
            "Do you have heart disease (for example angina, a past heart attack, heart "
            "failure or an irregular heartbeat)?",
            (
                Choice("none", "No", "none"),
                Choice("stable", "Yes, and it is stable", "stable"),
                Choice(
                    "unstable",
                    "Yes, and it has got worse recently or I was recently in hospital for it",
                    "unstable",
                ),
                Choice("unsure", "Not sure", UNKNOWN),
            ),
        ),
        Question(
            "pregnant",
            "Are you pregnant, or could you be?",
            (
                Choice("no", "No, or does not apply to me", False),
                Choice("yes", "Yes, or I might be", True),
                Choice("unsure", "Not sure", UNKNOWN),
            ),
        ),
        Question(
            "breastfeeding",
            "Are you breast-feeding?",
            (
                Choice("no", "No, or does not apply to me", False),
                Choice("yes", "Yes", True),
                Choice("unsure", "Not sure", UNKNOWN),
            ),
        ),
        Question(
            "psychosis",
            "Have you ever had psychosis (for example hearing voices or holding beliefs "
            "that others told you were not real)?",
            (
                Choice("none", "Never", "none"),
                Choice("past", "Yes, in the past, not now", "past"),
                Choice("current", "Yes, now or recently", "current"),
                Choice("unsure", "Not sure", UNKNOWN),
            ),
        ),
        Question(
            "active_substance_use",
            "Do you currently use drugs that were not prescribed for you, or drink alcohol "
            "heavily, or are you being treated for either?",
            (
                Choice("no", "No", False),
                Choice("yes", "Yes", True),
                Choice("unsure", "I would rather talk about this with the physician", UNKNOWN),
            ),
        ),
        Question(
            "liver_function",
            "Do you have liver disease (for example hepatitis or cirrhosis)?",
            (
                Choice("no", "No", "normal"),
                # How severe it is decides the rule, so the physician grades it.
                Choice("yes", "Yes (the physician will ask you more)", UNKNOWN),
                Choice("unsure", "Not sure", UNKNOWN),
            ),
        ),
        Question(
            "raised_icp",
            "Have you been told the pressure inside your head is raised (for example "
            "after a head injury or because of a brain tumour)?",
            _YES_NO_UNSURE,
        ),
        Question(
            "raised_iop",
            "Do you have glaucoma or raised pressure in your eyes?",
            _YES_NO_UNSURE,
        ),
    ),
)

MEDICINES = Section(
    "medicines",
    "Your medicines",
    "List every medicine you take now, including ones bought without a prescription.",
    (
        Question(
            "medications",
            "Medicines you take now",
            kind="lines",
            required=False,
            help="One per line, for example: pregabalin 150 mg twice a day.",
        ),
        Question(
            "no_medications",
            "I take no medicines",
            (Choice("yes", "I take no medicines", True),),
            required=False,
        ),
    ),
)

#: The question sections, in the order the portal shows them.
FACT_SECTIONS: Final[Mapping[str, Section]] = {
    s.id: s for s in (PAIN, TREATMENTS, HEALTH, MEDICINES)
}

#: Longest free-text answer kept, in characters.
MAX_TEXT: Final = 500
#: Most medicines accepted on the list.
MAX_MEDICATIONS: Final = 60


def clean_section(section: Section, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one section's answers; unknown keys and bad values are refused.

    Args:
        section: The section.
        raw: Question id -> answer (a choice key, a whole number of months, a
            text, or a list of lines). Missing or empty means not answered.

    Returns:
        The answers to store (unanswered questions left out).

    Raises:
        InputError: Naming the question (``<section>.<question>``) and the rule.
    """
    if not isinstance(raw, Mapping):
        raise InputError(section.id, "must be an object keyed by question id")
    by_id = {q.id: q for q in section.questions}
    for key in raw:
        if key not in by_id:
            raise InputError(
                f"{section.id}.{key}",
                f"is not a question of this section; its questions are: {', '.join(by_id)}",
            )
    clean: dict[str, Any] = {}
    for q in section.questions:
        value = raw.get(q.id)
        # Only "nothing" clears an answer: an empty list is nothing only where a
        # list is the answer; elsewhere it is a wrong type (issue 8 #17).
        if value is None or value == "" or (q.kind == "lines" and value == []):
            continue
        field = f"{section.id}.{q.id}"
        if q.kind == "choice":
            keys = [c.key for c in q.choices]
            if value not in keys:
                raise InputError(field, f"must be one of: {', '.join(keys)}")
            clean[q.id] = value
        elif q.kind == "months":
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value.strip())
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(field, "must be a whole number of months")
            if not 0 <= value <= MAX_PAIN_MONTHS:
                raise InputError(field, f"must be from 0 to {MAX_PAIN_MONTHS} months")
            clean[q.id] = value
        elif q.kind == "text":
            if not isinstance(value, str):
                raise InputError(field, "must be text")
            if len(value) > MAX_TEXT:
                raise InputError(field, f"must be at most {MAX_TEXT} characters")
            clean[q.id] = value.strip()
        else:  # lines
            lines = value.splitlines() if isinstance(value, str) else value
            if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
                raise InputError(field, "must be a list of names (or one per line)")
            names = [x.strip() for x in lines if x.strip()]
            if len(names) > MAX_MEDICATIONS:
                raise InputError(field, f"must list at most {MAX_MEDICATIONS} medicines")
            if any(len(x) > 200 for x in names):
                raise InputError(field, "each medicine must be at most 200 characters")
            if names:
                clean[q.id] = names
    if section.id == "medicines" and clean.get("medications") and clean.get("no_medications"):
        raise InputError("medicines.no_medications", "cannot be ticked when medicines are listed")
    return clean


def missing_answers(section: Section, answers: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The required questions of the section still without an answer."""
    answers = answers or {}
    if section.id == "medicines":
        done = bool(answers.get("medications") or answers.get("no_medications"))
        return () if done else ("medications",)
    return tuple(q.id for q in section.questions if q.required and q.id not in answers)


def section_done(section: Section, answers: Mapping[str, Any] | None) -> bool:
    """Whether every required question of the section has an answer."""
    return answers is not None and not missing_answers(section, answers)


def _fact_of(question: Question, key: str) -> object:
    for choice in question.choices:
        if choice.key == key:
            return choice.fact
    return UNKNOWN


def treatments_tried(answers: Mapping[str, Any]) -> list[dict[str, str]]:
    """The treatments section's answers as ``prior_treatments``, counted per class.

    A class answered "not tried" is left out; a class answered "not sure", or not
    answered yet, is listed with the outcome ``unknown``: the rule counts the classes
    that failed, and asks only when a class not known could make the difference
    (two classes that failed are enough, whatever the third).
    """
    tried: list[dict[str, str]] = []
    for q in TREATMENTS.questions:
        answer = answers.get(q.id)
        if answer == "not_tried":
            continue
        known = answer in {o.value for o in TreatmentOutcome}
        outcome = answer if known else TreatmentOutcome.UNKNOWN.value
        tried.append({"treatment": q.id, "outcome": str(outcome)})
    return tried


def reported_facts(intake: Mapping[str, Mapping[str, Any]]) -> EligibilityFacts:
    """Turn the patient's answers into the facts they report.

    Only facts the patient actually answered are known; "not sure" leaves a
    fact unknown.

    Args:
        intake: Section id -> that section's cleaned answers.
    """
    return facts_from_dict(reported_facts_json(intake))


def reported_facts_json(intake: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """:func:`reported_facts` in the documented JSON (docs/screening.md §4.3)."""
    facts: dict[str, Any] = {}
    pain = intake.get("pain") or {}
    if "pain_duration_months" in pain:
        facts["pain_duration_months"] = pain["pain_duration_months"]
    treatments = intake.get("treatments")
    if treatments:
        facts["prior_treatments"] = treatments_tried(treatments)
    health = intake.get("health") or {}
    for q in HEALTH.questions:
        if q.id in health:
            value = _fact_of(q, health[q.id])
            if value is not UNKNOWN:
                facts[q.id] = value
    medicines = intake.get("medicines") or {}
    if medicines.get("medications"):
        facts["medications"] = list(medicines["medications"])
    elif medicines.get("no_medications"):
        facts["medications"] = []
    return facts
