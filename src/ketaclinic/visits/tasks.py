"""The daily refresh of the follow-up visits owed (``visits.owed``) on the task queue.

Days passing make a series end (by the gap) and milestones fall due without any write, so
the worker queues :func:`refresh_owed_daily` once a day (``ketaclinic worker``); it queues
the patients in batches, which as many workers as run share. Idempotent.
"""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from ketaclinic.visits import owed

__all__ = ["enqueue_daily_owed", "refresh_owed_batch", "refresh_owed_daily"]


@task(queue_name=settings.TASK_QUEUE_NAME)
def refresh_owed_batch(ids: list[int]) -> int:
    return owed.refresh_owed(ids)


@task(queue_name=settings.TASK_QUEUE_NAME)
def refresh_owed_daily() -> int:
    """Queue every patient the daily run covers, in batches; returns how many."""
    count = 0
    for ids in owed.owed_batches():
        refresh_owed_batch.using(queue_name=settings.TASK_QUEUE_NAME).enqueue(ids)
        count += len(ids)
    return count


def enqueue_daily_owed() -> None:
    refresh_owed_daily.using(queue_name=settings.TASK_QUEUE_NAME).enqueue()
