"""Every saved state of a patient's answers to one questionnaire is a new row.

Rows are never changed (the table is append-only): the answers as they stand
are the newest row of the patient's (questionnaire, encounter), and the older
rows are the history of who answered what when. Two writers at the same moment
cannot both add the same step: ``seq`` is unique per patient, questionnaire and
encounter, so the second reads the first's answers and merges with them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from ketaclinic.patients.models import Patient

#: The encounter of a response that belongs to none (a diary entry, say).
NO_ENCOUNTER = uuid.UUID(int=0)


class EnteredVia(models.TextChoices):
    PORTAL = "portal", "Patient, in the portal"
    STAFF = "staff", "Staff, for the patient"
    API = "api", "API"
    CARRIED_OVER = "carried_over", "Carried over from the earlier storage"


class EncounterType(models.TextChoices):
    NONE = "", "None"
    SCREENING = "screening", "Screening"
    INFUSION = "infusion", "Infusion session"
    #: A questionnaire on the follow-up schedule (``qschedule``); the code is its assignment's.
    FOLLOW_UP = "follow_up", "Follow-up questionnaire"


class ResponseQuerySet(models.QuerySet["QuestionnaireResponse"]):
    def of(self, patient: Patient, encounter: tuple[str, uuid.UUID]) -> ResponseQuerySet:
        return self.filter(
            patient=patient, encounter_type=encounter[0], encounter_code=encounter[1]
        )

    def newest(
        self, patient: Patient, questionnaire: str, encounter: tuple[str, uuid.UUID]
    ) -> QuestionnaireResponse | None:
        """The patient's newest response to one questionnaire of an encounter, or None."""
        return (
            self.of(patient, encounter).filter(questionnaire=questionnaire).order_by("-seq").first()
        )

    def newest_each(
        self, patient: Patient, encounter: tuple[str, uuid.UUID]
    ) -> dict[str, QuestionnaireResponse]:
        """Questionnaire id -> the newest response, for every questionnaire of an encounter."""
        rows = self.of(patient, encounter)
        steps = rows.values("questionnaire").annotate(seq=models.Max("seq"))
        wanted = models.Q(pk__in=[])
        for step in steps:
            wanted |= models.Q(questionnaire=step["questionnaire"], seq=step["seq"])
        return {r.questionnaire: r for r in rows.filter(wanted).select_related("entered_by")}


class QuestionnaireResponse(models.Model):
    """The patient's answers to one questionnaire at one moment, checked and scored."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    questionnaire = models.CharField(max_length=32)
    encounter_type = models.CharField(
        max_length=16, choices=EncounterType.choices, blank=True, default=EncounterType.NONE
    )
    encounter_code = models.UUIDField(default=NO_ENCOUNTER)
    seq = models.PositiveIntegerField()
    answers = models.JSONField(default=dict)
    options = models.JSONField(default=dict, blank=True)
    missing = models.JSONField(default=list, blank=True)
    score = models.JSONField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_via = models.CharField(max_length=16, choices=EnteredVia.choices)
    entered_at = models.DateTimeField()

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ("patient", "questionnaire", "-seq")
        constraints = (
            models.UniqueConstraint(
                fields=("patient", "questionnaire", "encounter_type", "encounter_code", "seq"),
                name="questionnaire_response_step_uniq",
            ),
        )
        indexes = (
            models.Index(
                fields=("encounter_type", "encounter_code", "questionnaire", "seq"),
                name="qresponse_encounter_idx",
            ),
        )

    def __str__(self) -> str:
        return (
            f"{self.questionnaire} #{self.seq} ({'complete' if self.complete else 'in progress'})"
        )

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def result(self) -> dict[str, object] | None:
        """The score (the name the screening pages and API have always used)."""
        return self.score
