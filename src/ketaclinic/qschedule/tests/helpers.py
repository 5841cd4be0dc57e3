"""Builders: a patient with a signed plan (which opens the baseline questionnaires)."""

from __future__ import annotations

from ketaclinic.accounts.models import User
from ketaclinic.conftest import PASSWORD
from ketaclinic.patients.models import Patient
from ketaclinic.plans import services as plans
from ketaclinic.plans.models import PlanVersion
from ketaclinic.plans.tests.helpers import authorised
from ketaclinic.qschedule import services
from ketaclinic.qschedule.models import FollowUpQuestionnaire
from ketacore.scoring import get_instrument


def complete(instrument: str) -> dict[str, int]:
    """Complete answers to an instrument: the lowest choice of every item."""
    return {item.id: item.choices[0].value for item in get_instrument(instrument).items}


def signed_plan(patient: Patient, physician: User, nurse: User) -> PlanVersion:
    authorised(patient, physician, nurse, kg=70)
    return plans.sign_plan(physician, patient, plans.PlanChoices("four-hour"), password=PASSWORD)


def baseline(patient: Patient) -> FollowUpQuestionnaire:
    return FollowUpQuestionnaire.objects.get(patient=patient, timepoint="baseline")


def route_kwargs(name: str, patient: Patient) -> dict[str, object] | None:
    """The arguments of the follow-up questionnaire routes for the route walks (None for
    others): the portal's, and the staff's page for entering answers."""
    if not name.startswith(("portal:followup", "qschedule:")):
        return None
    services.refresh(None, patient)  # the plan's baseline
    row = FollowUpQuestionnaire.objects.filter(patient=patient).first()
    assert row is not None
    if name == "qschedule:staff_part":
        return {"code": patient.code, "row_code": row.code, "instrument": "phq9"}
    return {"code": row.code} | ({"instrument": "phq9"} if name.endswith("_part") else {})
