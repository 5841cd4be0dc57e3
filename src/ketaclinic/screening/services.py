"""Screening workflow: intake answers, clinicians' facts, evaluation, signed decisions.

The UI, the portal and the API all call these functions. Each write validates
first (with ``ketacore``'s rules, so every error names the field and the rule),
then saves and writes its audit record in one transaction: nothing is
half-saved.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Capability
from ketaclinic.accounts.services import verify_password
from ketaclinic.audit.services import Action, record
from ketaclinic.patients.models import Condition, EntryStatus, Medication, Patient
from ketaclinic.screening import intake
from ketaclinic.screening.models import (
    SIGNABLE,
    EnteredVia,
    InstrumentResponse,
    RuleSetVersion,
    Screening,
    ScreeningDecision,
)
from ketacore.errors import InputError
from ketacore.rules import (
    FACT_KEYS,
    Decision,
    EligibilityDecision,
    RuleSet,
    decision_to_dict,
    default_rule_document,
    evaluate,
    facts_from_dict,
    load_rule_set,
)
from ketacore.scoring import get_instrument, score_result_to_dict

#: Instruments the patient completes in the intake (self-report), in order.
#: BPI-SF carries the pain-intensity ratings, so the separate NRS is not asked.
DEFAULT_INTAKE_INSTRUMENTS = ("s-lanss", "bpi-sf", "phq9", "gad7")
#: Further instruments clinicians may enter on the screening page (they need an
#: examination or a clinician's interview).
DEFAULT_CLINICIAN_INSTRUMENTS = ("dn4", "dn4-interview", "lanss", "id-pain")

#: Facts a clinician may record on the screening page (docs/screening.md §4.3):
#: all but those the chart holds (diagnoses, sex, medications) and the scored
#: instruments.
CLINICIAN_FACTS = tuple(
    k for k in FACT_KEYS if k not in ("diagnoses", "instruments", "sex", "medications")
)

#: Decision order, most restrictive first (ketacore.rules.Decision's order).
_RESTRICTIVENESS = {d: i for i, d in enumerate(Decision)}


def intake_instruments() -> tuple[str, ...]:
    names = tuple(getattr(settings, "KETACLINIC_INTAKE_INSTRUMENTS", DEFAULT_INTAKE_INSTRUMENTS))
    return tuple(get_instrument(n).id for n in names)


def clinician_instruments() -> tuple[str, ...]:
    names = getattr(settings, "KETACLINIC_CLINICIAN_INSTRUMENTS", DEFAULT_CLINICIAN_INSTRUMENTS)
    return tuple(dict.fromkeys((*intake_instruments(), *(get_instrument(n).id for n in names))))


def _error(exc: InputError) -> ValidationError:
    return ValidationError({exc.field: f"{exc.field}: {exc.rule}"})


# ------------------------------------------------------------------ rule sets


def active_rule_set(clinic: Clinic) -> RuleSetVersion:
    """The clinic's rule set in force: its newest published version.

    A clinic that has published none gets the default rule set, stored as its
    first version (so that every decision can point at the exact document).
    """
    latest = RuleSetVersion.objects.filter(clinic=clinic).order_by("-published_at", "-pk").first()
    if latest is not None:
        return latest
    document = default_rule_document()
    with transaction.atomic():
        try:
            with transaction.atomic():
                version = RuleSetVersion.objects.create(
                    clinic=clinic,
                    rule_set_id=document["id"],
                    version=document["version"],
                    document=document,
                    change_note="The default rule set shipped with ketaclinic.",
                    published_by=None,
                )
        except IntegrityError:  # another request stored it first
            return RuleSetVersion.objects.get(
                clinic=clinic, rule_set_id=document["id"], version=document["version"]
            )
        record(
            None,
            Action.CREATE,
            obj=version,
            summary="Default eligibility rule set stored",
            changes={"rule_set_id": version.rule_set_id, "version": version.version},
            clinic_id=clinic.pk,
        )
    return version


def loaded(version: RuleSetVersion) -> RuleSet:
    """The validated ``ketacore`` rule set of a stored version."""
    return load_rule_set(version.document)


@transaction.atomic
def publish_rule_set(
    actor: User, document_text: str, *, change_note: str, approve: bool
) -> RuleSetVersion:
    """Validate a rule-set document and store it as the clinic's new version.

    Args:
        actor: The physician publishing it.
        document_text: The rule-set JSON (docs/screening.md §1).
        change_note: What changed and why (required).
        approve: The physician approves it for clinical use: ``approved_by`` is
            set to their name and the date.

    Raises:
        ValidationError: Bad JSON, a rule-set error (naming the field and the
            rule), a version already used, or no change note.
    """
    if not change_note.strip():
        raise ValidationError({"change_note": "change_note: say what changed and why"})
    try:
        document = json.loads(document_text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            {"document": f"document: not valid JSON (line {exc.lineno}, column {exc.colno})"}
        ) from None
    if not isinstance(document, dict):
        raise ValidationError({"document": "document: must be a JSON object"})
    if approve:
        today = timezone.localdate().isoformat()
        document["approved_by"] = f"{actor.get_full_name() or actor.username}, {today}"
    try:
        rule_set = load_rule_set(document)
    except InputError as exc:
        raise ValidationError({"document": f"document.{exc.field}: {exc.rule}"}) from None
    taken = ValidationError(
        {
            "document": f"document.version: {rule_set.version!r} is already published; "
            "give every edit a new version"
        }
    )
    if RuleSetVersion.objects.filter(
        clinic_id=actor.clinic_id, rule_set_id=rule_set.id, version=rule_set.version
    ).exists():
        raise taken
    try:
        # The unique constraint decides between two publications of one version
        # at the same moment; the loser gets the same answer as above (issue 8 #11).
        with transaction.atomic():
            version = RuleSetVersion.objects.create(
                clinic_id=actor.clinic_id,
                rule_set_id=rule_set.id,
                version=rule_set.version,
                document=document,
                change_note=change_note.strip()[:500],
                published_by=actor,
            )
    except IntegrityError:
        raise taken from None
    record(
        actor,
        Action.CREATE,
        obj=version,
        summary="Eligibility rule set published",
        changes={
            "rule_set_id": rule_set.id,
            "version": rule_set.version,
            "approved_by": rule_set.approved_by,
            "change_note": version.change_note,
        },
    )
    return version


# ------------------------------------------------------------------ screenings


def current_screening(patient: Patient) -> Screening:
    """The patient's newest screening; only reads.

    A patient with none yet gets an unsaved, empty screening to show; the first
    write starts the real one (:func:`start_screening`).
    """
    screening = patient.screenings.order_by("-number").first()
    return screening if screening is not None else Screening(patient=patient)


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


def _locked(actor: User, screening: Screening) -> Screening:
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
) -> Screening:
    """Validate and store one question section of the intake.

    Args:
        raw: Question id -> answer; ``None`` clears an answer.
        merge: Add ``raw`` to the answers already stored (the API's PATCH) or
            replace the section (a page that posts every question). The merge
            happens here, on the row read under its lock, so writers at the same
            moment never overwrite each other's answers (issue 8 #3).
    """
    screening = _locked(actor, screening)
    _check_portal_open(screening, via)
    section = intake.FACT_SECTIONS.get(section_id)
    if section is None:
        raise ValidationError({"section": f"section: unknown section {section_id!r}"})
    before = screening.intake.get(section_id)
    if merge:
        raw = {**(before or {}), **raw}
    try:
        clean = intake.clean_section(section, raw)
    except InputError as exc:
        raise _error(exc) from None
    screening.intake = {**screening.intake, section_id: clean}
    screening.save(update_fields=("intake", "updated_at"))
    _record_change(
        actor,
        screening,
        screening,
        f"Intake section '{section_id}' saved ({via})",
        {section_id: [before, clean]},
    )
    return screening


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
) -> InstrumentResponse:
    """Store answers to an instrument as they arrive and score it once complete.

    Args:
        actor: Who entered them (the patient in the portal, or staff).
        screening: The screening.
        instrument_id: The instrument; the portal may only use intake instruments.
        answers: Item id -> value; ``None`` clears an answer.
        via: :class:`EnteredVia`.
        options: The instrument's options (defaults when None).
        merge: Add to the answers already saved (True) or replace them.

    Raises:
        ValidationError: An instrument not offered here, an unknown item or an
            out-of-range value (naming the item and its range).
    """
    screening = _locked(actor, screening)
    _check_portal_open(screening, via)
    try:
        instrument = get_instrument(instrument_id)
    except InputError as exc:
        raise _error(exc) from None
    allowed = intake_instruments() if via == EnteredVia.PORTAL else clinician_instruments()
    if instrument.id not in allowed:
        offered = ", ".join(allowed)
        raise ValidationError(
            {"instrument": f"instrument: {instrument.id} is not offered here ({offered})"}
        )
    response = InstrumentResponse.objects.filter(
        screening=screening, instrument=instrument.id
    ).first()
    before = dict(response.answers) if response else {}
    merged = {**before, **answers} if merge else dict(answers)
    merged = {k: v for k, v in merged.items() if v is not None}
    try:
        resolved = instrument.resolve_options(
            options if options is not None else (response.options if response else None)
        )
        clean, missing = instrument.check_answers(merged, resolved)
        result = None if missing else score_result_to_dict(instrument.score(clean, resolved))
    except InputError as exc:
        raise _error(exc) from None
    if response is None:
        response = InstrumentResponse(screening=screening, instrument=instrument.id)
    response.answers = dict(clean)
    response.options = dict(resolved)
    response.missing = list(missing)
    response.result = result
    response.entered_by = actor
    response.entered_via = via
    response.save()
    changed = {
        k: [before.get(k), clean.get(k)] for k in {*before, *clean} if before.get(k) != clean.get(k)
    }
    _record_change(
        actor,
        response,
        screening,
        f"{instrument.id} answers saved ({via}, {'complete' if result else 'in progress'})",
        changed,
    )
    return response


@transaction.atomic
def submit_intake(actor: User, screening: Screening) -> Screening:
    """The patient (or staff for them) sends the questionnaire to the clinic."""
    screening = _locked(actor, screening)
    if screening.submitted_at is not None:
        raise ValidationError({"intake": "intake: the questionnaire was already sent"})
    screening.submitted_at = timezone.now()
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
) -> Screening:
    """Record facts a clinician established; ``None`` removes the clinician's value.

    Values use the facts format of docs/screening.md §4.3 and are validated by
    ``ketacore.rules.facts_from_dict`` (errors name the fact and the rule).

    Args:
        add_bp_reading: (systolic, diastolic) in mmHg, added to the readings
            already stored. The list is read under the row's lock here, never
            sent whole by the page, so readings taken at the same moment are
            all kept (issue 8 #4).
    """
    screening = _locked(actor, screening)
    for key in data:
        if key not in CLINICIAN_FACTS:
            raise ValidationError(
                {key: f"{key}: not a fact recorded here ({', '.join(CLINICIAN_FACTS)})"}
            )
    before = screening.clinician_facts
    updated = {**before, **data}
    if add_bp_reading is not None:
        systolic, diastolic = add_bp_reading
        reading = {"systolic_mmhg": systolic, "diastolic_mmhg": diastolic}
        updated["bp_readings"] = [*(before.get("bp_readings") or []), reading]
    updated = {k: v for k, v in updated.items() if v is not None}
    try:
        facts_from_dict(updated)
    except InputError as exc:
        raise _error(exc) from None
    screening.clinician_facts = updated
    screening.save(update_fields=("clinician_facts", "updated_at"))
    changes = {
        k: [before.get(k), updated.get(k)]
        for k in {*data, *updated, *before}
        if before.get(k) != updated.get(k)
    }
    _record_change(actor, screening, screening, "Screening facts recorded by clinician", changes)
    return screening


def add_bp_reading(actor: User, screening: Screening, systolic: int, diastolic: int) -> Screening:
    """Add one blood-pressure reading to the clinician's facts."""
    return record_clinician_facts(actor, screening, {}, add_bp_reading=(systolic, diastolic))


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


# ------------------------------------------------------------------ evaluation


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
    rule_set: RuleSetVersion
    result: EligibilityDecision | None
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return decision_to_dict(self.result) if self.result else {}


def evaluate_screening(screening: Screening, rule_set: RuleSetVersion | None = None) -> Evaluation:
    """Gather the facts from chart, patient and clinicians and run the rule set."""
    patient = screening.patient
    rule_set = rule_set or active_rule_set(patient.clinic)
    facts, sources = intake.merge_facts(
        chart_facts(patient),
        intake.reported_facts(screening.intake),
        screening.clinician_facts,
    )
    done = [r for r in screening.responses_by_instrument().values() if r.result is not None]
    if done:
        facts["instruments"] = [
            {"instrument": r.instrument, "answers": r.answers, "options": r.options} for r in done
        ]
        sources["instruments"] = ", ".join(sorted({r.get_entered_via_display() for r in done}))
    try:
        result = evaluate(facts_from_dict(facts), loaded(rule_set))
    except InputError as exc:
        return Evaluation(facts, sources, rule_set, None, f"{exc.field}: {exc.rule}")
    return Evaluation(facts, sources, rule_set, result)


def current_decision(screening: Screening) -> ScreeningDecision | None:
    if screening._state.adding:
        return None
    return (
        screening.decisions.filter(superseded_by__isnull=True)
        .select_related("signed_by", "rule_set", "supersedes")
        .first()
    )


def decision_history(screening: Screening) -> list[tuple[ScreeningDecision, bool]]:
    """Every signed decision, newest first, each with whether it is the current one.

    One query: a decision is current when no other decision supersedes it.
    """
    if screening._state.adding:
        return []
    decisions = list(
        screening.decisions.select_related("signed_by", "rule_set", "supersedes").order_by(
            "-signed_at", "-pk"
        )
    )
    superseded = {d.supersedes_id for d in decisions if d.supersedes_id}
    return [(d, d.pk not in superseded) for d in decisions]


def sign_decision(
    actor: User,
    screening: Screening,
    *,
    decision: str,
    note: str,
    password: str,
    revises: ScreeningDecision | None = None,
    reason: str = "",
) -> ScreeningDecision:
    """Sign a screening decision, re-entering the password; or revise one.

    Rules (docs/screening.md §5): the password must be the signer's; a
    *candidate* decision needs a complete evaluation (no unknown fact, nothing to
    review); a decision less restrictive than the rules' result needs a note
    saying why; a revision names the current decision and gives a reason. The
    signed record keeps the facts, the evaluation and the rule-set version.

    Raises:
        PermissionDenied: The actor may not sign.
        ValidationError: Naming the field and the rule.
    """
    if not actor.can(Capability.SCREENING_DECIDE):
        raise PermissionDenied("Only a physician signs screening decisions.")
    try:
        verify_password(actor, password, purpose="signature")
    except ValidationError:
        # Recorded in its own transaction: the attempt is kept though nothing is signed.
        record(
            actor,
            Action.SIGN_FAILED,
            obj=screening if not screening._state.adding else None,
            patient_code=str(screening.patient.code),
            summary="Screening decision not signed: wrong password",
        )
        raise
    with transaction.atomic():
        return _sign(actor, screening, decision, note, revises, reason)


def _sign(
    actor: User,
    screening: Screening,
    decision: str,
    note: str,
    revises: ScreeningDecision | None,
    reason: str,
) -> ScreeningDecision:
    screening = _locked(actor, screening)
    if decision not in {d.value for d in SIGNABLE}:
        raise ValidationError(
            {"decision": f"decision: must be one of {', '.join(d.value for d in SIGNABLE)}"}
        )
    current = current_decision(screening)
    if revises is None and current is not None:
        raise ValidationError(
            {"decision": "decision: already signed for this screening; revise it instead"}
        )
    if revises is not None:
        if current is None or revises.pk != current.pk:
            raise ValidationError({"revises": "revises: only the current decision can be revised"})
        if not reason.strip():
            raise ValidationError({"reason": "reason: say why the decision is revised"})
    evaluation = evaluate_screening(screening)
    if evaluation.result is None:
        raise ValidationError({"facts": f"facts: {evaluation.error}"})
    engine = evaluation.result.decision
    chosen = Decision(decision)
    if chosen in (Decision.CANDIDATE, Decision.CANDIDATE_WITH_PRECAUTIONS) and not (
        evaluation.result.complete
    ):
        missing = ", ".join(evaluation.result.unknowns) or "findings awaiting review"
        raise ValidationError(
            {
                "decision": f"decision: cannot be '{chosen.value}' while facts are unknown "
                f"or contradictory ({missing})"
            }
        )
    if _RESTRICTIVENESS[chosen] > _RESTRICTIVENESS[engine] and not note.strip():
        raise ValidationError(
            {"note": f"note: the rules give '{engine.value}'; say why you decide '{chosen.value}'"}
        )
    signed = ScreeningDecision.objects.create(
        screening=screening,
        patient=screening.patient,
        decision=chosen.value,
        engine_decision=engine.value,
        note=note.strip(),
        facts=evaluation.facts,
        evaluation=evaluation.as_dict(),
        rule_set=evaluation.rule_set,
        rule_set_version=evaluation.rule_set.version,
        supersedes=revises,
        revision_reason=reason.strip()[:500],
        signed_by=actor,
        signed_by_name=actor.get_full_name() or actor.username,
        signed_at=timezone.now(),
    )
    record(
        actor,
        Action.SIGN,
        obj=signed,
        patient_code=str(screening.patient.code),
        summary="Screening decision revised" if revises else "Screening decision signed",
        changes={
            "decision": signed.decision,
            "engine_decision": signed.engine_decision,
            "rule_set": f"{evaluation.rule_set.rule_set_id} {signed.rule_set_version}",
            "supersedes": str(revises.code) if revises else None,
            "reason": signed.revision_reason,
        },
    )
    return signed
