"""The questionnaire schedule on Django's Tasks API (docs/deploy.md).

``refresh_all_questionnaires`` opens what falls due today for every patient with a plan,
closes what has passed its last day, and owes the reminders. The worker queues it once a
day (``ketaclinic worker``); it is idempotent, so several workers queueing it is harmless.

:func:`enqueue_refresh` is how a signed plan or an opened or discharged session opens the
questionnaires it makes due: the refresh is queued when their transaction commits, so a
nurse's discharge never waits on, or fails with, the follow-up schedule, and a write that
rolls back opens nothing. The worker opens them in their own transaction, as the system.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django_tasks import task

from ketaclinic.patients.models import Patient
from ketaclinic.qschedule import services

__all__ = [
    "enqueue_daily_refresh",
    "enqueue_refresh",
    "refresh_all_questionnaires",
    "refresh_patient_questionnaires",
]


@task(queue_name=settings.TASK_QUEUE_NAME)
def refresh_all_questionnaires() -> int:
    return services.refresh_all()


def enqueue_daily_refresh() -> None:
    refresh_all_questionnaires.using(queue_name=settings.TASK_QUEUE_NAME).enqueue()


@task(queue_name=settings.TASK_QUEUE_NAME)
def refresh_patient_questionnaires(code: str) -> int:
    patient = Patient.objects.select_related("clinic").filter(code=uuid.UUID(code)).first()
    if patient is None:
        return 0
    with transaction.atomic():
        return len(services.refresh(None, patient))


def enqueue_refresh(patient: Patient) -> None:
    """Open what the patient's new plan or session makes due, once the caller commits."""
    code = str(patient.code)
    transaction.on_commit(
        lambda: refresh_patient_questionnaires.using(queue_name=settings.TASK_QUEUE_NAME).enqueue(
            code
        )
    )
