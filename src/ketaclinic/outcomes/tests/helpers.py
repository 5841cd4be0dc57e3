"""Builders for diary tests: signed-off infusions on chosen days, a BPI at intake."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.conftest import PASSWORD
from ketaclinic.infusions import services as infusions
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.infusions.tests.helpers import NORMAL
from ketaclinic.lib import clock
from ketaclinic.lib.clock import Replay
from ketaclinic.outcomes.models import DiaryVia
from ketaclinic.outcomes.services import record_day
from ketaclinic.patients.models import Patient
from ketaclinic.plans import services as plans
from ketaclinic.plans.tests.helpers import authorised
from ketaclinic.questionnaires.models import EnteredVia
from ketaclinic.questionnaires.services import record_answers


def signed_infusions(
    patient: Patient,
    physician: User,
    nurse: User,
    days: list[dt.date],
    *,
    during: Callable[[int, InfusionSession, Replay], object] | None = None,
) -> list[InfusionSession]:
    """One signed-off session on each day (09:00 clinic time), through the services;
    ``during(number, session, replay)`` charts more after each check-in (number from 1)."""
    authorised(patient, physician, nurse, kg=70)  # screening and plan signed today
    plan = plans.sign_plan(physician, patient, plans.PlanChoices("four-hour"), password=PASSWORD)
    sessions = []
    for number, day in enumerate(days, start=1):
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
            if during is not None:
                during(number, session, replay)
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


def diary_on(patient: Patient, pains: dict[dt.date, int]) -> None:
    """The patient enters each day's pain on that day (20:00 clinic time), in the portal."""
    for day, pain in sorted(pains.items()):
        with clock.replaying(timezone.make_aware(dt.datetime.combine(day, dt.time(20)))):
            record_day(
                patient.portal_user,
                patient,
                day,
                {"pain_nrs": pain, "function_nrs": 5, "mood_nrs": 4},
                via=DiaryVia.PORTAL,
            )


def treated(patient: Patient, physician: User, nurse: User, today: dt.date) -> None:
    """A series of three infusions 40 to 36 days ago and a booster 12 days ago, with the
    diary that goes with them (hand-worked in test_progress_pages.py):

    * baseline: pain 8 on the 7 days before the first infusion (47 to 41 days ago);
    * 3 from the last infusion of the series (36 days ago) to 17 days ago, back to 7 for
      16 to 13 days ago: relief after the series from 36 days ago, ended 16 days ago,
      20 days;
    * the booster 12 days ago, then 4 every day to today: relief still going, at least
      12 days;
    * responder status today: 8 before, 4 in the last 7 days: 50 %, 4 points.
    """

    def ago(n: int) -> dt.date:
        return today - dt.timedelta(days=n)

    pains = {ago(n): 8 for n in range(41, 48)}
    pains |= {ago(n): 3 for n in range(36, 16, -1)}
    pains |= {ago(n): 7 for n in (16, 15, 14, 13)}
    pains |= {ago(n): 4 for n in range(12, -1, -1)}
    signed_infusions(patient, physician, nurse, [ago(40), ago(38), ago(36), ago(12)])
    diary_on(patient, pains)
