"""Permission-checked getters for infusion sessions (404 outside the clinic; reads audited)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404
from django.utils import timezone

from ketaclinic.accounts.roles import Capability
from ketaclinic.infusions.models import InfusionSession, SessionAlert, SessionEntry
from ketaclinic.lib.access import require
from ketaclinic.patients import access as patient_access
from ketaclinic.patients import services as patient_services
from ketaclinic.patients.models import Patient

__all__ = [
    "alert_of",
    "entry_of",
    "session_for_staff",
    "sessions_of_patient",
    "sessions_today",
]


def session_for_staff(
    user: Any,
    patient_code: UUID | str,
    session_code: UUID | str,
    capability: Capability,
    *,
    part: str = "infusion session",
) -> tuple[Patient, InfusionSession]:
    """A session of a patient of the user's clinic, with its plan, policy and patient.

    One query when both exist (every charting write comes here); the patient's
    read is audited as :func:`patients.access.get_patient_for_user` does. When
    either is missing, the two-step look-up answers which one (both 404).
    """
    staff = require(user, capability)
    try:
        session = _SESSIONS.get(
            code=session_code, patient__code=patient_code, patient__clinic_id=staff.clinic_id
        )
    except (InfusionSession.DoesNotExist, ValueError):
        pass
    else:
        patient_services.record_view(staff, session.patient, part=part)
        return session.patient, session
    patient = patient_access.get_patient_for_user(user, patient_code, capability, part=part)
    try:
        session = _SESSIONS.get(code=session_code, patient=patient)
    except (InfusionSession.DoesNotExist, ValueError):
        raise Http404("No such infusion session") from None
    return patient, session


#: With the care policy's approval (a reverse one-to-one: a LEFT JOIN), read by care_of.
_SESSIONS = InfusionSession.objects.select_related(
    "plan_version",
    "plan_version__plan",
    "care_policy",
    "care_policy__approval",
    "patient",
    "patient__clinic",
)


def entry_of(session: InfusionSession, code: UUID | str) -> SessionEntry:
    try:
        return SessionEntry.objects.select_related("session").get(session=session, code=code)
    except (SessionEntry.DoesNotExist, ValueError):
        raise Http404("No such entry") from None


def alert_of(session: InfusionSession, code: UUID | str) -> SessionAlert:
    try:
        return SessionAlert.objects.select_related("session", "session__patient").get(
            session=session, code=code
        )
    except (SessionAlert.DoesNotExist, ValueError):
        raise Http404("No such alert") from None


def sessions_today(user: Any) -> tuple[list[InfusionSession], list[InfusionSession]]:
    """The clinic's sessions opened today, and earlier ones not yet signed; the list is audited."""
    staff = require(user, Capability.PATIENT_VIEW_CLINICAL)
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    mine = InfusionSession.objects.filter(clinic_id=staff.clinic_id)
    today = list(
        mine.filter(opened_at__gte=start)
        .select_related("patient", "plan_version", "care_policy")
        .order_by("chair", "opened_at")
    )
    unsigned = list(
        mine.filter(sign_off__isnull=True, opened_at__lt=start)
        .select_related("patient", "plan_version")
        .order_by("-opened_at")[:50]
    )
    shown = {s.patient.pk: s.patient for s in [*today, *unsigned]}
    patient_services.record_list(staff, list(shown.values()), summary="Infusions today")
    return today, unsigned


def sessions_of_patient(user: Any, patient_code: UUID | str) -> list[InfusionSession]:
    """A patient's sessions, newest first (the read is audited)."""
    patient = patient_access.get_patient_for_user(
        user, patient_code, Capability.PATIENT_VIEW_CLINICAL, part="infusion sessions"
    )
    return list(
        InfusionSession.objects.filter(patient=patient).select_related(
            "plan_version", "plan_version__plan", "care_policy", "patient"
        )
    )
