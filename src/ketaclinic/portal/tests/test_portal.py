"""A patient sees their own record and nothing else, however they guess URLs."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import login, token_client


def test_it_shows_the_patient_their_own_record(ada, ben) -> None:
    client = login(Client(), ada.portal_user)
    html = client.get(reverse("portal:home")).content.decode()
    assert "Lovelace" in html
    assert "Okafor" not in html


def test_guessing_another_patients_chart_url_gets_nothing(ada, ben) -> None:
    client = login(Client(), ada.portal_user)
    for url in (
        reverse("patients:chart", kwargs={"code": ben.code}),
        reverse("patients:edit", kwargs={"code": ben.code}),
        reverse("patients:entry_create", kwargs={"code": ben.code, "kind": "allergy"}),
        reverse("patients:list"),
        reverse("audit:list"),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Okafor" not in response.content.decode()


def test_guessing_through_the_api_gets_nothing(ada, ben) -> None:
    api = token_client(ada.portal_user)
    for url in (
        reverse("api:patient-detail", kwargs={"code": ben.code}),
        reverse("api:patient-conditions", kwargs={"code": ben.code}),
        reverse("api:patient-list"),
    ):
        response = api.get(url)
        assert response.status_code == 403, url
        assert "Okafor" not in response.content.decode()
    me = api.get(reverse("api:portal-me")).json()
    assert (me["family_name"], me["conditions"][0]["icd10_code"]) == ("Lovelace", "G90.521")


def test_patients_are_not_asked_for_a_second_factor(ada) -> None:
    client = Client()
    client.post(
        reverse("accounts:login"), {"username": "ada", "password": "correct horse battery staple"}
    )
    assert client.get(reverse("portal:home")).status_code == 200
