"""gunicorn's hooks for ``ketaclinic run``: the task worker starts and stops with the server.

The worker (``ketaclinic worker``) runs as a child of gunicorn's arbiter, so Ctrl-C, a
SIGTERM to the server or its exit stop it too; started with ``--parent-pid``, it also
stops by itself when the arbiter is killed outright. ``ketaclinic run --no-worker``
(for a clinic chain whose workers run on other machines) sets ``KETACLINIC_WORKER=0``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

_worker: subprocess.Popen[bytes] | None = None


def on_starting(server: Any) -> None:
    global _worker
    if os.environ.get("KETACLINIC_WORKER", "1") != "1":
        return
    script = Path(sys.executable).with_name("ketaclinic")
    _worker = subprocess.Popen(  # noqa: S603 (our own console script, fixed arguments)
        [str(script), "worker", "--parent-pid", str(os.getpid())]
    )
    server.log.info("Started the task worker (pid %s)", _worker.pid)


def on_exit(server: Any) -> None:
    if _worker is None or _worker.poll() is not None:
        return
    _worker.terminate()
    try:
        _worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        _worker.kill()
