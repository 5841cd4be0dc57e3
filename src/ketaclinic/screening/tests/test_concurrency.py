"""Concurrent writers to one screening keep every answer (issue 8 #3, #4, #6).

Real threads, each with its own connection, against the real database
(SQLite in WAL mode, or PostgreSQL with DATABASE_URL): the requests meet in the
database as they do under several gunicorn workers.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from ketaclinic.conftest import at_once, login
from ketaclinic.screening import services
from ketaclinic.screening.models import Screening

pytestmark = pytest.mark.django_db(transaction=True)

HEALTH = {
    "hypertension": "controlled",
    "cardiac": "stable",
    "pregnant": "no",
    "breastfeeding": "no",
    "psychosis": "none",
    "active_substance_use": "no",
    "liver_function": "no",
    "raised_icp": "no",
    "raised_iop": "no",
}


def _patch(client: Client, url: str, answers: dict[str, object]) -> int:
    return client.patch(url, {"answers": answers}, format="json").status_code


def test_it_keeps_every_answer_of_simultaneous_one_question_saves(ada, nina) -> None:
    """Nine one-question PATCHes to one section at once, on a patient with no screening yet."""
    url = reverse("api:patient-screening-intake", args=[ada.code, "health"])
    clients = [login(APIClient(), nina) for _ in HEALTH]
    statuses = at_once(
        *[
            (lambda c=c, q=q, a=a: _patch(c, url, {q: a}))
            for c, (q, a) in zip(clients, HEALTH.items(), strict=True)
        ]
    )
    assert statuses == [200] * len(HEALTH)
    screenings = Screening.objects.filter(patient=ada)
    assert screenings.count() == 1
    assert services.answers_of(screenings.get())["health"].answers == HEALTH


def test_it_keeps_every_answer_from_the_portal_and_the_desk_at_once(ada, nina) -> None:
    portal = login(APIClient(), ada.portal_user)
    desk = login(APIClient(), nina)
    portal_url = reverse("api:portal-intake-part", args=["health"])
    desk_url = reverse("api:patient-screening-intake", args=[ada.code, "health"])
    items = list(HEALTH.items())
    calls = [
        (
            lambda q=q, a=a, i=i: _patch(
                portal if i % 2 else desk, portal_url if i % 2 else desk_url, {q: a}
            )
        )
        for i, (q, a) in enumerate(items)
    ]
    assert at_once(*calls) == [200] * len(items)
    assert services.answers_of(Screening.objects.get(patient=ada))["health"].answers == HEALTH


def test_it_keeps_every_blood_pressure_reading_taken_at_once(ada, nina, rivera) -> None:
    url = reverse("screening:facts", args=[ada.code])
    readings = [(120 + i, 70 + i) for i in range(20)]
    clients = [login(Client(), nina if i % 2 else rivera) for i in range(len(readings))]
    statuses = at_once(
        *[
            (
                lambda c=c, s=s, d=d: (
                    c.post(url, {"systolic_mmhg": s, "diastolic_mmhg": d}).status_code
                )
            )
            for c, (s, d) in zip(clients, readings, strict=True)
        ]
    )
    assert statuses == [302] * len(readings)
    stored = Screening.objects.get(patient=ada).clinician_facts["bp_readings"]
    assert sorted((r["systolic_mmhg"], r["diastolic_mmhg"]) for r in stored) == readings


def test_simultaneous_first_opens_start_no_screening_and_first_saves_start_one(ada) -> None:
    clients = [login(Client(), ada.portal_user) for _ in range(20)]
    opened = at_once(*[(lambda c=c: c.get(reverse("portal:intake")).status_code) for c in clients])
    assert opened == [200] * 20
    assert not Screening.objects.filter(patient=ada).exists(), "a page view wrote a screening"

    api = [login(APIClient(), ada.portal_user) for _ in range(20)]
    url = reverse("api:portal-intake-part", args=["pain"])
    saved = at_once(
        *[
            (lambda c=c, i=i: _patch(c, url, {"pain_duration_months": 10 + i}))
            for i, c in enumerate(api)
        ]
    )
    assert saved == [200] * 20
    assert Screening.objects.filter(patient=ada).count() == 1
