"""Builders for scheduling tests: a clinic open every day, its chairs, room and staff hours."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.conftest import PASSWORD
from ketaclinic.patients.models import Condition, Patient
from ketaclinic.plans import services as plans
from ketaclinic.plans.models import PlanVersion
from ketaclinic.plans.tests.helpers import authorised
from ketaclinic.scheduling import services
from ketaclinic.scheduling.models import Appointment, Resource, ResourceKind

T = dt.time
EIGHT, FIVE_PM = T(8), T(17)


def open_clinic(
    clinic: Clinic,
    *clinicians: User,
    chairs: int = 2,
    opens: dt.time = EIGHT,
    closes: dt.time = FIVE_PM,
    zone: str | None = None,
) -> list[Resource]:
    """Open every day ``opens``-``closes``; clinicians work then (nurses break 12:00-12:30)."""
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
    return timezone.localdate() + dt.timedelta(days=n)


def stored_appointment(patient: Patient) -> Appointment:
    """A phone follow-up written directly (for route walks that need one to exist).

    Real appointments come through ``services.book``; this skips its checks.
    """
    found = Appointment.objects.filter(patient=patient).first()
    if found is not None:
        return found
    now = timezone.now()
    start = now + dt.timedelta(days=2)
    return Appointment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        kind="follow_up",
        mode="phone",
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        created_at=now,
        changed_at=now,
    )
