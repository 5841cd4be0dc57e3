"""A plan's status changed without changing its figures: paused, stopped, active again.

A follow-up visit that pauses or stops the plan (docs/outcomes.md, *Follow-up visits*) signs
the visit and the plan's next version with one signature; this writes that version.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ketaclinic.lib.signing import Signature
from ketaclinic.plans.models import PlanStatus, PlanVersion
from ketaclinic.plans.services import require_newest

__all__ = ["write_status"]

#: A version's own columns: not copied when only its status changes.
_OWN = frozenset(
    {
        "id",
        "code",
        "number",
        "revises",
        "status",
        "note",
        "signed_by",
        "signed_by_name",
        "signed_at",
        "meaning",
        "revision_reason",
    }
)


def write_status(
    revises: PlanVersion, status: str, signature: Signature, *, note: str = ""
) -> PlanVersion:
    """The next version of a plan with the same figures and a new status (paused, stopped,
    or active again), under a signature already checked (inside its transaction).

    The figures are copied, not computed again: pausing or stopping a plan must work even
    when the screening decision or the library has changed since. The caller audits it.

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
    return PlanVersion.objects.create(
        **copied,
        number=revises.number + 1,
        revises=revises,
        status=status,
        note=note.strip()[:2000],
        **signature.fields(),
    )
