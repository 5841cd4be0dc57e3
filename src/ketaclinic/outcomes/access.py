"""Permission-checked getters for the diary (404 outside the clinic or for another patient).

The patient reads only their own diary (``get_own_patient``); staff read a patient of their
clinic with ``PATIENT_VIEW_CLINICAL``. Each read is audited once by the patient getter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef
from django.utils import timezone

from ketaclinic.accounts.roles import Capability
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.outcomes.models import BoosterEstimate, DiaryEntry
from ketaclinic.patients import access as patient_access
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.scheduling.models import Appointment, AppointmentStatus, BoosterDue, BoosterStatus

__all__ = [
    "booster_estimates",
    "booster_marked",
    "diary_days",
    "diary_of",
    "diary_patient_for_staff",
    "entry_for_day",
    "infusion_days",
    "intake_pain_average",
    "own_diary_patient",
    "questionnaire_rows",
]

#: The questionnaires whose scores the progress page follows over time.
TREND_INSTRUMENTS = ("phq9", "gad7", "bpi-sf", "pgic")

#: The intake questionnaire whose "pain on average" item is the fallback baseline.
_BPI, _BPI_AVERAGE = "bpi-sf", "q3_average"


def own_diary_patient(user: Any, *, part: str = "own diary (portal)") -> Patient:
    """The portal user's own record (the read is audited)."""
    return patient_access.get_own_patient(user, part=part)


def diary_patient_for_staff(
    user: Any,
    code: UUID | str,
    capability: Capability = Capability.PATIENT_VIEW_CLINICAL,
    *,
    part: str = "pain diary",
) -> Patient:
    """A patient of the user's clinic, for their pain diary or progress (the read is audited)."""
    return patient_access.get_patient_for_user(user, code, capability, part=part)


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
    return list(infusion_plan_days(patient))


def infusion_plan_days(patient: Patient) -> dict[dt.date, int]:
    """Each signed-off infusion day (clinic time), oldest first, with its plan's infusions
    per series (one query): what splits the infusions into series."""
    opened = (
        InfusionSession.objects.filter(patient=patient, sign_off__isnull=False)
        .order_by("opened_at")
        .values_list("opened_at", "plan_version__series_count")
    )
    return {timezone.localtime(at).date(): count for at, count in opened}


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


def questionnaire_rows(patient: Patient) -> list[QuestionnaireResponse]:
    """The scored PHQ-9, GAD-7, BPI and PGIC of any encounter, oldest first (one query).

    A response changed later the same day counts once, as it stands (its newest step);
    the same questionnaire answered again on another day is another point of the trend.
    """
    rows = (
        QuestionnaireResponse.objects.filter(
            patient=patient, questionnaire__in=TREND_INSTRUMENTS, score__isnull=False
        )
        .only("questionnaire", "encounter_type", "encounter_code", "seq", "score", "entered_at")
        .order_by("entered_at", "seq")
    )
    newest: dict[tuple[str, str, str, dt.date], QuestionnaireResponse] = {}
    for row in rows:  # a later step the same day replaces the earlier one
        day = timezone.localtime(row.entered_at).date()
        newest[(row.questionnaire, row.encounter_type, str(row.encounter_code), day)] = row
    return sorted(newest.values(), key=lambda r: r.entered_at)


def booster_marked(patient: Patient) -> BoosterDue | None:
    """The booster marked due and not booked yet, if any."""
    return BoosterDue.objects.filter(patient=patient, status=BoosterStatus.DUE).first()


def diary_of(patients: list[Patient]) -> dict[int, list[tuple[dt.date, int]]]:
    """Each patient's diary pain as it stands, by patient id, oldest day first (one query)."""
    rows = (
        DiaryEntry.objects.current()
        .filter(patient__in=patients)
        .order_by("patient_id", "day")
        .values_list("patient_id", "day", "pain_nrs")
    )
    found: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for patient_id, day, pain in rows:
        found[patient_id].append((day, pain))
    return found


def booster_estimates(clinic_id: int, *, limit: int) -> tuple[int, list[tuple[Patient, dt.date]]]:
    """Patients of the clinic with a booster estimate and no booster marked due or appointment
    booked ahead: how many, and the ``limit`` due soonest with the day (two queries over the
    estimates the summary keeps, ``outcomes.summary``).

    Unread: whoever shows them records the list (the worklist does).
    """
    booked = Appointment.objects.filter(
        patient=OuterRef("patient"), status=AppointmentStatus.BOOKED, starts_at__gte=timezone.now()
    )
    due = BoosterDue.objects.filter(patient=OuterRef("patient"), status=BoosterStatus.DUE)
    rows = (
        BoosterEstimate.objects.filter(clinic_id=clinic_id)
        .exclude(Exists(booked))
        .exclude(Exists(due))
    )
    shown = rows.select_related("patient").order_by("due_on", "patient_id")[:limit]
    return rows.count(), [(r.patient, r.due_on) for r in shown]
