"""Treatment plans and their signed versions.

A plan is the patient's course of infusions; each change is a new
:class:`PlanVersion`, signed by a physician with the password, never edited
(the table is append-only). A version keeps what it was computed from (the
protocol library version, the protocol, the weight and its date, the screening
decision that authorised it) and what it computed, including the hard ceilings
it was checked against: the database refuses a row whose rate or dose is above
them, whatever path wrote it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketaclinic.accounts.models import Clinic
from ketaclinic.lib.signed import SignedRecord
from ketaclinic.patients.models import Patient
from ketaclinic.policies.models import PolicyVersion
from ketaclinic.screening.models import ScreeningDecision

__all__ = ["PlanStatus", "PlanVersion", "TreatmentPlan"]

#: Slack for comparing floats in the database checks: a rate equal to its
#: ceiling computed another way may differ in the last binary digit.
_SLACK = 1.000001


class TreatmentPlan(models.Model):
    """One course of infusions for a patient; its content is in its versions."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="treatment_plans")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"Treatment plan {self.code}"


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    #: Held at a follow-up visit: no infusion is given or booked until a physician resumes it.
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"


class PlanVersion(SignedRecord):
    """A signed version of a plan (never changed; a change is the next version)."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    revises = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="revised_by"
    )
    status = models.CharField(max_length=16, choices=PlanStatus.choices)
    decision = models.ForeignKey(ScreeningDecision, on_delete=models.PROTECT, related_name="+")
    library = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    protocol_id = models.CharField(max_length=64)
    protocol_name = models.CharField(max_length=200)
    weight_kg = models.FloatField()
    weight_measured_on = models.DateField()
    weight_stale = models.BooleanField(default=False)
    dose_basis = models.CharField(max_length=20)
    dose = models.FloatField()
    duration_min = models.FloatField()
    concentration_mg_per_ml = models.FloatField()
    bag_volume_ml = models.FloatField()
    rate_mg_per_h = models.FloatField()
    rate_ml_per_h = models.FloatField()
    total_mg = models.FloatField()
    total_ml = models.FloatField()
    max_rate_mg_per_h = models.FloatField()
    hard_ceiling_rate_mg_per_h = models.FloatField()
    hard_ceiling_session_mg = models.FloatField()
    hard_ceiling_bolus_mg = models.FloatField()
    series_count = models.PositiveSmallIntegerField()
    series_spacing_days = models.PositiveSmallIntegerField()
    #: The whole calculation: figures, the working of each, every limit checked.
    calculation = models.JSONField()
    #: Soft limits passed, each with the physician's reason: [{key, message, reason}].
    soft_overrides = models.JSONField(default=list, blank=True)
    #: The PK preview's figures for the chosen option, as shown when signing.
    preview = models.JSONField(null=True, blank=True)
    note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ("plan", "-number")
        constraints = (
            models.UniqueConstraint(fields=("plan", "number"), name="plan_version_number_uniq"),
            models.CheckConstraint(
                condition=Q(hard_ceiling_rate_mg_per_h__gt=0)
                & Q(hard_ceiling_session_mg__gt=0)
                & Q(hard_ceiling_bolus_mg__gt=0),
                name="plan_version_ceilings_set",
            ),
            models.CheckConstraint(
                condition=Q(rate_mg_per_h__gt=0)
                & Q(rate_mg_per_h__lte=F("hard_ceiling_rate_mg_per_h") * _SLACK)
                & Q(max_rate_mg_per_h__lte=F("hard_ceiling_rate_mg_per_h") * _SLACK),
                name="plan_version_rate_within_hard_limit",
            ),
            models.CheckConstraint(
                condition=Q(total_mg__gt=0)
                & Q(total_mg__lte=F("hard_ceiling_session_mg") * _SLACK),
                name="plan_version_dose_within_hard_limit",
            ),
            models.CheckConstraint(
                condition=Q(total_ml__lte=F("bag_volume_ml") * _SLACK),
                name="plan_version_volume_within_bag",
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__gt=0) & Q(duration_min__gt=0),
                name="plan_version_weight_duration_positive",
            ),
        )

    def __str__(self) -> str:
        return f"{self.protocol_name}, version {self.number}"

    @property
    def patient(self) -> Patient:
        return self.plan.patient
