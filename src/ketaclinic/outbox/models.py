"""One email the clinic owes someone, and where its delivery stands."""

from __future__ import annotations

import uuid

from django.db import models

from ketaclinic.accounts.models import Clinic


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Could not be sent"


class OutgoingMessage(models.Model):
    """An email to send at ``send_after`` or later; the row, not the queue, is the truth.

    The task queue carries a reference to the row; a worker delivers it only after
    claiming it with one conditional UPDATE (``delivery.claim``), which sets a lease and
    counts the attempt. A worker that dies holding a lease loses it when the lease ends,
    and the next sweep delivers the message. Marking it sent is fenced by the attempt
    number, so a worker that outlived its lease cannot mark another's attempt.
    """

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    #: What the message is for, unique: scheduling it again changes it, never adds one
    #: (e.g. "reminder:<appointment code>:24h").
    key = models.CharField(max_length=200, unique=True)
    to_email = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    #: An iCalendar file sent with it (text/calendar), and its file name.
    ics = models.TextField(blank=True)
    ics_name = models.CharField(max_length=100, blank=True)
    #: The patient it concerns, for the audit trail ("" for a prospective patient).
    patient_code = models.CharField(max_length=36, blank=True)
    send_after = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = (models.Index(fields=("status", "send_after"), name="outbox_due_idx"),)
        constraints = (
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sending") | models.Q(lease_until__isnull=False),
                name="outbox_sending_has_lease",
            ),
        )

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email} ({self.status})"
