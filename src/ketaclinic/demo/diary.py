"""The demo's pain diaries: four weeks of days for the treated patients and a portal patient.

Through ``outcomes.services.record_day``, as a patient or a nurse enters them. The
numbers follow the demo's infusions: lower in the days after one, drifting back up as
relief fades, with about one day in seven left blank (a missed day stays missing).
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.outcomes import services as outcomes
from ketaclinic.outcomes.models import DiaryVia
from ketaclinic.patients.models import Patient

__all__ = ["DIARY_DAYS", "demo_diaries"]

#: How far back the demo's diaries go (within what the diary accepts as a late entry).
DIARY_DAYS = 28
_SKIPPED = 1 / 7


def _score(value: float) -> int:
    return max(0, min(10, round(value)))


def _day(pain: float, rng: random.Random) -> dict[str, int]:
    return {
        "pain_nrs": _score(pain + rng.gauss(0, 0.6)),
        "function_nrs": _score(pain - 1 + rng.gauss(0, 0.8)),
        "mood_nrs": _score(pain - 1.5 + rng.gauss(0, 1.0)),
    }


def demo_diaries(clinic: Clinic, nurse: User, rng: random.Random) -> None:
    today = outcomes.clinic_today()
    days = [today - dt.timedelta(days=n) for n in range(DIARY_DAYS, -1, -1)]
    treated = Patient.objects.filter(
        clinic=clinic, infusion_sessions__sign_off__isnull=False
    ).distinct()
    for patient in treated:
        infused = sorted(
            timezone.localtime(s.opened_at).date()
            for s in InfusionSession.objects.filter(patient=patient, sign_off__isnull=False)
        )
        untreated = 6.5 + rng.uniform(-1, 1)
        for day in days:
            before = [d for d in infused if d <= day]
            since = (day - before[-1]).days if before else 999
            relief = max(0.0, 3.5 - 0.2 * since)  # fades over about two and a half weeks
            if rng.random() >= _SKIPPED:
                outcomes.record_day(
                    nurse, patient, day, _day(untreated - relief, rng), via=DiaryVia.CLINIC
                )
    portal = Patient.objects.filter(clinic=clinic, portal_user__username="patient.ada").first()
    if portal is not None and portal.portal_user is not None:
        for day in days:
            if rng.random() >= _SKIPPED:
                outcomes.record_day(
                    portal.portal_user, portal, day, _day(6.8, rng), via=DiaryVia.PORTAL
                )
