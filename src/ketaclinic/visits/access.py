"""Permission-checked getters for follow-up visits (404 outside the clinic; reads audited)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.lib import clock
from ketaclinic.patients import access as patient_access
from ketaclinic.patients.models import Patient
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind
from ketaclinic.visits.models import FollowUpVisit
from ketacore.outcomes.policy import FollowUpPolicy
from ketacore.outcomes.visits import Milestone, visit_due

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


#: Infusions older than this are not looked at for the worklist: a visit owed after a series
#: that ended more than a year ago is for the chart, not today's list.
_LOOK_BACK_DAYS = 400
#: Patients whose infusions are read in one query (SQLite's limit on parameters is far above).
_CHUNK = 2000


def visits_due(user: User, *, today: dt.date | None = None) -> list[VisitDue]:
    """The clinic's patients owed a follow-up visit today (the follow-up policy's ``visits``),
    the longest waiting first. A fixed number of queries; the caller audits the list it shows.

    Every milestone is anchored on an infusion day and a visit on or after the anchor covers
    it (``ketacore.outcomes.visits.visit_due``), so a patient whose newest visit is on or
    after their newest infusion owes none: two grouped queries find the others, and only
    their infusions are read (at 100,000 patients, a few thousand instead of everyone
    treated in the look-back; docs/performance.md).
    """
    clinic = user.clinic
    policy = follow_up_policy(clinic)
    today = today or timezone.localtime(clock.now()).date()
    since = timezone.now() - dt.timedelta(days=_LOOK_BACK_DAYS)
    signed_off = InfusionSession.objects.filter(
        clinic=clinic, sign_off__isnull=False, opened_at__gte=since
    ).order_by()
    newest = signed_off.values("patient_id").annotate(last=Max("opened_at"))
    visited = dict(
        FollowUpVisit.objects.filter(clinic=clinic, superseded_by__isnull=True)
        .order_by()
        .values("patient_id")
        .annotate(last=Max("visit_date"))
        .values_list("patient_id", "last")
    )
    owing = sorted(
        row["patient_id"]
        for row in newest
        if (seen := visited.get(row["patient_id"])) is None
        or seen < timezone.localtime(row["last"]).date()
    )
    infusions: dict[int, list[dt.date]] = defaultdict(list)
    planned: dict[int, int] = {}
    for start in range(0, len(owing), _CHUNK):
        rows = signed_off.filter(patient_id__in=owing[start : start + _CHUNK]).values_list(
            "patient_id", "opened_at", "plan_version__series_count"
        )
        for patient_id, opened_at, count in rows.order_by("opened_at"):
            infusions[patient_id].append(timezone.localtime(opened_at).date())
            planned[patient_id] = count
    due: dict[int, Milestone] = {}
    for patient_id, days in infusions.items():
        milestone = visit_due(
            days,
            [seen] if (seen := visited.get(patient_id)) is not None else [],
            policy.visits,
            today=today,
            gap_days=policy.response.series_gap_days,
            series_count=planned[patient_id],
        )
        if milestone is not None:
            due[patient_id] = milestone
    patients = Patient.objects.in_bulk(list(due))
    out = [VisitDue(patients[pk], m) for pk, m in due.items()]
    return sorted(out, key=lambda d: (d.milestone.due, d.patient.family_name, d.patient.pk))
