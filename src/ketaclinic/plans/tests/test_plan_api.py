"""The plan API: the same checks as the page, read back from the database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import PASSWORD, login
from ketaclinic.plans.models import PlanVersion
from ketaclinic.plans.tests.helpers import authorised

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, payload: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(payload), content_type="application/json")


def test_sign_list_and_revise_a_plan_through_the_api(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina, kg=72)
    physician = login(Client(), rivera)
    plans = reverse("api:patient-plans", args=(ada.code,))
    calc = _post(
        physician,
        reverse("api:patient-plan-calculate", args=(ada.code,)),
        {"protocol_id": "crps-schwartzman"},
    )
    assert calc.status_code == 200
    assert calc.json()["calculation"]["pump"]["rate_ml_per_h"] == 12.6
    assert not PlanVersion.objects.exists()  # calculating stores nothing

    assert (
        _post(
            login(Client(), nina), plans, {"protocol_id": "crps-schwartzman", "password": PASSWORD}
        ).status_code
        == 403
    )
    signed = _post(physician, plans, {"protocol_id": "crps-schwartzman", "password": PASSWORD})
    assert signed.status_code == 201, signed.content
    body = signed.json()
    stored = PlanVersion.objects.get(code=body["code"])
    assert stored.rate_ml_per_h == body["calculation"]["pump"]["rate_ml_per_h"] == 12.6
    listing = login(Client(), nina).get(plans).json()
    assert [v["code"] for v in listing] == [body["code"]]

    revised = _post(
        physician,
        plans,
        {
            "protocol_id": "four-hour",
            "password": PASSWORD,
            "revises": body["code"],
            "reason": "Longer infusions",
        },
    )
    assert revised.status_code == 201, revised.content
    history = physician.get(reverse("api:patient-plan", args=(ada.code, body["plan"]))).json()
    assert [v["number"] for v in history] == [2, 1]
    assert history[0]["revises"] == body["code"]


def test_a_hard_limit_is_refused_by_the_api_naming_the_limit(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina, kg=100)
    physician = login(Client(), rivera)
    refused = _post(
        physician,
        reverse("api:patient-plans", args=(ada.code,)),
        {
            "protocol_id": "crps-schwartzman",
            "dose": 0.35,
            "password": PASSWORD,
        },
    )
    assert refused.status_code == 400
    assert "above this protocol's hard limit of 25 mg/h" in json.dumps(refused.json())
    assert not PlanVersion.objects.exists()


def test_a_soft_limit_needs_its_reason_in_the_api(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina, kg=70)
    physician = login(Client(), rivera)
    url = reverse("api:patient-plans", args=(ada.code,))
    payload = {"protocol_id": "four-hour", "dose": 0.7, "password": PASSWORD}
    missing = _post(physician, url, payload)
    assert missing.status_code == 400
    assert "soft_reasons" in missing.json()
    calculate = reverse("api:patient-plan-calculate", args=(ada.code,))
    calc = _post(physician, calculate, {"protocol_id": "four-hour", "dose": 0.7}).json()
    keys = calc["calculation"]["soft_limits_needing_a_reason"]
    done = _post(physician, url, payload | {"soft_reasons": dict.fromkeys(keys, "Tolerated well")})
    assert done.status_code == 201
    assert len(PlanVersion.objects.get().soft_overrides) == 2


def test_the_protocol_library_endpoint(nina) -> None:
    body = login(Client(), nina).get(reverse("api:protocols")).json()
    assert body["version"] == "2026.1-draft"
    assert body["approved_by"] is None
    crps = next(p for p in body["protocols"] if p["id"] == "crps-schwartzman")
    assert {
        "quantity": "rate_mg_per_h",
        "soft_min": None,
        "soft_max": None,
        "hard_max": 25.0,
        "source": "Schwartzman 2009 [Schwartzman2009]",
    } in crps["limits"]
