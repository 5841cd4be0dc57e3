"""The diary's API: the patient's own and the care team's, read back from the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import token_client
from ketaclinic.outcomes import services
from ketaclinic.outcomes.models import DiaryEntry

pytestmark = pytest.mark.django_db

GOOD = {"pain_nrs": 6, "function_nrs": 4, "mood_nrs": 3}


def test_a_patient_saves_today_then_edits_it_and_lists_their_own_days(ada, ben) -> None:
    client = token_client(ada.portal_user)
    url = reverse("api:portal-diary")
    first = client.post(url, GOOD, format="json")
    assert first.status_code == 201, first.json()
    today = services.clinic_today()
    assert first.json()["day"] == today.isoformat()
    edited = client.post(url, {**GOOD, "pain_nrs": 2, "day": today.isoformat()}, format="json")
    assert edited.json()["edits"] == 1
    rows = list(DiaryEntry.objects.filter(patient=ada).order_by("seq"))
    assert [(r.day, r.seq, r.pain_nrs, r.entered_via) for r in rows] == [
        (today, 1, 6, "portal"),
        (today, 2, 2, "portal"),
    ]
    edit = AuditEvent.objects.get(object_code=str(rows[1].code))
    assert (edit.action, edit.changes["pain_nrs"]) == (Action.UPDATE, [6, 2])
    listed = client.get(url).json()
    assert [(d["day"], d["pain_nrs"], d["edits"]) for d in listed] == [(today.isoformat(), 2, 1)]
    services.record_day(ben.portal_user, ben, today, GOOD, via="portal")
    assert len(client.get(url).json()) == 1  # ben's day is not ada's


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "pain_nrs": 11}, "pain_nrs"),
        ({**GOOD, "mood_nrs": -1}, "mood_nrs"),
        ({**GOOD, "day": "2999-01-01"}, "day"),
        ({"pain_nrs": 3, "mood_nrs": 3}, "function_nrs"),
        ({**GOOD, "function_nrs": "lots"}, "function_nrs"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(ada, body, field) -> None:
    answer = token_client(ada.portal_user).post(reverse("api:portal-diary"), body, format="json")
    assert answer.status_code == 400
    assert field in answer.json(), answer.json()
    assert not DiaryEntry.objects.filter(patient=ada).exists()


def test_the_care_team_reads_and_enters_a_day_and_the_front_desk_cannot(
    ada, nina, desmond, charlie
) -> None:
    url = reverse("api:patient-diary", kwargs={"code": ada.code})
    missed = services.clinic_today() - dt.timedelta(days=2)
    made = token_client(nina).post(url, {**GOOD, "day": missed.isoformat()}, format="json")
    assert made.status_code == 201, made.json()
    row = DiaryEntry.objects.get(patient=ada)
    assert (row.day, row.entered_by, row.entered_via) == (missed, nina, "clinic")
    since = token_client(nina).get(url, {"since": missed.isoformat()}).json()
    assert [d["day"] for d in since] == [missed.isoformat()]
    later = missed + dt.timedelta(days=1)
    assert token_client(nina).get(url, {"since": later.isoformat()}).json() == []
    assert token_client(nina).get(url, {"since": "yesterday"}).status_code == 400
    assert token_client(desmond).get(url).status_code == 403
    assert token_client(charlie).get(url).status_code == 404
    assert DiaryEntry.objects.filter(patient=ada).count() == 1
