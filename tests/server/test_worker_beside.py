"""``ketaclinic run`` starts the task worker beside gunicorn (the embedded mode)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tests.server.conftest import Server


def _command_lines() -> dict[int, list[str]]:
    lines = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                raw = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            lines[int(proc.name)] = raw.decode(errors="replace").split("\0")
    return lines


def test_it_runs_one_worker_whose_parent_is_the_server(server: Server) -> None:
    workers = [
        argv for argv in _command_lines().values() if "worker" in argv and "--parent-pid" in argv
    ]
    ours = [argv for argv in workers if argv[argv.index("--parent-pid") + 1] == str(server.pid)]
    assert len(ours) == 1, workers


def test_it_the_worker_runs_jobs_from_the_servers_database(server: Server) -> None:
    """The worker queues an outbox sweep at start and every 30 s, and runs it."""
    database = server.var / "ketaclinic.sqlite3"
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline and not done:
        with sqlite3.connect(database, timeout=20) as db:
            done = db.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult"
                " WHERE task_path = 'ketaclinic.outbox.tasks.sweep_outbox'"
                " AND status = 'SUCCESSFUL'"
            ).fetchone()[0]
        time.sleep(0.5)
    assert done >= 1
