"""The manage link of an appointment, and the public site's request log for rate limits."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from ketaclinic.scheduling.models import Appointment


class ManageAccess(models.Model):
    """What makes an appointment's emailed manage link valid.

    The link itself is not stored: it is the appointment's code and this row's
    ``version``, signed with the server's secret key (``links.py``). Raising the version
    revokes every link sent before; ``used_at`` records that the link cancelled it.
    """

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(default=1)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Manage link v{self.version} of {self.appointment_id}"


class PublicAttempt(models.Model):
    """One booking or manage action from the public site, for its rate limit.

    ``client`` is a keyed hash of the visitor's address (never the address itself); rows
    older than the longest window are deleted as new ones come.
    """

    scope = models.CharField(max_length=20)
    client = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=("scope", "client", "at"), name="booking_attempt_idx"),)

    def __str__(self) -> str:
        return f"{self.scope} at {self.at:%Y-%m-%d %H:%M}"


class CalendarFeed(models.Model):
    """A clinician's subscription address for their appointments (an .ics feed).

    Only a SHA-256 hash of the token is stored; the address is shown once, when it is made.
    Revoking it (or making a new one, which revokes the old) stops it at once.
    """

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"
