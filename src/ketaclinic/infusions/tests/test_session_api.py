"""The session API: the chair's rules through JSON, read back from the database."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.conftest import PASSWORD, login
from ketaclinic.infusions.models import InfusionSession, SessionEntry
from ketaclinic.plans import services as plans
from ketaclinic.plans.tests.helpers import authorised

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def test_open_chart_and_read_a_session_through_the_api(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina, kg=72)
    version = plans.sign_plan(rivera, ada, plans.PlanChoices("crps-schwartzman"), password=PASSWORD)
    nurse = login(Client(), nina)
    sessions = reverse("api:patient-sessions", args=(ada.code,))
    key = str(uuid.uuid4())
    opened = _post(
        nurse,
        sessions,
        {"plan": str(version.plan.code), "chair": "Chair 1"},
        **{"Idempotency-Key": key},
    )
    again = _post(
        nurse,
        sessions,
        {"plan": str(version.plan.code), "chair": "Chair 1"},
        **{"Idempotency-Key": key},
    )
    assert opened.status_code == again.status_code == 201
    assert InfusionSession.objects.count() == 1
    code = opened.json()["code"]
    base = f"/api/patients/{ada.code}/sessions/{code}/"
    t0 = timezone.now() - dt.timedelta(minutes=70)

    def at(minutes: float) -> str:
        return (t0 + dt.timedelta(minutes=minutes)).isoformat()

    vitals = {"systolic_mmhg": 122, "diastolic_mmhg": 80, "heart_rate_bpm": 70, "spo2_percent": 98}
    check_in = {
        "consent": True,
        "fasted": True,
        "escort": True,
        "pregnancy": "negative_test",
        "weight_kg": 72,
        "occurred_at": at(0),
        **vitals,
    }
    assert _post(nurse, base + "check-in/", check_in).status_code == 201
    over = _post(
        nurse, base + "events/", {"kind": "start", "rate_mg_per_h": 30, "occurred_at": at(5)}
    )
    assert over.status_code == 400
    assert "above the plan's hard limit of 25 mg/h" in json.dumps(over.json())
    ref = str(uuid.uuid4())
    start = {"kind": "start", "rate_mg_per_h": 12.6, "occurred_at": at(5), "client_ref": ref}
    first = _post(nurse, base + "events/", start)
    repeat = _post(nurse, base + "events/", start)
    assert first.status_code == repeat.status_code == 201
    assert first.json()["code"] == repeat.json()["code"]
    alarm = _post(nurse, base + "vitals/", {**vitals, "spo2_percent": 90, "occurred_at": at(20)})
    assert alarm.status_code == 201
    alerts = nurse.get(base + "alerts/").json()
    assert [a["message"] for a in alerts] == ["Oxygen saturation below 92 %"]
    ack_url = base + f"alerts/{alerts[0]['code']}/acknowledge/"
    assert (
        _post(nurse, ack_url, {"action_taken": "Oxygen 2 L/min; SpO2 96 % at 5 min"}).status_code
        == 201
    )
    assert _post(nurse, ack_url, {"action_taken": "again"}).status_code == 400
    _post(
        nurse,
        base + "events/",
        {"kind": "rate_change", "rate_mg_per_h": 25, "reason": "Pain 6/10", "occurred_at": at(35)},
    )
    _post(nurse, base + "events/", {"kind": "stop", "occurred_at": at(65)})
    record = nurse.get(base).json()
    # 12.6 mg/h x 30 min + 25 mg/h x 30 min = 6.3 + 12.5 = 18.8 mg
    assert record["delivered_mg"] == pytest.approx(18.8)
    assert record["state"] == "stopped"
    assert [e["kind"] for e in record["entries"]] == [
        "check_in",
        "start",
        "vitals",
        "rate_change",
        "stop",
    ]
    assert SessionEntry.objects.filter(session__code=code).count() == 5


def test_bad_vitals_through_the_api_name_the_field(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina, kg=70)
    version = plans.sign_plan(rivera, ada, plans.PlanChoices("four-hour"), password=PASSWORD)
    nurse = login(Client(), nina)
    opened = _post(
        nurse,
        reverse("api:patient-sessions", args=(ada.code,)),
        {"plan": str(version.plan.code)},
        **{"Idempotency-Key": "k1"},
    )
    base = f"/api/patients/{ada.code}/sessions/{opened.json()['code']}/"
    _post(
        nurse,
        base + "check-in/",
        {
            "consent": True,
            "fasted": True,
            "escort": True,
            "pregnancy": "",
            "systolic_mmhg": 120,
            "diastolic_mmhg": 80,
        },
    )
    for body, field in (
        ({"heart_rate_bpm": 0}, "heart_rate_bpm"),
        ({"spo2_percent": 101}, "spo2_percent"),
        ({"systolic_mmhg": 70, "diastolic_mmhg": 90}, "systolic_mmhg"),
        ({"pulse": 80}, "pulse"),
    ):
        refused = _post(nurse, base + "vitals/", body)
        assert refused.status_code == 400, body
        assert field in refused.json(), refused.json()
    assert SessionEntry.objects.filter(kind="vitals").count() == 0
