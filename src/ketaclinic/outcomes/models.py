"""The patient's daily diary: every saved state of a day is a new row.

Rows are never changed (the table is append-only): a day as it stands is its row with the
highest ``seq``; the earlier rows are what was entered before, by whom and when. A second
entry for a day is an edit of that day: a new row with the next ``seq``, audited with the
old and the new values. ``seq`` is unique per patient and day, so two writers at the same
moment cannot both take the same step.

The scores are narrow integer columns (not JSON) so that the responder and clinic analytics
that follow can aggregate them in the database; the rules (0-10, no future day) are
``ketacore.diary``'s and are repeated as CHECK constraints.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from ketaclinic.patients.models import Patient
from ketacore.diary import SCORE_MAX


class DiaryVia(models.TextChoices):
    PORTAL = "portal", "Patient, in the portal"
    CLINIC = "clinic", "Entered via clinic"


class DiaryQuerySet(models.QuerySet["DiaryEntry"]):
    def current(self) -> DiaryQuerySet:
        """Only the newest row of each (patient, day): the diary as it stands."""
        newer = DiaryEntry.objects.filter(
            patient=models.OuterRef("patient"),
            day=models.OuterRef("day"),
            seq__gt=models.OuterRef("seq"),
        )
        return self.filter(~models.Exists(newer))


def _score() -> models.PositiveSmallIntegerField:  # type: ignore[type-arg]
    return models.PositiveSmallIntegerField(validators=[MaxValueValidator(SCORE_MAX)])


class DiaryEntry(models.Model):
    """One day of a patient's diary as entered at one moment."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="diary_entries")
    day = models.DateField()
    seq = models.PositiveIntegerField()
    pain_nrs = _score()
    function_nrs = _score()
    mood_nrs = _score()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_via = models.CharField(max_length=16, choices=DiaryVia.choices)
    entered_at = models.DateTimeField()

    objects = DiaryQuerySet.as_manager()

    class Meta:
        ordering = ("patient", "-day", "-seq")
        constraints = (
            models.UniqueConstraint(fields=("patient", "day", "seq"), name="diary_day_step_uniq"),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__gte": 0, f"{name}__lte": SCORE_MAX}),
                    name=f"diary_{name}_0_10",
                )
                for name in ("pain_nrs", "function_nrs", "mood_nrs")
            ),
        )
        verbose_name_plural = "diary entries"

    def __str__(self) -> str:
        return f"Diary {self.day} #{self.seq}"


class SeriesOutcome(models.Model):
    """One infusion series of a patient, summarised for the clinic's analytics.

    Derived data: every value comes from the diary, the sessions, the questionnaires and
    the plan through ``ketacore.outcomes`` (``outcomes.summary.refresh_patient``), and a
    refresh replaces a patient's rows in one transaction. Columns, not JSON, so that the
    analytics aggregate in the database (docs/analytics.md).
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    series_number = models.PositiveSmallIntegerField()
    first_day = models.DateField()
    last_day = models.DateField()
    infusions = models.PositiveSmallIntegerField()
    booster = models.BooleanField(default=False)
    #: The condition group of the patient's signed screening decision ("" if none).
    condition_group = models.CharField(max_length=40, blank=True)
    protocol_id = models.CharField(max_length=64, blank=True)
    protocol_name = models.CharField(max_length=200, blank=True)
    duration_min = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_pain = models.FloatField(null=True, blank=True)
    response_pain = models.FloatField(null=True, blank=True)
    percent = models.FloatField(null=True, blank=True)
    #: The response category (ketacore's words); "unknown" without enough diary days.
    category = models.CharField(max_length=24)
    responder = models.BooleanField(null=True, blank=True)
    meets_points = models.BooleanField(null=True, blank=True)
    relief_onset_days = models.PositiveSmallIntegerField(null=True, blank=True)
    relief_days = models.PositiveSmallIntegerField(null=True, blank=True)
    relief_censored = models.BooleanField(null=True, blank=True)
    phq9_before = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_after = models.PositiveSmallIntegerField(null=True, blank=True)
    gad7_before = models.PositiveSmallIntegerField(null=True, blank=True)
    gad7_after = models.PositiveSmallIntegerField(null=True, blank=True)
    sessions = models.PositiveSmallIntegerField()
    session_alerts = models.PositiveIntegerField()
    side_effects = models.PositiveIntegerField()
    policy_version = models.CharField(max_length=50)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ("clinic", "first_day", "patient", "series_number")
        constraints = (
            models.UniqueConstraint(
                fields=("patient", "series_number"), name="series_outcome_number_uniq"
            ),
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="series_outcome_days_ordered",
            ),
        )
        indexes = (
            models.Index(fields=("clinic", "first_day"), name="series_outcome_clinic_day"),
            models.Index(
                fields=("clinic", "condition_group", "protocol_id"), name="series_outcome_group"
            ),
        )

    def __str__(self) -> str:
        return f"Series {self.series_number} of {self.patient}"


class ResearchKey(models.Model):
    """A patient's pseudonym and date shift in de-identified exports (docs/analytics.md).

    Both are drawn at random the first time the patient is exported, not derived from
    anything about the patient, as 45 CFR 164.514(c) asks of a re-identification code
    [HIPAA-164.514]; kept so that every export gives the same ones and exports can be joined.
    Never changed; only the export (``outcomes/export.py``) writes it.
    """

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="+")
    pseudonym = models.CharField(max_length=24, unique=True)
    shift_days = models.SmallIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=(
                    models.Q(shift_days__gte=-365, shift_days__lte=365) & ~models.Q(shift_days=0)
                ),
                name="research_key_shift_range",
            ),
        )

    def __str__(self) -> str:
        return self.pseudonym


class BoosterEstimate(models.Model):
    """The day a patient's next booster is estimated due, kept for the front desk's list.

    Derived data, written with the patient's series rows by ``outcomes.summary`` (the same
    ``ketacore`` estimate the progress page shows), so the list reads indexed rows instead
    of every patient's diary. No row: no estimate (too few relief periods ended).
    """

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="+")
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    computed_at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=("clinic", "due_on"), name="booster_estimate_clinic_day"),)

    def __str__(self) -> str:
        return f"Booster estimated due {self.due_on:%Y-%m-%d}"
