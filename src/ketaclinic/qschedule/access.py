"""Permission-checked reads of follow-up questionnaires (404 for another patient's).

The patient reads only their own (``get_own_patient``, audited); staff read them on the
chart of a patient they were allowed to open (the chart's getter audited the read).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import Http404

from ketaclinic.accounts.roles import Capability
from ketaclinic.patients import access as patient_access
from ketaclinic.patients.models import Patient
from ketaclinic.qschedule.models import AssignmentStatus, FollowUpQuestionnaire
from ketaclinic.qschedule.services import clinic_today
from ketaclinic.questionnaires.models import EncounterType, QuestionnaireResponse

__all__ = ["answers_of", "assignment_for_staff", "for_chart", "open_for_patient", "own_assignment"]

#: The chart lists this many, newest first.
CHART_LIMIT = 30


def open_for_patient(
    patient: Patient, *, today: dt.date | None = None
) -> list[FollowUpQuestionnaire]:
    """What the patient can fill in today, the one closing soonest first."""
    day = today or clinic_today(patient.clinic)
    return list(
        FollowUpQuestionnaire.objects.filter(
            patient=patient,
            status__in=(AssignmentStatus.OPEN, AssignmentStatus.COMPLETED),
            opens_on__lte=day,
            closes_on__gte=day,
        ).order_by("status", "closes_on", "pk")
    )


def own_assignment(user: Any, code: UUID | str) -> tuple[Patient, FollowUpQuestionnaire]:
    """The portal user's own record and one of their questionnaires (the read is audited)."""
    patient = patient_access.get_own_patient(user, part="follow-up questionnaire (portal)")
    row = FollowUpQuestionnaire.objects.filter(code=code, patient=patient).first()
    if row is None:
        raise Http404("No such questionnaire")
    return patient, row


def assignment_for_staff(
    user: Any, patient_code: UUID | str, code: UUID | str
) -> tuple[Patient, FollowUpQuestionnaire]:
    """A patient of the user's clinic and one of their questionnaires, for entering answers
    (``patient.edit_clinical``; the read is audited; 404 for anyone else's)."""
    patient = patient_access.get_patient_for_user(
        user, patient_code, Capability.PATIENT_EDIT_CLINICAL, part="follow-up questionnaire"
    )
    row = FollowUpQuestionnaire.objects.filter(code=code, patient=patient).first()
    if row is None:
        raise Http404("No such questionnaire")
    return patient, row


def for_chart(patient: Patient) -> list[FollowUpQuestionnaire]:
    """The patient's scheduled questionnaires, newest first (``patient`` from a getter)."""
    return list(
        FollowUpQuestionnaire.objects.filter(patient=patient).order_by("-opens_on", "-pk")[
            :CHART_LIMIT
        ]
    )


def answers_of(row: FollowUpQuestionnaire) -> dict[str, QuestionnaireResponse]:
    """Instrument id -> the newest response of this occurrence."""
    return QuestionnaireResponse.objects.newest_each(
        row.patient, (EncounterType.FOLLOW_UP.value, row.code)
    )
