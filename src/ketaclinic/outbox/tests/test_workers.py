"""The task queue with real worker processes, in both modes: embedded (jobs in this
database) and clinic chain (jobs in Redis, RQ workers).

The worker is the real ``ketaclinic worker`` on the test's own database; emails are
written to files by Django's file backend, so the test counts what really went out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django_rq
import pytest
from django.db import connection
from django.utils import timezone

from ketaclinic.accounts.models import Clinic
from ketaclinic.outbox import services
from ketaclinic.outbox.models import MessageStatus, OutgoingMessage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("task-queue")]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MODES = ("database", "redis")


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def queue(mode: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A queue of this test's own, set up for ``mode`` in this process too."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    settings.TASK_QUEUE_NAME = name
    if mode == "redis":
        monkeypatch.setitem(django_rq.settings.QUEUES, name, {"URL": REDIS_URL})
        settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": []}}
    yield name
    if mode == "redis":
        django_rq.get_queue(name).empty()  # type: ignore[no-untyped-call]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.contextmanager
def _worker(mode: str, queue: str, mail: Path, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    environment = dict(os.environ) | {
        "DATABASE_URL": _database_url(),
        "TASK_QUEUE": mode,
        "TASK_QUEUE_NAME": queue,
        "REDIS_URL": REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail),
        "EMAIL_TIMEOUT": "1",
        "OUTBOX_LEASE_SECONDS": "3",
    }
    script = Path(sys.executable).with_name("ketaclinic")
    process = subprocess.Popen(  # noqa: S603 (our own console script)
        [str(script), "worker", "--sweep-seconds", "0.5", "--poll-seconds", "0.2"],
        env=environment | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
        _drop_their_connections()


def _drop_their_connections() -> None:
    """PostgreSQL notices a killed client's connection late; end it so the test
    database can be dropped at the end of the run."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _until(condition: Callable[[], bool], what: str, process: Any, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"{what} did not happen in {timeout_s} s; worker said:\n{output[-3000:]}")
        time.sleep(0.2)


def _mails(folder: Path) -> list[str]:
    return sorted(p.read_text() for p in folder.glob("*.log")) if folder.exists() else []


def _status(message: OutgoingMessage) -> str:
    message.refresh_from_db()
    return message.status


def _owe(clinic: Clinic) -> OutgoingMessage:
    return services.schedule(
        None,
        clinic=clinic,
        key=f"test:{uuid.uuid4()}",
        to_email="ada@example.org",
        subject="Your infusion tomorrow at 9:00",
        body="See you tomorrow.",
        send_after=timezone.now() - dt.timedelta(seconds=1),
    )


def test_it_a_worker_sends_what_was_queued(mode, queue, clinic, tmp_path) -> None:
    mail = tmp_path / "mail"
    message = _owe(clinic)
    with _worker(mode, queue, mail) as worker:
        _until(lambda: _status(message) == MessageStatus.SENT, "sending", worker)
        time.sleep(1.5)  # three more sweeps: none may send it again
    assert len(_mails(mail)) == 1
    assert "Subject: Your infusion tomorrow at 9:00" in _mails(mail)[0]
    message.refresh_from_db()
    assert message.attempts == 1


def test_it_a_worker_killed_mid_send_loses_nothing_and_doubles_nothing(
    mode, queue, clinic, tmp_path
) -> None:
    mail, marker = tmp_path / "mail", tmp_path / "stalled"
    message = _owe(clinic)
    with _worker(
        mode,
        queue,
        mail,
        EMAIL_BACKEND="ketaclinic.outbox.tests.backends.StallingFileBackend",
        OUTBOX_TEST_STALL_MARKER=str(marker),
    ) as doomed:
        _until(marker.exists, "the first worker taking the message", doomed)
        os.killpg(doomed.pid, signal.SIGKILL)  # lost mid-task, with the process sending
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(marker.read_text()), signal.SIGKILL)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENDING, 1)
    assert _mails(mail) == []
    with _worker(mode, queue, mail) as rescuer:
        _until(lambda: _status(message) == MessageStatus.SENT, "the rescue", rescuer)
        time.sleep(1.5)
    assert len(_mails(mail)) == 1
    message.refresh_from_db()
    assert message.attempts == 2
