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
