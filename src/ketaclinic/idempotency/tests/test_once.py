"""Twenty identical creates make one record (issue 8 #15).

Real threads against the real database: the repeats arrive while the first is
still being written, as a double click or a client's retry does.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import at_once, form_values, login
from ketaclinic.patients.models import Medication, Patient

REGISTRATION = {
    "given_name": "Grace",
    "family_name": "Hopper",
    "date_of_birth": "1956-12-09",
    "sex": "female",
}


def _status(response: Any) -> int:
    return int(response.status_code)


@pytest.mark.django_db(transaction=True)
def test_one_registration_form_sent_twenty_times_at_once_registers_one_patient(
    clinic, desmond
) -> None:
    client = login(Client(), desmond)
    url = reverse("patients:create")
    data = form_values(client.get(url).content.decode()) | REGISTRATION
    clients = [login(Client(), desmond) for _ in range(20)]
    responses = at_once(*[partial(c.post, url, data) for c in clients])
    assert [_status(r) for r in responses] == [302] * 20
    patient = Patient.objects.get()
    assert {r["Location"] for r in responses} == {patient.get_absolute_url()}  # type: ignore[index]
    assert (
        AuditEvent.objects.filter(action=Action.CREATE, object_code=str(patient.code)).count() == 1
    )


@pytest.mark.django_db(transaction=True)
def test_one_api_create_sent_twenty_times_with_one_key_creates_one_medication(ada, nina) -> None:
    url = reverse("api:patient-medications", args=[ada.code])
    body = {"name": "pregabalin", "dose": "75 mg twice daily"}
    headers = {"Idempotency-Key": "retry-7f3a"}
    clients = [login(APIClient(), nina) for _ in range(20)]
    responses = at_once(
        *[partial(c.post, url, body, format="json", headers=headers) for c in clients]
    )
    assert [_status(r) for r in responses] == [201] * 20
    medication = Medication.objects.get(patient=ada)
    assert {r.json()["code"] for r in responses} == {str(medication.code)}  # type: ignore[attr-defined]
    replayed = [r for r in responses if r.headers.get("Idempotent-Replayed") == "true"]  # type: ignore[attr-defined]
    assert len(replayed) == 19


def test_an_api_create_without_a_key_is_refused_naming_the_header(ada, nina) -> None:
    client = login(APIClient(), nina)
    response = client.post(
        reverse("api:patient-medications", args=[ada.code]), {"name": "gabapentin"}, format="json"
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Medication.objects.exists()


def test_a_key_reused_for_another_record_is_refused(ada, nina) -> None:
    client = login(APIClient(), nina)
    url = reverse("api:patient-medications", args=[ada.code])
    headers = {"Idempotency-Key": "same"}
    assert (
        client.post(url, {"name": "gabapentin"}, format="json", headers=headers).status_code == 201
    )
    other = client.post(url, {"name": "duloxetine"}, format="json", headers=headers)
    assert other.status_code == 400
    assert "already used for a different request" in other.json()["Idempotency-Key"][0]
    assert list(Medication.objects.values_list("name", flat=True)) == ["gabapentin"]


def test_a_refused_create_leaves_its_key_free_for_the_corrected_retry(ada, nina) -> None:
    client = login(APIClient(), nina)
    url = reverse("api:patient-measurements", args=[ada.code])
    headers = {"Idempotency-Key": "weigh-in-1"}
    bad = client.post(
        url, {"weight_kg": "700", "measured_on": "2026-11-01"}, format="json", headers=headers
    )
    assert bad.status_code == 400
    good = client.post(
        url, {"weight_kg": "70", "measured_on": "2026-11-01"}, format="json", headers=headers
    )
    assert good.status_code == 201


def test_a_page_sent_again_says_so_and_saves_once(ada, nina) -> None:
    client = login(Client(), nina)
    url = reverse("patients:entry_create", args=[ada.code, "medication"])
    data = form_values(client.get(url).content.decode()) | {"name": "duloxetine"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert "already been sent; it was saved once" in again.content.decode()
    assert Medication.objects.filter(patient=ada).count() == 1


def test_a_create_form_without_its_token_is_refused(ada, nina) -> None:
    client = login(Client(), nina)
    url = reverse("patients:entry_create", args=[ada.code, "medication"])
    page = client.post(url, {"name": "duloxetine"})
    assert "This form is out of date" in page.content.decode()
    assert not Medication.objects.exists()
