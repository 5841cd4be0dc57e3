"""Email backends for the outbox's tests (a worker process can be told to use them)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.message import EmailMessage


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise ConnectionRefusedError("the mail server refused the connection")


class StallingFileBackend(FileBackend):
    """Writes a marker with its process id, then hangs before handing the message over.

    A test kills the worker while it hangs here, as a worker lost mid-task (with RQ, the
    process sending is the job's own "work horse", which RQ starts in a session of its
    own; the test kills it too, as when the worker's machine goes down).
    """

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        marker = Path(os.environ["OUTBOX_TEST_STALL_MARKER"])
        marker.write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(600)
        return 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
