"""Fifty bookings of one chair slot at once: exactly one succeeds, on SQLite and PostgreSQL.

Real threads, each with its own database connection, released together, each booking a
different patient with a different nurse through the real service: only the chair is
shared, so only the chair can refuse. SQLite serialises the writers (the calendar lock
and its single-writer rule); on PostgreSQL the checks run at the same moment and the
exclusion constraint refuses all but the first insert. Every loser gets the same
refusal naming its field, never a database error and never a silent move.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from ketaclinic.accounts.roles import Role
from ketaclinic.conftest import at_once, make_patient, make_user
from ketaclinic.plans.tests.helpers import stored_plan
from ketaclinic.scheduling import services
from ketaclinic.scheduling.availability import Choice
from ketaclinic.scheduling.models import Allocation, Appointment
from ketaclinic.scheduling.services import Booking
from ketaclinic.scheduling.tests.helpers import T, days_ahead, local, open_clinic
from ketaclinic.screening import services as screening

pytestmark = pytest.mark.django_db(transaction=True)
ATTEMPTS = 50


def test_fifty_bookings_of_one_chair_slot_at_once_book_exactly_one(clinic, rivera, desmond) -> None:
    nurses = [make_user(clinic, f"nurse{i}", Role.NURSE) for i in range(ATTEMPTS)]
    chair = open_clinic(clinic, rivera, *nurses, chairs=1)[0]
    patients = [make_patient(clinic, given_name=f"P{i}", phone="") for i in range(ATTEMPTS)]
    decision = screening.sign_decision(
        rivera,
        screening.start_screening(None, patients[0]),
        decision="not_a_candidate",
        note="",
        password="correct horse battery staple",
    )
    plan = stored_plan(patients[0], decision, rivera)  # its length (40 min) for every booking
    at = local(clinic, days_ahead(5), T(10))

    def attempt(i: int) -> str:
        request = Booking(
            kind="infusion",
            starts_at=at,
            patient=patients[i],
            choice=Choice(resource=chair, clinician=nurses[i], physician=rivera),
            plan_version=plan,
        )
        try:
            services.book(desmond, request)
        except ValidationError as exc:
            return "; ".join(exc.messages)
        return "booked"

    results = [str(r) for r in at_once(*[(lambda i=i: attempt(i)) for i in range(ATTEMPTS)])]
    assert results.count("booked") == 1
    refusals = [r for r in results if r != "booked"]
    assert len(refusals) == ATTEMPTS - 1
    assert all(
        r.startswith(
            (
                "resource: Chair 1 is already booked at 10:00–11:40",
                "starts_at: this time was booked by someone else a moment ago",
            )
        )
        for r in refusals
    ), set(refusals)
    assert all("Nearest free:" in r for r in refusals)
    by_database = sum("booked by someone else a moment ago" in r for r in refusals)
    if connection.vendor == "sqlite":
        assert by_database == 0  # serialised: each later writer's check sees the booking
    else:
        # Released together, the checks run side by side and pass; the exclusion
        # constraint is what refuses (all 49 in practice).
        assert by_database > 0
    assert Appointment.objects.count() == 1
    assert Allocation.objects.filter(holder=f"resource:{chair.pk}").count() == 1
