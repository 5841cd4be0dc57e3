"""Permission-checked getters for follow-up visits (404 outside the clinic; reads audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.http import Http404
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.lib import clock
from ketaclinic.patients import access as patient_access
from ketaclinic.patients.models import Patient
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind
from ketaclinic.visits.models import FollowUpVisit, VisitOwed
from ketacore.outcomes.policy import FollowUpPolicy
from ketacore.outcomes.visits import Milestone

__all__ = [
    "VisitDue",
    "follow_up_policy",
    "patient_for_visits",
    "versions_of",
    "visit_for_staff",
    "visits_due",
    "visits_of",
]


def patient_for_visits(user: Any, code: UUID | str, capability: Capability) -> Patient:
    return patient_access.get_patient_for_user(user, code, capability, part="follow-up visits")


def visit_for_staff(
    user: Any, patient_code: UUID | str, visit_code: UUID | str, capability: Capability
) -> tuple[Patient, FollowUpVisit]:
    patient = patient_access.get_patient_for_user(
        user, patient_code, capability, part="follow-up visit"
    )
    try:
        visit = _VISITS.get(code=visit_code, patient=patient)
    except (FollowUpVisit.DoesNotExist, ValueError):
        raise Http404("No such follow-up visit") from None
    return patient, visit


_VISITS = FollowUpVisit.objects.select_related(
    "plan_version", "plan_version__plan", "plan_version_after", "revises"
)


def visits_of(patient: Patient) -> list[FollowUpVisit]:
    """The patient's visits as they stand (corrected ones left out), newest first."""
    return list(_VISITS.filter(patient=patient, superseded_by__isnull=True))


def versions_of(visit: FollowUpVisit) -> list[FollowUpVisit]:
    """Every signed version of the visit, newest first (the current one first)."""
    chain = [visit]
    while hasattr(chain[0], "superseded_by"):
        chain.insert(0, chain[0].superseded_by)
    while chain[-1].revises_id is not None:
        chain.append(_VISITS.get(pk=chain[-1].revises_id))
    return chain


def follow_up_policy(patient_or_clinic: Any) -> FollowUpPolicy:
    clinic = getattr(patient_or_clinic, "clinic", patient_or_clinic)
    policy: FollowUpPolicy = policies.loaded(policies.in_force(clinic, PolicyKind.FOLLOW_UP))
    return policy


@dataclass(frozen=True, slots=True)
class VisitDue:
    patient: Patient
    milestone: Milestone


def visits_due(
    user: User, *, today: dt.date | None = None, limit: int = 50
) -> tuple[int, list[VisitDue]]:
    """How many of the clinic's patients owe a follow-up visit today, and the ``limit``
    waiting longest (the follow-up policy's ``visits``). Two queries over the rows
    ``visits.owed`` keeps; the caller audits the list it shows."""
    today = today or timezone.localtime(clock.now()).date()
    rows = VisitOwed.objects.filter(clinic=user.clinic, due__lte=today)
    shown = rows.select_related("patient").order_by("due", "patient__family_name", "patient_id")
    return rows.count(), [
        VisitDue(r.patient, Milestone(r.after, r.anchor, r.due, r.series)) for r in shown[:limit]
    ]
