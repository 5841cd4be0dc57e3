"""The outbox's tasks on Django's Tasks API (the django-tasks backport; docs/deploy.md).

``deliver_message`` is queued for each scheduled message, to run at its time;
``sweep_outbox`` is queued by every worker every ``--sweep-seconds`` and sends whatever
is due that no task sent: a task lost with a dead worker or a Redis restart, a message
whose worker died holding it. Both are safe to run any number of times at once.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django_tasks import task

from ketaclinic.outbox import delivery
from ketaclinic.outbox.models import OutgoingMessage

__all__ = ["deliver_message", "enqueue_delivery", "enqueue_sweep", "sweep_outbox"]


@task(queue_name=settings.TASK_QUEUE_NAME)
def deliver_message(code: str) -> str:
    return delivery.deliver(uuid.UUID(code))


@task(queue_name=settings.TASK_QUEUE_NAME)
def sweep_outbox() -> int:
    return delivery.sweep()


def enqueue_delivery(message: OutgoingMessage) -> None:
    """Queue the message's delivery for its time (the sweep sends it if this is lost)."""
    deliver_message.using(
        queue_name=settings.TASK_QUEUE_NAME, run_after=message.send_after
    ).enqueue(str(message.code))


def enqueue_sweep() -> None:
    sweep_outbox.using(queue_name=settings.TASK_QUEUE_NAME).enqueue()
