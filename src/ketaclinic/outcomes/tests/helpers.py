"""Builders for diary tests: signed-off infusions on chosen days, a BPI at intake."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.conftest import PASSWORD
from ketaclinic.infusions import services as infusions
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.infusions.tests.helpers import NORMAL
from ketaclinic.infusions.tests.helpers import open_session as first_session
from ketaclinic.lib import clock
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import EnteredVia
from ketaclinic.questionnaires.services import record_answers


def signed_infusions(
    patient: Patient, physician: User, nurse: User, days: list[dt.date]
) -> list[InfusionSession]:
    """One signed-off session on each day (09:00 clinic time), through the services."""
    sessions = []
    for i, day in enumerate(days):
        with clock.replaying(timezone.make_aware(dt.datetime.combine(day, dt.time(9)))) as replay:
            if i == 0:
                session = first_session(patient, physician, nurse)
            else:
                session = infusions.open_session(nurse, sessions[0].plan_version, chair="Chair 2")
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


def intake_bpi(patient: Patient, average: int) -> None:
    """The patient's BPI-SF with ``average`` as their pain on average."""
    record_answers(
        patient.portal_user,
        patient,
        "bpi-sf",
        {"q1_worst": 9, "q2_least": 3, "q3_average": average, "q4_now": 6},
        via=EnteredVia.PORTAL,
    )
