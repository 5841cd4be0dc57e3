"""PHQ-9 item 9 alerts: raised by the answer, acknowledged once with what was done (issue 10)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from ketaclinic.alerts.models import AlertAcknowledgement, SafetyAlert
from ketaclinic.alerts.services import acknowledge
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import login, submit

ITEM9 = "q9_self_harm_thoughts"


def _answer(client: APIClient, answers: dict[str, int]) -> None:
    url = reverse("api:portal-intake-part", args=["phq9"])
    response = client.patch(url, {"answers": answers}, format="json")
    assert response.status_code == 200, response.json()


def test_an_item9_answer_above_0_raises_one_alert_at_once(ada) -> None:
    portal = login(APIClient(), ada.portal_user)
    _answer(portal, {"q1_little_interest": 1})
    assert not SafetyAlert.objects.exists()
    _answer(portal, {ITEM9: 1})  # before the other items, before the questionnaire is sent
    alert = SafetyAlert.objects.get()
    assert (alert.patient, alert.value, alert.kind) == (ada, 1, "phq9_item9")
    event = AuditEvent.objects.get(action=Action.CREATE, object_code=str(alert.code))
    assert event.patient_code == str(ada.code)
    _answer(portal, {"q2_feeling_down": 2})  # item 9 unchanged: no second alert
    assert SafetyAlert.objects.count() == 1
    _answer(portal, {ITEM9: 3})  # worse: a new alert
    assert list(SafetyAlert.objects.order_by("pk").values_list("value", flat=True)) == [1, 3]


def test_item9_at_0_raises_nothing(ada) -> None:
    _answer(login(APIClient(), ada.portal_user), {ITEM9: 0})
    assert not SafetyAlert.objects.exists()


def test_a_nurse_acknowledges_with_what_was_done(ada, nina) -> None:
    _answer(login(APIClient(), ada.portal_user), {ITEM9: 2})
    alert = SafetyAlert.objects.get()
    client = login(Client(), nina)
    url = reverse("alerts:acknowledge", args=[alert.code])
    page = client.get(url).content.decode()
    assert "More than half the days" in page
    assert "thoughts that you would be better off dead" in page
    refused = submit(client, url, {"action_taken": "   "})
    assert 'id="id_action_taken_error"' in refused.content.decode()
    assert not AlertAcknowledgement.objects.exists()
    done = submit(client, url, {"action_taken": "Called Ada: safe at home; seen today."})
    assert done.status_code == 302
    ack = AlertAcknowledgement.objects.get()
    assert (ack.alert, ack.acknowledged_by, ack.action_taken) == (
        alert,
        nina,
        "Called Ada: safe at home; seen today.",
    )
    event = AuditEvent.objects.get(action=Action.CREATE, object_code=str(ack.code))
    assert (event.actor_username, event.patient_code) == ("nina", str(ada.code))
    assert event.changes["action_taken"] == "Called Ada: safe at home; seen today."
    assert "Acknowledged" in client.get(url).content.decode()


def test_an_alert_is_acknowledged_once(ada, nina, rivera) -> None:
    _answer(login(APIClient(), ada.portal_user), {ITEM9: 1})
    alert = SafetyAlert.objects.get()
    acknowledge(nina, alert, action_taken="Called her.")
    with pytest.raises(Exception, match="acknowledged this alert already"):
        acknowledge(rivera, alert, action_taken="Called her too.")
    assert AlertAcknowledgement.objects.count() == 1


def test_alerts_and_acknowledgements_are_never_changed_in_place(ada, nina) -> None:
    _answer(login(APIClient(), ada.portal_user), {ITEM9: 1})
    alert = SafetyAlert.objects.get()
    acknowledge(nina, alert, action_taken="Called her.")
    with pytest.raises(DatabaseError), transaction.atomic():
        SafetyAlert.objects.filter(pk=alert.pk).update(value=0)
    with pytest.raises(DatabaseError), transaction.atomic():
        AlertAcknowledgement.objects.update(action_taken="nothing")


def test_front_desk_and_other_clinics_cannot_open_an_alert(ada, desmond, charlie) -> None:
    _answer(login(APIClient(), ada.portal_user), {ITEM9: 1})
    url = reverse("alerts:acknowledge", args=[SafetyAlert.objects.get().code])
    assert login(Client(), desmond).get(url).status_code == 403
    assert login(Client(), charlie).get(url).status_code == 404
    with pytest.raises(Exception, match="Only a nurse or a physician"):
        acknowledge(desmond, SafetyAlert.objects.get(), action_taken="x")
