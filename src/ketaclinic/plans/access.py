"""Permission-checked getters for plans (404 outside the user's clinic; reads audited)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404

from ketaclinic.accounts.roles import Capability
from ketaclinic.patients import access as patient_access
from ketaclinic.patients.models import Patient
from ketaclinic.plans.models import PlanVersion, TreatmentPlan

__all__ = ["patient_for_plans", "plan_for_staff", "version_for_staff"]


def patient_for_plans(user: Any, patient_code: UUID | str, capability: Capability) -> Patient:
    return patient_access.get_patient_for_user(
        user, patient_code, capability, part="treatment plans"
    )


def plan_for_staff(
    user: Any, patient_code: UUID | str, plan_code: UUID | str, capability: Capability
) -> tuple[Patient, TreatmentPlan]:
    patient = patient_access.get_patient_for_user(
        user, patient_code, capability, part="treatment plan"
    )
    try:
        plan = TreatmentPlan.objects.get(code=plan_code, patient=patient)
    except (TreatmentPlan.DoesNotExist, ValueError):
        raise Http404("No such treatment plan") from None
    return patient, plan


def version_for_staff(user: Any, patient_code: UUID | str, version_code: UUID | str) -> PlanVersion:
    """A plan version of the patient (for a revision that names it)."""
    patient = patient_access.get_patient_for_user(
        user, patient_code, Capability.PLAN_SIGN, part="treatment plan"
    )
    try:
        return PlanVersion.objects.select_related("plan").get(
            code=version_code, plan__patient=patient
        )
    except (PlanVersion.DoesNotExist, ValueError):
        raise Http404("No such plan version") from None
