from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import PASSWORD, login, new_key, token_client
from ketaclinic.patients.models import Patient


def _api(user) -> APIClient:
    return token_client(user)


def test_it_creates_a_patient_and_names_bad_fields(nina) -> None:
    client = _api(nina)
    bad = client.post(
        reverse("api:patient-list"),
        {"given_name": "Al", "family_name": "Z", "date_of_birth": "2999-01-01", "sex": "x"},
        format="json",
        headers=new_key(),
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"date_of_birth", "sex"}
    assert not Patient.objects.exists()
    ok = client.post(
        reverse("api:patient-list"),
        {"given_name": "Al", "family_name": "Zed", "date_of_birth": "1970-01-01", "sex": "male"},
        format="json",
        headers=new_key(),
    )
    assert ok.status_code == 201
    assert ok.json()["chart_number"] == "KC-000001"


def test_it_refuses_implausible_weights(nina, ada) -> None:
    url = reverse("api:patient-measurements", kwargs={"code": ada.code})
    for weight in ("0", "700"):
        response = _api(nina).post(
            url,
            {"weight_kg": weight, "measured_on": "2026-11-01"},
            format="json",
            headers=new_key(),
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
    # 401: more authentication (the second factor) is what is missing.
    me = client.get(reverse("api:me"))
    assert me.status_code == 401
    assert me.json() == {"detail": "Two-factor verification is required."}
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


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"given_name": 123}, "given_name", "Must be text"),
        ({"family_name": ["Zed"]}, "family_name", "Must be text"),
        ({"date_of_birth": 19700101}, "date_of_birth", "Must be text"),
        ({"sex": {"value": "male"}}, "sex", "Must be text"),
        ({"nickname": "Al"}, "nickname", "Not a field of this record"),
    ],
)
def test_a_value_of_the_wrong_type_or_an_unknown_key_is_refused(body, field, message, nina) -> None:
    valid = {"given_name": "Al", "family_name": "Zed", "date_of_birth": "1970-01-01", "sex": "male"}
    response = _api(nina).post(
        reverse("api:patient-list"), valid | body, format="json", headers=new_key()
    )
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert not Patient.objects.exists()


def test_a_number_for_a_yes_no_field_is_refused(nina, ada) -> None:
    response = _api(nina).post(
        reverse("api:patient-conditions", args=[ada.code]),
        {"icd10_code": "G90.521", "is_primary_pain_diagnosis": 1},
        format="json",
        headers=new_key(),
    )
    assert response.status_code == 400
    assert response.json()["is_primary_pain_diagnosis"] == ["Must be true or false."]


def test_an_empty_list_for_months_of_pain_is_refused_not_cleared(nina, ada) -> None:
    client = _api(nina)
    url = reverse("api:patient-screening-intake", args=[ada.code, "pain"])
    assert (
        client.patch(url, {"answers": {"pain_duration_months": 14}}, format="json").status_code
        == 200
    )
    response = client.patch(url, {"answers": {"pain_duration_months": []}}, format="json")
    assert response.status_code == 400
    assert "whole number of months" in str(response.json())
    stored = client.get(reverse("api:patient-screening", args=[ada.code])).json()
    assert stored["sections"]["pain"]["answers"] == {"pain_duration_months": 14}
