"""Two tablets charting one session at once lose nothing and double nothing.

Real threads, each with its own connection, against the real database (SQLite in
WAL mode, or PostgreSQL with DATABASE_URL), through the API as the tablets use it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, cast

import pytest
from django.test import Client
from django.utils import timezone

from ketaclinic.conftest import at_once, login
from ketaclinic.infusions import services
from ketaclinic.infusions.models import SessionEntry
from ketaclinic.infusions.tests.helpers import checked_in, open_session

pytestmark = pytest.mark.django_db(transaction=True)


def _post(client: Client, url: str, body: dict[str, Any]) -> tuple[int, Any]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_two_tablets_charting_vitals_at_once_keep_every_entry_in_one_order(
    ada, rivera, nina
) -> None:
    session = open_session(ada, rivera, nina)
    checked_in(session, nina, minutes_ago=30)
    url = f"/api/patients/{ada.code}/sessions/{session.code}/vitals/"
    tablets = [login(Client(), nina), login(Client(), rivera)]
    now = timezone.now()
    calls = [
        (
            lambda c=tablets[i % 2], i=i: _post(
                c,
                url,
                {
                    "heart_rate_bpm": 60 + i,
                    "spo2_percent": 97,
                    "occurred_at": (now - dt.timedelta(seconds=i)).isoformat(),
                },
            )
        )
        for i in range(16)
    ]
    results = cast(list[tuple[int, Any]], at_once(*calls))
    assert [status for status, _ in results] == [201] * 16
    stored = SessionEntry.objects.filter(session=session, kind="vitals")
    rates = [r for r in stored.values_list("heart_rate_bpm", flat=True) if r is not None]
    assert sorted(rates) == [60.0 + i for i in range(16)]
    seqs = sorted(SessionEntry.objects.filter(session=session).values_list("seq", flat=True))
    assert seqs == list(range(1, 18))  # the check-in, then 16 with no gap and no repeat


def test_the_same_entry_from_two_tablets_at_once_is_stored_once(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina)
    checked_in(session, nina, minutes_ago=30)
    url = f"/api/patients/{ada.code}/sessions/{session.code}/vitals/"
    body = {"heart_rate_bpm": 77, "client_ref": str(uuid.uuid4())}
    tablets = [login(Client(), nina) for _ in range(6)]
    results = cast(
        list[tuple[int, Any]], at_once(*[(lambda c=c: _post(c, url, body)) for c in tablets])
    )
    assert {status for status, _ in results} == {201}
    assert len({answer["code"] for _, answer in results}) == 1
    assert SessionEntry.objects.filter(session=session, kind="vitals").count() == 1


def test_two_tablets_stopping_at_once_one_stops_the_other_is_told(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina)
    checked_in(session, nina, minutes_ago=30)
    services.record_pump_event(nina, session, "start", rate_mg_per_h=14)
    url = f"/api/patients/{ada.code}/sessions/{session.code}/events/"
    tablets = [login(Client(), nina), login(Client(), rivera)]
    results = cast(
        list[tuple[int, Any]],
        at_once(*[(lambda c=c: _post(c, url, {"kind": "stop"})) for c in tablets]),
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 400]
    refused = next(answer for status, answer in results if status == 400)
    assert "a stop needs a running or paused infusion" in json.dumps(refused)
    assert SessionEntry.objects.filter(session=session, kind="stop").count() == 1
