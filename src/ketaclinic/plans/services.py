"""Treatment plans: computed from the protocol library, checked, signed (docs/infusions.md).

Every path that stores a plan (the page, the API, the demo loader) comes
through :func:`sign_plan`, which re-computes the figures itself from the
physician's choices, refuses a dose over a hard limit, requires a reason for
every soft limit passed, and needs a current, non-stale positive screening
decision. The database checks the hard ceilings once more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Capability
from ketaclinic.lib import clock
from ketaclinic.lib.signing import Meaning, Signature, sign
from ketaclinic.patients.converters import age_on, latest_weight
from ketaclinic.patients.models import Patient
from ketaclinic.plans.models import PlanStatus, PlanVersion, TreatmentPlan
from ketaclinic.plans.preview import plan_preview, preview_summary
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind, PolicyVersion
from ketaclinic.qschedule import tasks as questionnaire_schedule
from ketaclinic.screening import services as screening_services
from ketaclinic.screening.access import current_screening
from ketacore.errors import InputError
from ketacore.infusion import (
    DoseCalculation,
    HardLimitError,
    Protocol,
    ProtocolLibrary,
    calculate,
    require_within_hard_limits,
)

__all__ = [
    "PlanChoices",
    "PlanDraft",
    "WeightInfo",
    "active_version",
    "draft_plan",
    "history",
    "in_progress_version",
    "library_in_force",
    "plans_of",
    "protocol_of",
    "require_newest",
    "sign_plan",
    "version_figures",
]


@dataclass(frozen=True, slots=True)
class PlanChoices:
    """What the physician chooses; anything left None is the protocol's."""

    protocol_id: str
    dose: float | None = None
    duration_min: float | None = None
    dose_basis: str | None = None
    concentration_mg_per_ml: float | None = None
    bag_volume_ml: float | None = None


@dataclass(frozen=True, slots=True)
class WeightInfo:
    weight_kg: float
    measured_on: dt.date
    age_days: int
    max_age_days: int

    @property
    def stale(self) -> bool:
        return self.age_days > self.max_age_days

    @property
    def warning(self) -> str:
        if not self.stale:
            return ""
        return (
            f"The weight was measured {self.age_days} days ago, longer than the clinic's "
            f"{self.max_age_days} days: weigh the patient before the infusion."
        )


@dataclass(frozen=True, slots=True)
class PlanDraft:
    """A plan computed for the page, before it is signed (stores nothing)."""

    library_version: PolicyVersion
    library: ProtocolLibrary
    protocol: Protocol
    weight: WeightInfo
    age_years: int
    calculation: DoseCalculation


def _invalid(exc: InputError, prefix: str = "") -> ValidationError:
    field = f"{prefix}{exc.field}"
    return ValidationError({field.split(".")[0] or "protocol": f"{field}: {exc.rule}"})


def library_in_force(clinic: Clinic) -> tuple[PolicyVersion, ProtocolLibrary]:
    """The clinic's protocol library in force (read only) and its validated content."""
    version = policies.in_force(clinic, PolicyKind.PROTOCOLS)
    library: ProtocolLibrary = policies.loaded(version)
    return version, library


def weight_for_dosing(patient: Patient, library: ProtocolLibrary, *, on: dt.date) -> WeightInfo:
    """The newest dated weight, with its age against the library's limit.

    Raises:
        ValidationError: On ``weight_kg`` when none is recorded.
    """
    entry = latest_weight(patient, on=on)
    if entry is None or entry.weight_kg is None:
        raise ValidationError(
            {"weight_kg": "weight_kg: no weight is recorded; weigh the patient and record it"}
        )
    return WeightInfo(
        weight_kg=float(entry.weight_kg),
        measured_on=entry.measured_on,
        age_days=(on - entry.measured_on).days,
        max_age_days=library.weight_max_age_days,
    )


def draft_plan(patient: Patient, choices: PlanChoices, *, on: dt.date | None = None) -> PlanDraft:
    """Compute a plan from the library in force and the newest weight (stores nothing).

    Raises:
        ValidationError: Naming the field (an unknown protocol, no weight, a
            duration outside the protocol's range, a bag too small…). A hard
            limit breach is *not* raised here: the page shows it.
    """
    today = on or clock.today()
    version, library = library_in_force(patient.clinic)
    try:
        protocol = library.get(choices.protocol_id)
    except InputError as exc:
        raise _invalid(exc) from None
    weight = weight_for_dosing(patient, library, on=today)
    try:
        calc = calculate(
            library,
            protocol,
            weight_kg=weight.weight_kg,
            dose=choices.dose,
            duration_min=choices.duration_min,
            basis=choices.dose_basis,  # type: ignore[arg-type]  # reason: DoseBasis is a StrEnum; calculate() converts
            concentration_mg_per_ml=choices.concentration_mg_per_ml,
            bag_volume_ml=choices.bag_volume_ml,
        )
    except ValueError as exc:  # InputError, or a dose basis that is not one
        if isinstance(exc, InputError):
            raise _invalid(exc) from None
        raise ValidationError({"dose_basis": f"dose_basis: {exc}"}) from None
    return PlanDraft(version, library, protocol, weight, age_on(patient, today), calc)


def _soft_overrides(calc: DoseCalculation, reasons: Mapping[str, str]) -> list[dict[str, str]]:
    overrides = []
    missing = []
    for check in calc.soft_breaches:
        reason = (reasons.get(check.key) or "").strip()
        if not reason:
            missing.append(check.message)
        overrides.append({"key": check.key, "message": check.message, "reason": reason})
    if missing:
        raise ValidationError(
            {"soft_reasons": [f"soft_reasons: give a reason to go on: {m}" for m in missing]}
        )
    return overrides


def sign_plan(
    actor: User,
    patient: Patient,
    choices: PlanChoices,
    *,
    password: str,
    soft_reasons: Mapping[str, str] | None = None,
    note: str = "",
    revises: PlanVersion | None = None,
    reason: str = "",
    status: str = PlanStatus.ACTIVE,
) -> PlanVersion:
    """Sign a new plan, or the next version of one (password re-entered).

    Rules (docs/infusions.md): only a physician signs; the patient needs a
    current, non-stale positive screening decision; no dose over a hard limit;
    a reason for every soft limit passed; a patient has one plan in progress at
    a time, and a change is a revision of its current version with a reason.

    Raises:
        PermissionDenied: The actor may not sign plans.
        ValidationError: Naming the field and the rule; nothing is stored.
    """
    if not actor.can(Capability.PLAN_SIGN):
        raise PermissionDenied("Only a physician signs treatment plans.")
    if revises is not None and not reason.strip():
        raise ValidationError({"reason": "reason: say why the plan changes"})

    def write(signature: Signature) -> PlanVersion:
        return _write(actor, patient, choices, soft_reasons or {}, note, revises, status, signature)

    return sign(
        actor,
        password,
        meaning=Meaning.DECIDED,
        write=write,
        summary="Treatment plan revised" if revises else "Treatment plan signed",
        attempted_on=patient,
        patient_code=str(patient.code),
        revises=revises,
        reason=reason.strip(),
        changes=lambda v: {
            "plan": str(v.plan.code),
            "version": v.number,
            "status": v.status,
            "protocol": f"{v.protocol_id} ({v.library.version})",
            "dose": f"{v.dose:g} {v.calculation['dose_unit']} over {v.duration_min:g} min",
            "rate_mg_per_h": v.calculation["rate_mg_per_h"],
            "rate_ml_per_h": v.rate_ml_per_h,
            "total_mg": v.calculation["total_mg"],
            "soft_limits_passed": v.soft_overrides,
        },
    )


def _write(
    actor: User,
    patient: Patient,
    choices: PlanChoices,
    soft_reasons: Mapping[str, str],
    note: str,
    revises: PlanVersion | None,
    status: str,
    signature: Signature,
) -> PlanVersion:
    # One writer per patient at a time: the checks below read what we write.
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if status not in PlanStatus.values:
        raise ValidationError({"status": f"status: must be one of {', '.join(PlanStatus.values)}"})
    auth = screening_services.authorisation(current_screening(patient))
    if not auth.ok:
        raise ValidationError(
            {
                "decision": [
                    "decision: no current positive screening decision. " + " ".join(auth.reasons)
                ]
            }
        )
    assert auth.decision is not None
    current = in_progress_version(patient)
    if revises is None and current is not None:
        raise ValidationError(
            {"plan": "plan: the patient already has a plan in progress; revise it instead"}
        )
    if revises is not None:
        require_newest(revises)
    draft = draft_plan(patient, choices)
    try:
        require_within_hard_limits(draft.calculation)
    except HardLimitError as exc:
        raise ValidationError({"dose": f"dose: {exc.rule}"}) from None
    overrides = _soft_overrides(draft.calculation, soft_reasons)
    library = policies.store_in_force(actor, patient.clinic, PolicyKind.PROTOCOLS)
    if revises is None:
        plan = TreatmentPlan.objects.create(
            clinic=patient.clinic, patient=patient, created_by=actor
        )
        number = 1
    else:
        plan = revises.plan
        number = revises.number + 1
    calc = draft.calculation
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        revises=revises,
        status=status,
        decision=auth.decision,
        library=library,
        weight_measured_on=draft.weight.measured_on,
        weight_stale=draft.weight.stale,
        **version_figures(draft.protocol, calc),
        soft_overrides=overrides,
        # What the physician saw: the preview is computed again, as the figures are.
        preview=preview_summary(plan_preview(patient, draft.library, calc)),
        note=note.strip(),
        **signature.fields(),
    )
    # The questionnaires the follow-up policy asks from the signature on (baseline).
    questionnaire_schedule.enqueue_refresh(patient)  # once this commits
    return version


def require_newest(revises: PlanVersion) -> None:
    """Refuse on ``revises`` unless it is the newest version of its plan."""
    newest = revises.plan.versions.order_by("-number").first()
    if newest is None or newest.pk != revises.pk:
        raise ValidationError(
            {"revises": "revises: the plan was changed meanwhile; open it again to see the change"}
        )


def version_figures(protocol: Protocol, calc: DoseCalculation) -> dict[str, Any]:
    """A plan version's columns that come from the protocol and the calculation."""
    return {
        "protocol_id": protocol.id,
        "protocol_name": protocol.name,
        "weight_kg": calc.weight_kg,
        "dose_basis": calc.basis.value,
        "dose": calc.dose,
        "duration_min": calc.duration_min,
        "concentration_mg_per_ml": calc.concentration_mg_per_ml,
        "bag_volume_ml": calc.bag_volume_ml,
        "rate_mg_per_h": calc.rate_mg_per_h,
        "rate_ml_per_h": calc.rate_ml_per_h,
        "total_mg": calc.total_mg,
        "total_ml": calc.total_ml,
        "max_rate_mg_per_h": calc.max_rate_mg_per_h,
        "hard_ceiling_rate_mg_per_h": calc.hard_ceiling_rate_mg_per_h,
        "hard_ceiling_session_mg": calc.hard_ceiling_session_mg,
        "hard_ceiling_bolus_mg": calc.hard_ceiling_bolus_mg,
        "series_count": protocol.series.count,
        "series_spacing_days": protocol.series.spacing_days,
        "calculation": calc.as_dict(),
    }


# ------------------------------------------------------------------ reading


def plans_of(patient: Patient) -> list[PlanVersion]:
    """The newest version of each of the patient's plans, newest plan first."""
    newest: dict[int, PlanVersion] = {}
    versions = (
        PlanVersion.objects.filter(plan__patient=patient)
        .select_related("plan", "library")
        .order_by("-plan__created_at", "-plan__pk", "-number")
    )
    for version in versions:
        newest.setdefault(version.plan_id, version)
    return list(newest.values())


def active_version(patient: Patient) -> PlanVersion | None:
    """The newest version of the plan being given (active: not paused, not stopped), or None.

    Booking a series and opening an infusion need one; a paused plan offers neither.
    """
    for version in plans_of(patient):
        if version.status == PlanStatus.ACTIVE:
            return version
    return None


def in_progress_version(patient: Patient) -> PlanVersion | None:
    """The newest version of the plan in progress (active or paused, not stopped), or None."""
    for version in plans_of(patient):
        if version.status != PlanStatus.STOPPED:
            return version
    return None


def protocol_of(version: PlanVersion) -> Protocol:
    """The protocol as it stood in the library version the plan was signed with."""
    library: ProtocolLibrary = policies.loaded(version.library)
    return library.get(version.protocol_id)


def history(plan: TreatmentPlan) -> list[PlanVersion]:
    """Every version of a plan, newest first."""
    return list(plan.versions.select_related("library").order_by("-number"))
