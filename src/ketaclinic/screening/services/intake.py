"""Writing a screening's intake: questionnaire sections, instrument answers, clinicians' facts.

The UI, the portal and the API all call these functions. Each write validates
first (with ``ketacore``'s rules, so every error names the field and the rule),
reads the screening's row under a lock and merges there (writers at the same
moment never overwrite each other), then saves and writes its audit record in
one transaction: nothing is half-saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ketaclinic.accounts.models import User
from ketaclinic.audit.services import Action, record
from ketaclinic.lib import clock
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import EncounterType, EnteredVia, QuestionnaireResponse
from ketaclinic.questionnaires.services import Encounter, record_answers
from ketaclinic.screening.models import Screening
from ketacore import intake
from ketacore.errors import InputError
from ketacore.rules import FACT_KEYS, facts_from_dict
from ketacore.scoring import get_instrument

__all__ = [
    "CHART_ONLY_FACTS",
    "CLINICIAN_FACTS",
    "add_bp_reading",
    "answers_of",
    "clinician_instruments",
    "encounter_of",
    "intake_instruments",
    "record_clinician_facts",
    "save_instrument_answers",
    "save_intake_section",
    "start_screening",
    "submit_intake",
    "treatment_choices",
]

#: Instruments the patient completes in the intake (self-report), in order.
#: BPI-SF carries the pain-intensity ratings, so the separate NRS is not asked.
DEFAULT_INTAKE_INSTRUMENTS = ("s-lanss", "bpi-sf", "phq9", "gad7")
#: Further instruments clinicians may enter on the screening page (they need an
#: examination or a clinician's interview).
DEFAULT_CLINICIAN_INSTRUMENTS = ("dn4", "dn4-interview", "lanss", "id-pain")

#: Facts only the chart gives (the patient's record, measured and dated there).
CHART_ONLY_FACTS = (
    "diagnoses",
    "sex",
    "medications",
    "date_of_birth",
    "age_years",
    "weight_kg",
    "weight_measured_on",
    "assessed_on",
)

#: Facts a clinician may record on the screening page (docs/screening.md §4.3):
#: all but those the chart holds and the scored instruments; ``medications_checked``
#: marks medicines a clinician or pharmacist has checked for interactions by hand.
CLINICIAN_FACTS = tuple(k for k in FACT_KEYS if k not in (*CHART_ONLY_FACTS, "instruments"))


def intake_instruments() -> tuple[str, ...]:
    names = tuple(getattr(settings, "KETACLINIC_INTAKE_INSTRUMENTS", DEFAULT_INTAKE_INSTRUMENTS))
    return tuple(get_instrument(n).id for n in names)


def clinician_instruments() -> tuple[str, ...]:
    names = getattr(settings, "KETACLINIC_CLINICIAN_INSTRUMENTS", DEFAULT_CLINICIAN_INSTRUMENTS)
    return tuple(dict.fromkeys((*intake_instruments(), *(get_instrument(n).id for n in names))))


def input_error(exc: InputError) -> ValidationError:
    return ValidationError({exc.field: f"{exc.field}: {exc.rule}"})


def start_screening(actor: User | None, patient: Patient) -> Screening:
    """The patient's current screening, created (as number 1) if there is none.

    Safe under concurrency: the database allows one screening per patient and
    number, so of two first writes at once one creates it and the other finds
    it (issue 8 #6: two screenings, and answers written to the hidden one).
    """
    existing = patient.screenings.order_by("-number").first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            screening = Screening.objects.create(patient=patient, number=1)
            record(
                actor,
                Action.CREATE,
                obj=screening,
                patient_code=str(patient.code),
                summary="Screening started",
            )
    except IntegrityError:  # another request started it first
        return Screening.objects.get(patient=patient, number=1)
    return screening


def locked_screening(actor: User, screening: Screening) -> Screening:
    """The screening's row, locked for this transaction (started if it was not yet)."""
    if screening._state.adding:
        screening = start_screening(actor, screening.patient)
    return Screening.objects.select_for_update().get(pk=screening.pk)


def _check_portal_open(screening: Screening, via: str) -> None:
    if via == EnteredVia.PORTAL and screening.submitted_at is not None:
        raise ValidationError(
            {"intake": "intake: the questionnaire was already sent; tell the clinic what to change"}
        )


@transaction.atomic
def save_intake_section(
    actor: User,
    screening: Screening,
    section_id: str,
    raw: Mapping[str, Any],
    *,
    via: str,
    merge: bool = False,
) -> QuestionnaireResponse:
    """Validate and store one question section of the intake.

    Args:
        raw: Question id -> answer; ``None`` clears an answer.
        merge: Add ``raw`` to the answers already stored (the API's PATCH) or
            replace the section (a page that posts every question). The answers
            are the patient's questionnaire responses, appended under the
            screening's lock, so writers at the same moment never overwrite
            each other's answers (issue 8 #3).
    """
    screening = locked_screening(actor, screening)
    _check_portal_open(screening, via)
    if section_id not in intake.FACT_SECTIONS:
        raise ValidationError({"section": f"section: unknown section {section_id!r}"})
    return record_answers(
        actor,
        screening.patient,
        section_id,
        raw,
        via=via,
        encounter=encounter_of(screening),
        merge=merge,
    )


@transaction.atomic
def save_instrument_answers(
    actor: User,
    screening: Screening,
    instrument_id: str,
    answers: Mapping[str, Any],
    *,
    via: str,
    options: Mapping[str, Any] | None = None,
    merge: bool = True,
) -> QuestionnaireResponse:
    """Store answers to an instrument as they arrive; ``ketacore`` scores it once complete.

    Args:
        actor: Who entered them (the patient in the portal, or staff).
        screening: The screening.
        instrument_id: The instrument; the portal may only use intake instruments.
        answers: Item id -> value; ``None`` clears an answer.
        via: :class:`EnteredVia`.
        options: The instrument's options (the last response's, or its defaults, when None).
        merge: Add to the answers already saved (True) or replace them.

    Raises:
        ValidationError: An instrument not offered here, an unknown item or an
            out-of-range value (naming the item and its range).
    """
    screening = locked_screening(actor, screening)
    _check_portal_open(screening, via)
    try:
        instrument = get_instrument(instrument_id)
    except InputError as exc:
        raise input_error(exc) from None
    allowed = intake_instruments() if via == EnteredVia.PORTAL else clinician_instruments()
    if instrument.id not in allowed:
        offered = ", ".join(allowed)
        raise ValidationError(
            {"instrument": f"instrument: {instrument.id} is not offered here ({offered})"}
        )
    return record_answers(
        actor,
        screening.patient,
        instrument.id,
        answers,
        via=via,
        encounter=encounter_of(screening),
        options=options,
        merge=merge,
    )


def encounter_of(screening: Screening) -> Encounter:
    """The encounter key under which a screening's questionnaire responses are kept."""
    return (EncounterType.SCREENING, screening.code)


def answers_of(screening: Screening) -> dict[str, QuestionnaireResponse]:
    """Questionnaire id -> the newest response of this screening (none before the first write)."""
    if screening._state.adding:
        return {}
    return QuestionnaireResponse.objects.newest_each(screening.patient, encounter_of(screening))


@transaction.atomic
def submit_intake(actor: User, screening: Screening) -> Screening:
    """The patient (or staff for them) sends the questionnaire to the clinic."""
    screening = locked_screening(actor, screening)
    if screening.submitted_at is not None:
        raise ValidationError({"intake": "intake: the questionnaire was already sent"})
    screening.submitted_at = clock.now()
    screening.submitted_by = actor
    screening.save(update_fields=("submitted_at", "submitted_by", "updated_at"))
    _record_change(
        actor,
        screening,
        screening,
        "Intake questionnaire submitted",
        {"submitted_at": screening.submitted_at.isoformat()},
    )
    return screening


@transaction.atomic
def record_clinician_facts(
    actor: User,
    screening: Screening,
    data: Mapping[str, Any],
    *,
    add_bp_reading: tuple[int, int] | None = None,
    bp_measured_on: dt.date | None = None,
) -> Screening:
    """Record facts a clinician established; ``None`` removes the clinician's value.

    Values use the facts format of docs/screening.md §4.3 and are validated by
    ``ketacore.rules.facts_from_dict`` (errors name the fact and the rule).

    Args:
        add_bp_reading: (systolic, diastolic) in mmHg, added to the readings
            already stored. The list is read under the row's lock here, never
            sent whole by the page, so readings taken at the same moment are
            all kept (issue 8 #4).
        bp_measured_on: The date that reading was taken (default: today in the
            clinic's zone); never after today.
    """
    screening = locked_screening(actor, screening)
    for key in data:
        if key not in CLINICIAN_FACTS:
            raise ValidationError(
                {key: f"{key}: not a fact recorded here ({', '.join(CLINICIAN_FACTS)})"}
            )
    before = screening.clinician_facts
    updated = {**before, **data}
    today = clock.today()
    if data.get("bp_readings"):
        # A reading recorded now without a date was taken today, as on the form;
        # readings already stored keep what they had (undated ones stay undated).
        kept = before.get("bp_readings") or []
        updated["bp_readings"] = [
            r
            if not isinstance(r, dict) or "measured_on" in r or r in kept
            else {**r, "measured_on": today.isoformat()}
            for r in data["bp_readings"]
        ]
    if add_bp_reading is not None:
        systolic, diastolic = add_bp_reading
        reading = {
            "systolic_mmhg": systolic,
            "diastolic_mmhg": diastolic,
            "measured_on": (bp_measured_on or today).isoformat(),
        }
        updated["bp_readings"] = [*(before.get("bp_readings") or []), reading]
    updated = {k: v for k, v in updated.items() if v is not None}
    try:
        # assessed today: a reading dated in the future is refused by name
        facts_from_dict({**updated, "assessed_on": today.isoformat()})
    except InputError as exc:
        raise input_error(exc) from None
    screening.clinician_facts = updated
    screening.save(update_fields=("clinician_facts", "updated_at"))
    changes = {
        k: [before.get(k), updated.get(k)]
        for k in {*data, *updated, *before}
        if before.get(k) != updated.get(k)
    }
    _record_change(actor, screening, screening, "Screening facts recorded by clinician", changes)
    return screening


def add_bp_reading(
    actor: User,
    screening: Screening,
    systolic: int,
    diastolic: int,
    measured_on: dt.date | None = None,
) -> Screening:
    """Add one blood-pressure reading (taken on ``measured_on``, default today)."""
    return record_clinician_facts(
        actor, screening, {}, add_bp_reading=(systolic, diastolic), bp_measured_on=measured_on
    )


def treatment_choices(screening: Screening) -> dict[str, str]:
    """Treatment class -> the answer in force: the clinician's if recorded, else the patient's.

    The values are the intake's keys (``not_tried``, ``helped``, ``inadequate_relief``,
    ``not_tolerated``, ``unsure``), for the clinician's form to start from.
    """
    stored = screening.clinician_facts.get("prior_treatments")
    if stored is not None:
        by_class = {t["treatment"]: t["outcome"] for t in stored}
        choices: dict[str, str] = {}
        for q in intake.TREATMENTS.questions:
            outcome = by_class.get(q.id)
            choices[q.id] = (
                "not_tried" if outcome is None else "unsure" if outcome == "unknown" else outcome
            )
        return choices
    section = answers_of(screening).get(intake.TREATMENTS.id)
    return dict(section.answers) if section is not None else {}


def _record_change(
    actor: User, obj: Any, screening: Screening, summary: str, changes: dict[str, Any]
) -> None:
    """Audit an update to a screening or its answers, in the caller's transaction."""
    record(
        actor,
        Action.UPDATE,
        obj=obj,
        patient_code=str(screening.patient.code),
        summary=summary,
        changes=changes,
    )
