"""Screening records: screenings, instrument answers, signed decisions.

A decision is never edited or deleted: a revision is a new row that names the
one it replaces and why. The database refuses UPDATE (and DELETE on
PostgreSQL) of decisions; see migrations 0002 and 0004. The eligibility rules
are a clinic policy (``ketaclinic.policies``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from ketaclinic.lib.signed import SignedRecord
from ketaclinic.patients.models import Patient
from ketaclinic.policies.models import PolicyVersion
from ketaclinic.questionnaires.models import EnteredVia
from ketacore.rules import Decision

__all__ = ["DECISION_LABELS", "SIGNABLE", "EnteredVia", "Screening", "ScreeningDecision"]


class Screening(models.Model):
    """A patient's screening for IV ketamine: the encounter its intake answers belong to.

    The answers are the patient's questionnaire responses linked to this
    screening (``ketaclinic.questionnaires``); ``clinician_facts`` holds facts
    recorded by a nurse or physician in the facts format of docs/screening.md §4.3.
    """

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    #: 1 for the patient's first screening, then 2, 3… for re-screenings; the
    #: newest is the current one. Unique per patient, so two first writes at
    #: the same moment cannot start two screenings.
    number = models.PositiveIntegerField(default=1)
    clinician_facts = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-number",)
        indexes = (models.Index(fields=("patient", "created_at"), name="screening_patient_idx"),)
        constraints = (
            models.UniqueConstraint(fields=("patient", "number"), name="screening_number_uniq"),
        )

    def __str__(self) -> str:
        return f"Screening {self.code}"


#: What a physician may sign: every engine outcome except "incomplete".
SIGNABLE = (
    Decision.CANDIDATE,
    Decision.CANDIDATE_WITH_PRECAUTIONS,
    Decision.NEEDS_SPECIALIST_CLEARANCE,
    Decision.NOT_A_CANDIDATE,
)
DECISION_LABELS = {
    Decision.CANDIDATE: "Candidate",
    Decision.CANDIDATE_WITH_PRECAUTIONS: "Candidate with precautions",
    Decision.NEEDS_SPECIALIST_CLEARANCE: "Needs specialist clearance",
    Decision.NOT_A_CANDIDATE: "Not a candidate",
    Decision.INCOMPLETE: "Incomplete: facts missing or to review",
}


class ScreeningDecision(SignedRecord):
    """A physician's signed decision (never edited or deleted; revised by a new row).

    It keeps what the physician saw: the facts evaluated, the engine's
    evaluation (``decision_to_dict``) and the eligibility policy version (the
    rule set) that produced it. Signed through :func:`ketaclinic.lib.signing.sign`.
    """

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="decisions")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(
        max_length=32, choices=[(d.value, DECISION_LABELS[d]) for d in SIGNABLE]
    )
    engine_decision = models.CharField(max_length=32)
    note = models.TextField(blank=True)
    facts = models.JSONField()
    evaluation = models.JSONField()
    #: What a revision calls this record ("only the current decision can be revised").
    signed_kind = "decision"

    rule_set = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    rule_set_version = models.CharField(max_length=50)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )

    class Meta:
        ordering = ("-signed_at", "-pk")
        indexes = (models.Index(fields=("patient", "signed_at"), name="decision_patient_idx"),)

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.signed_at:%Y-%m-%d})"

    @property
    def engine_decision_label(self) -> str:
        return DECISION_LABELS.get(Decision(self.engine_decision), self.engine_decision)

    @property
    def is_current(self) -> bool:
        return not hasattr(self, "superseded_by")
