"""A plan changed at a follow-up visit: a new dose or time, or paused, stopped, active again.

A follow-up visit (docs/outcomes.md, *Follow-up visits*) signs the visit and the plan's next
version with one signature, in one transaction; these write and audit that version.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.audit.services import Action, record
from ketaclinic.lib.signing import Signature
from ketaclinic.patients.models import Patient
from ketaclinic.plans import services
from ketaclinic.plans.models import PlanStatus, PlanVersion
from ketaclinic.plans.services import PlanChoices, require_newest

__all__ = ["record_version", "revise_at_visit", "write_status"]

#: A version's own columns: not copied when only its status changes.
_OWN = frozenset(
    {
        "id",
        "code",
        "number",
        "revises",
        "status",
        "signed_by",
        "signed_by_name",
        "signed_at",
        "meaning",
        "revision_reason",
    }
)


@transaction.atomic
def revise_at_visit(
    actor: User,
    patient: Patient,
    choices: PlanChoices,
    soft_reasons: Mapping[str, str],
    revises: PlanVersion,
    signature: Signature,
) -> PlanVersion:
    """The plan's next version with a new dose or time, decided at a follow-up visit.

    Signed with the visit's signature (already checked, the visit in the same transaction),
    under the same rules as :func:`sign_plan`: no dose over a hard limit, a reason for each
    soft limit passed, a current positive screening decision. Audited here.
    """
    version = services._write(  # the one writer of computed versions
        actor, patient, choices, soft_reasons, "", revises, PlanStatus.ACTIVE, signature
    )
    record_version(actor, version, "Treatment plan revised at a follow-up visit")
    return version


def record_version(actor: User, version: PlanVersion, summary: str) -> None:
    """The audit record of a plan version signed along with another record."""
    record(
        actor,
        Action.SIGN,
        obj=version,
        patient_code=str(version.plan.patient.code),
        summary=summary,
        changes={
            "plan": str(version.plan.code),
            "version": version.number,
            "status": version.status,
            "dose": f"{version.dose:g} {version.calculation['dose_unit']} "
            f"over {version.duration_min:g} min",
            "reason": version.revision_reason,
            "soft_limits_passed": version.soft_overrides,
        },
    )


@transaction.atomic
def write_status(
    actor: User, revises: PlanVersion, status: str, signature: Signature, *, summary: str
) -> PlanVersion:
    """The next version of a plan with the same figures and a new status (paused, stopped,
    or active again), under a signature already checked (inside its transaction).

    The figures are copied, not computed again: pausing or stopping a plan must work even
    when the screening decision or the library has changed since. Audited with ``summary``.

    Raises:
        ValidationError: On ``status`` (not a status, or the plan is already in it; a
            stopped plan is not started again: sign a new one) or ``revises`` (not the
            newest version).
    """
    if status not in PlanStatus.values:
        raise ValidationError({"status": f"status: must be one of {', '.join(PlanStatus.values)}"})
    revises = PlanVersion.objects.select_for_update().get(pk=revises.pk)
    require_newest(revises)
    if revises.status == PlanStatus.STOPPED:
        raise ValidationError({"status": "status: the plan is stopped; sign a new plan instead"})
    if revises.status == status:
        label = PlanStatus(status).label.lower()
        raise ValidationError({"status": f"status: the plan is already {label}"})
    copied = {
        f.attname: getattr(revises, f.attname)
        for f in PlanVersion._meta.concrete_fields
        if f.name not in _OWN
    }
    version = PlanVersion.objects.create(
        **copied, number=revises.number + 1, revises=revises, status=status, **signature.fields()
    )
    record_version(actor, version, summary)
    return version
