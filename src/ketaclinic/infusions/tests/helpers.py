"""Builders for session tests: a patient with a signed plan and an open session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.conftest import PASSWORD
from ketaclinic.infusions import services
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.patients.models import Patient
from ketaclinic.plans import services as plans
from ketaclinic.plans.tests.helpers import authorised
from ketacore.infusion.care import VitalSigns

NORMAL = VitalSigns(
    systolic_mmhg=124,
    diastolic_mmhg=78,
    heart_rate_bpm=72,
    spo2_percent=98,
    respiratory_rate_per_min=14,
    temperature_c=36.8,
)
#: Every item at its best (2): a total of 10.
ALDRETE_10 = {
    "q1_activity": 2,
    "q2_respiration": 2,
    "q3_circulation": 2,
    "q4_consciousness": 2,
    "q5_oxygen_saturation": 2,
}


def open_session(
    patient: Patient, physician: User, nurse: User, *, protocol: str = "four-hour", kg: float = 70
) -> InfusionSession:
    authorised(patient, physician, nurse, kg=kg)
    plan = plans.sign_plan(physician, patient, plans.PlanChoices(protocol), password=PASSWORD)
    return services.open_session(nurse, plan, chair="Chair 2")


def checked_in(session: InfusionSession, nurse: User, *, minutes_ago: float = 60) -> Any:
    return services.check_in(
        nurse,
        session,
        consent=True,
        fasted=True,
        escort=True,
        pregnancy="negative_test",
        weight_kg=70,
        vitals=NORMAL,
        occurred_at=ago(minutes_ago),
    )


def ago(minutes: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)
