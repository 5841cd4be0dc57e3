"""An entry the server acknowledged survives SIGKILL of the server right after it.

A real ``ketaclinic run`` (gunicorn) on its own database: SQLite, or in the CI's
second run the PostgreSQL server ``DATABASE_URL`` points at (a fresh database on it).
A tablet charts vital signs through the API; the moment the last answer arrives,
every server process is killed with SIGKILL (no shutdown, no flush); then a new
process reads the database and finds every acknowledged entry, once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(sys.executable).with_name("ketaclinic")

#: Run inside the server's environment: a session in progress and an API token.
SETUP = """
import json, django
django.setup()
from ketaclinic.accounts.models import User
from ketaclinic.accounts.services import issue_api_token
from ketaclinic.demo import DEMO_PASSWORD
from ketaclinic.infusions import services as infusions
from ketaclinic.patients.models import Patient
from ketaclinic.plans.tests.helpers import stored_plan
from ketaclinic.screening import access, services
from ketacore.infusion.care import VitalSigns

physician = User.objects.get(username="dr.rivera")
nurse = User.objects.get(username="nurse.kim")
patient = Patient.objects.get(portal_user__username="patient.ben")
decision = services.sign_decision(
    physician, access.current_screening(patient), decision="not_a_candidate", note="",
    password=DEMO_PASSWORD,
)
session = infusions.open_session(nurse, stored_plan(patient, decision, physician), chair="Chair 9")
infusions.check_in(
    nurse, session, consent=True, fasted=True, escort=True, pregnancy="not_applicable",
    weight_kg=None, vitals=VitalSigns(systolic_mmhg=120, diastolic_mmhg=80),
)
infusions.record_pump_event(nurse, session, "start", rate_mg_per_h=20)
print(json.dumps({"token": issue_api_token(nurse)[1], "patient": str(patient.code),
                  "session": str(session.code)}))
"""

#: Run after the kill: the client_refs of the session's vital signs, as stored.
READ_BACK = """
import json, sys, django
django.setup()
from ketaclinic.infusions.models import SessionEntry
rows = SessionEntry.objects.filter(session__code=sys.argv[1], kind="vitals")
print(json.dumps([str(r) for r in rows.values_list("client_ref", flat=True)]))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _databases() -> list[Any]:
    """The run's database: SQLite, or the PostgreSQL of DATABASE_URL (CI runs both)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return [pytest.param(url, id="postgresql")]
    return [pytest.param(None, id="sqlite")]


@pytest.fixture(params=_databases())
def environment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KETACLINIC_DEV")}
    env |= {"KETACLINIC_VAR_DIR": str(tmp_path), "DEBUG": "False", "HTTPS": "False"}
    url = request.param
    name = ""
    if url is not None:
        import psycopg

        name = f"durability_{uuid.uuid4().hex[:8]}"
        base = url.rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{base}/{name}"
    yield env
    if name:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _python(env: dict[str, str], code: str, *args: str) -> Any:
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, *args],
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "ketaclinic.settings",
            # The secrets `ketaclinic run` generated under the var directory.
            "SECRET_KEY_FILE": str(Path(env["KETACLINIC_VAR_DIR"]) / "secret_key"),
            "AUDIT_HMAC_KEY_FILE": str(Path(env["KETACLINIC_VAR_DIR"]) / "audit_hmac_key"),
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _post(base: str, path: str, token: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(  # noqa: S310 - loopback
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        status: int = answer.status
        return status


def test_every_acknowledged_entry_survives_sigkill(environment: dict[str, str]) -> None:
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own console script
        [
            str(SCRIPT),
            "run",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--demo-patients",
            "3",
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    try:
        deadline = time.monotonic() + 300  # migrations and the demo clinic first
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310
                    break
            except (OSError, urllib.error.URLError):
                assert server.poll() is None, "the server stopped"
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        made = _python(environment, SETUP)  # beside the running server, as a script would
        path = f"/api/patients/{made['patient']}/sessions/{made['session']}/vitals/"
        for i in range(25):
            ref = str(uuid.uuid4())
            body = {"heart_rate_bpm": 60 + i, "spo2_percent": 97, "client_ref": ref}
            if _post(base, path, made["token"], body) == 201:
                acknowledged.append(ref)
    finally:
        # The moment the last answer arrived: no shutdown, no chance to flush anything.
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
    assert len(acknowledged) == 25
    stored = _python(environment, READ_BACK, made["session"])
    assert sorted(stored) == sorted(acknowledged)
