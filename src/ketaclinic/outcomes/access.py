"""Permission-checked getters for the diary (404 outside the clinic or for another patient).

The patient reads only their own diary (``get_own_patient``); staff read a patient of their
clinic with ``PATIENT_VIEW_CLINICAL``. Each read is audited once by the patient getter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.utils import timezone

from ketaclinic.accounts.roles import Capability
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.outcomes.models import DiaryEntry
from ketaclinic.patients import access as patient_access
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import QuestionnaireResponse

__all__ = [
    "diary_days",
    "diary_patient_for_staff",
    "entry_for_day",
    "infusion_days",
    "intake_pain_average",
    "own_diary_patient",
]

#: The intake questionnaire whose "pain on average" item is the fallback baseline.
_BPI, _BPI_AVERAGE = "bpi-sf", "q3_average"


def own_diary_patient(user: Any, *, part: str = "own diary (portal)") -> Patient:
    """The portal user's own record (the read is audited)."""
    return patient_access.get_own_patient(user, part=part)


def diary_patient_for_staff(
    user: Any, code: UUID | str, capability: Capability = Capability.PATIENT_VIEW_CLINICAL
) -> Patient:
    """A patient of the user's clinic, for their pain diary (the read is audited)."""
    return patient_access.get_patient_for_user(user, code, capability, part="pain diary")


def diary_days(patient: Patient, *, since: dt.date | None = None) -> list[DiaryEntry]:
    """The diary as it stands (the newest entry of each day), oldest day first."""
    rows = DiaryEntry.objects.current().filter(patient=patient)
    if since is not None:
        rows = rows.filter(day__gte=since)
    return list(rows.select_related("entered_by").order_by("day"))


def entry_for_day(patient: Patient, day: dt.date) -> DiaryEntry | None:
    """The day's entry as it stands, or None."""
    return DiaryEntry.objects.filter(patient=patient, day=day).order_by("-seq").first()


def infusion_days(patient: Patient) -> list[dt.date]:
    """The days (clinic time) of the patient's signed-off infusion sessions, oldest first."""
    opened = InfusionSession.objects.filter(patient=patient, sign_off__isnull=False).values_list(
        "opened_at", flat=True
    )
    return sorted({timezone.localtime(at).date() for at in opened})


def intake_pain_average(patient: Patient, *, before: dt.date | None) -> int | None:
    """The "pain on average" answer of the patient's newest BPI before ``before`` (clinic day)."""
    rows = QuestionnaireResponse.objects.filter(
        patient=patient, questionnaire=_BPI, answers__has_key=_BPI_AVERAGE
    )
    if before is not None:
        start = timezone.make_aware(dt.datetime.combine(before, dt.time()))
        rows = rows.filter(entered_at__lt=start)
    row = rows.order_by("-entered_at", "-seq").only("answers").first()
    value = row.answers.get(_BPI_AVERAGE) if row is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
