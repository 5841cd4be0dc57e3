"""Sending what the outbox owes: claim, send, mark — the task queue's side.

Exactly once, as far as email allows:

* **Claim.** One conditional UPDATE moves a due message to "sending" with a lease and
  counts the attempt (``attempts``); of any number of workers, one gets it (a row
  UPDATE is atomic on SQLite and PostgreSQL alike). A message another worker is
  sending cannot be claimed until that worker's lease ends.
* **Send**, outside any transaction (an SMTP server can be slow; no lock is held). The
  email's Message-ID is the message's code, the same at every attempt.
* **Mark sent**, fenced by the attempt number: only the attempt that claimed it can
  mark it, in one transaction with its audit record.

A worker killed before it sent leaves a lease that runs out; the next sweep sends the
message (nothing lost). The one case of a second copy is a worker killed in the
milliseconds between the mail server accepting the email and the mark's commit; the
lease (``OUTBOX_LEASE_SECONDS``) is kept well above ``EMAIL_TIMEOUT`` so a slow but
living worker never loses its claim. docs/deploy.md says the same.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q

from ketaclinic.audit.services import Action, record
from ketaclinic.lib import clock
from ketaclinic.outbox.models import MessageStatus, OutgoingMessage

__all__ = ["RETRY_AFTER", "claim", "deliver", "due", "sweep"]

log = logging.getLogger(__name__)

#: Wait before the next attempt after a failed send, by attempt (then the last, until
#: ``OUTBOX_MAX_ATTEMPTS``).
RETRY_AFTER = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def _claimable(now: dt.datetime) -> Q:
    return Q(send_after__lte=now) & (
        Q(status=MessageStatus.PENDING) | Q(status=MessageStatus.SENDING, lease_until__lt=now)
    )


def claim(code: uuid.UUID) -> int | None:
    """Take the message for this worker; returns the attempt number, or None."""
    now = clock.now()
    taken = OutgoingMessage.objects.filter(_claimable(now), code=code).update(
        status=MessageStatus.SENDING, lease_until=now + _lease(), attempts=F("attempts") + 1
    )
    if not taken:
        return None
    attempts: int = OutgoingMessage.objects.values_list("attempts", flat=True).get(code=code)
    return attempts


def _email(message: OutgoingMessage) -> EmailMessage:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    email = EmailMessage(
        message.subject,
        message.body,
        settings.DEFAULT_FROM_EMAIL,
        [message.to_email],
        headers={"Message-ID": f"<{message.code}@{domain}>"},
    )
    if message.ics:
        email.attach(message.ics_name or "appointment.ics", message.ics, "text/calendar")
    return email


def deliver(code: uuid.UUID) -> str:
    """Send the message if it is due and nobody else holds it; says what happened."""
    attempt = claim(code)
    if attempt is None:
        return "not due, taken or done"
    message = OutgoingMessage.objects.get(code=code)
    try:
        _email(message).send(fail_silently=False)
    except Exception as exc:  # any failure of the mail server is retried
        _failed(message, attempt, exc)
        return "failed"
    with transaction.atomic():
        marked = OutgoingMessage.objects.filter(code=code, attempts=attempt).update(
            status=MessageStatus.SENT, sent_at=clock.now(), lease_until=None, last_error=""
        )
        if marked:
            record(
                None,
                Action.UPDATE,
                obj=message,
                patient_code=message.patient_code,
                summary="Email sent"[:200],
                changes={"attempt": attempt},
                clinic_id=message.clinic_id,
            )
    if not marked:
        log.warning("outbox: message %s was re-claimed while attempt %s sent it", code, attempt)
    return "sent"


def _failed(message: OutgoingMessage, attempt: int, exc: Exception) -> None:
    now = clock.now()
    give_up = attempt >= settings.OUTBOX_MAX_ATTEMPTS
    wait = RETRY_AFTER[min(attempt, len(RETRY_AFTER)) - 1]
    with transaction.atomic():
        OutgoingMessage.objects.filter(code=message.code, attempts=attempt).update(
            status=MessageStatus.FAILED if give_up else MessageStatus.PENDING,
            lease_until=None,
            send_after=message.send_after if give_up else now + wait,
            last_error=f"{type(exc).__name__}: {exc}"[:300],
        )
        record(
            None,
            Action.UPDATE,
            obj=message,
            patient_code=message.patient_code,
            summary=(
                "Email could not be sent; given up" if give_up else "Email not sent yet; will retry"
            ),
            changes={"attempt": attempt, "error": type(exc).__name__},
            clinic_id=message.clinic_id,
        )
    log.warning("outbox: attempt %s of message %s failed: %s", attempt, message.code, exc)


def due(limit: int = 200) -> list[uuid.UUID]:
    """Messages that are due, or whose worker's lease ran out, oldest first."""
    return list(
        OutgoingMessage.objects.filter(_claimable(clock.now()))
        .order_by("send_after")
        .values_list("code", flat=True)[:limit]
    )


def sweep(limit: int = 200) -> int:
    """Deliver everything due (the safety net under the per-message tasks); count sent."""
    return sum(deliver(code) == "sent" for code in due(limit))
