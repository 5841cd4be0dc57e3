"""Permission-checked getters for screenings (404 outside the user's clinic)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404

from ketaclinic.accounts.roles import Capability
from ketaclinic.patients import access as patient_access
from ketaclinic.patients.models import Patient
from ketaclinic.screening.models import Screening, ScreeningDecision


def current_screening(patient: Patient) -> Screening:
    """The patient's newest screening; only reads.

    A patient with none yet gets an unsaved, empty screening to show; the first
    write starts the real one (``services.start_screening``).
    """
    screening = patient.screenings.order_by("-number").first()
    return screening if screening is not None else Screening(patient=patient)


def screening_for_staff(
    user: Any, patient_code: UUID | str, capability: Capability, *, part: str = "screening"
) -> tuple[Patient, Screening]:
    """The patient (of the user's clinic) and their current screening; the read is audited."""
    patient = patient_access.get_patient_for_user(user, patient_code, capability, part=part)
    return patient, current_screening(patient)


def own_screening(user: Any, *, part: str = "own questionnaire") -> tuple[Patient, Screening]:
    """A portal user's own record and current screening; the read is audited."""
    patient = patient_access.get_own_patient(user, part=part)
    return patient, current_screening(patient)


def decision_for_staff(
    user: Any, patient_code: UUID | str, decision_code: UUID | str, capability: Capability
) -> ScreeningDecision:
    patient = patient_access.get_patient_for_user(
        user, patient_code, capability, part="screening decision"
    )
    try:
        return ScreeningDecision.objects.select_related("screening", "patient").get(
            code=decision_code, patient=patient
        )
    except (ScreeningDecision.DoesNotExist, ValueError):
        raise Http404("No such decision") from None
