"""Permission-checked getters for infusion sessions (404 outside the clinic; reads audited)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404

from ketaclinic.accounts.roles import Capability
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.patients import access as patient_access
from ketaclinic.patients.models import Patient

__all__ = ["session_for_staff"]


def session_for_staff(
    user: Any,
    patient_code: UUID | str,
    session_code: UUID | str,
    capability: Capability,
    *,
    part: str = "infusion session record",
) -> tuple[Patient, InfusionSession]:
    """A session of the patient, if the user has ``capability`` in the patient's clinic.

    The patient's getter writes the audit record of the read (``part`` says what was
    read); a session of another patient, or a patient of another clinic, is a 404
    exactly like one that does not exist.
    """
    patient = patient_access.get_patient_for_user(user, patient_code, capability, part=part)
    try:
        session = InfusionSession.objects.select_related(
            "plan_version", "plan_version__plan", "care_policy", "patient__clinic"
        ).get(code=session_code, patient=patient)
    except (InfusionSession.DoesNotExist, ValueError):
        raise Http404("No such infusion session") from None
    return patient, session
