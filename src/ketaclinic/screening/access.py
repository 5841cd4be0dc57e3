"""Permission-checked getters for screenings (404 outside the user's clinic)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import require
from ketaclinic.patients import access as patient_access
from ketaclinic.patients.models import Patient
from ketaclinic.screening import services
from ketaclinic.screening.models import RuleSetVersion, Screening, ScreeningDecision


def screening_for_staff(
    user: Any, patient_code: UUID | str, capability: Capability, *, part: str = "screening"
) -> tuple[Patient, Screening]:
    """The patient (of the user's clinic) and their current screening; the read is audited."""
    patient = patient_access.get_patient_for_user(user, patient_code, capability, part=part)
    return patient, services.current_screening(patient)


def own_screening(user: Any, *, part: str = "own questionnaire") -> tuple[Patient, Screening]:
    """A portal user's own record and current screening; the read is audited."""
    patient = patient_access.get_own_patient(user, part=part)
    return patient, services.current_screening(patient)


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


def rule_set_for_user(user: Any, code: UUID | str) -> RuleSetVersion:
    staff = require(user, Capability.SCREENING_RULES_VIEW)
    try:
        return RuleSetVersion.objects.get(code=code, clinic_id=staff.clinic_id)
    except (RuleSetVersion.DoesNotExist, ValueError):
        raise Http404("No such rule-set version") from None


def rule_sets_for(user: Any) -> list[RuleSetVersion]:
    staff = require(user, Capability.SCREENING_RULES_VIEW)
    services.active_rule_set(staff.clinic)
    return list(
        RuleSetVersion.objects.filter(clinic_id=staff.clinic_id)
        .select_related("published_by")
        .order_by("-published_at", "-pk")
    )
