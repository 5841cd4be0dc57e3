"""The questionnaire schedule's tests see what the worker does as soon as a write commits."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings) -> None:
    """The queue runs each task when it is queued (after the write's commit), so a signed
    plan or a discharge has opened its questionnaires when the service returns."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
    }
