"""The daily run of the questionnaire schedule on Django's Tasks API (docs/deploy.md).

``refresh_all_questionnaires`` opens what falls due today for every patient with a plan,
closes what has passed its last day, and owes the reminders. The worker queues it once a
day (``ketaclinic worker``); it is idempotent, so several workers queueing it is harmless.
"""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from ketaclinic.qschedule import services

__all__ = ["enqueue_daily_refresh", "refresh_all_questionnaires"]


@task(queue_name=settings.TASK_QUEUE_NAME)
def refresh_all_questionnaires() -> int:
    return services.refresh_all()


def enqueue_daily_refresh() -> None:
    refresh_all_questionnaires.using(queue_name=settings.TASK_QUEUE_NAME).enqueue()
