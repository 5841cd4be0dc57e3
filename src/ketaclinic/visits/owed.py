"""The follow-up visit each patient owes next (``VisitOwed``), kept up to date for the worklist.

Computing "who owes a visit" over a whole clinic on every view took seconds at 100,000
patients (docs/performance.md), so it is kept as a row per patient, the way the analytics
keep their series summary. :func:`refresh_owed` recomputes a batch of patients in a fixed
number of queries with ``ketacore.outcomes.visits`` (the same milestones the visit form
reads) and replaces their rows in one transaction. It runs in the transaction of a session's
sign-off and of a visit's signature (so the list is right the moment either is saved), and
daily from the worker (:func:`refresh_all_owed`) for the patients days passing may concern.
It writes no audit record: the writes that trigger it are audited where they happen.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ketaclinic.accounts.models import Clinic
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.lib import clock
from ketaclinic.patients.models import Patient
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind
from ketaclinic.visits.models import FollowUpVisit, VisitOwed
from ketacore.outcomes.policy import FollowUpPolicy
from ketacore.outcomes.visits import visit_owed

__all__ = [
    "BATCH",
    "LOOK_BACK_DAYS",
    "for_patient",
    "owed_batches",
    "refresh_all_owed",
    "refresh_owed",
]

#: Infusions older than this are not looked at: a visit owed after a series that ended more
#: than a year ago is for the chart, not today's list.
LOOK_BACK_DAYS = 400
#: Patients refreshed together.
BATCH = 1000


def refresh_owed(ids: Sequence[int]) -> int:
    """Recompute the visit each of these patients owes and replace their rows; returns how
    many owe one (due today or later)."""
    if not ids:
        return 0
    today = timezone.localtime(clock.now()).date()
    since = clock.now() - dt.timedelta(days=LOOK_BACK_DAYS)
    rows = (
        InfusionSession.objects.filter(patient_id__in=ids, sign_off__isnull=False)
        .filter(opened_at__gte=since)
        .order_by("patient_id", "opened_at")
        .values_list("patient_id", "clinic_id", "opened_at", "plan_version__series_count")
    )
    infusions: dict[int, list[dt.date]] = defaultdict(list)
    planned: dict[int, tuple[int, int]] = {}  # patient -> (clinic, series count)
    for patient_id, clinic_id, opened_at, count in rows:
        infusions[patient_id].append(timezone.localtime(opened_at).date())
        planned[patient_id] = (clinic_id, count)
    seen = dict(
        FollowUpVisit.objects.filter(patient_id__in=ids, superseded_by__isnull=True)
        .order_by()
        .values("patient_id")
        .annotate(last=Max("visit_date"))
        .values_list("patient_id", "last")
    )
    # The follow-up policy in force per clinic (services may not read through visits.access).
    rules: dict[int, FollowUpPolicy] = {
        clinic.pk: policies.loaded(policies.in_force(clinic, PolicyKind.FOLLOW_UP))
        for clinic in Clinic.objects.filter(pk__in={c for c, _ in planned.values()})
    }
    now = clock.now()
    owed = []
    for patient_id, days in infusions.items():
        clinic_id, count = planned[patient_id]
        policy = rules[clinic_id]
        last = seen.get(patient_id)
        found = visit_owed(
            days,
            [last] if last is not None else [],
            policy.visits,
            today=today,
            gap_days=policy.response.series_gap_days,
            series_count=count,
        )
        if found is not None:
            owed.append(
                VisitOwed(
                    patient_id=patient_id,
                    clinic_id=clinic_id,
                    after=found.after,
                    anchor=found.anchor,
                    due=found.due,
                    series=found.series,
                    computed_at=now,
                )
            )
    with transaction.atomic():
        # Writers for one patient queue on the patient row (a sign-off beside the daily
        # run): the last refresh wins whole, and no two insert the same patient's row.
        list(Patient.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        VisitOwed.objects.filter(patient_id__in=ids).delete()
        VisitOwed.objects.bulk_create(owed)
    return len(owed)


def owed_batches(*, batch: int = BATCH) -> Iterator[list[int]]:
    """The patients the daily run covers: an infusion in the look-back, or a row to clear."""
    since = clock.now() - dt.timedelta(days=LOOK_BACK_DAYS + 1)
    found = set(
        InfusionSession.objects.filter(opened_at__gte=since)
        .order_by()
        .values_list("patient_id", flat=True)
        .distinct()
    )
    found.update(VisitOwed.objects.values_list("patient_id", flat=True))
    ids = sorted(found)
    for start in range(0, len(ids), batch):
        yield ids[start : start + batch]


def refresh_all_owed() -> int:
    """Every patient the daily run covers, a batch at a time; returns how many owe a visit."""
    return sum(refresh_owed(ids) for ids in owed_batches())


def for_patient(patient: Patient) -> None:
    """Refresh one patient inside the caller's transaction (a sign-off, a visit)."""
    refresh_owed([patient.pk])
