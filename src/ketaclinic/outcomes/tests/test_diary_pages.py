"""The diary pages: the patient enters days and sees their progress; the care team reads
and enters days, audited; nobody reaches another patient's diary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import login
from ketaclinic.outcomes import services
from ketaclinic.outcomes.models import DiaryEntry
from ketaclinic.outcomes.tests.helpers import intake_bpi, signed_infusions

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return services.clinic_today()


def _ago(n: int) -> dt.date:
    return _today() - dt.timedelta(days=n)


def _post(client: Client, url: str, day: dt.date, pain: object, function=3, mood=2):
    data = {"day": day.isoformat(), "pain_nrs": pain, "function_nrs": function, "mood_nrs": mood}
    return client.post(url, data)


def test_it_lets_the_patient_enter_today_and_a_missed_day(ada) -> None:
    client = login(Client(), ada.portal_user)
    page = client.get(reverse("portal:diary")).content.decode()
    assert f'value="{_today().isoformat()}"' in page  # today by default
    assert "0 = no pain, 10 = pain as bad as you can imagine" in page
    assert page.count('type="radio"') == 33
    response = _post(client, reverse("portal:diary"), _today(), 5)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:progress")
    _post(client, reverse("portal:diary"), _ago(2), 7)
    rows = DiaryEntry.objects.filter(patient=ada).order_by("day")
    assert [(r.day, r.pain_nrs, r.function_nrs, r.mood_nrs) for r in rows] == [
        (_ago(2), 7, 3, 2),
        (_today(), 5, 3, 2),
    ]
    again = client.get(reverse("portal:diary")).content.decode()
    assert "You already filled in today" in again
    assert 'value="5" checked' in again


@pytest.mark.parametrize(
    ("day", "pain", "message"),
    [
        (1, 5, "Date: must not be in the future"),
        (0, 11, "Pain: must be a whole number from 0 to 10"),
        (0, "lots", "Pain: must be a whole number from 0 to 10"),
    ],
)
def test_it_refuses_bad_input_on_the_page_naming_the_field(ada, day, pain, message) -> None:
    client = login(Client(), ada.portal_user)
    response = _post(client, reverse("portal:diary"), _today() + dt.timedelta(days=day), pain)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DiaryEntry.objects.filter(patient=ada).exists()


def test_the_progress_page_says_it_in_words_against_the_diary_before_treatment(
    ada, rivera, nina
) -> None:
    first = _ago(10)
    signed_infusions(ada, rivera, nina, [first, _ago(8)])
    for day, pain in ((_ago(18), 10), (_ago(15), 7), (_ago(12), 8), (_ago(11), 6)):
        services.record_day(
            ada.portal_user,
            ada,
            day,
            {"pain_nrs": pain, "function_nrs": 5, "mood_nrs": 5},
            via="portal",
        )
    for day, pain in ((_ago(6), 4), (_ago(3), 5), (_ago(1), 4), (_today(), 3)):
        services.record_day(
            ada.portal_user,
            ada,
            day,
            {"pain_nrs": pain, "function_nrs": 5, "mood_nrs": 5},
            via="portal",
        )
    client = login(Client(), ada.portal_user)
    html = client.get(reverse("portal:progress")).content.decode()
    # Baseline: days 17..11 before today (the 7 before the first infusion): 7, 8, 6 -> 7
    # (day 18, pain 10, is outside it).
    # This week: days 6..0 before today: 4, 5, 4, 3 -> 4.
    assert (
        "Your average pain this week is 4, down from 7 before treatment "
        "(your diary in the 7 days before your first infusion)."
    ) in html
    assert "<svg" in html
    assert 'aria-label="Pain over time' in html
    assert html.count('<span class="tag">infusion</span>') == 0  # no diary on infusion days
    assert html.count('<tr><th scope="row">') == 8


def test_the_progress_page_falls_back_on_the_intake_bpi_and_handles_no_data(
    ada, rivera, nina
) -> None:
    client = login(Client(), ada.portal_user)
    empty = client.get(reverse("portal:progress")).content.decode()
    assert "You have not filled in your diary in the last 7 days." in empty
    assert "No diary entries yet" in empty
    intake_bpi(ada, 8, on=_ago(20))
    signed_infusions(ada, rivera, nina, [_ago(5)])
    services.record_day(
        ada.portal_user,
        ada,
        _today(),
        {"pain_nrs": 6, "function_nrs": 5, "mood_nrs": 5},
        via="portal",
    )
    html = client.get(reverse("portal:progress")).content.decode()
    assert (
        "Your average pain this week is 6, down from 8 before treatment "
        "(the average pain you gave on your intake questionnaire)."
    ) in html


def test_staff_see_the_diary_audited_and_enter_a_day_via_the_clinic(ada, nina) -> None:
    services.record_day(
        ada.portal_user,
        ada,
        _ago(1),
        {"pain_nrs": 6, "function_nrs": 5, "mood_nrs": 4},
        via="portal",
    )
    client = login(Client(), nina)
    url = reverse("outcomes:patient_diary", kwargs={"code": ada.code})
    html = client.get(url).content.decode()
    assert "Pain diary: Lovelace" in html
    assert "by the patient" in html
    viewed = AuditEvent.objects.filter(action=Action.VIEW, patient_code=str(ada.code))
    assert [e.summary for e in viewed] == ["Viewed pain diary"]
    assert viewed.get().actor_username == "nina"
    response = _post(client, url, _today(), 4)
    assert response.status_code == 302
    entry = DiaryEntry.objects.get(patient=ada, day=_today())
    assert (entry.pain_nrs, entry.entered_via, entry.entered_by) == (4, "clinic", nina)
    assert "via clinic" in client.get(url).content.decode()
    chart = client.get(reverse("patients:chart", kwargs={"code": ada.code})).content.decode()
    assert url in chart


def test_nobody_reaches_another_patients_diary(ada, ben, charlie, desmond) -> None:
    url = reverse("outcomes:patient_diary", kwargs={"code": ben.code})
    assert login(Client(), charlie).get(url).status_code == 404  # another clinic
    assert login(Client(), desmond).get(url).status_code == 403  # front desk: no clinical view
    patient = login(Client(), ada.portal_user)
    assert patient.get(url).status_code == 403
    services.record_day(
        ben.portal_user,
        ben,
        _today(),
        {"pain_nrs": 9, "function_nrs": 9, "mood_nrs": 9},
        via="portal",
    )
    services.record_day(
        ada.portal_user,
        ada,
        _today(),
        {"pain_nrs": 1, "function_nrs": 1, "mood_nrs": 1},
        via="portal",
    )
    html = patient.get(reverse("portal:progress")).content.decode()
    assert "<td>9</td>" not in html
    assert "<td>1</td>" in html
    response = _post(login(Client(), charlie), url, _today(), 2)
    assert response.status_code == 404
    assert DiaryEntry.objects.filter(patient=ben).count() == 1
