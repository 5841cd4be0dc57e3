"""What a patient is asked to fill in after the infusions, and whether they have.

One row per occurrence of a follow-up policy time point (``ketacore.outcomes.schedule``):
created once, by ``services.refresh`` (the unique constraint makes a second creation of
the same occurrence impossible), when it opens. Its answers are ordinary
``QuestionnaireResponse`` rows of the encounter (``follow_up``, the row's ``code``).
Only ``status`` and ``completed_at`` ever change, by the services, audited.
"""

from __future__ import annotations

import uuid

from django.db import models

from ketaclinic.accounts.models import Clinic
from ketaclinic.patients.models import Patient
from ketaclinic.policies.models import PolicyVersion
from ketacore.outcomes.policy import Anchor
from ketacore.questionnaires import title_of

__all__ = ["AnchorKind", "AssignmentStatus", "FollowUpQuestionnaire"]


class AnchorKind(models.TextChoices):
    """``ketacore.outcomes.policy.Anchor``, for the database."""

    PLAN_SIGNED = Anchor.PLAN_SIGNED.value, "Treatment plan signed"
    FIRST_INFUSION = Anchor.FIRST_INFUSION.value, "First infusion"
    SERIES_END = Anchor.SERIES_END.value, "End of a series"


class AssignmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"
    EXPIRED = "expired", "Closed unanswered"


class FollowUpQuestionnaire(models.Model):
    """One set of questionnaires a patient is asked to fill in between two dates."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="follow_up_questionnaires"
    )
    #: The policy's time point id, its label then, and which occurrence (1 for the first).
    timepoint = models.CharField(max_length=64)
    label = models.CharField(max_length=200)
    occurrence = models.PositiveSmallIntegerField()
    anchor = models.CharField(max_length=16, choices=AnchorKind.choices)
    #: The plan (and series) the anchor belongs to: "<plan code>:signed", ":first", ":series2".
    anchor_ref = models.CharField(max_length=100)
    anchor_date = models.DateField()
    opens_on = models.DateField()
    #: The last day it can be filled in.
    closes_on = models.DateField()
    #: Instrument ids (ketacore.scoring), in the order they are asked.
    instruments = models.JSONField()
    policy = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.OPEN
    )
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("patient", "-opens_on", "timepoint")
        constraints = (
            models.UniqueConstraint(
                fields=("patient", "timepoint", "anchor_ref", "occurrence"),
                name="followup_q_occurrence_uniq",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="followup_q_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(completed_at__isnull=False),
                name="followup_q_completed_has_time",
            ),
        )
        indexes = (
            models.Index(fields=("status", "closes_on"), name="followup_q_due_idx"),
            models.Index(fields=("patient", "status"), name="followup_q_patient_idx"),
        )

    def __str__(self) -> str:
        return f"{self.label} ({self.opens_on:%Y-%m-%d}, {self.status})"

    @property
    def instrument_titles(self) -> list[str]:
        return [title_of(i) for i in self.instruments]
