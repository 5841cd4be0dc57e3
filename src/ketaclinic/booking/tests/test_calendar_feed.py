"""A clinician's calendar feed: their appointments only, no patient's name, stopped at once."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from ketaclinic.audit.models import AuditEvent
from ketaclinic.booking.models import CalendarFeed
from ketaclinic.conftest import login
from ketaclinic.scheduling import services as scheduling
from ketaclinic.scheduling.availability import free_slots
from ketaclinic.scheduling.tests.helpers import days_ahead, open_clinic

pytestmark = pytest.mark.django_db


def _address(client: Client) -> str:
    page = client.post(reverse("booking:my_feed"), {"action": "issue"}).content.decode()
    found = re.search(r"http://testserver(/calendar/feed/[^<\s]+\.ics)", page)
    assert found is not None
    return found.group(1)


def test_it_the_feed_lists_the_clinicians_appointments_without_patient_details(
    clinic, ada, rivera, nina
) -> None:
    open_clinic(clinic, rivera, nina)
    need = scheduling.need_for(clinic, "follow_up", mode="phone")
    slot = free_slots(clinic, need, days_ahead(2), days_ahead(2))[0]
    booked = scheduling.book(
        nina,
        scheduling.Booking(kind="follow_up", starts_at=slot.starts_at, patient=ada, mode="phone"),
    )
    mine = booked.clinician
    assert mine is not None
    other = nina if mine == rivera else rivera
    feed = Client().get(_address(login(Client(), mine)))
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    events = list(Calendar.from_ical(feed.content).walk("VEVENT"))
    assert [str(e["uid"]) for e in events] == [f"{booked.code}@ketaclinic"]
    assert events[0].decoded("dtstart") == booked.starts_at
    text = feed.content.decode()
    assert ada.family_name not in text
    assert ada.given_name not in text
    assert str(ada.code) not in text
    theirs = Calendar.from_ical(Client().get(_address(login(Client(), other))).content)
    assert list(theirs.walk("VEVENT")) == []


def test_it_a_stopped_or_replaced_address_stops_at_once(clinic, nina) -> None:
    client = login(Client(), nina)
    first = _address(client)
    assert Client().get(first).status_code == 200
    second = _address(client)
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    client.post(reverse("booking:my_feed"), {"action": "revoke"})
    assert Client().get(second).status_code == 404
    assert Client().get("/calendar/feed/not-a-token.ics").status_code == 404
    assert CalendarFeed.objects.filter(user=nina, revoked_at__isnull=True).count() == 0
    summaries = set(AuditEvent.objects.filter(actor_id=nina.pk).values_list("summary", flat=True))
    assert {"Calendar feed address made", "Calendar feed address stopped"} <= summaries


def test_only_staff_have_a_feed(clinic, ben) -> None:
    portal = ben.portal_user
    assert portal is not None
    assert login(Client(), portal).get(reverse("booking:my_feed")).status_code == 403
