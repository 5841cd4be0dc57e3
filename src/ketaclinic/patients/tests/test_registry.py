from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ketaclinic.accounts.services import create_user
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import login, make_patient, submit
from ketaclinic.patients import access, services
from ketaclinic.patients.models import BodyMeasurement, Condition, Patient

VALID = {
    "given_name": "Grace",
    "family_name": "Hopper",
    "date_of_birth": "1956-12-09",
    "sex": "female",
    "phone": "(602) 555-0123",
    "pain_onset_date": "2024-01-15",
}


def _post(client: Client, url: str, data: dict[str, str]) -> tuple[int, str]:
    response = submit(client, url, data)
    return response.status_code, response.content.decode()


def test_it_registers_a_patient_and_audits_it(nina) -> None:
    client = login(Client(), nina)
    response = submit(client, reverse("patients:create"), VALID)
    patient = Patient.objects.get(family_name="Hopper")
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.code}/"
    assert patient.chart_number == "KC-000001"
    event = AuditEvent.objects.get(action=Action.CREATE, object_code=str(patient.code))
    assert event.actor_username == "nina"
    assert event.changes["family_name"] == "Hopper"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "date_of_birth",
            "2999-01-01",
            "cannot be in the future",
        ),
        ("date_of_birth", "1850-01-01", "must be after"),
        ("sex", "robot", "not one of the available choices"),
        ("email", "not-an-email", "valid email"),
        ("given_name", "", "This field is required"),
    ],
)
def test_it_refuses_bad_demographics_with_a_message_by_the_field(
    nina, field, value, message
) -> None:
    client = login(Client(), nina)
    status, html = _post(client, reverse("patients:create"), VALID | {field: value})
    assert status == 200
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"weight": "0", "weight_unit": "kg"}, "weight", "between 20 and 350 kg"),
        ({"weight": "700", "weight_unit": "kg"}, "weight", "between 20 and 350 kg"),
        ({"weight": "1000", "weight_unit": "lb"}, "weight", "between 20 and 350 kg"),
        ({"height": "500", "height_unit": "cm"}, "height", "between 50 and 250 cm"),
        ({"weight": "-4", "weight_unit": "kg"}, "weight", "greater than or equal to 0"),
    ],
)
def test_it_refuses_implausible_measurements(nina, ada, data, field, message) -> None:
    client = login(Client(), nina)
    url = reverse("patients:entry_create", kwargs={"code": ada.code, "kind": "measurement"})
    status, html = _post(
        client, url, {"weight_unit": "kg", "height_unit": "cm", "measured_on": "2026-11-01"} | data
    )
    assert status == 200
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert not BodyMeasurement.objects.exists()


def test_it_converts_pounds_and_keeps_the_date_measured(nina, ada) -> None:
    client = login(Client(), nina)
    url = reverse("patients:entry_create", kwargs={"code": ada.code, "kind": "measurement"})
    submit(
        client,
        url,
        {
            "weight": "154",
            "weight_unit": "lb",
            "height": "65",
            "height_unit": "in",
            "measured_on": "2026-11-01",
        },
    )
    m = BodyMeasurement.objects.get()
    assert str(m.weight_kg) == "69.9"  # 154 lb = 69.85 kg
    assert str(m.height_cm) == "165.1"
    assert m.measured_on == dt.date(2026, 11, 1)


@pytest.mark.parametrize("code", ["G9", "123.4", "G90.5211X", "U99.9", "G90.9X", "G90-521"])
def test_it_refuses_a_malformed_icd10_code(nina, ada, code) -> None:
    client = login(Client(), nina)
    url = reverse("patients:entry_create", kwargs={"code": ada.code, "kind": "condition"})
    before = Condition.objects.count()
    status, html = _post(client, url, {"icd10_code": code, "description": "x"})
    assert status == 200
    assert 'id="id_icd10_code_error"' in html
    assert "ICD-10-CM" in html
    assert Condition.objects.count() == before


def test_it_fills_the_description_from_the_catalogue(nina, ada) -> None:
    client = login(Client(), nina)
    url = reverse("patients:entry_create", kwargs={"code": ada.code, "kind": "condition"})
    submit(client, url, {"icd10_code": "e11.42"})
    condition = Condition.objects.get(icd10_code="E11.42")
    assert "diabetic polyneuropathy" in condition.description


def test_it_refuses_an_unknown_role(clinic) -> None:
    with pytest.raises(ValidationError) as exc:
        create_user(None, clinic=clinic, username="x", role="surgeon", password="long enough pw 1")
    assert "role" in exc.value.message_dict


def test_it_retires_entries_instead_of_erasing_them(nina, ada) -> None:
    condition = ada.conditions.get()
    client = login(Client(), nina)
    url = reverse(
        "patients:entry_retire",
        kwargs={"code": ada.code, "kind": "condition", "entry_code": condition.code},
    )
    client.post(url, {"status": "entered_in_error", "reason": "wrong patient"})
    condition.refresh_from_db()
    assert condition.status == "entered_in_error"
    assert AuditEvent.objects.filter(action=Action.DELETE, object_code=str(condition.code)).exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("love", ["Lovelace"]),
        ("LOVELACE, ada", ["Lovelace"]),
        ("ada lovelace", ["Lovelace"]),
        ("ben", ["Okafor"]),
        ("1975-12-10", ["Lovelace"]),
        ("12/10/1975", ["Lovelace"]),
        ("480 555 01", ["Lovelace", "Okafor"]),
        ("4805550199", ["Okafor"]),
        ("zzz", []),
    ],
)
def test_it_finds_patients_by_name_birth_date_or_phone(nina, ada, ben, query, expected) -> None:
    found = access.search_patients(nina, query)
    assert [p.family_name for p in found] == expected


def test_it_searches_by_post_so_nothing_lands_in_the_url(nina, ada) -> None:
    client = login(Client(), nina)
    response = client.post(reverse("patients:list"), {"q": "lovelace"}, HTTP_HX_REQUEST="true")
    assert "Lovelace" in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.SEARCH, actor_username="nina").exists()


def test_the_list_view_uses_a_fixed_number_of_queries(
    nina, clinic, django_assert_max_num_queries
) -> None:
    for i in range(40):
        make_patient(clinic, family_name=f"Test{i}", chart_number=f"KC-{i + 10:06d}")
    client = login(Client(), nina)
    client.get(reverse("patients:list"))  # warm the session
    # 13 whatever the page size: the page, the session, and the audit record of
    # who listed which patients (its chain head, insert and update).
    with django_assert_max_num_queries(13):
        response = client.get(reverse("patients:list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        client.post(reverse("patients:list"), {"q": "test"})


def test_opening_a_chart_writes_a_view_record(nina, ada) -> None:
    client = login(Client(), nina)
    response = client.get(reverse("patients:chart", kwargs={"code": ada.code}))
    assert "CRPS I, right leg" in response.content.decode()
    event = AuditEvent.objects.filter(action=Action.VIEW, patient_code=str(ada.code)).get()
    assert (event.actor_username, event.actor_role, event.summary) == (
        "nina",
        "nurse",
        "Viewed chart",
    )


def test_front_desk_sees_demographics_but_not_clinical_details(desmond, ada) -> None:
    client = login(Client(), desmond)
    html = client.get(reverse("patients:chart", kwargs={"code": ada.code})).content.decode()
    assert "Lovelace" in html
    assert "CRPS" not in html


def test_services_write_nothing_when_validation_fails(nina, ada) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.update_patient(nina, ada, {"date_of_birth": dt.date(2999, 1, 1)})
    ada.refresh_from_db()
    assert ada.date_of_birth == dt.date(1975, 12, 10)
    assert AuditEvent.objects.count() == count
