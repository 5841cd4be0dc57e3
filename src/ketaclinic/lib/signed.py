"""The fields of a signed record (models only; signing itself is ``lib.signing``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["Meaning", "SignedRecord"]


class Meaning(models.TextChoices):
    """What a signature attests."""

    DECIDED = "decided", "Signed as the physician's decision"
    APPROVED = "approved", "Signed as approved for clinical use"
    REVIEWED = "reviewed", "Signed as reviewed"
    ADMINISTERED = "administered", "Signed as administered"


class SignedRecord(models.Model):
    """The fields every signed record carries."""

    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_by_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    meaning = models.CharField(max_length=16, choices=Meaning.choices)
    revision_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True
