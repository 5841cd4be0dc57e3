"""The calendar's week view: each chair, room and clinician with its seven days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import AuditEvent
from ketaclinic.conftest import login
from ketaclinic.scheduling import services
from ketaclinic.scheduling.tests.helpers import days_ahead, local, open_clinic

pytestmark = pytest.mark.django_db


def test_it_shows_the_appointment_on_its_day_in_its_lanes(
    clinic, ada, rivera, nina, desmond
) -> None:
    open_clinic(clinic, rivera, nina)
    day = days_ahead(9)
    booked = services.book(
        desmond,
        services.Booking(
            kind="consultation",
            starts_at=local(clinic, day, dt.time(10)),
            patient=ada,
            mode="in_person",
        ),
    )
    page = login(Client(), desmond).get(reverse("scheduling:week"), {"day": day.isoformat()})
    text = page.content.decode()
    assert page.status_code == 200
    monday = day - dt.timedelta(days=day.weekday())
    assert f"week of {monday:%A %-d %B %Y}" in text
    link = reverse("scheduling:appointment", args=[booked.code])
    assert text.count(link) == 2  # the room's lane and the clinician's
    blocks = [b.split("</ul>")[0] for b in text.split(f"<strong>{day:%a %-d}</strong>")[1:]]
    assert sum(ada.family_name in b for b in blocks) == 2  # on its day, in both lanes
    record = AuditEvent.objects.filter(actor_id=desmond.pk, summary__startswith="Calendar week")
    assert record.count() == 1
