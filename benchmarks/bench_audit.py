"""Audited writes from 50 concurrent clients: per-clinic hash chains against no chain at all.

Each client (a forked process, like a gunicorn worker, or a thread; each with its own
database connection) makes audited writes as fast as it can for a fixed time, one transaction
each, of two kinds:

* **audit record alone**: the transaction writes only the audit record (the worst case for the
  chain, since nothing else shares the cost);
* **vitals row + audit record**: a ``BodyMeasurement`` row, then its audit record, as the
  services write them.

and the audit record is written either way:

* **chained**: ``audit.services.record()``: lock the clinic's head row, hash, insert, move
  the head, commit, then append the witness line;
* **plain**: the same AuditEvent-shaped row through the same ORM call, with no head row, no
  lock, no hash and no witness.

The clients write across 10 clinics (5 per clinic) and across 1 clinic (all 50 on one
chain); for context, 5 clients on 1 clinic (gunicorn's 2 x cores + 1 workers here) and 1
client alone (the cost of one record without contention). Plain and chained
runs alternate, three of each, and the medians are compared. It runs once on SQLite (a
file in WAL mode, as in settings) and once on PostgreSQL, each in its own process.

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python benchmarks/bench_audit.py``.
PostgreSQL is used when ``BENCH_POSTGRES_URL`` names a database the benchmark may drop and
create (e.g. ``postgres://postgres@127.0.0.1:5432/ketaclinic_bench``); otherwise skipped.
``BENCH_AUDIT_SECONDS`` sets the length of each run (default 5), ``BENCH_AUDIT_CLIENTS``
``processes`` (default) or ``threads``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

CLIENTS = 50
REPEATS = 3
SECONDS = float(os.environ.get("BENCH_AUDIT_SECONDS", "5"))
#: "processes" (one forked process per client, like gunicorn workers) or "threads".
CLIENTS_AS = os.environ.get("BENCH_AUDIT_CLIENTS", "processes")
SCENARIOS = (("50 clients, 10 clinics", CLIENTS, 10), ("50 clients, 1 clinic", CLIENTS, 1))
#: Without the target: as many clients as gunicorn workers on 2 cores (2 x 2 + 1), all on one
#: clinic, and one client alone (the cost of one record without contention).
CONTEXT = (("5 clients, 1 clinic", 5, 1), ("1 client, 1 clinic", 1, 1))
WORKLOADS = ("audit record alone", "vitals row + audit record")
PATIENT = "9f0c2a52-4a3e-4c53-9a57-5b1a8f0e1c11"
MEASURED_ON = dt.date(2026, 11, 20)


@dataclass(frozen=True, slots=True)
class Run:
    scenario: str
    mode: str
    ops: int
    seconds: float
    errors: int

    @property
    def rate(self) -> float:
        return self.ops / self.seconds


def main() -> None:
    print(_machine())
    print(
        f"{CLIENTS} clients ({CLIENTS_AS}), {SECONDS:g} s per run, "
        f"{REPEATS} runs of each kind, alternating"
    )
    here = Path(__file__).resolve()
    backends = ["sqlite"]
    if os.environ.get("BENCH_POSTGRES_URL"):
        backends.append("postgresql")
    else:
        print("PostgreSQL skipped: set BENCH_POSTGRES_URL to a database it may drop and create")
    for backend in backends:
        subprocess.run([sys.executable, str(here), "--backend", backend], check=True)


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


def run_backend(backend: str) -> None:
    var = tempfile.mkdtemp(prefix="ketaclinic-bench-audit-")
    os.environ.update(KETACLINIC_VAR_DIR=var, KETACLINIC_DEV="1", HTTPS="False")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
    os.environ.pop("AUDIT_WITNESS_PATH", None)
    if backend == "postgresql":
        os.environ["DATABASE_URL"] = _fresh_postgres(os.environ["BENCH_POSTGRES_URL"])
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"\n== {backend}: {_database_version(connection)}, load average {_load()}")
    clinics = _clinics(10)
    for workload in WORKLOADS:
        print(f"-- {workload}")
        runs = [
            _run(name, n_clients, clinics[:n_clinics], workload, mode)
            for name, n_clients, n_clinics, mode in _plan()
        ]
        _report(runs)
    _check_chains()
    print(f"witness line append alone: {_witness_cost_us():.1f} µs per line (20,000 lines)")
    print(f"load average after: {_load()}")
    connection.close()
    if backend == "postgresql":
        _drop_postgres(os.environ["BENCH_POSTGRES_URL"])


def _plan() -> list[tuple[str, int, int, str]]:
    plan = []
    for name, n_clients, n_clinics in (*SCENARIOS, *CONTEXT):
        for _, mode in itertools.product(range(REPEATS), ("plain", "chained")):
            plan.append((name, n_clients, n_clinics, mode))
    return plan


def _fresh_postgres(url: str) -> str:
    import psycopg

    admin_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


def _drop_postgres(url: str) -> None:
    import psycopg

    admin_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
        cursor.execute("PRAGMA synchronous")
        (sync,) = cursor.fetchone()
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (journal_mode={mode}, synchronous={sync})"


def _clinics(count: int) -> list[int]:
    """Clinics with one patient each, whose vitals the second workload records."""
    from ketaclinic.accounts.models import Clinic
    from ketaclinic.patients.models import Patient

    clinics = []
    for i in range(count):
        clinic = Clinic.objects.create(name=f"Bench clinic {i}")
        patient = Patient(
            clinic=clinic,
            chart_number=f"B-{i:04d}",
            given_name="Ada",
            family_name="Bench",
            date_of_birth=dt.date(1975, 12, 10),
            sex="female",
            phone="(480) 555-0101",
        )
        patient.save()
        _PATIENTS[clinic.pk] = patient.pk
        clinics.append(clinic.pk)
    return clinics


#: clinic id -> its bench patient's id (set before clients start, so forks inherit it)
_PATIENTS: dict[int, int] = {}


# ---------------------------------------------------------------- the two kinds of write


def _chained_write(clinic_id: int, client: int, seq: int) -> None:
    from ketaclinic.audit.models import Action
    from ketaclinic.audit.services import record

    record(
        None,
        Action.VIEW,
        clinic_id=clinic_id,
        patient_code=PATIENT,
        summary="Vital signs recorded",
        changes={"heart_rate_bpm": [None, 72]},
    )


def _plain_write(clinic_id: int, client: int, seq: int) -> None:
    """The same row through the same ORM call, with no head row, no lock and no hash."""
    from django.db import transaction
    from django.utils import timezone

    from ketaclinic.audit.models import Action, AuditEvent

    with transaction.atomic():
        AuditEvent(
            chain=-client,  # a chain of its own that no real record uses: (chain, seq) unique
            seq=seq,
            created_at=timezone.now(),
            actor_id=None,
            actor_username="",
            actor_role="",
            clinic_id=clinic_id,
            action=Action.VIEW,
            object_type="",
            object_code="",
            patient_code=PATIENT,
            summary="Vital signs recorded",
            changes=json.loads(json.dumps({"heart_rate_bpm": [None, 72]})),
            ip_address=None,
            prev_hash="",
            hash="",
        ).save(force_insert=True)


_run_numbers = itertools.count(1)


def _vitals_write(clinic_id: int, client: int, seq: int, audit: Any) -> None:
    """A vitals row and its audit record in one transaction, as a service writes them."""
    from django.db import transaction

    from ketaclinic.patients.models import BodyMeasurement

    with transaction.atomic():
        BodyMeasurement(
            patient_id=_PATIENTS[clinic_id], weight_kg=Decimal("72.5"), measured_on=MEASURED_ON
        ).save()
        audit(clinic_id, client, seq)


def _writer(workload: str, mode: str) -> Any:
    audit = _chained_write if mode == "chained" else _plain_write
    return audit if workload == WORKLOADS[0] else partial(_vitals_write, audit=audit)


def _run(scenario: str, n_clients: int, clinics: list[int], workload: str, mode: str) -> Run:
    # Client numbers unique over all runs give each plain client a chain of its own.
    first = next(_run_numbers) * 1000
    if CLIENTS_AS == "threads":
        return _run_threads(scenario, first, n_clients, clinics, workload, mode)
    return _run_processes(scenario, first, n_clients, clinics, workload, mode)


def _client_loop(client: int, clinic_id: int, workload: str, mode: str, stop: Any) -> int:
    write = _writer(workload, mode)
    count = 0
    while not stop.is_set():
        write(clinic_id, client, count + 1)
        count += 1
    return count


def _run_threads(
    scenario: str, first: int, n_clients: int, clinics: list[int], workload: str, mode: str
) -> Run:
    counts = [0] * n_clients
    errors: list[BaseException] = []
    start, stop = threading.Barrier(n_clients + 1), threading.Event()

    def client(index: int) -> None:
        from django.db import connection

        try:
            start.wait()
            clinic_id = clinics[index % len(clinics)]
            counts[index] = _client_loop(first + index, clinic_id, workload, mode, stop)
        except Exception as exc:  # counted and shown: a benchmark must not hide failures
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n_clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join()
    return _finish(scenario, mode, sum(counts), time.perf_counter() - began, errors)


def _run_processes(
    scenario: str, first: int, n_clients: int, clinics: list[int], workload: str, mode: str
) -> Run:
    """One forked process per client, as gunicorn's workers are: no shared GIL."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # a forked child must not share its parent's connection
    context = multiprocessing.get_context("fork")
    start, stop, results = context.Barrier(n_clients + 1), context.Event(), context.Queue()
    workers = [
        context.Process(
            target=_process_client,
            args=(first + i, clinics[i % len(clinics)], workload, mode, start, stop, results),
        )
        for i in range(n_clients)
    ]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(SECONDS)
    stop.set()
    outcomes = [results.get() for _ in workers]
    elapsed = time.perf_counter() - began
    for worker in workers:
        worker.join()
    errors: list[BaseException] = [RuntimeError(o) for o in outcomes if isinstance(o, str)]
    ops = sum(o for o in outcomes if isinstance(o, int))
    return _finish(scenario, mode, ops, elapsed, errors)


def _process_client(
    client: int, clinic_id: int, workload: str, mode: str, start: Any, stop: Any, results: Any
) -> None:
    from django.db import connection

    try:
        start.wait()
        results.put(_client_loop(client, clinic_id, workload, mode, stop))
    except Exception as exc:  # reported to the parent, which counts and shows it
        results.put(repr(exc))
    finally:
        connection.close()


def _finish(scenario: str, mode: str, ops: int, elapsed: float, errors: list[BaseException]) -> Run:
    if errors:
        print(f"  {scenario} {mode}: {len(errors)} clients failed, first: {errors[0]!r}")
    return Run(scenario, mode, ops, elapsed, len(errors))


def _report(runs: list[Run]) -> None:
    print(f"{'scenario':<24} {'plain writes/s':>28} {'chained writes/s':>28} {'ratio':>6}")
    for name, _, _ in (*SCENARIOS, *CONTEXT):
        plain = [r.rate for r in runs if r.scenario == name and r.mode == "plain"]
        chained = [r.rate for r in runs if r.scenario == name and r.mode == "chained"]
        ratio = statistics.median(chained) / statistics.median(plain)
        print(
            f"{name:<24} {_rates(plain):>28} {_rates(chained):>28} {ratio:>6.2f}"
            + (_verdict(ratio) if name in {n for n, _, _ in SCENARIOS} else "")
        )
    failed = sum(r.errors for r in runs)
    print(f"failed clients: {failed}")


def _verdict(ratio: float) -> str:
    return "  target met" if ratio >= 0.8 else "  TARGET MISSED (0.8)"


def _rates(rates: list[float]) -> str:
    runs = "/".join(f"{r:.0f}" for r in rates)
    return f"{statistics.median(rates):.0f} ({runs})"


def _check_chains() -> None:
    from django.conf import settings

    from ketaclinic.audit.models import AuditEvent
    from ketaclinic.audit.verify import verify_chains
    from ketaclinic.audit.witness import read_witness

    witness = read_witness([Path(settings.AUDIT_WITNESS_PATH)])
    reports = [r for r in verify_chains(witness=witness) if r.chain >= 0]
    chained = AuditEvent.objects.filter(chain__gte=0).count()
    ok = all(r.ok and not r.witness_behind for r in reports) and not witness.problems
    print(
        f"after the runs: {chained} chained records in {len(reports)} chains, "
        f"{witness.lines} witness lines; verify {'OK, witnessed to the end' if ok else 'FAILED'}"
    )


def _witness_cost_us() -> float:
    from ketaclinic.audit.witness import append_checkpoint

    path = Path(tempfile.mkdtemp(prefix="ketaclinic-bench-witness-")) / "witness.log"
    began = time.perf_counter()
    for seq in range(1, 20_001):
        append_checkpoint(1, seq, "a" * 64, path)
    return (time.perf_counter() - began) / 20_000 * 1e6


if __name__ == "__main__":
    if sys.argv[1:2] == ["--backend"]:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
        run_backend(sys.argv[2])
    else:
        main()
