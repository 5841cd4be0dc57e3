"""Builders for plan tests: a patient a physician may plan for, in one call."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.conftest import PASSWORD
from ketaclinic.lib.signed import Meaning
from ketaclinic.patients.models import BodyMeasurement, Patient
from ketaclinic.plans.models import PlanStatus, PlanVersion, TreatmentPlan
from ketaclinic.plans.services import version_figures
from ketaclinic.policies.models import PolicyKind
from ketaclinic.screening import services as screening
from ketaclinic.screening.models import Screening, ScreeningDecision
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


def stored_plan(patient: Patient, decision: ScreeningDecision, physician: User) -> PlanVersion:
    """A plan row written directly (for route and page walks that need one to exist).

    Real plans come through ``services.sign_plan``; this skips its checks, not the
    database's.
    """
    from ketaclinic.policies import services as policies
    from ketacore.infusion import calculate, default_library

    library = default_library()
    protocol = library.get("half-mg-per-kg-40-min")
    calc = calculate(library, protocol, weight_kg=70)
    plan = TreatmentPlan.objects.create(
        clinic=patient.clinic, patient=patient, created_by=physician
    )
    return PlanVersion.objects.create(
        plan=plan,
        number=1,
        status=PlanStatus.ACTIVE,
        decision=decision,
        library=policies.store_in_force(None, patient.clinic, PolicyKind.PROTOCOLS),
        weight_measured_on=timezone.localdate(),
        **version_figures(protocol, calc),
        signed_by=physician,
        signed_by_name=physician.get_full_name() or physician.username,
        signed_at=timezone.now(),
        meaning=Meaning.DECIDED,
    )
