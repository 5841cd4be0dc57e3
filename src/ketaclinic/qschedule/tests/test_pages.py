"""The portal pages of a follow-up questionnaire, the item-9 alert end to end, the chart."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.alerts.models import SafetyAlert
from ketaclinic.conftest import login
from ketaclinic.qschedule.models import AssignmentStatus
from ketaclinic.qschedule.tests.helpers import baseline, complete, signed_plan
from ketaclinic.questionnaires.models import EncounterType

pytestmark = pytest.mark.django_db(transaction=True)  # tasks run on commit

CRISIS = "If you are thinking of hurting yourself"


def _part(code: object, instrument: str) -> str:
    return reverse("portal:followup_part", args=[code, instrument])


def test_the_portal_home_lists_it_and_its_page_says_why_we_ask(ada, rivera, nina) -> None:
    signed_plan(ada, rivera, nina)
    row = baseline(ada)
    client = login(Client(), ada.portal_user)
    home = client.get(reverse("portal:home")).content.decode()
    assert "Questionnaires to fill in" in home
    assert reverse("portal:followup", args=[row.code]) in home
    page = client.get(reverse("portal:followup", args=[row.code])).content.decode()
    assert "how your pain, your mood and your daily life change with treatment" in page
    assert "not a way to reach help in an emergency" in page
    assert _part(row.code, "phq9") in page
    part = client.get(_part(row.code, "phq9")).content.decode()
    assert "Part 1 of 3" in part
    assert "data-autosave" in part
    assert CRISIS not in part


def test_pgic_is_asked_as_change_since_treatment_started(ada, rivera, nina) -> None:
    from ketaclinic.infusions import services as infusions
    from ketaclinic.lib import clock
    from ketaclinic.qschedule import services
    from ketaclinic.qschedule.models import FollowUpQuestionnaire

    plan = signed_plan(ada, rivera, nina)
    infusions.open_session(nina, plan, chair="Chair 1")
    with clock.replaying(clock.now() + __import__("datetime").timedelta(days=1)):
        services.refresh(None, ada)
        row = FollowUpQuestionnaire.objects.get(patient=ada, timepoint="after_first")
        page = login(Client(), ada.portal_user).get(_part(row.code, "pgic")).content.decode()
    assert "the change since you started treatment" in page
    assert "Since you started treatment" in page


def test_item_9_alerts_the_worklist_and_shows_crisis_information_at_once(ada, rivera, nina) -> None:
    signed_plan(ada, rivera, nina)
    row = baseline(ada)
    client = login(Client(), ada.portal_user)
    answers = complete("phq9") | {"q9_self_harm_thoughts": 2}
    # Autosave (htmx): the answer is saved and the crisis text comes back with the status.
    status = client.post(_part(row.code, "phq9"), answers, headers={"HX-Request": "true"})
    assert CRISIS in status.content.decode()
    alert = SafetyAlert.objects.get(patient=ada)
    assert (alert.value, alert.encounter_type, alert.encounter_code) == (
        2,
        EncounterType.FOLLOW_UP,
        row.code,
    )
    # The button: on to the next instrument, whose page shows the crisis text again.
    response = client.post(_part(row.code, "phq9"), {**answers, "save": "1"})
    assert response.status_code == 302
    assert response["Location"] == _part(row.code, "gad7")
    assert CRISIS in client.get(response["Location"]).content.decode()
    assert CRISIS in client.get(reverse("portal:followup", args=[row.code])).content.decode()
    assert SafetyAlert.objects.filter(patient=ada).count() == 1  # a second save adds none
    # The care team's worklist shows it the same day.
    worklist = login(Client(), nina).get(reverse("home")).content.decode()
    assert "Safety alerts to acknowledge" in worklist
    assert reverse("alerts:acknowledge", args=[alert.code]) in worklist


def test_finishing_the_last_part_completes_it_and_thanks_the_patient(ada, rivera, nina) -> None:
    signed_plan(ada, rivera, nina)
    row = baseline(ada)
    client = login(Client(), ada.portal_user)
    for instrument in row.instruments:
        response = client.post(_part(row.code, instrument), {**complete(instrument), "save": "1"})
        assert response.status_code == 302
    assert response["Location"] == reverse("portal:followup", args=[row.code])
    row.refresh_from_db()
    assert row.status == AssignmentStatus.COMPLETED
    page = client.get(response["Location"]).content.decode()
    assert "Thank you" in page


def test_a_bad_answer_is_named_and_nothing_is_saved(ada, rivera, nina) -> None:
    signed_plan(ada, rivera, nina)
    row = baseline(ada)
    client = login(Client(), ada.portal_user)
    page = client.post(_part(row.code, "phq9"), {"q1_little_interest": "9", "save": "1"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Not saved" in text
    assert "little interest or pleasure in doing things" in text.lower()
    from ketaclinic.questionnaires.models import QuestionnaireResponse

    assert not QuestionnaireResponse.objects.filter(encounter_code=row.code).exists()


def test_another_patient_cannot_reach_it(ada, ben, rivera, nina) -> None:
    signed_plan(ada, rivera, nina)
    row = baseline(ada)
    client = login(Client(), ben.portal_user)
    assert client.get(reverse("portal:followup", args=[row.code])).status_code == 404
    assert client.post(_part(row.code, "phq9"), complete("phq9")).status_code == 404


def test_the_chart_lists_the_scheduled_questionnaires_and_their_status(ada, rivera, nina) -> None:
    signed_plan(ada, rivera, nina)
    page = login(Client(), nina).get(reverse("patients:chart", args=[ada.code])).content.decode()
    assert "Questionnaires on a schedule" in page
    assert "Before the first infusion" in page
    assert "Patient Health Questionnaire-9 (PHQ-9)" in page
    assert ">Open<" in page


def test_a_nurse_enters_answers_given_on_paper(ada, rivera, nina, desmond, charlie) -> None:
    from ketaclinic.questionnaires.models import EnteredVia, QuestionnaireResponse

    signed_plan(ada, rivera, nina)
    row = baseline(ada)
    client = login(Client(), nina)
    chart = client.get(reverse("patients:chart", args=[ada.code])).content.decode()
    first = reverse("qschedule:staff_part", args=[ada.code, row.code, row.instruments[0]])
    assert f'href="{first}">Enter the patient\'s answers</a>' in chart
    urls = [reverse("qschedule:staff_part", args=[ada.code, row.code, i]) for i in row.instruments]
    page = client.get(urls[0]).content.decode()
    assert "as the patient gave them (on paper or by phone)" in page
    answers = complete(row.instruments[0]) | {"q9_self_harm_thoughts": 1}
    saved = client.post(urls[0], {**answers, "save": "1"})
    assert saved["Location"] == urls[1]
    mine = QuestionnaireResponse.objects.filter(patient=ada, encounter_code=row.code)
    stored = mine.get(questionnaire="phq9")
    assert (stored.entered_via, stored.entered_by) == (EnteredVia.STAFF, nina)
    # The item-9 alert whoever enters it; staff are told, not shown the patient's crisis text.
    assert SafetyAlert.objects.filter(patient=ada, encounter_code=row.code).count() == 1
    following = client.get(urls[1]).content.decode()
    assert "a safety alert is on the care team" in following
    assert CRISIS not in following
    for url, instrument in zip(urls[1:], row.instruments[1:], strict=True):
        done = client.post(url, {**complete(instrument), "save": "1"})
    assert done["Location"] == reverse("patients:chart", args=[ada.code])
    row.refresh_from_db()
    assert row.status == AssignmentStatus.COMPLETED
    # A wrong answer is named, and nothing of it is saved.
    bad = client.post(urls[1], {**complete(row.instruments[1]), "q1_nervous": "9", "save": "1"})
    assert "Not saved" in bad.content.decode()
    assert "nervous" in bad.content.decode().lower()
    assert mine.filter(questionnaire="gad7").count() == 1
    assert login(Client(), desmond).get(urls[0]).status_code == 403
    assert login(Client(), charlie).get(urls[0]).status_code == 404
