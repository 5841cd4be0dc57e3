"""The outbox: what is owed is sent once, at its time, and a failure is retried.

Delivery is called as the task queue's worker calls it; the database is read back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.audit.models import AuditEvent
from ketaclinic.conftest import at_once
from ketaclinic.lib import clock
from ketaclinic.outbox import delivery, services
from ketaclinic.outbox.models import MessageStatus, OutgoingMessage

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//\r\nEND:VCALENDAR\r\n"


def _owe(clinic: Clinic, actor: User | None = None, **overrides: Any) -> OutgoingMessage:
    fields: dict[str, Any] = {
        "clinic": clinic,
        "key": "reminder:test:24h",
        "to_email": "ada@example.org",
        "subject": "Your infusion tomorrow at 9:00",
        "body": "See you tomorrow.",
        "send_after": timezone.now() - dt.timedelta(seconds=1),
        "ics": ICS,
        "ics_name": "infusion.ics",
    }
    return services.schedule(actor, **(fields | overrides))


@pytest.mark.django_db
def test_it_sends_a_due_message_once_with_its_calendar_file(clinic, desmond) -> None:
    message = _owe(clinic, desmond)
    assert delivery.deliver(message.code) == "sent"
    assert delivery.deliver(message.code) == "not due, taken or done"
    assert delivery.sweep() == 0
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ada@example.org"]
    assert sent.extra_headers["Message-ID"].startswith(f"<{message.code}@")
    assert sent.attachments[0][0] == "infusion.ics"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.lease_until) == ("sent", 1, None)
    assert message.sent_at is not None
    summaries = list(
        AuditEvent.objects.filter(object_code=str(message.code))
        .order_by("seq")
        .values_list("summary", flat=True)
    )
    assert summaries == ["Email scheduled", "Email sent"]


@pytest.mark.django_db
def test_it_waits_for_the_messages_time(clinic) -> None:
    message = _owe(clinic, send_after=timezone.now() + dt.timedelta(hours=2))
    assert delivery.deliver(message.code) == "not due, taken or done"
    assert delivery.due() == []
    with clock.replaying(timezone.now() + dt.timedelta(hours=2, seconds=1)):
        assert delivery.due() == [message.code]
        assert delivery.sweep() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_scheduling_a_key_again_changes_the_message_and_never_resends_it(clinic) -> None:
    first = _owe(clinic, send_after=timezone.now() + dt.timedelta(hours=1))
    moved = _owe(clinic, subject="Moved: your infusion at 10:00")
    assert moved.pk == first.pk
    assert OutgoingMessage.objects.count() == 1
    assert delivery.sweep() == 1
    again = _owe(clinic, subject="A third text")
    assert again.status == MessageStatus.SENT
    assert delivery.sweep() == 0
    assert [m.subject for m in mail.outbox] == ["Moved: your infusion at 10:00"]


@pytest.mark.django_db
def test_a_cancelled_message_is_not_sent(clinic, desmond) -> None:
    message = _owe(clinic)
    services.cancel(desmond, message.key, reason="appointment cancelled")
    assert delivery.sweep() == 0
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == MessageStatus.CANCELLED


@pytest.mark.django_db
def test_a_failed_send_is_retried_later_then_given_up(clinic, settings) -> None:
    settings.EMAIL_BACKEND = "ketaclinic.outbox.tests.backends.RefusingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message = _owe(clinic)
    assert delivery.deliver(message.code) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert "refused" in message.last_error
    assert message.send_after > timezone.now()  # waits before the next attempt
    with clock.replaying(message.send_after + dt.timedelta(seconds=1)):
        assert delivery.sweep() == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 2)
    assert delivery.due() == []


@pytest.mark.django_db
def test_a_message_whose_worker_died_is_sent_after_its_lease(clinic) -> None:
    message = _owe(clinic)
    assert delivery.claim(message.code) == 1  # a worker took it, then died
    assert delivery.sweep() == 0  # its lease still holds
    message.refresh_from_db()
    assert message.lease_until is not None
    with clock.replaying(message.lease_until + dt.timedelta(seconds=1)):
        assert delivery.sweep() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_bad_input_names_the_field_and_saves_nothing(clinic) -> None:
    with pytest.raises(ValidationError) as bad_email:
        _owe(clinic, to_email="not-an-address")
    assert "to_email" in bad_email.value.message_dict
    with pytest.raises(ValidationError) as naive:
        _owe(clinic, send_after=dt.datetime(2026, 12, 1, 9, 0))  # noqa: DTZ001 (the point)
    assert "send_after" in naive.value.message_dict
    assert OutgoingMessage.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_message_send_it_once(clinic) -> None:
    message = _owe(clinic)
    outcomes = at_once(*[(lambda: delivery.deliver(message.code)) for _ in range(8)])
    assert sorted(outcomes) == ["not due, taken or done"] * 7 + ["sent"]  # type: ignore[type-var]
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
