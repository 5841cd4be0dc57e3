from __future__ import annotations

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import PASSWORD, login, token_client
from ketaclinic.patients.models import Patient


def _api(user) -> APIClient:
    return token_client(user)


def test_it_creates_a_patient_and_names_bad_fields(nina) -> None:
    client = _api(nina)
    bad = client.post(
        reverse("api:patient-list"),
        {"given_name": "Al", "family_name": "Z", "date_of_birth": "2999-01-01", "sex": "x"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"date_of_birth", "sex"}
    assert not Patient.objects.exists()
    ok = client.post(
        reverse("api:patient-list"),
        {"given_name": "Al", "family_name": "Zed", "date_of_birth": "1970-01-01", "sex": "male"},
        format="json",
    )
    assert ok.status_code == 201
    assert ok.json()["chart_number"] == "KC-000001"


def test_it_refuses_implausible_weights(nina, ada) -> None:
    url = reverse("api:patient-measurements", kwargs={"code": ada.code})
    for weight in ("0", "700"):
        response = _api(nina).post(
            url, {"weight_kg": weight, "measured_on": "2026-11-01"}, format="json"
        )
        assert response.status_code == 400
        assert "weight_kg" in response.json()


def test_it_audits_chart_views_through_the_api(rivera, ada) -> None:
    response = _api(rivera).get(reverse("api:patient-detail", kwargs={"code": ada.code}))
    assert response.json()["conditions"][0]["icd10_code"] == "G90.521"
    assert AuditEvent.objects.filter(action=Action.VIEW, actor_username="rivera").exists()


def test_it_searches_in_the_body(nina, ada) -> None:
    response = _api(nina).post(reverse("api:patient-search"), {"q": "love"}, format="json")
    assert [p["family_name"] for p in response.json()] == ["Lovelace"]


def test_front_desk_gets_demographics_only(desmond, ada) -> None:
    data = _api(desmond).get(reverse("api:patient-detail", kwargs={"code": ada.code})).json()
    assert "conditions" not in data
    assert (
        _api(desmond).get(reverse("api:patient-conditions", kwargs={"code": ada.code})).status_code
        == 403
    )


def test_an_unverified_staff_session_is_refused(nina) -> None:
    client = Client()  # password only, no TOTP yet
    client.post(reverse("accounts:login"), {"username": "nina", "password": PASSWORD})
    assert client.get(reverse("api:me")).status_code == 401
    assert client.post(reverse("api:token")).status_code == 401


def test_a_verified_session_can_get_a_token(nina) -> None:
    client = login(Client(), nina)
    token = client.post(reverse("api:token")).json()["key"]
    response = APIClient().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {token}")
    assert response.json()["role"] == "nurse"


def test_the_schema_is_served(nina) -> None:
    response = _api(nina).get(reverse("api-schema"))
    assert response.status_code == 200
    assert b"/api/patients/{code}/" in response.content
