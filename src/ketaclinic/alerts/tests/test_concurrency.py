"""Alerts under concurrent writers: real threads, each with its own connection, against
the real database (SQLite in WAL mode, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ketaclinic.alerts.models import AlertAcknowledgement, SafetyAlert
from ketaclinic.alerts.services import acknowledge
from ketaclinic.audit.models import AuditEvent
from ketaclinic.conftest import at_once
from ketaclinic.questionnaires.services import record_answers

pytestmark = pytest.mark.django_db(transaction=True)

ITEM9 = "q9_self_harm_thoughts"


def test_the_same_answer_saved_twice_at_once_raises_one_alert(ada) -> None:
    def save() -> object:
        return record_answers(ada.portal_user, ada, "phq9", {ITEM9: 2}, via="portal").pk

    at_once(save, save, save)
    alert = SafetyAlert.objects.get()
    assert alert.value == 2
    assert AuditEvent.objects.filter(object_code=str(alert.code)).count() == 1


def test_two_nurses_acknowledging_at_once_record_one_acknowledgement(ada, nina, rivera) -> None:
    record_answers(ada.portal_user, ada, "phq9", {ITEM9: 1}, via="portal")
    alert = SafetyAlert.objects.get()

    def ack(user, text: str) -> str:
        try:
            acknowledge(user, alert, action_taken=text)
        except ValidationError as exc:
            return "refused: " + " ".join(exc.messages)
        return "acknowledged"

    outcomes = at_once(
        lambda: ack(nina, "Called Ada; safe at home."), lambda: ack(rivera, "Called Ada too.")
    )
    assert sorted(str(o)[:9] for o in outcomes) == ["acknowled", "refused: "]
    refused = next(str(o) for o in outcomes if str(o).startswith("refused"))
    assert "acknowledged this alert already" in refused
    entry = AlertAcknowledgement.objects.get()
    assert entry.alert == alert
    assert AuditEvent.objects.filter(object_code=str(entry.code)).count() == 1
