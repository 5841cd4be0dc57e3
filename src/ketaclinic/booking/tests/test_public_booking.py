"""Booking a free consultation from the public site, and the emailed manage link.

Through the pages as a visitor uses them; the database, the outbox and the emails
(with their calendar files, parsed back with icalendar) are read back.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.booking.models import ManageAccess, PublicAttempt
from ketaclinic.conftest import login
from ketaclinic.lib import clock
from ketaclinic.outbox import delivery
from ketaclinic.outbox.models import MessageStatus, OutgoingMessage
from ketaclinic.public.models import ClinicProfile
from ketaclinic.scheduling import services as scheduling
from ketaclinic.scheduling.models import Appointment, AppointmentStatus, Prospect
from ketaclinic.scheduling.tests.helpers import open_clinic

pytestmark = pytest.mark.django_db
PHOENIX = dt.timezone(dt.timedelta(hours=-7))  # the test clinic's zone: no daylight saving

CONTACT = {
    "given_name": "Maria",
    "family_name": "Lopez",
    "email": "maria.lopez@example.org",
    "phone": "(480) 555-0199",
    "pain_duration": "over_a_year",
    "cause": "diabetes",
    "tried": ["nerve_pain_medicines", "physical_therapy"],
    "note": "",
}


@pytest.fixture
def bookable(clinic: Clinic, rivera: User, nina: User) -> Clinic:
    open_clinic(clinic, rivera, nina)
    ClinicProfile.objects.create(
        clinic=clinic, street="1 Main St", city="Phoenix", phone="(602) 555-0123", published=True
    )
    return clinic


def _times(html: str) -> list[str]:
    return re.findall(r'name="starts_at" value="([^"]+)"', html)


def _free(mode: str, days_ahead: int) -> list[dt.datetime]:
    day = (clock.now() + dt.timedelta(days=days_ahead)).astimezone(PHOENIX).date().isoformat()
    page = Client().get(reverse("booking:book"), {"mode": mode, "day": day})
    return [dt.datetime.fromisoformat(t) for t in _times(page.content.decode())]


def _book(client: Client, mode: str = "video", **changes: Any) -> Any:
    """Books the first time three days ahead (so every reminder is still to come)."""
    day = (clock.now() + dt.timedelta(days=3)).astimezone(PHOENIX).date().isoformat()
    page = client.get(reverse("booking:book"), {"mode": mode, "day": day})
    assert page.status_code == 200
    first = _times(page.content.decode())[0]
    assert dt.datetime.fromisoformat(first) > clock.now() + dt.timedelta(days=2)
    return client.post(
        reverse("booking:book"), {"mode": mode, "starts_at": first} | CONTACT | changes
    ), first


def _send_due() -> None:
    delivery.sweep()


def _link(body: str) -> str:
    return re.search(r"https?://\S+/book/manage/\?token=\S+", body).group(0)  # type: ignore[union-attr]


def test_it_a_visitor_books_and_gets_the_confirmation_with_a_calendar_file(bookable) -> None:
    client = Client()
    answer, chosen = _book(client)
    assert answer.status_code == 302
    appointment = Appointment.objects.get()
    prospect = Prospect.objects.get()
    assert (prospect.email, prospect.given_name) == ("maria.lopez@example.org", "Maria")
    assert prospect.answers["How long have you had this pain?"] == "More than a year"
    assert appointment.prospect == prospect
    assert appointment.starts_at == dt.datetime.fromisoformat(chosen)
    assert (appointment.kind, appointment.mode, appointment.status) == (
        "consultation",
        "video",
        AppointmentStatus.BOOKED,
    )
    done = client.get(answer["Location"]).content.decode()
    assert "maria.lopez@example.org" in done
    _send_due()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["maria.lopez@example.org"]
    assert email.subject.startswith("Booked: Free consultation at")
    name, content, kind = email.attachments[0]
    assert name == "appointment.ics"
    assert kind == "text/calendar"
    event = next(c for c in Calendar.from_ical(content).walk("VEVENT"))
    assert event.decoded("dtstart") == appointment.starts_at
    assert event.decoded("dtend") == appointment.ends_at
    assert str(event["uid"]).startswith(str(appointment.code))
    reminders = OutgoingMessage.objects.filter(key__contains=":reminder:")
    assert reminders.count() == 2  # 48 and 3 hours before, by default
    assert all(r.send_after < appointment.starts_at for r in reminders)


def test_it_the_manage_link_moves_then_cancels_and_is_then_used(bookable) -> None:
    visitor = Client()
    _book(visitor)
    _send_due()
    link = _link(str(mail.outbox[0].body))
    appointment = Appointment.objects.get()
    patient = Client()
    page = patient.get(link, follow=True)
    assert page.redirect_chain[-1][0] == reverse("booking:manage")  # the token left the address
    text = page.content.decode()
    assert "Your appointment" in text
    later = next(t for t in _times(text) if dt.datetime.fromisoformat(t) > appointment.starts_at)
    shown = re.search(r'name="shown" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]
    moved = patient.post(
        reverse("booking:manage"), {"action": "move", "starts_at": later, "shown": shown}
    )
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at == dt.datetime.fromisoformat(later)
    _send_due()
    assert mail.outbox[-1].subject.startswith("New time:")
    old_reminders = OutgoingMessage.objects.filter(
        key__contains=":reminder:", status=MessageStatus.CANCELLED
    )
    assert old_reminders.exists()
    # The same link, a stale form: refused, nothing moved.
    stale = patient.post(
        reverse("booking:manage"), {"action": "move", "starts_at": shown, "shown": shown}
    )
    assert stale.status_code == 400
    assert "moved meanwhile" in stale.content.decode()
    appointment.refresh_from_db()
    assert appointment.starts_at == dt.datetime.fromisoformat(later)
    cancelled = patient.post(reverse("booking:manage"), {"action": "cancel", "reason": "better"})
    assert "Your appointment is cancelled" in cancelled.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert ManageAccess.objects.get(appointment=appointment).used_at is not None
    _send_due()
    assert mail.outbox[-1].subject.startswith("Cancelled:")
    cal = Calendar.from_ical(mail.outbox[-1].attachments[0][1])
    assert str(cal["method"]) == "CANCEL"
    assert not OutgoingMessage.objects.filter(
        key__contains=":reminder:", status=MessageStatus.PENDING
    ).exists()
    again = Client().get(link, follow=True)
    assert again.status_code == 410
    assert "This link has been used" in again.content.decode()


def test_it_a_forged_or_expired_link_gets_a_clear_page_and_reveals_nothing(bookable) -> None:
    _book(Client())
    _send_due()
    link = _link(str(mail.outbox[0].body))
    appointment = Appointment.objects.get()
    forged = Client().get(link[:-3] + "abc", follow=True)
    assert forged.status_code == 404
    text = forged.content.decode()
    assert "This link does not work" in text
    assert "Maria" not in text
    with clock.replaying(appointment.ends_at + dt.timedelta(minutes=1)):
        expired = Client().get(link, follow=True)
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert "Maria" not in expired.content.decode()


def test_it_the_front_desk_moves_it_and_the_link_shows_the_new_time(bookable, desmond) -> None:
    _book(Client())
    _send_due()
    link = _link(str(mail.outbox[0].body))
    appointment = Appointment.objects.get()
    new_time = _free("video", 4)[2]
    scheduling.move(desmond, appointment, new_time)
    text = Client().get(link, follow=True).content.decode()
    local = new_time.astimezone(PHOENIX)
    assert f"{local:%-I:%M %p}" in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "maria at example", "not an email address"),
        ("phone", "12", "not a phone number"),
        ("given_name", "", "This field is required"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(bookable, field, value, message) -> None:
    answer, _ = _book(Client(), **{field: value})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Prospect.objects.exists()
    assert not Appointment.objects.exists()
    assert not OutgoingMessage.objects.exists()


def test_a_time_in_the_past_or_not_offered_is_refused(bookable) -> None:
    client = Client()
    past = (clock.now() - dt.timedelta(days=1)).replace(microsecond=0).isoformat()
    answer = client.post(reverse("booking:book"), {"mode": "video", "starts_at": past} | CONTACT)
    assert answer.status_code == 400
    assert not Appointment.objects.exists()
    assert not Prospect.objects.exists()


def test_a_taken_time_is_refused_with_the_nearest_free_times(bookable) -> None:
    client = Client()
    page = client.get(reverse("booking:book"), {"mode": "in_person"})
    first = _times(page.content.decode())[0]
    ok = client.post(reverse("booking:book"), {"mode": "in_person", "starts_at": first} | CONTACT)
    assert ok.status_code == 302
    second = Client().post(
        reverse("booking:book"),
        {"mode": "in_person", "starts_at": first} | CONTACT | {"email": "b@example.org"},
    )
    assert second.status_code == 400
    text = second.content.decode()
    assert "just been taken" in text
    assert "The nearest free times" in text
    assert Appointment.objects.count() == 1
    assert Prospect.objects.count() == 1


def test_it_limits_bookings_from_one_address(bookable) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        client.post(reverse("booking:book"), {"mode": "video", "starts_at": "x"} | CONTACT)
    answer = client.post(reverse("booking:book"), {"mode": "video", "starts_at": "x"} | CONTACT)
    assert answer.status_code == 429
    assert int(answer["Retry-After"]) > 0
    assert PublicAttempt.objects.filter(scope="book").count() == 5
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(reverse("booking:book"), {"mode": "video"} | CONTACT).status_code == 400


def test_a_staff_booking_for_a_patient_with_email_sends_reminders_too(bookable, ada, nina) -> None:
    ada.email = "ada@example.org"
    ada.save(update_fields=["email"])
    start = _free("phone", 3)[-1]
    scheduling.book(
        nina, scheduling.Booking(kind="follow_up", starts_at=start, patient=ada, mode="phone")
    )
    assert OutgoingMessage.objects.filter(to_email="ada@example.org").count() >= 2
    assert login(Client(), nina).get("/").status_code == 200


def test_it_the_front_desk_registers_the_person_and_the_booking_follows(bookable, desmond) -> None:
    _book(Client())
    prospect = Prospect.objects.get()
    appointment = Appointment.objects.get()
    desk = login(Client(), desmond)
    page = desk.get(reverse("scheduling:appointment", args=[appointment.code]))
    assert f"?prospect={prospect.code}" in page.content.decode()
    form = desk.get(reverse("patients:create"), {"prospect": str(prospect.code)}).content.decode()
    assert 'value="Lopez"' in form
    assert 'value="maria.lopez@example.org"' in form
    token = re.search(r'name="form_token" value="([^"]+)"', form)
    answer = desk.post(
        reverse("patients:create"),
        {
            "prospect": str(prospect.code),
            "given_name": "Maria",
            "family_name": "Lopez",
            "date_of_birth": "1970-05-04",
            "sex": "female",
            "email": "maria.lopez@example.org",
            "phone": "(480) 555-0199",
        }
        | ({"form_token": token.group(1)} if token else {}),
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    prospect.refresh_from_db()
    appointment.refresh_from_db()
    assert prospect.patient is not None
    assert appointment.patient == prospect.patient
    assert appointment.prospect is None
    assert prospect.patient.family_name == "Lopez"
    again = desk.get(reverse("patients:create"), {"prospect": str(prospect.code)})
    assert again.status_code == 404  # registered once
