"""Scheduling and cancelling outgoing email (atomic, audited).

The sending itself is ``delivery``: the task queue's side, which never changes what is
owed, only whether it has gone.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.audit.services import Action, record
from ketaclinic.outbox.models import MessageStatus, OutgoingMessage

__all__ = ["cancel", "cancel_matching", "schedule"]


def _check(to_email: str, subject: str, send_after: dt.datetime) -> None:
    try:
        validate_email(to_email)
    except ValidationError:
        raise ValidationError({"to_email": "email: give a valid address"}) from None
    if not subject.strip():
        raise ValidationError({"subject": "subject: an email needs a subject"})
    if timezone.is_naive(send_after):
        raise ValidationError({"send_after": "send_after: give the time with its time zone"})


@transaction.atomic
def schedule(
    actor: User | None,
    *,
    clinic: Clinic,
    key: str,
    to_email: str,
    subject: str,
    body: str,
    send_after: dt.datetime,
    ics: str = "",
    ics_name: str = "",
    patient_code: str = "",
) -> OutgoingMessage:
    """Owe ``to_email`` this message from ``send_after`` on; the same key changes it.

    A message already sent is never sent again by scheduling its key once more (it is
    returned unchanged); a cancelled or pending one is brought up to date and owed again.
    The delivery task is queued when the transaction commits.
    """
    _check(to_email, subject, send_after)
    message = OutgoingMessage.objects.select_for_update().filter(key=key).first()
    fields = {
        "clinic": clinic,
        "to_email": to_email,
        "subject": subject[:200],
        "body": body,
        "send_after": send_after,
        "ics": ics,
        "ics_name": ics_name,
        "patient_code": patient_code,
    }
    if message is not None and message.status == MessageStatus.SENT:
        return message
    if message is None:
        message = OutgoingMessage(key=key, **fields)
        message.save(force_insert=True)
        summary = "Email scheduled"
    elif message.status == MessageStatus.SENDING:
        # A worker holds it now: it goes out as it was; changing it under the worker
        # would mark a different text as sent.
        raise ValidationError({"key": "key: this email is being sent right now; try again"})
    else:
        for name, value in fields.items():
            setattr(message, name, value)
        message.status, message.last_error = MessageStatus.PENDING, ""
        message.save(update_fields=[*fields, "status", "last_error"])
        summary = "Scheduled email changed"
    record(
        actor,
        Action.CREATE,
        obj=message,
        patient_code=patient_code,
        summary=summary,
        changes={"send_after": send_after.isoformat(), "subject": message.subject},
        clinic_id=clinic.pk,
    )
    from ketaclinic.outbox.tasks import enqueue_delivery

    # robust: a queue that is down is logged, not raised; the sweep sends it later.
    transaction.on_commit(lambda: enqueue_delivery(message), robust=True)
    return message


_DONE = (MessageStatus.SENT, MessageStatus.CANCELLED)


def _stop(actor: User | None, message: OutgoingMessage, reason: str) -> None:
    message.status, message.lease_until = MessageStatus.CANCELLED, None
    message.save(update_fields=["status", "lease_until"])
    record(
        actor,
        Action.UPDATE,
        obj=message,
        patient_code=message.patient_code,
        summary=f"Scheduled email cancelled: {reason}"[:200],
        clinic_id=message.clinic_id,
    )


@transaction.atomic
def cancel(actor: User | None, key: str, *, reason: str) -> OutgoingMessage | None:
    """Stop an email that has not gone yet; returns it, or None when none was owed."""
    message = OutgoingMessage.objects.select_for_update().filter(key=key).first()
    if message is not None and message.status not in _DONE:
        _stop(actor, message, reason)
    return message


@transaction.atomic
def cancel_matching(actor: User | None, prefix: str, *, reason: str) -> int:
    """Stop every email not sent yet whose key starts with ``prefix``; returns how many."""
    owed = list(
        OutgoingMessage.objects.select_for_update()
        .filter(key__startswith=prefix)
        .exclude(status__in=_DONE)
    )
    for message in owed:
        _stop(actor, message, reason)
    return len(owed)
