"""Portal invitations: an emailed, single-use link that lets a patient set a password.

Only the SHA-256 of the link's token is stored (as for API tokens: a copy of the
database gives nobody a working link). An invitation is *open* until it is
accepted or revoked; at most one is open per patient (a database constraint).
Sending it again gives it a new token (the old link stops working) and a new
expiry. Every change is audited by the services.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketaclinic.lib.tokens import digest
from ketaclinic.patients.models import Patient

__all__ = ["Invitation", "PortalAccess"]


class PortalAccess(models.TextChoices):
    """What a patient can do with the portal, as the patient list and worklists say it."""

    NONE = "none", "Not invited"
    INVITED = "invited", "Invited, not yet set up"
    EXPIRED = "expired", "Invitation expired"
    NOT_SENT = "not_sent", "Invitation email not sent"
    ACTIVE = "active", "Active"


class Invitation(models.Model):
    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="portal_invitations"
    )
    #: Where the link was (last) sent.
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: When and by whom the current link was sent (the first time, or again).
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    send_count = models.PositiveIntegerField(default=1)
    expires_at = models.DateTimeField()
    #: The email of the current link could not be handed to the mail server.
    email_failed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    #: The portal account made when the patient accepted.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_invitation",
    )

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = (
            models.UniqueConstraint(
                fields=("patient",),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_patient",
            ),
        )
        indexes = (models.Index(fields=("accepted_at", "revoked_at"), name="invitation_open_idx"),)

    def __str__(self) -> str:
        return f"Portal invitation {self.code} ({self.get_state_display()})"

    @staticmethod
    def hash_token(token: str) -> str:
        return digest(token)

    @staticmethod
    def lifetime() -> dt.timedelta:
        return dt.timedelta(hours=settings.PORTAL_INVITATION_HOURS)

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    def state(self, now: dt.datetime | None = None) -> str:
        """``accepted``, ``revoked``, or the :class:`PortalAccess` of an open invitation."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.email_failed_at is not None:
            return PortalAccess.NOT_SENT
        if (now or timezone.now()) >= self.expires_at:
            return PortalAccess.EXPIRED
        return PortalAccess.INVITED

    def get_state_display(self) -> str:
        state = self.state()
        labels = {"accepted": "Accepted", "revoked": "Revoked", **dict(PortalAccess.choices)}
        return str(labels[state])
