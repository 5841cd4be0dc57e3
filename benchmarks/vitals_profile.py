"""Where a vitals request's time goes: bench_vitals.py's in-process profile.

Through Django's test client in the benchmark's own process (same settings, same database,
no network, no gunicorn), so that the statements and the CPU time of one request can be
counted:

* one request of each endpoint: its SQL statements and its CPU time, with the database
  connection kept as the server keeps it (CONN_MAX_AGE), and with one per request;
* the vitals request taken apart, in a session of 20 entries: token authentication, the
  permission-checked getter, the serializer, the service and its steps (sequence number and
  client_ref look-up, the write state, the entry insert, the chained audit record);
* the same request and the session's write state (and, for scale, its full state) read
  with 1, 20, 100 and 1000 entries in the session (how the cost grows);
* a cProfile of the vitals request, its own time grouped by component.

The parts and the scaling run inside a transaction that is rolled back after each call, so
the session keeps its size while measured; their figures leave out the commit.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import json
import pstats
import random
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

#: Entries in the session of the breakdown (a 4-h infusion charts about 20).
TYPICAL_ENTRIES = 20
SIZES = (1, TYPICAL_ENTRIES, 100, 1000)


@dataclass(frozen=True)
class Target:
    token: str
    cookie: str
    nurse_id: int
    chart_url: str
    plan_url: str
    #: opens and checks in a new session: (patient code, session code, session id)
    fresh_session: Callable[[], tuple[str, str, int]]
    #: plausible vital signs below every alert threshold
    vitals: Callable[[random.Random], dict[str, float]]


def profile(target: Target, *, quick: bool) -> None:
    from django.db import connection

    from ketaclinic.infusions.models import SessionAlert

    repeats = 15 if quick else 90
    began = time.perf_counter()
    print(f"\nprofile (in this process, Django test client, {repeats} calls per figure):")
    _endpoints(target, repeats)
    _parts(target, repeats)
    _scaling(target, repeats)
    _components(target, repeats)
    alerts = SessionAlert.objects.count()
    print(f"alerts raised by the benchmark's vital signs: {alerts} (expected 0)")
    print(f"profile took {time.perf_counter() - began:.0f} s")
    connection.close()


def _clients(target: Target) -> tuple[Any, Any, Any]:
    from django.test import Client

    api = Client(HTTP_AUTHORIZATION=f"Token {target.token}", HTTP_HOST="127.0.0.1")
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.cookies["sessionid"] = target.cookie
    return api, browser, Client(HTTP_HOST="127.0.0.1")


def _poster(client: Any, url: str, target: Target, rng: random.Random) -> Callable[[], Any]:
    def post() -> Any:
        body = {"client_ref": str(uuid.uuid4()), **target.vitals(rng)}
        response = client.post(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 201, response.content[:300]
        return response

    return post


def _getter(client: Any, url: str) -> Callable[[], Any]:
    def get() -> Any:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    return get


def _cpu_ms(call: Callable[[], Any], repeats: int, *, close: bool = False) -> float:
    """CPU time per call, the median of five batches; ``close``: as the server, after each."""
    from django.db import connection

    call()  # warm
    batch = max(1, repeats // 5)
    times = []
    for _ in range(5):
        began = time.process_time()
        for _ in range(batch):
            call()
            if close:
                connection.close()  # as with CONN_MAX_AGE 0: a connection per request
        times.append((time.process_time() - began) / batch * 1e3)
    return statistics.median(times)


def _statements(call: Callable[[], Any]) -> list[dict[str, str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as capture:
        call()
    return list(capture.captured_queries)  # now: the next request clears the log


@contextmanager
def _in_post_request() -> Iterator[None]:
    """As inside a POST request: a getter's read is not audited (the write is)."""
    from ketaclinic.lib.middleware import RequestContext, _current

    token = _current.set(RequestContext(ip_address="127.0.0.1", user_agent="", method="POST"))
    try:
        yield
    finally:
        _current.reset(token)


def _rolled_back(call: Callable[[], Any]) -> Callable[[], Any]:
    from django.db import transaction

    def inner() -> Any:
        with transaction.atomic():
            result = call()
            transaction.set_rollback(True)
        return result

    return inner


def _endpoints(target: Target, repeats: int) -> None:
    api, browser, anonymous = _clients(target)
    rng = random.Random(7)
    patient, session, _ = target.fresh_session()
    calls = {
        "bare": _poster(anonymous, "/bench/bare/vitals/", target, rng),
        "vitals": _poster(api, f"/api/patients/{patient}/sessions/{session}/vitals/", target, rng),
        "chart": _getter(browser, target.chart_url),
        "plan": _getter(browser, target.plan_url),
    }
    print(
        "  one request, committed; CPU with a connection per request (SQLite before "
        "CONN_MAX_AGE was kept), and with the connection kept (as the server now runs):"
    )
    for name, call in calls.items():
        statements = _statements(call)
        closed = _cpu_ms(call, repeats, close=True)
        kept = _cpu_ms(call, repeats)
        print(
            f"    {name:<6} {len(statements):>2} statements, {kept:6.2f} ms CPU "
            f"({closed:.2f} ms with a new connection per request)"
        )
        if name == "vitals":
            for q in statements:
                print(f"        {q['sql'][:110]}")


def _grow(session_id: int, nurse_id: int, size: int, target: Target) -> None:
    """Fill a checked-in session with vital-sign entries up to ``size`` entries in all."""
    from ketaclinic.infusions.models import InfusionSession, SessionEntry

    rng = random.Random(size)
    check_in = SessionEntry.objects.get(session_id=session_id, seq=1)
    SessionEntry.objects.bulk_create(
        SessionEntry(
            session_id=session_id,
            seq=seq,
            kind="vitals",
            occurred_at=check_in.occurred_at + dt.timedelta(seconds=seq),
            recorded_at=check_in.occurred_at + dt.timedelta(seconds=seq),
            recorded_by_id=nurse_id,
            client_ref=uuid.uuid4(),
            data={},
            **target.vitals(rng),
        )
        for seq in range(2, size + 1)
    )
    InfusionSession.objects.filter(pk=session_id).update(last_seq=size)


def _parts(target: Target, repeats: int) -> None:
    from django.db import connection

    from ketaclinic.accounts.models import User
    from ketaclinic.accounts.roles import Capability
    from ketaclinic.accounts.services import use_api_token
    from ketaclinic.audit.services import Action, record
    from ketaclinic.infusions import access, services
    from ketaclinic.infusions.api import VitalsSerializer
    from ketaclinic.infusions.models import SessionEntry
    from ketaclinic.infusions.services.charting import _NEXT_SEQ
    from ketaclinic.infusions.services.state import write_state
    from ketacore.infusion.care import VitalSigns

    api, _, anonymous = _clients(target)
    rng = random.Random(9)
    patient, code, pk = target.fresh_session()
    _grow(pk, target.nurse_id, TYPICAL_ENTRIES, target)
    nurse = User.objects.get(pk=target.nurse_id)
    with _in_post_request():
        _, session = access.session_for_staff(
            nurse, patient, code, Capability.PATIENT_EDIT_CLINICAL
        )
    check_in = SessionEntry.objects.get(session=session, seq=1)

    def sequence() -> None:
        with connection.cursor() as cursor:
            cursor.execute(_NEXT_SEQ, [session.pk])
            cursor.fetchone()
        SessionEntry.objects.filter(session=session, client_ref=uuid.uuid4()).first()

    def serializer() -> None:
        body = {"client_ref": str(uuid.uuid4()), **target.vitals(rng)}
        VitalsSerializer(data=body).is_valid(raise_exception=True)

    def insert() -> None:
        SessionEntry.objects.create(
            session=session,
            seq=10_000,
            kind="vitals",
            occurred_at=check_in.occurred_at,
            recorded_at=check_in.occurred_at,
            recorded_by=nurse,
            client_ref=uuid.uuid4(),
            data={},
            **target.vitals(rng),
        )

    def audit() -> None:
        record(nurse, Action.CREATE, obj=check_in, patient_code=patient, summary="Vitals")

    url = f"/api/patients/{patient}/sessions/{code}/vitals/"
    parts: list[tuple[str, Callable[[], Any]]] = [
        ("bare request (for scale)", _poster(anonymous, "/bench/bare/vitals/", target, rng)),
        ("GET /api/me/ with the token (DRF + token floor)", _getter(api, "/api/me/")),
        ("vitals request", _poster(api, url, target, rng)),
        ("  token authentication (use_api_token)", lambda: use_api_token(target.token)),
        (
            "  getter: session with patient, plan, policy (session_for_staff)",
            lambda: access.session_for_staff(
                nurse, patient, code, Capability.PATIENT_EDIT_CLINICAL
            ),
        ),
        ("  serializer", serializer),
        (
            "  record_vitals (the service)",
            lambda: services.record_vitals(nurse, session, VitalSigns(**target.vitals(rng))),
        ),
        ("    sequence UPDATE … RETURNING, client_ref look-up", sequence),
        ("    write_state (signed?, check-in, care policy)", lambda: write_state(session)),
        ("    (session_state, the full state, for scale)", lambda: services.session_state(session)),
        ("    entry insert", insert),
        ("    audit record (chained)", audit),
    ]
    print(
        f"  the vitals request taken apart ({TYPICAL_ENTRIES} entries in the session; "
        "rolled back after each call, so no commit; connection kept):"
    )
    with _in_post_request():
        for label, call in parts:
            cpu = _cpu_ms(_rolled_back(call), repeats * 2)
            print(f"    {label:<54} {cpu:6.2f} ms CPU")


def _scaling(target: Target, repeats: int) -> None:
    from ketaclinic.accounts.models import User
    from ketaclinic.accounts.roles import Capability
    from ketaclinic.infusions import access, services
    from ketaclinic.infusions.services.state import write_state

    api, _, _ = _clients(target)
    nurse = User.objects.get(pk=target.nurse_id)
    rng = random.Random(11)
    print("  the vitals request against the entries already in the session (rolled back):")
    for size in SIZES:
        patient, code, pk = target.fresh_session()
        _grow(pk, target.nurse_id, size, target)
        post = _poster(api, f"/api/patients/{patient}/sessions/{code}/vitals/", target, rng)
        statements = len(_statements(_rolled_back(post)))
        request = _cpu_ms(_rolled_back(post), repeats)
        with _in_post_request():
            _, session = access.session_for_staff(
                nurse, patient, code, Capability.PATIENT_EDIT_CLINICAL
            )
        state = _cpu_ms(partial(write_state, session), repeats)
        full = _cpu_ms(partial(services.session_state, session), repeats)
        print(
            f"    {size:>5} entries: {statements} statements, request {request:6.2f} ms CPU, "
            f"of which write_state {state:6.2f} ms (the full session_state: {full:6.2f} ms)"
        )


_COMPONENTS = (
    ("sqlite3.Connection' objects>", "SQLite (C): connect, PRAGMAs, commit, close"),
    ("sqlite3", "SQLite (C): statements and fetches"),
    ("SQLiteCursorWrapper.execute", "SQLite (C): statements and fetches"),
    ("psycopg", "psycopg (PostgreSQL driver, waits included)"),
    ("django/db/models/sql/", "Django ORM: building and compiling SQL"),
    ("django/db/models/", "Django ORM: models, querysets, fields"),
    ("django/db/", "Django database backends"),
    ("rest_framework/", "Django REST framework"),
    ("django/", "Django (handlers, middleware, http, other)"),
    ("ketaclinic/", "ketaclinic"),
    ("ketacore/", "ketacore"),
)


def _component(file: str, func: str) -> str:
    where = f"{file} {func}"
    for needle, component in _COMPONENTS:
        if needle in where:
            return component
    return "other (stdlib, builtins, libraries)"


def _components(target: Target, repeats: int) -> None:
    api, _, _ = _clients(target)
    patient, code, pk = target.fresh_session()
    _grow(pk, target.nurse_id, TYPICAL_ENTRIES, target)
    post = _rolled_back(
        _poster(api, f"/api/patients/{patient}/sessions/{code}/vitals/", target, random.Random(3))
    )
    post()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        post()
    profiler.disable()
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    table = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in table.values())
    groups: defaultdict[str, float] = defaultdict(float)
    for (file, _, func), (_, _, tt, _, _) in table.items():
        groups[_component(file, func)] += tt
    print(
        f"  cProfile of the vitals request ({TYPICAL_ENTRIES} entries, rolled back): "
        f"{total / repeats * 1e3:.1f} ms per request under the profiler; own time by component:"
    )
    for component, seconds in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"    {component:<46} {seconds / total * 100:5.1f} %")
