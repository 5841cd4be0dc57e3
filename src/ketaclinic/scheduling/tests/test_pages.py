"""The staff calendar pages: book, choose an offered time, move, cancel, a series, the day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import form_values, login, submit
from ketaclinic.scheduling import services
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.scheduling.services import Booking
from ketaclinic.scheduling.tests.helpers import T, days_ahead, local, open_clinic, planned

pytestmark = pytest.mark.django_db


def test_the_front_desk_books_and_is_offered_free_times_when_taken(
    clinic, ada, ben, rivera, nina, desmond
) -> None:
    chairs = open_clinic(clinic, nina, rivera, chairs=1)
    planned(ada, rivera, nina)
    planned(ben, rivera, nina)
    day = days_ahead(3)
    services.book(
        desmond, Booking(kind="infusion", patient=ben, starts_at=local(clinic, day, T(9)))
    )
    desk = login(Client(), desmond)
    url = reverse("scheduling:book", args=[ada.code])
    fields = {"kind": "infusion", "day": day.isoformat(), "time": "09:00"}
    taken = submit(desk, url, fields)
    assert taken.status_code == 200
    page = taken.content.decode()
    assert "no infusion chair is free at 09:00–10:40" in page
    assert "That time is taken. Nearest free times:" in page
    assert "resource:" not in page  # the field's key is not shown
    assert not Appointment.objects.filter(patient=ada).exists()
    values = form_values(page)
    first = page.split('name="alternative" value="', 1)[1].split('"', 1)[0]
    booked = desk.post(url, values | {"alternative": first})
    assert booked.status_code == 302
    made = Appointment.objects.get(patient=ada)
    when, _ = first.split("|")
    assert made.starts_at == local(
        clinic, dt.date.fromisoformat(when[:10]), dt.time.fromisoformat(when[11:])
    )
    assert made.resource == chairs[0]
    assert desk.post(url, values | {"alternative": first}).status_code == 302  # sent twice
    assert Appointment.objects.filter(patient=ada).count() == 1


def test_it_moves_refuses_a_stale_form_and_cancels(clinic, ada, rivera, nina, desmond) -> None:
    open_clinic(clinic, nina, rivera)
    day = days_ahead(3)
    made = services.book(
        desmond,
        Booking(
            kind="consultation", mode="in_person", patient=ada, starts_at=local(clinic, day, T(9))
        ),
    )
    desk = login(Client(), desmond)
    url = reverse("scheduling:appointment", args=[made.code])
    stale = form_values(desk.get(url).content.decode())
    assert desk.post(url, stale | {"time": "10:00"}).status_code == 302
    assert Appointment.objects.get(pk=made.pk).starts_at == local(clinic, day, T(10))
    again = desk.post(url, stale | {"time": "11:00"})
    assert "the appointment was moved meanwhile" in again.content.decode()
    assert Appointment.objects.get(pk=made.pk).starts_at == local(clinic, day, T(10))
    no_reason = desk.post(url, {"action": "cancel", "reason": ""})
    assert no_reason.status_code == 200
    assert desk.post(url, {"action": "cancel", "reason": "Unwell"}).status_code == 302
    stored = Appointment.objects.get(pk=made.pk)
    assert (stored.status, stored.cancel_reason) == (AppointmentStatus.CANCELLED, "Unwell")


def test_the_day_shows_each_chair_and_clinician(clinic, ada, rivera, nina, desmond) -> None:
    open_clinic(clinic, nina, rivera)
    planned(ada, rivera, nina)
    day = days_ahead(3)
    services.book(
        desmond, Booking(kind="infusion", patient=ada, starts_at=local(clinic, day, T(9)))
    )
    services.mark_booster_due(rivera, ada, days_ahead(20))
    page = login(Client(), desmond).get(reverse("scheduling:day"), {"day": day.isoformat()})
    text = page.content.decode()
    for lane in ("Chair 1", "Chair 2", "Room 1", "nina", "rivera"):
        assert f">{lane}</h2>" in text
    assert text.count("09:00–10:40 Lovelace, Ada") == 3  # the chair, the nurse, the cover
    assert "Boosters to book" in text


def test_a_series_with_a_taken_session_is_booked_once_its_time_is_chosen(
    clinic, ada, ben, rivera, nina, desmond
) -> None:
    open_clinic(clinic, nina, rivera, chairs=1)
    planned(ada, rivera, nina)
    planned(ben, rivera, nina)
    first = days_ahead(2)
    services.book(
        desmond,
        Booking(
            kind="infusion",
            patient=ben,
            starts_at=local(clinic, first + dt.timedelta(days=3), T(9)),
        ),
    )
    desk = login(Client(), desmond)
    url = reverse("scheduling:series", args=[ada.code])
    refused = submit(desk, url, {"first_day": first.isoformat(), "time": "09:00"})
    page = refused.content.decode()
    assert "Some infusions found no free time" in page
    assert "Infusion 2" in page
    assert not Appointment.objects.filter(patient=ada).exists()
    done = desk.post(url, form_values(page))  # the first offered time, checked
    assert done.status_code == 302
    assert Appointment.objects.filter(patient=ada).count() == 6
