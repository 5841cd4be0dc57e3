"""The vitals endpoint and the chart page against a bare Django endpoint, over HTTP.

One server, started as ``ketaclinic run`` starts it (gunicorn, ``--preload``, its default
workers), serves side by side:

* **bare**: ``POST /bench/bare/vitals/`` (``benchmarks/bare``, bench only): a Django form
  validates a small JSON body, one row and one audit row are inserted in a transaction. No
  authentication, no audit chain. It exists only because the server runs with
  ``DJANGO_SETTINGS_MODULE=bare.settings`` (the product's settings plus that app and route);
* **vitals**: the real ``POST /api/patients/<code>/sessions/<session>/vitals/`` with an API
  token of a nurse: DRF, token authentication, the permission-checked getters, the
  serializer, ``services.record_vitals`` (the session's sequence UPDATE … RETURNING, the
  client_ref look-up, the write state read, the entry insert, the chained audit record);
* **chart**: ``GET /patients/<code>/`` as a physician signed in with two-factor (a session
  cookie), for a patient with two years of weekly infusions;
* **plan**: ``GET /patients/<code>/plans/<plan>/`` for the same patient: the page that lists
  those infusions (the chart page lists plans, not infusions).

A load generator in this process (asyncio, one TCP connection per request, as gunicorn's
sync workers close each one) keeps 20, then 50 requests in flight for a fixed time per
endpoint, in rounds that alternate the order. It reports throughput, latency percentiles,
errors (any status other than 201 for a POST and 200 for a GET, or a failed connection) and
the CPU time of the gunicorn processes (arbiter and workers, from /proc) per request; on
PostgreSQL also the CPU time of the server's PostgreSQL backends (found by their process
title). Each vitals request has a fresh ``client_ref`` and plausible values below every alert
threshold; the requests go round-robin over sessions that are opened and checked in anew
before each vitals run, so each run starts from one entry per session (the count at its end
is printed). Afterwards every audit chain is verified, and one request of each endpoint is
profiled in this process through Django's test client: queries, CPU time, and how the
vitals write grows with the entries already in the session.

The two years of history are inserted in bulk (sessions, their entries and sign-offs, without
audit records), as when the benchmark was first written (the services' replay clock,
``ketaclinic.lib.clock``, came later; the pages read the same rows either way).

Run: ``make bench`` (all benchmarks), or
``PYTHONPATH=src .venv/bin/python benchmarks/bench_vitals.py [--quick]``.
PostgreSQL runs too when ``BENCH_POSTGRES_URL`` names a server
(``postgres://postgres@127.0.0.1:5432/bench_mine``); the benchmark drops and creates the
database the URL names if its name starts with ``bench_``, else ``bench_vitals``.
``BENCH_VITALS_QUICK=1`` (or ``--quick``): one round of 5 s
per cell and a shorter profile (a few minutes in all); otherwise three rounds of 8 s.
``BENCH_VITALS_SECONDS`` and ``BENCH_VITALS_ROUNDS`` override either.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
QUICK = os.environ.get("BENCH_VITALS_QUICK", "") not in ("", "0") or "--quick" in sys.argv
SECONDS = float(os.environ.get("BENCH_VITALS_SECONDS", "5" if QUICK else "8"))
ROUNDS = int(os.environ.get("BENCH_VITALS_ROUNDS", "1" if QUICK else "3"))
CONCURRENCY = (20, 50)
ENDPOINTS = ("bare", "vitals", "chart", "plan")
#: Patients whose sessions take the vitals; SESSIONS_PER_PATIENT fresh sessions each per run.
PATIENTS = 10
SESSIONS_PER_PATIENT = 4
#: The chart patient's history: a weekly infusion for two years.
HISTORY_WEEKS = 104
#: The PostgreSQL database the benchmark drops and creates: the one BENCH_POSTGRES_URL names
#: if that is "bench_" and letters, digits or "_" (runs side by side do not collide), else this.
DATABASE = "bench_vitals"


def _database_name() -> str:
    name = os.environ.get("BENCH_POSTGRES_URL", "").rsplit("/", 1)[-1].split("?", 1)[0]
    return name if re.fullmatch(r"bench_\w{1,50}", name) else DATABASE


#: Targets (issue 11 §5): vitals ≥ 0.5 x the bare throughput, p95 ≤ 1.5 x the bare p95.
MIN_THROUGHPUT_RATIO = 0.5
MAX_P95_RATIO = 1.5


def main() -> None:
    print(_machine())
    mode = "quick" if QUICK else "full"
    print(f"{mode} mode: {ROUNDS} round(s) of {SECONDS:g} s per endpoint and concurrency")
    backends = ["sqlite"]
    if os.environ.get("BENCH_POSTGRES_URL"):
        backends.append("postgresql")
    else:
        print("PostgreSQL skipped: set BENCH_POSTGRES_URL to a server it may create a database on")
    env = {**os.environ, "BENCH_VITALS_QUICK": "1" if QUICK else "0"}
    for backend in backends:
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--backend", backend],
            check=True,
            env=env,
        )


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"machine: {platform.machine()}, nproc {os.cpu_count()}, {cpu}, "
        f"Python {platform.python_version()}, load average {_load()}"
    )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------- one backend, one process


@dataclass
class Fixture:
    """What the load generator needs: credentials and the records it writes to or reads."""

    token: str
    cookie: str
    chart_patient: str
    chart_plan: str
    #: (patient code, plan version id) of each patient whose sessions take vitals
    vitals_patients: list[tuple[str, int]]
    nurse_id: int


def run_backend(backend: str) -> None:
    var = Path(tempfile.mkdtemp(prefix="ketaclinic-bench-vitals-"))
    _environment(var, backend)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"\n== {backend}: {_database_version(connection)}, load average {_load()}", flush=True)
    began = time.perf_counter()
    fixture = _build()
    print(f"fixtures built in {time.perf_counter() - began:.1f} s")
    connection.close()
    began = time.perf_counter()
    server = Server.start(var)
    try:
        print(
            f"server: `ketaclinic run` (gunicorn {server.gunicorn_version()}, sync workers, "
            f"--preload), {len(server.workers())} workers, up in "
            f"{time.perf_counter() - began:.0f} s, load average {_load()}",
            flush=True,
        )
        began = time.perf_counter()
        cells = _measure(server, fixture, backend)
        print(f"load runs took {time.perf_counter() - began:.0f} s")
    finally:
        server.stop()
    _report(cells, backend)
    _check_chains()
    from vitals_profile import Target, profile

    one_patient = dataclasses.replace(fixture, vitals_patients=fixture.vitals_patients[:1])
    profile(
        Target(
            token=fixture.token,
            cookie=fixture.cookie,
            nurse_id=fixture.nurse_id,
            chart_url=f"/patients/{fixture.chart_patient}/",
            plan_url=f"/patients/{fixture.chart_patient}/plans/{fixture.chart_plan}/",
            fresh_session=lambda: _fresh_sessions(one_patient, per_patient=1)[0],
            vitals=_normal_vitals,
        ),
        quick=QUICK,
    )
    print(f"load average after: {_load()}")
    connection.close()
    if backend == "postgresql":
        _drop_postgres()
    shutil.rmtree(var, ignore_errors=True)


def _environment(var: Path, backend: str) -> None:
    """As ``ketaclinic run`` and tests/server/conftest.py set up a server: DEBUG off, no DEV."""
    os.environ.pop("KETACLINIC_DEV", None)
    os.environ.pop("AUDIT_WITNESS_PATH", None)
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(
        KETACLINIC_VAR_DIR=str(var),
        DEBUG="False",
        HTTPS="False",
        DJANGO_SETTINGS_MODULE="bare.settings",
        # The server's gunicorn imports ketaclinic and bare from these sources first.
        PYTHONPATH=os.pathsep.join(
            [str(SRC), str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    )
    sys.path[:0] = [str(SRC), str(HERE)]
    if backend == "postgresql":
        os.environ["DATABASE_URL"] = _fresh_postgres()
    from ketaclinic.cli.clinic import prepare_local_environment

    prepare_local_environment()  # the secrets under var/, shared with the server


def _postgres_urls() -> tuple[str, str]:
    base = os.environ["BENCH_POSTGRES_URL"].rsplit("/", 1)[0]
    return f"{base}/postgres", f"{base}/{_database_name()}"


def _fresh_postgres() -> str:
    import psycopg

    admin, url = _postgres_urls()
    name = _database_name()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    print(f"PostgreSQL database {name} (dropped and created)")
    return url


def _drop_postgres() -> None:
    import psycopg

    admin, _ = _postgres_urls()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{_database_name()}" WITH (FORCE)')


def _database_version(connection: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            (version,) = cursor.fetchone()
            cursor.execute("SHOW synchronous_commit")
            (sync,) = cursor.fetchone()
            return f"PostgreSQL {version} (synchronous_commit={sync})"
        cursor.execute("PRAGMA journal_mode")
        (mode,) = cursor.fetchone()
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (journal_mode={mode})"


# ---------------------------------------------------------------- fixtures


def _build() -> Fixture:
    """A clinic, a physician and a nurse, patients with signed plans, two years of history."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ketaclinic.accounts.models import Clinic
    from ketaclinic.accounts.roles import Role
    from ketaclinic.accounts.services import issue_api_token
    from ketaclinic.conftest import PASSWORD, make_user
    from ketaclinic.plans import services as plans
    from ketaclinic.plans.tests.helpers import authorised

    # Fixtures only (the tests do the same): Argon2 takes a fraction of a second per password
    # set or checked, and building them sets or checks three per patient. The server keeps
    # the product's hashers; its requests check no password (a token, a signed-in session).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    clinic = Clinic.objects.create(name="Bench clinic")
    physician = make_user(clinic, "dr.bench", Role.PHYSICIAN)
    nurse = make_user(clinic, "nurse.bench", Role.NURSE)
    versions = []
    for i in range(PATIENTS + 1):
        patient = _patient(clinic, i)
        authorised(patient, physician, nurse, kg=70)
        versions.append(
            (
                patient,
                plans.sign_plan(
                    physician, patient, plans.PlanChoices("four-hour"), password=PASSWORD
                ),
            )
        )
    chart_patient, chart_version = versions[0]
    _history(chart_version, physician, nurse)
    _, key = issue_api_token(nurse, name="bench")
    browser = Client()
    browser.force_login(physician)
    device = TOTPDevice.objects.get(user=physician)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return Fixture(
        token=key,
        cookie=session.session_key or "",
        chart_patient=str(chart_patient.code),
        chart_plan=str(chart_version.plan.code),
        vitals_patients=[(str(p.code), v.pk) for p, v in versions[1:]],
        nurse_id=nurse.pk,
    )


def _patient(clinic: Any, i: int) -> Any:
    from ketaclinic.accounts.roles import Role
    from ketaclinic.conftest import make_patient, make_user
    from ketaclinic.patients.models import Condition

    patient = make_patient(clinic, given_name=f"Bench{i}", family_name="Vitals")
    Condition.objects.create(patient=patient, icd10_code="G90.521", description="CRPS I, right leg")
    patient.portal_user = make_user(clinic, f"bench.patient{i}", Role.PATIENT)
    patient.save(update_fields=["portal_user"])
    return patient


def _history(version: Any, physician: Any, nurse: Any) -> None:
    """A weekly 4-h infusion for two years, each charted and signed, inserted in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from ketaclinic.infusions.models import InfusionSession, SessionEntry, SessionSignOff
    from ketaclinic.lib.signed import Meaning
    from ketaclinic.policies import services as policies
    from ketaclinic.policies.models import PolicyKind

    plan = version.plan
    care = policies.store_in_force(physician, plan.clinic, PolicyKind.INFUSION_CARE)
    first = timezone.now().replace(hour=16, minute=0, second=0, microsecond=0)
    first -= dt.timedelta(weeks=HISTORY_WEEKS)
    with transaction.atomic():
        sessions = InfusionSession.objects.bulk_create(
            InfusionSession(
                clinic=plan.clinic,
                patient=plan.patient,
                plan_version=version,
                care_policy=care,
                number_in_series=week + 1,
                chair=f"Chair {week % 4 + 1}",
                opened_at=first + dt.timedelta(weeks=week),
                opened_by=nurse,
            )
            for week in range(HISTORY_WEEKS)
        )
        entries: list[SessionEntry] = []
        signoffs: list[SessionSignOff] = []
        for session in sessions:
            charted = list(_charted(session, version, nurse))
            entries += charted
            session.last_seq = len(charted)
            signoffs.append(
                SessionSignOff(
                    session=session,
                    delivered_mg=version.total_mg,
                    summary={"delivered_mg": version.total_mg},
                    signed_by=physician,
                    signed_by_name=physician.get_full_name() or physician.username,
                    signed_at=charted[-1].occurred_at + dt.timedelta(minutes=10),
                    meaning=Meaning.REVIEWED,
                )
            )
        SessionEntry.objects.bulk_create(entries, batch_size=500)
        InfusionSession.objects.bulk_update(sessions, ["last_seq"], batch_size=500)
        SessionSignOff.objects.bulk_create(signoffs, batch_size=500)
    print(
        f"history: {len(sessions)} weekly sessions over two years, {len(entries)} entries, "
        f"{len(signoffs)} sign-offs (bulk insert)"
    )


def _charted(session: Any, version: Any, nurse: Any) -> Iterator[Any]:
    """Check-in, start, vital signs every 15 min, stop, Aldrete score, discharge."""
    from ketaclinic.infusions.models import EntryKind, SessionEntry

    t0 = session.opened_at + dt.timedelta(minutes=5)
    seq = 0

    def entry(kind: str, minutes: float, **fields: Any) -> SessionEntry:
        nonlocal seq
        seq += 1
        when = t0 + dt.timedelta(minutes=minutes)
        return SessionEntry(
            session=session,
            seq=seq,
            kind=kind,
            occurred_at=when,
            recorded_at=when,
            recorded_by=nurse,
            client_ref=uuid.uuid4(),
            **fields,
        )

    normal = _normal_vitals(random.Random(session.number_in_series))
    yield entry(
        EntryKind.CHECK_IN,
        0,
        data={
            "consent": True,
            "fasted": True,
            "escort": True,
            "pregnancy": "negative_test",
            "weight_kg": 70,
            "missing": [],
        },
        **normal,
    )
    yield entry(
        EntryKind.START,
        10,
        rate_mg_per_h=version.rate_mg_per_h,
        ceiling_rate_mg_per_h=version.hard_ceiling_rate_mg_per_h,
        data={},
    )
    for k in range(1, 17):
        yield entry(EntryKind.VITALS, 10 + 15 * k, data={}, **normal)
    yield entry(EntryKind.STOP, 10 + version.duration_min, data={})
    yield entry(
        EntryKind.SCORE, 10 + version.duration_min + 30, data={"instrument": "aldrete", "total": 10}
    )
    yield entry(EntryKind.DISCHARGE, 10 + version.duration_min + 40, data={})


def _normal_vitals(rng: random.Random) -> dict[str, float]:
    """Plausible vital signs, inside every alert threshold of the default care policy."""
    return {
        "systolic_mmhg": float(rng.randint(112, 148)),
        "diastolic_mmhg": float(rng.randint(66, 92)),
        "heart_rate_bpm": float(rng.randint(58, 96)),
        "spo2_percent": float(rng.randint(95, 100)),
        "respiratory_rate_per_min": float(rng.randint(12, 20)),
        "temperature_c": round(rng.uniform(36.3, 37.3), 1),
    }


def _fresh_sessions(
    fixture: Fixture, per_patient: int = SESSIONS_PER_PATIENT
) -> list[tuple[str, str, int]]:
    """``per_patient`` sessions per patient, opened and checked in through the services.

    Returns (patient code, session code, session id) of each.
    """
    from django.db import connection

    from ketaclinic.accounts.models import User
    from ketaclinic.infusions import services
    from ketaclinic.infusions.tests.helpers import checked_in
    from ketaclinic.plans.models import PlanVersion

    nurse = User.objects.get(pk=fixture.nurse_id)
    out = []
    for patient_code, version_id in fixture.vitals_patients:
        version = PlanVersion.objects.select_related("plan").get(pk=version_id)
        for _ in range(per_patient):
            session = services.open_session(nurse, version, chair="Chair 1")
            checked_in(session, nurse, minutes_ago=30)
            out.append((patient_code, str(session.code), session.pk))
    connection.close()
    return out


def _entries_per_session(session_ids: list[int]) -> list[int]:
    from django.db import connection
    from django.db.models import Count

    from ketaclinic.infusions.models import SessionEntry

    counts = dict(
        SessionEntry.objects.filter(session_id__in=session_ids)
        .values_list("session_id")
        .annotate(n=Count("id"))
        .values_list("session_id", "n")
    )
    connection.close()
    return sorted(counts.get(i, 0) for i in session_ids)


# ---------------------------------------------------------------- the server


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    var: Path

    @classmethod
    def start(cls, var: Path) -> Server:
        """``ketaclinic run`` with its defaults (workers too), as tests/server/conftest.py."""
        port = _free_port()
        log = (var / "server.log").open("wb")  # the access log: one line per request
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("ketaclinic")),
                "run",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = cls(process, port, var)
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{server.base}/healthz", timeout=2) as r:  # noqa: S310
                    if r.status == 200 and len(server.workers()) > 0:
                        return server
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                tail = (var / "server.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"ketaclinic run did not start:\n{tail}")
            time.sleep(0.3)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        return _children(self.process.pid)

    def pids(self) -> list[int]:
        return [self.process.pid, *self.workers()]

    def gunicorn_version(self) -> str:
        from importlib.metadata import version

        return version("gunicorn")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                out.append(int(entry.name))
    return sorted(out)


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float | None:
    """User + system CPU time of one process, in seconds (None: it is gone)."""
    fields = _stat(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def _postgres_backends() -> list[int]:
    """This database's PostgreSQL backends, by process title ("postgres: user db host")."""
    name = _database_name()
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {name} " in title:
            out.append(int(entry.name))
    return out


@dataclass
class CpuMeter:
    """CPU seconds used by a changing set of processes since start, sampled while it runs.

    A process that exits between samples loses its last interval (workers are not
    restarted in these runs; a PostgreSQL backend closes after CONN_MAX_AGE, 60 s).
    """

    find: Callable[[], list[int]]
    first: dict[int, float] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)

    def start(self) -> None:
        self.first = {p: c for p in self.find() if (c := _cpu_s(p)) is not None}
        self.last = dict(self.first)

    def sample(self) -> None:
        for pid in self.find():
            cpu = _cpu_s(pid)
            if cpu is not None:
                self.last[pid] = cpu

    def used_s(self) -> float:
        return sum(cpu - self.first.get(pid, 0.0) for pid, cpu in self.last.items())


# ---------------------------------------------------------------- the load generator


@dataclass
class Cell:
    endpoint: str
    clients: int
    round: int
    seconds: float
    latencies_s: list[float]
    statuses: Counter[int]
    server_cpu_s: float
    db_cpu_s: float | None
    client_cpu_s: float
    load_before: str
    load_after: str
    entries: list[int] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if s in (200, 201))

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


class Load:
    """Request bytes for each endpoint; every vitals request new (client_ref, values)."""

    def __init__(self, fixture: Fixture, port: int) -> None:
        self.fixture = fixture
        self.host = f"127.0.0.1:{port}"
        self.rng = random.Random(2026)
        self.sessions: list[tuple[str, str, int]] = []
        self.turn = 0

    def request(self, endpoint: str) -> tuple[bytes, int]:
        """The request and the status that counts as success."""
        f = self.fixture
        if endpoint == "chart":
            return self._get(f"/patients/{f.chart_patient}/"), 200
        if endpoint == "plan":
            return self._get(f"/patients/{f.chart_patient}/plans/{f.chart_plan}/"), 200
        body = json.dumps({"client_ref": str(uuid.uuid4()), **_normal_vitals(self.rng)})
        if endpoint == "bare":
            return self._post("/bench/bare/vitals/", body, {}), 201
        patient, session, _ = self.sessions[self.turn % len(self.sessions)]
        self.turn += 1
        path = f"/api/patients/{patient}/sessions/{session}/vitals/"
        return self._post(path, body, {"Authorization": f"Token {f.token}"}), 201

    def _get(self, path: str) -> bytes:
        return (
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Cookie: sessionid={self.fixture.cookie}\r\nConnection: close\r\n\r\n"
        ).encode()

    def _post(self, path: str, body: str, headers: dict[str, str]) -> bytes:
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        data = body.encode()
        return (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n{extra}"
            "Connection: close\r\n\r\n"
        ).encode() + data


async def _one(port: int, request: bytes) -> tuple[int, float, bytes]:
    began = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        response = await reader.read()  # gunicorn's sync workers close after each response
    finally:
        writer.close()
    status = int(response[9:12]) if response.startswith(b"HTTP/1.") else 0
    return status, time.perf_counter() - began, response


async def _drive(
    load: Load, port: int, endpoint: str, clients: int, seconds: float, meters: list[CpuMeter]
) -> tuple[list[float], Counter[int], float, list[bytes]]:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    failures: list[bytes] = []
    began = time.perf_counter()
    deadline = began + seconds

    async def client() -> None:
        while time.perf_counter() < deadline:
            request, expected = load.request(endpoint)
            try:
                status, latency, response = await asyncio.wait_for(_one(port, request), 120)
            except (OSError, TimeoutError) as exc:
                statuses[0] += 1
                failures.append(repr(exc).encode())
                continue
            statuses[status] += 1
            if status == expected:
                latencies.append(latency)
            elif len(failures) < 3:
                failures.append(response[:600])

    async def sampler() -> None:
        while time.perf_counter() < deadline:
            await asyncio.sleep(0.5)
            for meter in meters:
                meter.sample()

    await asyncio.gather(sampler(), *(client() for _ in range(clients)))
    return latencies, statuses, time.perf_counter() - began, failures


def _run_cell(
    server: Server, load: Load, endpoint: str, clients: int, rnd: int, postgres: bool
) -> Cell:
    server_cpu = CpuMeter(server.pids)
    db_cpu = CpuMeter(_postgres_backends) if postgres else None
    meters = [m for m in (server_cpu, db_cpu) if m is not None]
    load_before = _load()
    for meter in meters:
        meter.start()
    client_before = time.process_time()
    latencies, statuses, elapsed, failures = asyncio.run(
        _drive(load, server.port, endpoint, clients, SECONDS, meters)
    )
    client_cpu = time.process_time() - client_before
    for meter in meters:
        meter.sample()
    for failure in failures[:2]:
        print(f"  {endpoint} x{clients}: unexpected answer: {failure[:300]!r}")
    return Cell(
        endpoint,
        clients,
        rnd,
        elapsed,
        latencies,
        statuses,
        server_cpu.used_s(),
        db_cpu.used_s() if db_cpu else None,
        client_cpu,
        load_before,
        _load(),
    )


def _measure(server: Server, fixture: Fixture, backend: str) -> list[Cell]:
    load = Load(fixture, server.port)
    postgres = backend == "postgresql"
    # Warm every worker (imports, templates, connections) and check each endpoint answers.
    load.sessions = _fresh_sessions(fixture)
    for endpoint in ENDPOINTS:
        latencies, statuses, _, failures = asyncio.run(
            _drive(load, server.port, endpoint, 4, 1.5, [])
        )
        if not latencies:
            raise RuntimeError(f"{endpoint}: no request succeeded: {statuses}, {failures[:1]}")
    cells = []
    for rnd in range(ROUNDS):
        order = ENDPOINTS if rnd % 2 == 0 else tuple(reversed(ENDPOINTS))
        for clients in CONCURRENCY:
            for endpoint in order:
                if endpoint == "vitals":
                    load.sessions = _fresh_sessions(fixture)
                cell = _run_cell(server, load, endpoint, clients, rnd, postgres)
                if endpoint == "vitals":
                    cell.entries = _entries_per_session([s[2] for s in load.sessions])
                print(f"  round {rnd + 1}: {_cell_line(cell)}", flush=True)
                cells.append(cell)
    return cells


# ---------------------------------------------------------------- report


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def _cell_line(cell: Cell) -> str:
    lat = sorted(cell.latencies_s)
    entries = f", entries/session {cell.entries[0]}–{cell.entries[-1]}" if cell.entries else ""
    return (
        f"{cell.endpoint:<6} x{cell.clients}: {cell.ok / cell.seconds:7.1f} req/s, "
        f"p50 {_percentile(lat, 50) * 1e3:6.1f} p95 {_percentile(lat, 95) * 1e3:6.1f} ms, "
        f"errors {cell.requests - cell.ok}, load {cell.load_before}{entries}"
    )


@dataclass
class Summary:
    endpoint: str
    clients: int
    rate: float
    rates: list[float]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: Counter[int]
    server_cpu_ms: float
    db_cpu_ms: float | None
    client_cpu_ms: float
    loads: list[str]
    entries: list[int]


def _summarise(cells: list[Cell]) -> list[Summary]:
    out = []
    for clients in CONCURRENCY:
        for endpoint in ENDPOINTS:
            mine = [c for c in cells if c.endpoint == endpoint and c.clients == clients]
            ok = sum(c.ok for c in mine)
            lat = sorted(x for c in mine for x in c.latencies_s)
            requests = sum(c.requests for c in mine)
            errors: Counter[int] = Counter()
            for c in mine:
                errors.update({s: n for s, n in c.statuses.items() if s not in (200, 201)})
            db = [c.db_cpu_s for c in mine if c.db_cpu_s is not None]
            out.append(
                Summary(
                    endpoint,
                    clients,
                    ok / sum(c.seconds for c in mine),
                    [c.ok / c.seconds for c in mine],
                    _percentile(lat, 50) * 1e3,
                    _percentile(lat, 95) * 1e3,
                    _percentile(lat, 99) * 1e3,
                    requests,
                    errors,
                    sum(c.server_cpu_s for c in mine) / max(requests, 1) * 1e3,
                    sum(db) / max(requests, 1) * 1e3 if db else None,
                    sum(c.client_cpu_s for c in mine) / max(requests, 1) * 1e3,
                    [f"{c.load_before}→{c.load_after}" for c in mine],
                    [n for c in mine for n in c.entries],
                )
            )
    return out


def _report(cells: list[Cell], backend: str) -> None:
    rows = _summarise(cells)
    print(f"\n{backend}: {ROUNDS} round(s) x {SECONDS:g} s per cell; latency in ms")
    print(
        "| endpoint | clients | req/s (per round) | p50 | p95 | p99 | requests | errors "
        "| server CPU ms/req | DB CPU ms/req | client CPU ms/req | load (1-min, before→after) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s in rows:
        rounds = "/".join(f"{r:.0f}" for r in s.rates)
        errors = sum(s.errors.values())
        error_text = f"{errors}" + (f" {dict(s.errors)}" if errors else "")
        db = f"{s.db_cpu_ms:.1f}" if s.db_cpu_ms is not None else "(in server)"
        loads = ", ".join(x.split()[0] + "→" + x.split("→")[1].split()[0] for x in s.loads)
        print(
            f"| {s.endpoint} | {s.clients} | {s.rate:.0f} ({rounds}) | {s.p50_ms:.1f} "
            f"| {s.p95_ms:.1f} | {s.p99_ms:.1f} | {s.requests} | {error_text} "
            f"| {s.server_cpu_ms:.1f} | {db} | {s.client_cpu_ms:.2f} | {loads} |"
        )
    for s in rows:
        if s.entries:
            print(
                f"vitals x{s.clients}: entries per session at the end of each run: "
                f"{min(s.entries)}–{max(s.entries)} (median {statistics.median(s.entries):g}, "
                f"{len(s.entries)} sessions)"
            )
    for clients in CONCURRENCY:
        bare = next(s for s in rows if s.endpoint == "bare" and s.clients == clients)
        vitals = next(s for s in rows if s.endpoint == "vitals" and s.clients == clients)
        throughput = vitals.rate / bare.rate
        p95 = vitals.p95_ms / bare.p95_ms
        verdict = "met" if throughput >= MIN_THROUGHPUT_RATIO and p95 <= MAX_P95_RATIO else "MISSED"
        print(
            f"target x{clients}: vitals/bare throughput {throughput:.2f} "
            f"(≥ {MIN_THROUGHPUT_RATIO}), p95 {p95:.2f} (≤ {MAX_P95_RATIO}): {verdict}"
        )


def _check_chains() -> None:
    from django.conf import settings
    from django.db import connection

    from ketaclinic.audit.verify import verify_chains
    from ketaclinic.audit.witness import read_witness

    witness = read_witness([Path(settings.AUDIT_WITNESS_PATH)])
    reports = verify_chains(witness=witness)
    ok = all(r.ok and not r.witness_behind for r in reports) and not witness.problems
    records = sum(r.checked for r in reports)
    print(
        f"audit: {records} records in {len(reports)} chains; "
        f"verify {'OK, witnessed to the end' if ok else 'FAILED'}"
    )
    connection.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--backend"]:
        run_backend(sys.argv[2])
    else:
        main()
