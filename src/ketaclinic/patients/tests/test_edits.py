"""Edits reach the database (issue 8 #2, #5, #10).

Each form is fetched and posted through the real view, as a browser would send
it, and the row is read back: a redirect alone proves nothing (the demographic
edit answered 302 while saving nothing).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import at_once, form_values, login, make_patient, new_key, submit
from ketaclinic.patients import access
from ketaclinic.patients.models import EntryStatus, Patient

NEW_VALUES = {
    "given_name": "Augusta",
    "family_name": "King",
    "preferred_name": "Ada K.",
    "date_of_birth": "1976-01-02",
    "sex": "other",
    "phone": "(602) 555-0177",
    "email": "augusta@example.org",
    "address_line": "12 St James's Square",
    "city": "Tempe",
    "region": "AZ",
    "postal_code": "85281",
    "emergency_contact_name": "William King",
    "emergency_contact_phone": "(602) 555-0188",
    "pain_onset_date": "2020-05-06",
}


def _stored(patient: Patient, field: str) -> str:
    value = getattr(Patient.objects.get(pk=patient.pk), field)
    return value.isoformat() if isinstance(value, dt.date) else str(value)


@pytest.mark.parametrize("field", list(NEW_VALUES))
def test_every_demographic_edit_is_saved_and_audited(field, ada, desmond) -> None:
    client = login(Client(), desmond)
    url = reverse("patients:edit", args=[ada.code])
    before = {f: _stored(ada, f) for f in NEW_VALUES}
    data = form_values(client.get(url).content.decode()) | {field: NEW_VALUES[field]}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _stored(ada, field) == NEW_VALUES[field]
    for other in NEW_VALUES:
        if other != field:
            assert _stored(ada, other) == before[other], other
    event = AuditEvent.objects.filter(action=Action.UPDATE, object_code=str(ada.code)).get()
    assert list(event.changes) == [field]


def test_an_edit_form_posted_unchanged_saves_and_audits_nothing(ada, desmond) -> None:
    client = login(Client(), desmond)
    url = reverse("patients:edit", args=[ada.code])
    assert client.post(url, form_values(client.get(url).content.decode())).status_code == 302
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_a_field_changed_by_someone_else_meanwhile_is_not_overwritten(ada, desmond, nina) -> None:
    client = login(Client(), desmond)
    url = reverse("patients:edit", args=[ada.code])
    opened = form_values(client.get(url).content.decode())
    login(APIClient(), nina).patch(
        reverse("api:patient-detail", args=[ada.code]), {"phone": "(602) 555-0001"}, format="json"
    )
    page = client.post(url, opened | {"phone": "(602) 555-0002"})
    assert page.status_code == 200
    assert "Changed by someone else" in page.content.decode()
    assert _stored(ada, "phone") == "(602) 555-0001"
    # The page now starts from what is stored: saving again applies this user's value.
    again = client.post(url, form_values(page.content.decode()))
    assert again.status_code == 302
    assert _stored(ada, "phone") == "(602) 555-0002"


def test_an_edit_of_another_field_meanwhile_is_kept(ada, desmond, nina) -> None:
    client = login(Client(), desmond)
    url = reverse("patients:edit", args=[ada.code])
    opened = form_values(client.get(url).content.decode())
    login(APIClient(), nina).patch(
        reverse("api:patient-detail", args=[ada.code]), {"phone": "(602) 555-0001"}, format="json"
    )
    assert client.post(url, opened | {"family_name": "Byron"}).status_code == 302
    assert (_stored(ada, "family_name"), _stored(ada, "phone")) == ("Byron", "(602) 555-0001")


def _post_form(client: Client, url: str, data: dict[str, Any]) -> int:
    return client.post(url, data).status_code


def _patch_json(client: APIClient, url: str, data: dict[str, Any]) -> int:
    return client.patch(url, data, format="json").status_code


@pytest.mark.django_db(transaction=True)
def test_simultaneous_name_and_phone_edits_stay_findable(clinic, desmond, nina) -> None:
    """Ten trials of a name edit (page) and a phone edit (API) at the same moment."""
    for trial in range(10):
        patient = make_patient(clinic, family_name=f"Before{trial}", phone="(480) 555-0100")
        page = login(Client(), desmond)
        url = reverse("patients:edit", args=[patient.code])
        data = form_values(page.get(url).content.decode()) | {"family_name": f"After{trial}"}
        api = login(APIClient(), nina)
        detail = reverse("api:patient-detail", args=[patient.code])
        phone = f"(480) 555-{7000 + trial}"
        statuses = at_once(
            partial(_post_form, page, url, data),
            partial(_patch_json, api, detail, {"phone": phone}),
        )
        assert statuses == [302, 200], trial
        by_name = access.search_patients(nina, f"After{trial}")
        by_phone = access.search_patients(nina, phone)
        assert [p.pk for p in by_name] == [patient.pk], f"trial {trial}: not found by new name"
        assert [p.pk for p in by_phone] == [patient.pk], f"trial {trial}: not found by new phone"


@pytest.mark.parametrize(
    ("given", "family", "queries"),
    [
        ("芳", "王", ["王", "王芳", "芳"]),
        ("محمد", "الأحمد", ["الأحمد", "الاحمد", "محمد", "محمد الأحمد"]),
        ("Ольга", "Иванова", ["иванова", "ИВАН", "Ольга Иванова", "Иванова, Ольга"]),
        ("Νίκος", "Παπαδόπουλος", ["Παπαδόπουλος", "παπαδοπ", "ΝΙΚΟΣ", "νικος παπα"]),
        ("José", "Núñez", ["nunez", "Núñez", "JOSE NUÑEZ"]),
        ("Jürgen", "Straße", ["strasse", "STRASSE", "straß"]),
    ],
)
def test_it_finds_names_in_every_script(given, family, queries, clinic, nina) -> None:
    client = login(Client(), nina)
    response = submit(
        client,
        reverse("patients:create"),
        {"given_name": given, "family_name": family, "date_of_birth": "1980-01-01", "sex": "male"},
    )
    assert response.status_code == 302
    make_patient(clinic, given_name="Other", family_name="Person")
    for query in queries:
        found = access.search_patients(nina, query)
        assert [(p.given_name, p.family_name) for p in found] == [(given, family)], query


def test_an_edit_of_a_name_moves_it_in_search(ada, nina) -> None:
    client = login(Client(), nina)
    url = reverse("patients:edit", args=[ada.code])
    client.post(url, form_values(client.get(url).content.decode()) | {"family_name": "Иванова"})
    assert [p.pk for p in access.search_patients(nina, "иван")] == [ada.pk]
    assert access.search_patients(nina, "lovelace") == []


def test_retiring_an_entry_through_the_page_is_saved(ada, nina) -> None:
    condition = ada.conditions.get()
    client = login(Client(), nina)
    url = reverse("patients:entry_retire", args=[ada.code, "condition", condition.code])
    data = form_values(client.get(url).content.decode()) | {
        "status": EntryStatus.RESOLVED,
        "reason": "Resolved after treatment",
    }
    assert client.post(url, data).status_code == 302
    condition.refresh_from_db()
    assert (condition.status, condition.status_reason) == (
        EntryStatus.RESOLVED,
        "Resolved after treatment",
    )


# ------------------------------------------------------------------ implausible dates (#16)


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("measurements", {"weight_kg": "70", "measured_on": "0009-11-01"}, "measured_on"),
        ("measurements", {"weight_kg": "70", "measured_on": "1975-12-09"}, "measured_on"),
        ("conditions", {"icd10_code": "G90.521", "onset_date": "1960-01-01"}, "onset_date"),
        ("medications", {"name": "gabapentin", "started_on": "1975-01-01"}, "started_on"),
    ],
)
def test_a_date_before_birth_or_before_1900_is_refused_by_the_api(
    kind, body, field, ada, nina
) -> None:
    # Ada was born on 1975-12-10.
    client = login(APIClient(), nina)
    url = reverse(f"api:patient-{kind}", args=[ada.code])
    response = client.post(url, body, format="json", headers=new_key())
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert getattr(ada, kind).count() == (1 if kind == "conditions" else 0)


def test_a_measurement_dated_year_9_is_refused_on_the_page(ada, nina) -> None:
    client = login(Client(), nina)
    url = reverse("patients:entry_create", args=[ada.code, "measurement"])
    page = submit(client, url, {"weight": "70", "measured_on": "0009-11-01"})
    assert "cannot be before 1900-01-01" in page.content.decode()
    assert not ada.measurements.exists()


def test_pain_onset_before_birth_is_refused_on_registration_and_edit(ada, nina) -> None:
    client = login(Client(), nina)
    page = submit(
        client,
        reverse("patients:create"),
        {
            "given_name": "Al",
            "family_name": "Zed",
            "date_of_birth": "1990-01-01",
            "sex": "male",
            "pain_onset_date": "1989-05-01",
        },
    )
    assert "before the patient&#x27;s date of birth" in page.content.decode()
    assert not Patient.objects.filter(family_name="Zed").exists()
    edit = submit(
        client, reverse("patients:edit", args=[ada.code]), {"pain_onset_date": "1970-01-01"}
    )
    assert "before the patient&#x27;s date of birth" in edit.content.decode()
    assert _stored(ada, "pain_onset_date") == "None"


def test_a_date_of_birth_after_a_recorded_measurement_is_refused(ada, nina) -> None:
    client = login(APIClient(), nina)
    client.post(
        reverse("api:patient-measurements", args=[ada.code]),
        {"weight_kg": "70", "measured_on": "2000-01-01"},
        format="json",
        headers=new_key(),
    )
    response = client.patch(
        reverse("api:patient-detail", args=[ada.code]),
        {"date_of_birth": "2001-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "already recorded (2000-01-01)" in response.json()["date_of_birth"][0]
    assert _stored(ada, "date_of_birth") == "1975-12-10"
