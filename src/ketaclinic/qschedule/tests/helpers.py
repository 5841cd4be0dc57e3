"""Builders: a patient with a signed plan (which opens the baseline questionnaires)."""

from __future__ import annotations

import datetime as dt

from ketaclinic.accounts.models import User
from ketaclinic.conftest import PASSWORD
from ketaclinic.lib import clock
from ketaclinic.patients.models import Patient
from ketaclinic.plans import services as plans
from ketaclinic.plans.models import PlanVersion
from ketaclinic.plans.tests.helpers import authorised
from ketaclinic.qschedule.models import FollowUpQuestionnaire
from ketacore.scoring import get_instrument


#: Complete answers to each instrument the shipped schedule asks (all 0 / mild).
def complete(instrument: str) -> dict[str, int]:
    """Complete answers to an instrument: the lowest choice of every item."""
    return {item.id: item.choices[0].value for item in get_instrument(instrument).items}


def signed_plan(patient: Patient, physician: User, nurse: User) -> PlanVersion:
    authorised(patient, physician, nurse, kg=70)
    return plans.sign_plan(physician, patient, plans.PlanChoices("four-hour"), password=PASSWORD)


def baseline(patient: Patient) -> FollowUpQuestionnaire:
    return FollowUpQuestionnaire.objects.get(patient=patient, timepoint="baseline")


def days_later(n: float) -> clock.Replay:
    """A replay clock ``n`` days from now (use as ``with clock.replaying(...)``)."""
    return clock.Replay(clock.now() + dt.timedelta(days=n))
