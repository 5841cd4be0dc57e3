"""A real ketaclinic server process (``ketaclinic run``: gunicorn) on its own SQLite database.

The tests here talk HTTP to it from outside, as a browser or an attacker would,
so they see exactly what gunicorn and the proxy-facing settings do.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Server:
    base: str
    var: Path
    pid: int  # gunicorn's arbiter (``ketaclinic run`` becomes it)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    var = tmp_path_factory.mktemp("served-var")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KETACLINIC_DEV")}
    env |= {"KETACLINIC_VAR_DIR": str(var), "DEBUG": "False", "HTTPS": "False"}
    script = Path(sys.executable).with_name("ketaclinic")
    process = subprocess.Popen(  # noqa: S603 (our own console script)
        [
            str(script),
            "run",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--demo-patients",
            "5",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    # Starting includes migrate and collectstatic with compression of every static file
    # (about 35 s on a quiet machine; several times that when other suites share the cores).
    deadline = time.monotonic() + 300
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            # Stop it before reading: a server still starting never closes its output.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"ketaclinic run did not start:\n{output[-3000:]}")
        time.sleep(0.3)
    yield Server(base, var, process.pid)
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
