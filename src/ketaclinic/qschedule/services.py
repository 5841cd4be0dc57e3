"""Questionnaires on a schedule: created from the record, answered, completed, closed.

``refresh`` computes what the follow-up policy asks of a patient from their plans and
infusions (``ketacore.outcomes.schedule``) and creates each occurrence that is open today,
once (the unique constraint), with its reminders. It runs when a plan is signed, when an
infusion session is opened or discharged (in that transaction), and every day for every
patient with a plan (``tasks.refresh_all_questionnaires``, queued by the worker).

``answer`` saves answers as ``QuestionnaireResponse`` rows of the occurrence's encounter;
the save that completes the last instrument marks it completed and cancels its
reminders, in the same transaction. A PHQ-9 item 9 above 0 raises the safety alert in
that transaction too (``alerts.services.raise_for_response``, via ``record_answers``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.audit.services import Action, record
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.lib import clock
from ketaclinic.patients.models import Patient
from ketaclinic.plans.models import PlanVersion, TreatmentPlan
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind
from ketaclinic.qschedule.models import AssignmentStatus, FollowUpQuestionnaire
from ketaclinic.qschedule.reminders import cancel_reminders, schedule_reminders
from ketaclinic.questionnaires.models import EncounterType, QuestionnaireResponse
from ketaclinic.questionnaires.services import record_answers
from ketacore.outcomes.policy import FollowUpPolicy
from ketacore.outcomes.schedule import Due, Infusion, PlanDates, due_questionnaires, horizon_days
from ketacore.questionnaires import title_of
from ketacore.schedule import clinic_zone

__all__ = [
    "active_patients",
    "answer",
    "clinic_today",
    "expire_overdue",
    "plan_dates",
    "refresh",
    "refresh_all",
    "schedule_for",
]

log = logging.getLogger("ketaclinic.qschedule")


def clinic_today(clinic: Clinic) -> dt.date:
    """Today in the clinic's own time zone, by the clinic's clock."""
    return clock.now().astimezone(clinic_zone(clinic.time_zone)).date()


def plan_dates(patient: Patient) -> list[PlanDates]:
    """Each of the patient's plans: the day it was first signed and its infusions (clinic days)."""
    zone = clinic_zone(patient.clinic.time_zone)
    signed: dict[int, dt.datetime] = {}
    refs: dict[int, str] = {}
    for plan in TreatmentPlan.objects.filter(patient=patient).prefetch_related("versions"):
        versions = list(plan.versions.all())
        if versions:
            signed[plan.pk] = min(v.signed_at for v in versions)
            refs[plan.pk] = str(plan.code)
    given: dict[int, list[Infusion]] = defaultdict(list)
    sessions = InfusionSession.objects.filter(patient=patient).select_related("plan_version")
    for s in sessions:
        given[s.plan_version.plan_id].append(
            Infusion(s.opened_at.astimezone(zone).date(), s.plan_version.series_count)
        )
    return [
        PlanDates(refs[pk], at.astimezone(zone).date(), tuple(given[pk]))
        for pk, at in sorted(signed.items(), key=lambda item: item[1])
    ]


def schedule_for(patient: Patient, policy: FollowUpPolicy, today: dt.date) -> tuple[Due, ...]:
    """Every occurrence the patient's record fixes so far, past, open and still to come."""
    return due_questionnaires(
        policy.questionnaires,
        plan_dates(patient),
        gap_days=policy.response.series_gap_days,
        today=today,
    )


def _lock(patient: Patient) -> None:
    # One writer per patient at a time: what is created depends on what exists.
    Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()


@transaction.atomic
def refresh(actor: User | None, patient: Patient) -> list[FollowUpQuestionnaire]:
    """Create the occurrences open today that do not exist yet; returns those created.

    Idempotent: running it again, or at the same moment in another process, creates
    nothing more. Also closes the patient's occurrences whose last day has passed.
    """
    _lock(patient)
    clinic = patient.clinic
    today = clinic_today(clinic)
    _expire(actor, FollowUpQuestionnaire.objects.filter(patient=patient), today)
    if not TreatmentPlan.objects.filter(patient=patient).exists():
        return []
    version = policies.store_in_force(actor, clinic, PolicyKind.FOLLOW_UP)
    policy: FollowUpPolicy = policies.loaded(version)
    existing = set(
        FollowUpQuestionnaire.objects.filter(patient=patient).values_list(
            "timepoint", "anchor_ref", "occurrence"
        )
    )
    created = []
    for due in schedule_for(patient, policy, today):
        if not due.opens_on <= today <= due.closes_on:
            continue
        if (due.timepoint, due.anchor_ref, due.occurrence) in existing:
            continue
        row = FollowUpQuestionnaire(
            clinic=clinic,
            patient=patient,
            timepoint=due.timepoint,
            label=due.label,
            occurrence=due.occurrence,
            anchor=due.anchor.value,
            anchor_ref=due.anchor_ref,
            anchor_date=due.anchor_date,
            opens_on=due.opens_on,
            closes_on=due.closes_on,
            instruments=list(due.instruments),
            policy=version,
            created_at=clock.now(),
        )
        try:
            with transaction.atomic():  # a savepoint: the unique occurrence is the guard
                row.save(force_insert=True)
        except IntegrityError:
            continue  # created meanwhile by another writer
        record(
            actor,
            Action.CREATE,
            obj=row,
            clinic_id=clinic.pk,
            patient_code=str(patient.code),
            summary=f"Follow-up questionnaires opened: {due.label}"[:200],
            changes={
                "timepoint": due.timepoint,
                "occurrence": due.occurrence,
                "opens_on": due.opens_on.isoformat(),
                "closes_on": due.closes_on.isoformat(),
                "instruments": list(due.instruments),
                "policy": f"{version.version}",
            },
        )
        schedule_reminders(actor, row, policy.questionnaires)
        created.append(row)
    return created


def _expire(actor: User | None, rows: Any, today: dt.date) -> int:
    overdue = list(
        rows.select_for_update().filter(status=AssignmentStatus.OPEN, closes_on__lt=today)
    )
    for row in overdue:
        row.status = AssignmentStatus.EXPIRED
        row.save(update_fields=["status"])
        record(
            actor,
            Action.UPDATE,
            obj=row,
            clinic_id=row.clinic_id,
            patient_code=str(row.patient.code),
            summary=f"Follow-up questionnaires closed unanswered: {row.label}"[:200],
            changes={"status": [AssignmentStatus.OPEN, AssignmentStatus.EXPIRED]},
        )
        cancel_reminders(actor, row, "questionnaire closed")
    return len(overdue)


def expire_overdue(actor: User | None = None) -> int:
    """Close every open occurrence past its last day (clinic time); returns how many."""
    closed = 0
    for clinic in Clinic.objects.filter(
        pk__in=FollowUpQuestionnaire.objects.filter(status=AssignmentStatus.OPEN).values(
            "clinic_id"
        )
    ):
        with transaction.atomic():
            rows = FollowUpQuestionnaire.objects.filter(clinic=clinic).select_related("patient")
            closed += _expire(actor, rows, clinic_today(clinic))
    return closed


def active_patients(clinic: Clinic, today: dt.date) -> set[int]:
    """The clinic's patients who may have a questionnaire to open today: those with a plan
    signed or an infusion within the policy's horizon (``ketacore`` ``horizon_days``).

    Two indexed scans instead of the whole record of every patient who ever had a plan: at
    100,000 patients over four years most have nothing left to open (docs/performance.md).
    """
    policy: FollowUpPolicy = policies.loaded(policies.in_force(clinic, PolicyKind.FOLLOW_UP))
    horizon = horizon_days(policy.questionnaires, gap_days=policy.response.series_gap_days)
    # A day early, so that no time zone can push a date in the horizon out of it.
    since = dt.datetime.combine(today - dt.timedelta(days=horizon + 1), dt.time(), dt.UTC)
    signed = PlanVersion.objects.filter(plan__clinic=clinic, signed_at__gte=since)
    given = InfusionSession.objects.filter(clinic=clinic, opened_at__gte=since)
    found = set(signed.values_list("plan__patient_id", flat=True).distinct().order_by())
    found.update(given.values_list("patient_id", flat=True).distinct().order_by())
    return found


def refresh_all(actor: User | None = None) -> int:
    """The daily run: every patient who may have something to open, each in its own
    transaction (one failure loses only that patient's, until tomorrow)."""
    with transaction.atomic():
        expire_overdue(actor)
    created = 0
    ids: set[int] = set()
    for clinic in Clinic.objects.all():
        ids |= active_patients(clinic, clinic_today(clinic))
    for pk in sorted(ids):
        patient = Patient.objects.select_related("clinic").get(pk=pk)
        try:
            with transaction.atomic():  # one patient at a time: a failure loses only theirs
                created += len(refresh(actor, patient))
        except Exception:  # logged and left for tomorrow's run; the others go on
            log.exception("questionnaire schedule: patient %s not refreshed", patient.code)
    return created


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: f"{field}: {message}"})


def answer(
    actor: User | None,
    assignment: FollowUpQuestionnaire,
    questionnaire: str,
    answers: Mapping[str, Any],
    *,
    via: str,
) -> QuestionnaireResponse:
    """Save answers to one instrument of an open occurrence; complete it with its last.

    Raises:
        ValidationError: Naming the field: an instrument it does not ask, a day outside
            its dates, an answer ``ketacore`` refuses. Nothing is saved.
    """
    with transaction.atomic():
        row = (
            FollowUpQuestionnaire.objects.select_for_update()
            .select_related("patient", "clinic")
            .get(pk=assignment.pk)
        )
        if questionnaire not in row.instruments:
            raise _refuse("questionnaire", f"{questionnaire!r} is not asked here")
        today = clinic_today(row.clinic)
        if row.status == AssignmentStatus.EXPIRED or today > row.closes_on:
            raise _refuse("questionnaire", f"it closed on {row.closes_on:%Y-%m-%d}")
        if today < row.opens_on:
            raise _refuse("questionnaire", f"it opens on {row.opens_on:%Y-%m-%d}")
        encounter = (EncounterType.FOLLOW_UP.value, row.code)
        response = record_answers(
            actor, row.patient, questionnaire, answers, via=via, encounter=encounter
        )
        if row.status == AssignmentStatus.OPEN and _all_complete(row):
            _complete(actor, row)
        assignment.status, assignment.completed_at = row.status, row.completed_at
        return response


def _all_complete(row: FollowUpQuestionnaire) -> bool:
    newest = QuestionnaireResponse.objects.newest_each(
        row.patient, (EncounterType.FOLLOW_UP.value, row.code)
    )
    return all(i in newest and newest[i].complete for i in row.instruments)


def _complete(actor: User | None, row: FollowUpQuestionnaire) -> None:
    row.status, row.completed_at = AssignmentStatus.COMPLETED, clock.now()
    row.save(update_fields=["status", "completed_at"])
    record(
        actor,
        Action.UPDATE,
        obj=row,
        clinic_id=row.clinic_id,
        patient_code=str(row.patient.code),
        summary=f"Follow-up questionnaires completed: {row.label}"[:200],
        changes={
            "status": [AssignmentStatus.OPEN, AssignmentStatus.COMPLETED],
            "instruments": [title_of(i) for i in row.instruments],
        },
    )
    cancel_reminders(actor, row, "questionnaire completed")
