"""Issue 13 §1 in a real browser: a patient fills in today's diary and a missed day on a
phone, sees them in their progress, and a physician sees the updated trend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ketaclinic.accounts.roles import Role
from ketaclinic.conftest import make_patient, make_user
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 90_000
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}


def _new_page(browser: Any, viewport: dict[str, int]) -> tuple[Any, Any]:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def _fits(page: Any, width: int) -> None:
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _answer(page: Any, pain: int, function: int, mood: int) -> None:
    for question, value in (
        ("Your pain today, on average", pain),
        ("How much did pain get in the way of walking", function),
        ("How much did pain get in the way of your mood", mood),
    ):
        group = page.get_by_role("group", name=question)
        group.get_by_label(str(value), exact=True).check()


def test_a_patient_fills_in_the_diary_on_a_phone_and_sees_it_in_their_progress(
    live_server, browser
) -> None:
    from ketaclinic.accounts.models import Clinic
    from ketaclinic.outcomes.models import DiaryEntry
    from ketaclinic.outcomes.services import clinic_today

    clinic = Clinic.objects.create(name="Desert Sky")
    make_user(clinic, "rivera", Role.PHYSICIAN)
    patient = make_patient(clinic)
    patient.portal_user = make_user(clinic, "ada", Role.PATIENT)
    patient.save()
    base = live_server.url
    today = clinic_today()
    missed = today - dt.timedelta(days=2)

    context, page = _new_page(browser, PHONE)
    sign_in(page, base, "ada", two_factor=False)
    page.wait_for_url(f"{base}/portal/")
    page.get_by_role("link", name="Fill in today's diary").click()
    page.wait_for_url(f"{base}/portal/diary/")
    _fits(page, PHONE["width"])
    assert page.get_by_label("Date").input_value() == today.isoformat()
    _answer(page, 6, 4, 3)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{base}/portal/progress/")
    _fits(page, PHONE["width"])
    assert "Your average pain this week is 6." in page.locator(".progress-words").inner_text()

    # A missed day, filled in later with its real date.
    page.goto(f"{base}/portal/diary/")
    page.get_by_label("Date").fill(missed.isoformat())
    _answer(page, 8, 5, 5)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{base}/portal/progress/")
    assert "Your average pain this week is 7." in page.locator(".progress-words").inner_text()
    table = page.locator("table.diary-table tbody tr")
    assert table.count() == 2
    assert page.locator(".chart svg").count() == 1
    _fits(page, PHONE["width"])
    context.close()
    rows = DiaryEntry.objects.filter(patient=patient).order_by("day")
    assert [(r.day, r.pain_nrs, r.entered_via) for r in rows] == [
        (missed, 8, "portal"),
        (today, 6, "portal"),
    ]

    # The physician sees the updated trend on the patient's chart.
    context, page = _new_page(browser, TABLET)
    sign_in(page, base, "rivera")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/patients/{patient.code}/")
    page.get_by_role("link", name="Pain diary").click()
    page.wait_for_url(f"{base}/patients/{patient.code}/diary/")
    _fits(page, TABLET["width"])
    assert page.locator(".chart svg").count() == 1
    assert page.locator("dl.facts").inner_text().count("7.0 (2 days)") == 1
    assert page.locator("table.diary-table tbody tr").count() == 2
    context.close()
