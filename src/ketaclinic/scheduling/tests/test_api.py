"""The calendar's API: the same rules as the services, the same permissions as the pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import login, new_key
from ketaclinic.scheduling.models import Appointment, BoosterDue
from ketaclinic.scheduling.tests.helpers import T, days_ahead, local, open_clinic, planned

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def chairs(clinic, nina, rivera):
    return open_clinic(clinic, nina, rivera)


def test_it_books_and_lists_an_appointment_and_answers_a_taken_time_with_alternatives(
    clinic, chairs, ada, ben, rivera, nina, desmond
) -> None:
    planned(ada, rivera, nina)
    planned(ben, rivera, nina)
    desk = login(Client(), desmond)
    day = days_ahead(3)
    body = {
        "patient": str(ada.code),
        "kind": "infusion",
        "date": day.isoformat(),
        "time": "09:00",
        "resource": str(chairs[0].code),
    }
    made = _post(desk, reverse("api:appointments"), body, **new_key())
    assert made.status_code == 201, made.json()
    answer = made.json()
    assert answer["local_start"] == f"{day.isoformat()} 09:00"
    assert answer["resource"] == "Chair 1"
    stored = Appointment.objects.get(code=answer["code"])
    assert stored.starts_at == local(clinic, day, T(9))
    assert stored.patient == ada
    taken = _post(desk, reverse("api:appointments"), body | {"patient": str(ben.code)}, **new_key())
    assert taken.status_code == 409
    assert taken.json()["resource"][0].startswith("resource: Chair 1 is already booked at 09:00")
    assert len(taken.json()["alternatives"]) == 3
    listed = desk.get(reverse("api:appointments"), {"from": day.isoformat()})
    assert [a["code"] for a in listed.json()] == [answer["code"]]
    assert AuditEvent.objects.filter(
        action=Action.LIST, summary__startswith="Appointments"
    ).exists()


def test_bad_input_names_the_field(clinic, chairs, ada, desmond) -> None:
    desk = login(Client(), desmond)
    url = reverse("api:appointments")
    base = {
        "patient": str(ada.code),
        "kind": "consultation",
        "mode": "video",
        "date": days_ahead(3).isoformat(),
    }
    outside = _post(desk, url, base | {"time": "19:00"}, **new_key())
    assert outside.status_code == 400
    assert "is outside opening hours (08:00–17:00)" in outside.json()["starts_at"][0]
    wrong = _post(desk, url, base | {"time": "9am"}, **new_key())
    assert wrong.status_code == 400
    assert "time" in wrong.json()
    no_mode = _post(desk, url, base | {"mode": "", "time": "09:00"}, **new_key())
    assert no_mode.json() == {
        "mode": ["mode: choose in person, video or phone for a consultation or follow-up"]
    }
    assert not Appointment.objects.exists()


def test_a_gap_time_is_refused_by_name(clinic, ada, rivera, nina, desmond) -> None:
    open_clinic(clinic, nina, rivera, opens=T(0, 30), zone="America/New_York")
    desk = login(Client(), desmond)
    body = {"patient": str(ada.code), "kind": "consultation", "mode": "phone", "time": "02:30"}
    # The second Sunday of March of next year.
    year = timezone.localdate().year + 1
    march = dt.date(year, 3, 8)
    sunday = march + dt.timedelta(days=(6 - march.weekday()) % 7)
    refused = _post(
        desk, reverse("api:appointments"), body | {"date": sunday.isoformat()}, **new_key()
    )
    assert refused.status_code == 400
    assert "does not exist in America/New_York" in refused.json()["starts_at"][0]


def test_move_cancel_and_the_stale_form(clinic, chairs, ada, rivera, nina, desmond) -> None:
    planned(ada, rivera, nina)
    desk = login(Client(), desmond)
    day = days_ahead(3)
    made = _post(
        desk,
        reverse("api:appointments"),
        {"patient": str(ada.code), "kind": "infusion", "date": day.isoformat(), "time": "09:00"},
        **new_key(),
    ).json()
    url = reverse("api:appointment-move", kwargs={"code": made["code"]})
    moved = _post(
        desk,
        url,
        {"date": day.isoformat(), "time": "13:00", "expected_starts_at": made["starts_at"]},
    )
    assert moved.status_code == 200
    assert moved.json()["local_start"].endswith("13:00")
    stale = _post(
        desk,
        url,
        {"date": day.isoformat(), "time": "14:00", "expected_starts_at": made["starts_at"]},
    )
    assert stale.status_code == 400
    assert "was moved meanwhile" in stale.json()["starts_at"][0]
    cancel = reverse("api:appointment-cancel", kwargs={"code": made["code"]})
    assert _post(desk, cancel, {}).json() == {"reason": ["This field is required."]}
    assert _post(desk, cancel, {"reason": "Unwell"}).json()["status"] == "cancelled"
    assert Appointment.objects.get(code=made["code"]).status == "cancelled"


def test_series_and_availability_and_boosters(clinic, chairs, ada, rivera, nina, desmond) -> None:
    planned(ada, rivera, nina)
    desk = login(Client(), desmond)
    free = desk.get(
        reverse("api:availability"),
        {"kind": "infusion", "patient": str(ada.code), "from": days_ahead(2).isoformat()},
    )
    assert free.status_code == 200
    assert free.json()[0]["local_start"].endswith("08:00")
    url = reverse("api:patient-series", kwargs={"code": ada.code})
    made = _post(desk, url, {"first_day": days_ahead(2).isoformat(), "time": "09:00"}, **new_key())
    assert made.status_code == 201
    assert len(made.json()) == 6
    assert Appointment.objects.filter(patient=ada).count() == 6
    boosters = reverse("api:patient-boosters", kwargs={"code": ada.code})
    assert _post(desk, boosters, {"due_on": days_ahead(30).isoformat()}).status_code == 403
    marked = _post(login(Client(), nina), boosters, {"due_on": days_ahead(30).isoformat()})
    assert marked.status_code == 201
    assert BoosterDue.objects.get(patient=ada).marked_by == nina


def test_a_patient_sees_only_their_own(clinic, chairs, ada, ben, rivera, nina, desmond) -> None:
    desk = login(Client(), desmond)
    for patient in (ada, ben):
        body = {
            "patient": str(patient.code),
            "kind": "consultation",
            "mode": "video",
            "date": days_ahead(3).isoformat(),
            "time": "10:00" if patient == ada else "11:00",
        }
        assert _post(desk, reverse("api:appointments"), body, **new_key()).status_code == 201
    own = login(Client(), ada.portal_user).get(reverse("api:portal-appointments")).json()
    assert [a["patient"] for a in own] == [str(ada.code)]
    assert login(Client(), ada.portal_user).get(reverse("api:appointments")).status_code == 403


def test_another_clinic_sees_nothing(clinic, chairs, ada, charlie, desmond) -> None:
    body = {
        "patient": str(ada.code),
        "kind": "consultation",
        "mode": "video",
        "date": days_ahead(3).isoformat(),
        "time": "10:00",
    }
    made = _post(login(Client(), desmond), reverse("api:appointments"), body, **new_key()).json()
    other = login(Client(), charlie)
    assert other.get(reverse("api:appointment", kwargs={"code": made["code"]})).status_code == 404
    assert other.get(reverse("api:appointments"), {"from": days_ahead(3).isoformat()}).json() == []
