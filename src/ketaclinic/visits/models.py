"""Structured follow-up visits: signed, never changed; a correction is a new signed version.

A visit follows one version of the patient's treatment plan. What the response was when it was
signed (the diary against the baseline, the newest PHQ-9 and GAD-7, the sessions so far) and the
side effects charted since the last visit are stored as a snapshot computed from the data at
signing, never typed in. The decision (continue, change the dose or time, pause, stop) is
carried out on the plan in the same transaction: ``plan_version_after`` is the version it made.
"""

from __future__ import annotations

import uuid

from django.db import models

from ketaclinic.accounts.models import Clinic
from ketaclinic.lib.signed import SignedRecord
from ketaclinic.patients.models import Patient
from ketaclinic.plans.models import PlanVersion
from ketacore.outcomes.visits import VisitDecision

__all__ = ["DECISION_CHOICES", "FollowUpVisit", "VisitOwed"]

#: The decisions with their labels (the model's choices and the API's enum).
DECISION_CHOICES = [(d.value, d.label) for d in VisitDecision]


class FollowUpVisit(SignedRecord):
    """One signed follow-up visit (or a correction of one)."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="follow_up_visits")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    #: The plan version the decision made (a new dose, paused, stopped, resumed), if any.
    plan_version_after = models.ForeignKey(
        PlanVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit_date = models.DateField()
    #: The response so far, computed at signing (docs/outcomes.md, *Follow-up visits*).
    response = models.JSONField()
    #: The side effects charted in sessions since the last visit, listed at signing.
    side_effects = models.JSONField(default=list)
    side_effects_note = models.TextField(max_length=2000, blank=True)
    decision = models.CharField(max_length=16, choices=[(d.value, d.label) for d in VisitDecision])
    decision_reason = models.TextField(max_length=2000)
    #: The other parts of multimodal care: {item id: {"yes": bool, "note": str}}.
    care = models.JSONField(default=dict)
    revises = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    #: What a revision calls this record ("only the current follow-up visit can be revised").
    signed_kind = "follow-up visit"

    class Meta:
        ordering = ("-visit_date", "-signed_at", "-pk")
        indexes = (models.Index(fields=("patient", "visit_date"), name="visit_patient_date_idx"),)

    def __str__(self) -> str:
        return f"Follow-up visit {self.visit_date:%Y-%m-%d}"

    @property
    def is_current(self) -> bool:
        return not hasattr(self, "superseded_by")


class VisitOwed(models.Model):
    """The follow-up visit a patient owes next, kept for the worklist (``visits.owed``).

    Derived data, one row per patient at most: of the milestones reached and not covered by
    a visit, the one falling due first, due yet or not (``ketacore.outcomes.visits``
    ``visit_owed``, which ``visit_due`` also reads); the worklist shows the rows due by
    today. Replaced whole by each refresh: when a session is signed off or a visit signed
    (in that transaction), and daily by the worker for every patient it may
    concern, as days passing make series end and milestones fall due.
    """

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="+")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    after = models.CharField(max_length=16)  # "first_infusion" or "series_end"
    anchor = models.DateField()
    due = models.DateField()
    series = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=("clinic", "due"), name="visit_owed_clinic_due"),)

    def __str__(self) -> str:
        return f"Follow-up visit owed {self.due:%Y-%m-%d}"
