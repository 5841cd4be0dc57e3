"""The 100,000-patient demo clinic on PostgreSQL: its generation, the patient's progress page
and the clinic analytics, each page next to the raw SQL of its own queries.

* **generation** (``--generate N``, only into an empty database): ``ketaclinic demo --patients
  N`` as a user runs it, timed from outside (wall clock), with the counts it prints;
* **summary** (``--refresh``): ``outcomes.summary.refresh_all``, the whole clinic's series rows
  rebuilt in batches as the nightly task does, timed (the analytics read those rows);
* **daily questionnaire run** (``--daily``): ``qschedule.services.refresh_all``, as the worker
  runs it each day, timed (it opens what falls due today, so it writes);
* **worklists**: the home page of the physician, the nurse and the front desk;
* **pages**: as a physician signed in with two-factor, through Django's test client in this
  process: the care team's progress page (``/patients/<code>/progress/``), the diary page and
  the chart for a fixed sample of bulk patients, and the progress page's two chart images
  (whose first request is the drawing); the clinic analytics page for each breakdown
  and the de-identified export. Each page is requested once to warm up and then REPEATS times;
  its median time, its number of queries, and the **raw SQL time**: the SELECTs the page ran
  (captured with their parameters), run again on a plain cursor REPEATS times, median of the
  sums. The page's writes (its audit records of the read) are counted, not replayed.

Run (the database is never dropped; give it a name of your own)::

    BENCH_SCALE_URL=postgres://postgres@127.0.0.1:5432/bench100k \\
        .venv/bin/python benchmarks/bench_scale.py --generate 100000 --refresh --daily

``make bench`` runs it only when ``BENCH_SCALE_URL`` is set (it takes an hour to generate).
Results: docs/performance.md, "A 100,000-patient clinic".
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPEATS = 5
SAMPLE = 8


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv if argv is not None else [])
    url = os.environ.get("BENCH_SCALE_URL", "")
    if not url:
        print(
            "skipped: set BENCH_SCALE_URL to a PostgreSQL database for the 100,000-patient clinic"
        )
        return
    env = {**os.environ, "DATABASE_URL": url, "KETACLINIC_DEV": "1", "HTTPS": "False"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
    print(_machine())
    if args.generate:
        _generate(args.generate, env)
    child = [sys.executable, str(Path(__file__).resolve()), "--child"]
    child += ["--refresh"] * args.refresh + ["--daily"] * args.daily
    subprocess.run(child, env=env, check=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", type=int, default=0, metavar="N")
    parser.add_argument("--refresh", action="store_true", help="rebuild the series summary")
    parser.add_argument("--daily", action="store_true", help="run the daily questionnaire task")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser


def _machine() -> str:
    mem = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "?",
    )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {platform.machine()}, nproc {os.cpu_count()}, memory {mem}, "
        f"Python {platform.python_version()}, load average {load}"
    )


def _generate(patients: int, env: dict[str, str]) -> None:
    command = [str(Path(sys.executable).parent / "ketaclinic"), "demo", "--patients", str(patients)]
    print("$", " ".join(command), flush=True)
    began = time.perf_counter()
    subprocess.run(command, env=env, check=True)
    print(f"generation: {time.perf_counter() - began:.0f} s wall clock", flush=True)


# ------------------------------------------------------------------ in the child process


def child(refresh: bool, daily: bool) -> None:
    import django

    from ketaclinic.cli.clinic import prepare_local_environment

    prepare_local_environment()  # the audit key under var/, as `ketaclinic demo` wrote with
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host is allowed; nothing else changes

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print("database:", cursor.fetchone()[0].split(",")[0])
    from ketaclinic.demo import row_counts

    for name, count in row_counts().items():
        print(f"  {name:<28} {count:>12,}")
    if refresh:
        _refresh()
    if daily:
        _daily()
    client = _physician()
    print(
        f"\npages: median of {REPEATS} requests (ms: wall clock; cpu: this process's CPU time; "
        "raw SQL: the page's SELECTs run again on a plain cursor, median of the sums)"
    )
    header = f"{'page':<38} {'ms':>8} {'cpu ms':>8} {'queries':>8} {'raw SQL ms':>11} {'writes':>7}"
    codes = _sample()
    print(f"patient pages, {len(codes)} bulk patients: median over them (max)")
    print(header)
    for name in ("progress", "pain chart", "scores chart", "diary", "chart"):
        rows = [_time(client, _url(name, code)) for code in codes]
        ms = [r[0] for r in rows]
        cpu = statistics.median(r[1] for r in rows)
        print(
            f"{name:<38} {statistics.median(ms):>8.1f} {cpu:>8.1f}"
            f" {max(r[2] for r in rows):>8} {statistics.median(r[3] for r in rows):>11.1f}"
            f" {max(r[4] for r in rows):>7}   (max {max(ms):.0f} ms;"
            f" first request {statistics.median(r[5] for r in rows):.0f} ms)",
            flush=True,
        )
    from ketaclinic.outcomes.analytics import BREAKDOWNS

    print("worklists (the home page)")
    print(header)
    for username in ("dr.rivera", "nurse.kim", "desk.lee"):
        took, used, queries, raw, writes, first = _time(_physician(username), "/")
        print(
            f"{'home, ' + username:<38} {took:>8.1f} {used:>8.1f} {queries:>8} {raw:>11.1f}"
            f" {writes:>7}   (first request {first:.0f} ms)",
            flush=True,
        )
    print("clinic analytics")
    print(header)
    views = [(f"analytics by {b}", f"/analytics/?breakdown={b}") for b in BREAKDOWNS]
    views += [
        ("analytics, boosters by protocol", "/analytics/?breakdown=protocol&kind=booster"),
        ("export (de-identified)", "/analytics/export.csv"),
    ]
    for label, url in views:
        took, used, queries, raw, writes, _ = _time(client, url)
        print(
            f"{label:<38} {took:>8.1f} {used:>8.1f} {queries:>8} {raw:>11.1f} {writes:>7}",
            flush=True,
        )


def _refresh() -> None:
    from ketaclinic.outcomes.models import SeriesOutcome
    from ketaclinic.outcomes.summary import BATCH, refresh_all

    began, cpu = time.perf_counter(), time.process_time()
    count = refresh_all()
    spent, used = time.perf_counter() - began, time.process_time() - cpu
    per = 1000 * spent / max(1, count)
    print(
        f"summary: {count:,} patients refreshed in batches of {BATCH} in {spent:.0f} s "
        f"({per:.1f} ms per patient; this process's CPU {used:.0f} s)"
    )
    print(f"  series rows now: {SeriesOutcome.objects.count():,}")


def _daily() -> None:
    from ketaclinic.qschedule.models import FollowUpQuestionnaire
    from ketaclinic.qschedule.services import refresh_all

    began = time.perf_counter()
    opened = refresh_all()
    spent = time.perf_counter() - began
    print(f"daily questionnaire run: {opened:,} opened in {spent:.0f} s")
    print(f"  scheduled questionnaires now: {FollowUpQuestionnaire.objects.count():,}")


def _physician(username: str = "dr.rivera") -> Any:
    from django.test import Client

    from ketaclinic.accounts.models import User
    from ketaclinic.conftest import login

    return login(Client(), User.objects.get(username=username))


def _sample() -> list[str]:
    """Bulk patients with infusions, evenly spaced over the clinic (the same every run)."""
    from ketaclinic.demo import BULK_ABOVE
    from ketaclinic.infusions.models import InfusionSession
    from ketaclinic.patients.models import Patient

    treated = Patient.objects.filter(pk__in=InfusionSession.objects.values("patient_id"))
    codes = list(treated.order_by("pk").values_list("code", flat=True)[BULK_ABOVE:])
    step = max(1, len(codes) // SAMPLE)
    return [str(c) for c in codes[::step][:SAMPLE]]


def _url(name: str, code: str) -> str:
    return {
        "progress": f"/patients/{code}/progress/",
        "pain chart": f"/patients/{code}/progress/pain.svg",
        "scores chart": f"/patients/{code}/progress/scores.svg",
        "diary": f"/patients/{code}/diary/",
        "chart": f"/patients/{code}/",
    }[name]


def _time(client: Any, url: str) -> tuple[float, float, int, float, int, float]:
    """(ms, cpu ms, queries, raw SQL ms, writes) of a page, medians of REPEATS, and the
    first request's ms (charts drawn, the planner's first look; later ones reuse them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    began = time.perf_counter()
    response = client.get(url)  # warm-up: caches, the planner's first look
    first = 1000 * (time.perf_counter() - began)
    assert response.status_code == 200, (url, response.status_code)
    times: list[float] = []
    cpu: list[float] = []
    captured: list[dict[str, Any]] = []
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as queries:
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
        assert response.status_code == 200, (url, response.status_code)
        captured = list(queries.captured_queries)
    reads = [q["sql"] for q in captured if _is_read(q["sql"])]
    raw: list[float] = []
    with connection.cursor() as cursor:
        for _ in range(REPEATS):
            began = time.perf_counter()
            for sql in reads:
                cursor.execute(sql)
                cursor.fetchall()
            raw.append(time.perf_counter() - began)
    return (
        1000 * statistics.median(times),
        1000 * statistics.median(cpu),
        len(captured),
        1000 * statistics.median(raw),
        len(captured) - len(reads),
        first,
    )


def _is_read(sql: str) -> bool:
    text = sql.lstrip().upper()
    return text.startswith("SELECT") and "FOR UPDATE" not in text


if __name__ == "__main__":
    options = _parser().parse_args()
    if options.child:
        sys.path.insert(0, str(HERE.parent / "src"))
        child(options.refresh, options.daily)
    else:
        main(sys.argv[1:])
