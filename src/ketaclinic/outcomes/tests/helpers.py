"""Builders for diary tests: signed-off infusions on chosen days, a BPI at intake."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.conftest import PASSWORD
from ketaclinic.infusions import services as infusions
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.infusions.tests.helpers import NORMAL
from ketaclinic.lib import clock
from ketaclinic.patients.models import Patient
from ketaclinic.plans import services as plans
from ketaclinic.plans.tests.helpers import authorised
from ketaclinic.questionnaires.models import EnteredVia
from ketaclinic.questionnaires.services import record_answers


def signed_infusions(
    patient: Patient, physician: User, nurse: User, days: list[dt.date]
) -> list[InfusionSession]:
    """One signed-off session on each day (09:00 clinic time), through the services."""
    authorised(patient, physician, nurse, kg=70)  # screening and plan signed today
    plan = plans.sign_plan(physician, patient, plans.PlanChoices("four-hour"), password=PASSWORD)
    sessions = []
    for day in days:
        with clock.replaying(timezone.make_aware(dt.datetime.combine(day, dt.time(9)))) as replay:
            session = infusions.open_session(nurse, plan, chair="Chair 2")
            infusions.check_in(
                nurse,
                session,
                consent=True,
                fasted=True,
                escort=True,
                pregnancy="negative_test",
                weight_kg=70,
                vitals=NORMAL,
                occurred_at=replay.advance(minutes=5),
            )
            infusions.override(
                physician,
                session,
                "discharge",
                reason="Test: home early",
                occurred_at=replay.advance(minutes=5),
            )
            infusions.discharge(
                nurse, session, escort_present=True, occurred_at=replay.advance(minutes=1)
            )
            replay.advance(minutes=1)
            infusions.sign_off(physician, session, password=PASSWORD)
        sessions.append(session)
    return sessions


def intake_bpi(patient: Patient, average: int, *, on: dt.date) -> None:
    """The patient's BPI-SF answered ``on`` a day, with ``average`` as their pain on average."""
    with clock.replaying(timezone.make_aware(dt.datetime.combine(on, dt.time(8)))):
        record_answers(
            patient.portal_user,
            patient,
            "bpi-sf",
            {"q1_worst": 9, "q2_least": 3, "q3_average": average, "q4_now": 6},
            via=EnteredVia.PORTAL,
        )
