"""Builders for scheduling tests: a clinic open every day, its chairs, room and staff hours."""

from __future__ import annotations

import datetime as dt

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.conftest import PASSWORD
from ketaclinic.patients.models import Condition, Patient
from ketaclinic.plans import services as plans
from ketaclinic.plans.models import PlanVersion
from ketaclinic.plans.tests.helpers import authorised
from ketaclinic.scheduling import services
from ketaclinic.scheduling.models import Resource, ResourceKind

T = dt.time


def open_clinic(
    clinic: Clinic,
    *clinicians: User,
    chairs: int = 2,
    opens: dt.time = T(8),
    closes: dt.time = T(17),
    zone: str | None = None,
) -> list[Resource]:
    """Open every day ``opens``-``closes``; the clinicians work then (a nurse breaks 12:00-12:30)."""
    if zone is not None:
        clinic.time_zone = zone
        clinic.save(update_fields=["time_zone"])
    services.set_opening_hours(None, clinic, {d: [(opens, closes)] for d in range(7)})
    for user in clinicians:
        for day in range(7):
            breaks = [(T(12), T(12, 30))] if user.role == "nurse" and opens < T(12) < closes else []
            services.set_working_hours(None, user, day, [(opens, closes)], breaks)
    made = [
        services.add_resource(None, clinic, ResourceKind.CHAIR, f"Chair {i + 1}")
        for i in range(chairs)
    ]
    services.add_resource(None, clinic, ResourceKind.ROOM, "Room 1")
    return made


def planned(
    patient: Patient, physician: User, nurse: User, protocol: str = "half-mg-per-kg-40-min"
) -> PlanVersion:
    """A signed plan (40 min, 6 infusions 3 days apart for the default protocol)."""
    if not patient.conditions.exists():
        Condition.objects.create(patient=patient, icd10_code="G90.521", description="CRPS I")
    authorised(patient, physician, nurse)
    return plans.sign_plan(physician, patient, plans.PlanChoices(protocol), password=PASSWORD)


def local(clinic: Clinic, day: dt.date, time: dt.time) -> dt.datetime:
    from ketacore.schedule import clinic_zone, to_instant

    return to_instant(day, time, clinic_zone(clinic.time_zone))


def days_ahead(n: int) -> dt.date:
    return dt.date.today() + dt.timedelta(days=n)
