"""Follow-up visits: signed by a physician, the plan decision carried out in the same transaction.

:func:`sign_visit` checks the password (``lib.signing``), then in one transaction: computes the
response so far and the side effects since the last visit from the data, carries out the
decision on the plan (a new signed plan version through ``plans.services`` for a new dose or
time, a paused, stopped or resumed version through ``plans.status``), stores the visit and
audits both. Any refusal (a dose beyond a hard limit, a soft limit without its reason, a
wrong password) stores nothing. docs/outcomes.md, *Follow-up visits*.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.signing import Meaning, Signature, sign
from ketaclinic.outcomes.services import clinic_today
from ketaclinic.patients.models import Patient
from ketaclinic.plans import services as plans
from ketaclinic.plans.models import PlanStatus, PlanVersion
from ketaclinic.plans.status import revise_at_visit, write_status
from ketaclinic.scheduling import services as scheduling
from ketaclinic.visits import owed
from ketaclinic.visits.models import FollowUpVisit
from ketaclinic.visits.response import last_visit, response_so_far, side_effects_since
from ketacore.errors import InputError
from ketacore.outcomes.visits import VisitDecision, check_care, check_visit_day

__all__ = ["VisitInput", "sign_visit"]


@dataclass(frozen=True, slots=True)
class VisitInput:
    """What the physician enters; the response and the side effects are not among it."""

    visit_date: dt.date
    decision: str
    decision_reason: str
    side_effects_note: str = ""
    care: Mapping[str, object] = field(default_factory=dict)
    #: The new dose or time (decision "change"): the plan's protocol with new figures.
    choices: plans.PlanChoices | None = None
    soft_reasons: Mapping[str, str] = field(default_factory=dict)


def _refuse(exc: InputError) -> ValidationError:
    return ValidationError({exc.field: f"{exc.field}: {exc.rule}"})


def _plan_signed_on(version: PlanVersion) -> dt.date:
    """The clinic day the plan's first version was signed (by the clinic's clock, as every
    signature; the plan row's own creation time is the server's)."""
    first = version.plan.versions.order_by("number").values_list("signed_at", flat=True).first()
    return timezone.localtime(first or version.signed_at).date()


def _check(
    entry: VisitInput, version: PlanVersion, *, correcting: bool
) -> dict[str, dict[str, object]]:
    try:
        decision = VisitDecision(entry.decision)
    except ValueError:
        choices = ", ".join(d.value for d in VisitDecision)
        raise ValidationError({"decision": f"decision: must be one of {choices}"}) from None
    try:
        check_visit_day(
            entry.visit_date,
            today=clinic_today(),
            not_before=_plan_signed_on(version),
        )
        care = check_care(entry.care)
    except InputError as exc:
        raise _refuse(exc) from None
    if not entry.decision_reason.strip():
        raise ValidationError({"decision_reason": "decision_reason: say why you decided this"})
    if decision == VisitDecision.CHANGE and entry.choices is None and not correcting:
        raise ValidationError({"dose": "dose: give the new dose or infusion time"})
    if entry.choices is not None and entry.choices.protocol_id != version.protocol_id:
        raise ValidationError(
            {"dose": "dose: a visit changes the dose or time of the same protocol"}
        )
    return care


def sign_visit(
    actor: User,
    patient: Patient,
    entry: VisitInput,
    *,
    follows: PlanVersion,
    password: str,
    revises: FollowUpVisit | None = None,
    reason: str = "",
) -> FollowUpVisit:
    """Sign a follow-up visit, or a correction of one (password re-entered).

    ``follows`` is the plan version the physician saw on the form; it must still be the newest
    version of the plan in progress. A correction keeps the original's decision and plan
    change (a plan is changed by a new visit or on the plan's page) and its snapshot.

    Raises:
        PermissionDenied: The actor may not sign follow-up visits.
        ValidationError: Naming the field and the rule; nothing is stored.
    """
    if not actor.can(Capability.VISIT_SIGN):
        raise PermissionDenied("Only a physician signs follow-up visits.")
    if revises is not None and entry.decision != revises.decision:
        raise ValidationError(
            {"decision": "decision: a correction keeps the decision; record a new visit"}
        )

    def write(signature: Signature) -> FollowUpVisit:
        return _write(actor, patient, entry, follows, revises, signature)

    return sign(
        actor,
        password,
        meaning=Meaning.DECIDED,
        write=write,
        summary="Follow-up visit corrected" if revises else "Follow-up visit signed",
        attempted_on=patient,
        patient_code=str(patient.code),
        revises=revises,
        reason=reason,
        changes=lambda v: {
            "visit": str(v.code),
            "visit_date": v.visit_date.isoformat(),
            "decision": v.decision,
            "decision_reason": v.decision_reason,
            "plan_version": str(v.plan_version.code),
            "plan_version_after": str(v.plan_version_after.code) if v.plan_version_after else None,
            "care": v.care,
        },
    )


def _write(
    actor: User,
    patient: Patient,
    entry: VisitInput,
    follows: PlanVersion,
    revises: FollowUpVisit | None,
    signature: Signature,
) -> FollowUpVisit:
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if revises is not None:
        follows = revises.plan_version
    elif follows.plan.patient_id != patient.pk:
        raise ValidationError({"plan": "plan: not this patient's plan"})
    else:
        current = plans.in_progress_version(patient)
        if current is None or current.pk != follows.pk:
            raise ValidationError(
                {"plan": "plan: the plan was changed meanwhile; open the visit form again"}
            )
    care = _check(entry, follows, correcting=revises is not None)
    if revises is not None:
        response, effects, after = (
            revises.response,
            revises.side_effects,
            revises.plan_version_after,
        )
    else:
        previous = last_visit(patient)
        response = response_so_far(patient, follows, on=entry.visit_date)
        effects = side_effects_since(patient, previous.signed_at if previous else None)
        after = _carry_out(actor, patient, entry, follows, signature)
    visit = FollowUpVisit.objects.create(
        clinic=patient.clinic,
        patient=patient,
        plan_version=follows,
        plan_version_after=after,
        visit_date=entry.visit_date,
        response=response,
        side_effects=effects,
        side_effects_note=entry.side_effects_note.strip()[:2000],
        decision=entry.decision,
        decision_reason=entry.decision_reason.strip()[:2000],
        care=care,
        revises=revises,
        **signature.fields(),
    )
    owed.for_patient(patient)  # the worklist, in this step
    return visit


def _carry_out(
    actor: User, patient: Patient, entry: VisitInput, follows: PlanVersion, signature: Signature
) -> PlanVersion | None:
    """The decision on the plan: its new version (audited), or None to continue as it is."""
    decision = VisitDecision(entry.decision)
    why = f"Follow-up visit of {entry.visit_date:%Y-%m-%d}: {entry.decision_reason.strip()}"
    plan_signature = dataclasses.replace(signature, reason=why[:500])
    if decision == VisitDecision.CHANGE:
        assert entry.choices is not None
        return revise_at_visit(
            actor, patient, entry.choices, entry.soft_reasons, follows, plan_signature
        )
    status = {
        VisitDecision.PAUSE: PlanStatus.PAUSED,
        VisitDecision.STOP: PlanStatus.STOPPED,
        VisitDecision.CONTINUE: PlanStatus.ACTIVE,
    }[decision]
    if decision == VisitDecision.CONTINUE and follows.status == status:
        return None  # continue an active plan: nothing to change
    label = PlanStatus(status).label.lower()
    summary = (
        f"Treatment plan {'resumed' if status == PlanStatus.ACTIVE else label} at a follow-up visit"
    )
    version = write_status(actor, follows, status, plan_signature, summary=summary)
    if status != PlanStatus.ACTIVE:  # nothing stays booked for a treatment that is not going on
        reason = f"Treatment plan {label} at the follow-up visit of {entry.visit_date:%-d %B %Y}"
        scheduling.cancel_treatment_bookings(actor, patient, reason)
    return version
