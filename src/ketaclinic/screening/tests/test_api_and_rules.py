"""The screening API (same permissions as the pages) and versioned rule sets."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import PASSWORD, login
from ketaclinic.patients.models import Patient
from ketaclinic.screening.tests.helpers import complete_intake

pytestmark = pytest.mark.django_db


def _portal(patient: Patient) -> Client:
    assert patient.portal_user is not None
    return login(Client(), patient.portal_user)


def _json(client: Client, method: str, url: str, data: object):
    return client.generic(method, url, json.dumps(data), content_type="application/json")


def test_instruments_are_described_for_any_signed_in_user(ada: Patient) -> None:
    client = _portal(ada)
    listing = client.get(reverse("api:instrument-list")).json()
    assert [i["instrument"] for i in listing][:3] == ["nrs", "dn4", "dn4-interview"]
    dn4 = client.get(reverse("api:instrument-detail", args=["dn4"])).json()
    assert dn4["items"][0]["id"] == "q1_burning"
    assert client.get(reverse("api:instrument-detail", args=["nope"])).status_code == 404
    assert Client().get(reverse("api:instrument-list")).status_code in (401, 403)


def test_the_portal_api_saves_answers_as_they_arrive_without_showing_scores(
    ada: Patient,
) -> None:
    client = _portal(ada)
    url = reverse("api:portal-intake-part", args=["gad7"])
    first = _json(client, "PATCH", url, {"answers": {"q1_nervous": 2}})
    assert first.status_code == 200
    assert first.json()["complete"] is False
    assert "score" not in first.json()
    rest = {
        "q2_cannot_stop_worrying": 1,
        "q3_worrying_too_much": 1,
        "q4_trouble_relaxing": 1,
        "q5_restless": 0,
        "q6_irritable": 0,
        "q7_afraid": 0,
    }
    done = _json(client, "PATCH", url, {"answers": rest}).json()
    assert done["complete"] is True
    assert done["answers"]["q1_nervous"] == 2  # merged with the first answer

    bad = _json(client, "PATCH", url, {"answers": {"q1_nervous": 4}})
    assert bad.status_code == 400
    assert "answers.q1_nervous" in json.dumps(bad.json())

    health = _json(
        client,
        "PATCH",
        reverse("api:portal-intake-part", args=["health"]),
        {"answers": {"hypertension": "maybe"}},
    )
    assert health.status_code == 400
    assert "health.hypertension" in json.dumps(health.json())

    assert client.post(reverse("api:portal-intake-submit")).status_code == 200
    late = _json(client, "PATCH", url, {"answers": {"q1_nervous": 0}})
    assert late.status_code == 400


def test_staff_api_scores_records_facts_and_signs_with_the_password(
    ada: Patient, rivera, nina
) -> None:
    complete_intake(ada)
    nurse = login(Client(), nina)
    dn4 = _json(
        nurse,
        "PATCH",
        reverse("api:patient-screening-intake", args=[ada.code, "dn4"]),
        {"answers": {f"q{i}_x": 1 for i in range(1, 2)}},
    )
    assert dn4.status_code == 400  # unknown item id, named
    facts_url = reverse("api:patient-screening-facts", args=[ada.code])
    assert _json(nurse, "PATCH", facts_url, {"cardiac": "shaky"}).status_code == 400
    ok = _json(
        nurse, "PATCH", facts_url, {"bp_readings": [{"systolic_mmhg": 120, "diastolic_mmhg": 75}]}
    )
    assert ok.status_code == 200

    detail = nurse.get(reverse("api:patient-screening", args=[ada.code])).json()
    assert detail["evaluation"]["decision"] == "candidate"
    assert detail["fact_sources"]["bp_readings"] == "clinician"
    assert detail["instruments"]["s-lanss"]["score"]["band"]["id"] == "likely"

    decisions = reverse("api:patient-screening-decisions", args=[ada.code])
    payload = {"decision": "candidate", "password": PASSWORD}
    assert _json(nurse, "POST", decisions, payload).status_code == 403

    physician = login(Client(), rivera)
    wrong = _json(physician, "POST", decisions, {**payload, "password": "x"})
    assert wrong.status_code == 400
    assert "password" in wrong.json()
    signed = _json(physician, "POST", decisions, payload)
    assert signed.status_code == 201
    body = signed.json()
    assert body["rule_set"]["version"] == "2026.3-draft"
    assert body["current"] is True

    revision = _json(
        physician,
        "POST",
        decisions,
        {
            "decision": "needs_specialist_clearance",
            "password": PASSWORD,
            "revises": body["code"],
            "reason": "Cardiology review requested",
        },
    )
    assert revision.status_code == 201
    listing = physician.get(decisions).json()
    assert [d["current"] for d in listing] == [True, False]
    assert listing[0]["supersedes"] == body["code"]


def test_another_clinic_cannot_reach_the_screening_api(ada: Patient, charlie) -> None:
    client = login(Client(), charlie)
    assert client.get(reverse("api:patient-screening", args=[ada.code])).status_code == 404
