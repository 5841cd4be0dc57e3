"""Registering someone the clinic already has: shown before saving (issue 10 #9).

Also phone numbers (checked, stored in E.164 and a display form, still found by
search) and the same active ICD-10 code twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import at_once, login, make_patient, new_key, submit
from ketaclinic.patients import access, services
from ketaclinic.patients.models import Condition, EntryStatus, Patient

NEW = {
    "given_name": "Grace",
    "family_name": "Hopper",
    "date_of_birth": "1956-12-09",
    "sex": "female",
    "phone": "(602) 555-0123",
}


def _register(client: Client, changes: dict[str, Any]) -> Any:
    return submit(client, reverse("patients:create"), NEW | changes)


# ------------------------------------------------------------------ duplicates on the page


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("Ada", "Lovelace"),
        ("ADA", "lovelace"),
        ("Adá", "Love-lace"),  # folded as search folds: accents, case, punctuation
        ("Lovelace", "Ada"),  # given and family swapped at the desk
    ],
)
def test_the_same_name_and_birth_date_is_shown_before_saving(ada, desmond, given, family) -> None:
    client = login(Client(), desmond)
    response = _register(
        client,
        {
            "given_name": given,
            "family_name": family,
            "date_of_birth": "1975-12-10",
            "phone": "(602) 555-0999",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "This may be a patient the clinic already has" in html
    assert ada.get_absolute_url() in html
    assert "same name and date of birth" in html
    assert 'name="confirm_duplicate"' in html
    assert 'type="checkbox"' in html
    assert Patient.objects.count() == 1, "nothing is saved until someone confirms"
    shown = AuditEvent.objects.get(action=Action.SEARCH, actor_username="desmond")
    assert shown.changes["patients"] == [str(ada.code)]
    assert "Possible duplicates" in shown.summary
    assert given not in str(shown.changes), "what was typed stays out of the trail"


def test_the_same_phone_in_another_format_is_a_possible_duplicate(ada, nina) -> None:
    client = login(Client(), nina)
    response = _register(client, {"phone": "480.555.0101"})
    html = response.content.decode()
    assert "same phone number" in html
    assert "Lovelace" in html
    assert Patient.objects.count() == 1


def test_register_anyway_saves_once_and_names_the_matches_in_the_audit(ada, desmond) -> None:
    client = login(Client(), desmond)
    url = reverse("patients:create")
    first = client.post(
        url,
        _page_values(client, url)
        | NEW
        | {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1975-12-10"},
    )
    assert first.status_code == 200
    values = _values_of(first) | {"confirm_duplicate": "on"}
    second = client.post(url, values)
    assert second.status_code == 302
    twin = Patient.objects.exclude(pk=ada.pk).get()
    assert (twin.given_name, twin.family_name) == ("Ada", "Lovelace")
    created = AuditEvent.objects.get(action=Action.CREATE, object_code=str(twin.code))
    assert created.changes["registered_despite_possible_duplicates"] == [str(ada.code)]
    # The same form sent again (a double click) registers nobody else.
    again = client.post(url, values)
    assert again.status_code == 302
    assert Patient.objects.count() == 2


def test_the_confirmation_box_is_unticked_when_shown(ada, desmond) -> None:
    client = login(Client(), desmond)
    response = _register(
        client, {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1975-12-10"}
    )
    values = _values_of(response)
    assert "confirm_duplicate" not in values


def test_other_clinics_and_other_people_are_not_duplicates(ada, charlie, nina) -> None:
    make_patient(charlie.clinic, given_name="Grace", family_name="Hopper", phone="(602) 555-0123")
    make_patient(ada.clinic, given_name="Grace", family_name="Hopper", phone="(602) 555-0100")
    response = _register(login(Client(), nina), {})
    assert response.status_code == 302, "same name, another birth date and phone: not a match"


def test_the_service_refuses_without_confirmation(ada, nina) -> None:
    data = {
        "given_name": "ada",
        "family_name": "LOVELACE",
        "date_of_birth": dt.date(1975, 12, 10),
        "sex": "female",
    }
    with pytest.raises(services.PossibleDuplicateError) as refused:
        services.create_patient(nina, data)
    assert [m.patient.pk for m in refused.value.matches] == [ada.pk]
    assert not AuditEvent.objects.filter(action=Action.CREATE, actor_username="nina").exists()
    services.create_patient(nina, data, confirm_duplicate=True)
    assert Patient.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_desks_registering_the_same_person_at_once_make_one_record(
    clinic, desmond, nina
) -> None:
    data = NEW | {"date_of_birth": dt.date(1956, 12, 9)}

    def register(user: Any) -> str:
        try:
            services.create_patient(user, data)
        except services.PossibleDuplicateError:
            return "shown"
        return "registered"

    outcomes = at_once(lambda: register(desmond), lambda: register(nina))
    assert sorted(outcomes) == ["registered", "shown"]  # type: ignore[type-var]
    assert Patient.objects.filter(family_name="Hopper").count() == 1


# ------------------------------------------------------------------ duplicates in the API


def test_the_api_answers_409_with_the_codes_then_registers_when_confirmed(ada, nina) -> None:
    client = login(APIClient(), nina)
    url = reverse("api:patient-list")
    body = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": "1975-12-10",
        "sex": "female",
    }
    key = new_key()
    refused = client.post(url, body, format="json", headers=key)
    assert refused.status_code == 409
    assert refused.json()["matches"] == [
        {
            "code": str(ada.code),
            "chart_number": ada.chart_number,
            "reasons": ["same name and date of birth"],
        }
    ]
    assert "Lovelace" not in refused.content.decode(), "codes, not names"
    assert Patient.objects.count() == 1
    # The key was not used up by the refusal: the confirmed request may carry it.
    created = client.post(url, body | {"confirm_duplicate": True}, format="json", headers=key)
    assert created.status_code == 201, created.json()
    assert "confirm_duplicate" not in created.json()
    assert Patient.objects.count() == 2


def test_the_api_refuses_a_confirmation_that_is_not_true_or_false(nina) -> None:
    client = login(APIClient(), nina)
    body = NEW | {"confirm_duplicate": 1}
    response = client.post(reverse("api:patient-list"), body, format="json", headers=new_key())
    assert response.status_code == 400
    assert "confirm_duplicate" in response.json()


# ------------------------------------------------------------------ phone numbers


@pytest.mark.parametrize(
    ("typed", "shown", "e164"),
    [
        ("480.555.0101", "(480) 555-0101", "+14805550101"),
        ("4805550101", "(480) 555-0101", "+14805550101"),
        ("+1 480 555 0101", "(480) 555-0101", "+14805550101"),
        ("(480) 555-0101 ext. 12", "(480) 555-0101 ext. 12", "+14805550101"),
        ("+44 20 7946 0958", "+44 20 7946 0958", "+442079460958"),
        ("", "", ""),
    ],
)
def test_phones_are_stored_in_e164_and_a_display_form(nina, typed, shown, e164) -> None:
    client = login(Client(), nina)
    response = _register(client, {"phone": typed})
    assert response.status_code == 302, response.content.decode()[-2000:]
    patient = Patient.objects.get()
    assert (patient.phone, patient.phone_e164) == (shown, e164)


@pytest.mark.parametrize("typed", ["555-1234", "12", "call me", "+99 123"])
def test_a_phone_that_cannot_be_called_is_refused_by_the_field(nina, typed) -> None:
    response = _register(login(Client(), nina), {"phone": typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_phone_error"' in html
    assert "not a phone number we can call" in html
    assert not Patient.objects.exists()


def test_the_emergency_contact_phone_is_checked_too(nina) -> None:
    response = _register(login(Client(), nina), {"emergency_contact_phone": "555"})
    assert 'id="id_emergency_contact_phone_error"' in response.content.decode()
    response = _register(login(Client(), nina), {"emergency_contact_phone": "602 555 0188"})
    assert response.status_code == 302
    assert Patient.objects.get().emergency_contact_phone == "(602) 555-0188"


def test_the_api_names_a_bad_phone_and_returns_the_e164_form(nina, ada) -> None:
    client = login(APIClient(), nina)
    url = reverse("api:patient-detail", args=[ada.code])
    bad = client.patch(url, {"phone": "555"}, format="json")
    assert bad.status_code == 400
    assert "phone" in bad.json()
    good = client.patch(url, {"phone": "602-555-0177"}, format="json")
    assert good.status_code == 200
    assert (good.json()["phone"], good.json()["phone_e164"]) == ("(602) 555-0177", "+16025550177")
    ada.refresh_from_db()
    assert ada.phone_digits == "6025550177"


@pytest.mark.parametrize(
    "query", ["480555", "(480) 555-01", "480-555-0101", "+1 480 555", "1 480 555 0101"]
)
def test_phones_are_still_found_by_search(nina, ada, query) -> None:
    assert [p.pk for p in access.search_patients(nina, query)] == [ada.pk]


def test_a_number_abroad_is_found_with_its_country_code_or_trunk_zero(nina, clinic) -> None:
    london = make_patient(clinic, given_name="Alan", family_name="Turing", phone="+44 20 7946 0958")
    assert london.phone_e164 == "+442079460958"
    assert [p.pk for p in access.search_patients(nina, "+44 20 7946")] == [london.pk]
    assert access.search_patients(nina, "+1 20 7946") == []
    assert [p.pk for p in access.search_patients(nina, "2079460958")] == [london.pk]


def test_an_old_unparseable_phone_does_not_block_other_edits(ada, desmond) -> None:
    Patient.objects.filter(pk=ada.pk).update(phone="ask her daughter", phone_e164="")
    ada.refresh_from_db()
    services.update_patient(desmond, ada, {"city": "Tempe"})
    ada.refresh_from_db()
    assert (ada.city, ada.phone) == ("Tempe", "ask her daughter")
    with pytest.raises(ValidationError) as refused:
        services.update_patient(desmond, ada, {"phone": "ask her son"})
    assert "phone" in refused.value.message_dict


# ------------------------------------------------------------------ ICD-10 codes


def test_the_same_active_icd10_code_twice_is_refused_by_the_field(ada, nina) -> None:
    # Ada has G90.521 active (the fixture).
    client = login(Client(), nina)
    url = reverse("patients:entry_create", args=[ada.code, "condition"])
    response = submit(client, url, {"icd10_code": "g90.521"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_icd10_code_error"' in html
    assert "already an active condition" in html
    assert ada.conditions.count() == 1


def test_the_api_refuses_the_same_active_code_naming_the_field(ada, nina) -> None:
    client = login(APIClient(), nina)
    url = reverse("api:patient-conditions", args=[ada.code])
    response = client.post(url, {"icd10_code": "G90.521"}, format="json", headers=new_key())
    assert response.status_code == 400
    assert "already an active condition" in response.json()["icd10_code"][0]


def test_a_retired_code_may_be_recorded_again(ada, nina) -> None:
    existing = ada.conditions.get()
    services.retire_entry(nina, existing, status=EntryStatus.RESOLVED, reason="resolved")
    services.add_condition(nina, ada, {"icd10_code": "G90.521"})
    assert ada.conditions.filter(status=EntryStatus.ACTIVE).count() == 1
    assert Condition.objects.filter(patient=ada).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_nurses_adding_the_same_code_at_once_record_it_once(ada, nina, rivera) -> None:
    def add(user: Any) -> str:
        try:
            services.add_condition(user, ada, {"icd10_code": "E11.42"})
        except ValidationError:
            return "refused"
        return "added"

    outcomes = at_once(lambda: add(nina), lambda: add(rivera))
    assert sorted(outcomes) == ["added", "refused"]  # type: ignore[type-var]
    assert ada.conditions.filter(icd10_code="E11.42").count() == 1


# ------------------------------------------------------------------ dates before birth


def test_pain_onset_and_measurements_before_birth_are_refused(ada, nina) -> None:
    with pytest.raises(ValidationError) as onset:
        services.update_patient(nina, ada, {"pain_onset_date": dt.date(1970, 1, 1)})
    assert "pain_onset_date" in onset.value.message_dict
    with pytest.raises(ValidationError) as measured:
        services.record_measurement(
            nina, ada, {"weight_kg": 70, "measured_on": dt.date(1975, 12, 9)}
        )
    assert "measured_on" in measured.value.message_dict


# ------------------------------------------------------------------ helpers


def _page_values(client: Client, url: str) -> dict[str, Any]:
    from ketaclinic.conftest import form_values

    return form_values(client.get(url).content.decode())


def _values_of(response: Any) -> dict[str, Any]:
    from ketaclinic.conftest import form_values

    return form_values(response.content.decode())
