"""The outcome summary's tasks on the task queue (django-tasks, like ``outbox.tasks``).

:func:`enqueue_refresh` is called by the services whose writes change a patient's series
(a diary day, a session's discharge or signature, a PHQ-9 or GAD-7 response): the refresh
is queued when their transaction commits, so it reads what they wrote and a rolled-back
write queues nothing. :func:`refresh_everyone` runs nightly (the worker queues it,
``cli/worker.py``) and queues every patient in batches (:func:`refresh_batch`, one
transaction each), catching anything a lost task missed; several workers share them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django_tasks import task

from ketaclinic.outcomes import summary
from ketaclinic.patients.models import Patient

__all__ = [
    "MOOD_QUESTIONNAIRES",
    "enqueue_nightly",
    "enqueue_refresh",
    "refresh_batch",
    "refresh_everyone",
    "refresh_patient",
]


#: Questionnaires whose responses change the summary (PHQ-9 and GAD-7 before and after).
MOOD_QUESTIONNAIRES = frozenset(summary.MOOD_QUESTIONNAIRES)


@task(queue_name=settings.TASK_QUEUE_NAME)
def refresh_patient(code: str) -> int:
    patient = Patient.objects.select_related("clinic").filter(code=uuid.UUID(code)).first()
    return summary.refresh_patient(patient) if patient is not None else 0


@task(queue_name=settings.TASK_QUEUE_NAME)
def refresh_batch(ids: list[int]) -> int:
    return summary.refresh_patients(ids)


@task(queue_name=settings.TASK_QUEUE_NAME)
def refresh_everyone() -> int:
    """Queue every patient the summary covers, in batches; returns how many."""
    count = 0
    for ids in summary.patient_batches():
        refresh_batch.using(queue_name=settings.TASK_QUEUE_NAME).enqueue(ids)
        count += len(ids)
    return count


def enqueue_refresh(patient: Patient) -> None:
    """Queue a refresh of the patient's series once the caller's transaction commits."""
    code = str(patient.code)
    transaction.on_commit(
        lambda: refresh_patient.using(queue_name=settings.TASK_QUEUE_NAME).enqueue(code)
    )


def enqueue_nightly() -> None:
    refresh_everyone.using(queue_name=settings.TASK_QUEUE_NAME).enqueue()
