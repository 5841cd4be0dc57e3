"""A member of the public books a free consultation on a phone; the front desk finds it in
the calendar and moves it; the emailed manage link shows the new time. axe-core checks the
booking pages for serious accessibility violations."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail

from ketaclinic.accounts.models import Clinic
from ketaclinic.accounts.roles import Role
from ketaclinic.conftest import make_user
from ketaclinic.lib import clock
from ketaclinic.outbox import delivery
from ketaclinic.public.models import ClinicProfile
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.scheduling.tests.helpers import open_clinic
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PHOENIX = dt.timezone(dt.timedelta(hours=-7))


def _serious(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, as "rule: target" lines."""
    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [n["target"] for n in violation["nodes"]][:3]
            found.append(f"{violation['id']}: {violation['help']} {targets}")
    return found


def test_it_a_visitor_books_the_front_desk_moves_it_the_link_shows_it(
    live_server: Any, browser: Any
) -> None:
    clinic = Clinic.objects.create(name="Desert Sky", time_zone="America/Phoenix")
    physician = make_user(clinic, "rivera", Role.PHYSICIAN)
    nurse = make_user(clinic, "nina", Role.NURSE)
    make_user(clinic, "desmond", Role.FRONT_DESK)
    open_clinic(clinic, physician, nurse)
    ClinicProfile.objects.create(
        clinic=clinic, street="1 Main St", city="Phoenix", phone="(602) 555-0123", published=True
    )
    day = (clock.now() + dt.timedelta(days=3)).astimezone(PHOENIX).date()
    problems: list[str] = []

    # A visitor, on a phone.
    visitor = browser.new_context(viewport=PHONE)
    page = visitor.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Book a free consultation online").click()
    problems += [f"choose: {p}" for p in _serious(page)]
    page.get_by_role("link", name="Video call").click()
    page.get_by_role("link", name=f"{day:%a %-d %b}").click()
    first = page.locator('input[name="starts_at"]').first
    chosen = first.get_attribute("value")
    first.check()
    page.get_by_label("First name").fill("Maria")
    page.get_by_label("Last name").fill("Lopez")
    page.get_by_label("Email").fill("maria.lopez@example.org")
    page.get_by_label("Phone").fill("(480) 555-0199")
    page.get_by_label("More than a year").check()
    page.get_by_label("Physical therapy").check()
    problems += [f"book: {p}" for p in _serious(page)]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url("**/book/done/")
    assert "You are booked" in page.content()
    problems += [f"done: {p}" for p in _serious(page)]

    appointment = Appointment.objects.get(prospect__email="maria.lopez@example.org")
    assert appointment.starts_at == dt.datetime.fromisoformat(chosen or "")
    delivery.sweep()
    assert [m.to for m in mail.outbox] == [["maria.lopez@example.org"]]
    link = re.search(r"https?://\S+/book/manage/\?token=\S+", str(mail.outbox[0].body))
    assert link is not None

    # The front desk finds it in the calendar and moves it an hour later.
    desk = browser.new_context(viewport={"width": 820, "height": 1000})
    staff = desk.new_page()
    sign_in(staff, live_server.url, "desmond")
    staff.wait_for_url(lambda url: "/accounts/" not in url)
    staff.goto(f"{live_server.url}/calendar/?day={day.isoformat()}")
    staff.get_by_role("link", name=re.compile("Maria Lopez")).first.click()
    local = appointment.starts_at.astimezone(PHOENIX)
    later = local + dt.timedelta(hours=1)
    staff.get_by_label("New day").fill(later.date().isoformat())
    staff.get_by_label("New time (clinic time)").fill(f"{later:%H:%M}")
    staff.get_by_role("button", name="Move", exact=True).click()
    staff.wait_for_load_state()
    appointment.refresh_from_db()
    assert appointment.starts_at == later.astimezone(dt.UTC)
    assert appointment.status == AppointmentStatus.BOOKED

    # The visitor's link shows the new time.
    page.goto(link.group(0))
    page.wait_for_url("**/book/manage/")
    text = page.locator("main").inner_text()
    assert f"{later:%-I:%M %p}" in text
    assert f"{local:%-I:%M %p}" not in text.split("Choose another time")[0]
    problems += [f"manage: {p}" for p in _serious(page)]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    delivery.sweep()
    assert mail.outbox[-1].subject.startswith("New time:")
    visitor.close()
    desk.close()
    assert not problems, "\n".join(problems)
