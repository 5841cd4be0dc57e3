"""Safety alerts raised by a patient's answers, and their acknowledgements.

Both tables are append-only (a database trigger refuses UPDATE, and DELETE on
PostgreSQL; migration 0001): an alert is a fact about what the patient
answered, and an acknowledgement a clinician's signed-off note of what was
done. An alert is open until it has its (one) acknowledgement.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import NO_ENCOUNTER, EncounterType, QuestionnaireResponse

__all__ = ["AlertAcknowledgement", "AlertKind", "SafetyAlert"]


class AlertKind(models.TextChoices):
    PHQ9_ITEM9 = "phq9_item9", "PHQ-9 item 9: thoughts of death or of self-harm"


class SafetyAlert(models.Model):
    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="safety_alerts")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    #: The response whose answer raised it.
    response = models.ForeignKey(QuestionnaireResponse, on_delete=models.PROTECT, related_name="+")
    encounter_type = models.CharField(
        max_length=16, choices=EncounterType.choices, blank=True, default=EncounterType.NONE
    )
    encounter_code = models.UUIDField(default=NO_ENCOUNTER)
    #: The answer that raised it (PHQ-9 item 9: 1 several days … 3 nearly every day).
    value = models.PositiveSmallIntegerField()
    raised_at = models.DateTimeField()

    class Meta:
        ordering = ("-raised_at", "-pk")
        indexes = (models.Index(fields=("patient", "kind", "raised_at"), name="alert_patient_idx"),)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.raised_at:%Y-%m-%d %H:%M})"


class AlertAcknowledgement(models.Model):
    """A nurse or physician followed the alert up; what they did, in their words."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    alert = models.OneToOneField(
        SafetyAlert, on_delete=models.PROTECT, related_name="acknowledgement"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField()
    action_taken = models.TextField(max_length=2000)

    class Meta:
        ordering = ("-acknowledged_at", "-pk")

    def __str__(self) -> str:
        return f"Acknowledged {self.acknowledged_at:%Y-%m-%d %H:%M}"
