"""Builders for plan tests: a patient a physician may plan for, in one call."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.conftest import PASSWORD
from ketaclinic.patients.models import BodyMeasurement, Patient
from ketaclinic.screening import services as screening
from ketaclinic.screening.models import Screening
from ketaclinic.screening.tests.helpers import complete_intake

NORMAL_BP = {"bp_readings": [{"systolic_mmhg": 128, "diastolic_mmhg": 82}]}


def weigh(patient: Patient, kg: float, *, days_ago: int = 0) -> BodyMeasurement:
    return BodyMeasurement.objects.create(
        patient=patient,
        weight_kg=Decimal(str(kg)),
        measured_on=timezone.localdate() - dt.timedelta(days=days_ago),
    )


def authorised(
    patient: Patient, physician: User, nurse: User, *, kg: float = 72, weighed_days_ago: int = 0
) -> Screening:
    """A complete intake, a normal blood pressure, a signed candidate decision and a weight."""
    weigh(
        patient, kg, days_ago=weighed_days_ago
    )  # weighed at the consultation, before the decision (a fact it rests on)
    facts = screening.record_clinician_facts(nurse, complete_intake(patient), NORMAL_BP)
    screening.sign_decision(physician, facts, decision="candidate", note="", password=PASSWORD)
    return facts
