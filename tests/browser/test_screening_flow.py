"""A patient completes the intake in the portal; the physician reads the summary,
records the blood pressure and signs the decision; the audit trail shows both."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ketaclinic.accounts.roles import Role
from ketaclinic.conftest import PASSWORD, make_patient, make_user
from ketaclinic.screening.tests.helpers import INSTRUMENT_ANSWERS, SECTIONS
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


#: Generous, for a loaded 2-core CI machine (Playwright's default is 30 s).
TIMEOUT_MS = 90_000


def _new_page(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def _choose(page, name: str, value: object) -> None:
    page.locator(f'input[name="{name}"][value="{value}"]').check()


def test_intake_in_the_portal_then_a_signed_decision(live_server, browser) -> None:
    from ketaclinic.accounts.models import Clinic
    from ketaclinic.patients.models import Condition

    clinic = Clinic.objects.create(name="Desert Sky")
    make_user(clinic, "rivera", Role.PHYSICIAN)
    make_user(clinic, "alice", Role.ADMIN)
    patient = make_patient(clinic, date_of_birth=dt.date(1980, 5, 1))
    Condition.objects.create(patient=patient, icd10_code="G90.521", description="CRPS I")
    patient.portal_user = make_user(clinic, "ada", Role.PATIENT)
    patient.save()
    base = live_server.url

    # The patient answers, part by part.
    context, page = _new_page(browser)
    sign_in(page, base, "ada", two_factor=False)
    page.wait_for_url("**/portal/")
    page.get_by_role("link", name="Your questionnaire before the consultation").click()
    page.get_by_role("link", name="About your pain").click()
    page.get_by_label("How many months have you had this pain?").fill("14")
    page.get_by_role("button", name="Save and go back").click()
    page.wait_for_url("**/portal/intake/")
    for section in ("treatments", "health"):
        page.goto(f"{base}/portal/intake/{section}/")
        for name, value in SECTIONS[section].items():
            _choose(page, name, value)
        page.get_by_role("button", name="Save and go back").click()
        page.wait_for_url("**/portal/intake/")
    page.goto(f"{base}/portal/intake/medicines/")
    page.get_by_label("I take no medicines").check()
    page.get_by_role("button", name="Save and go back").click()
    page.wait_for_url("**/portal/intake/")

    for instrument, answers in INSTRUMENT_ANSWERS.items():
        page.goto(f"{base}/portal/intake/{instrument}/")
        first, *rest = answers.items()
        _choose(page, *first)
        # Each answer is saved as it arrives (htmx), before the page is sent.
        status = page.locator("#save-status")
        status.get_by_text("still to answer").wait_for()
        for name, value in rest:
            _choose(page, name, value)
        status.get_by_text("All required questions answered").wait_for()
        page.get_by_role("button", name="Save and go back").click()
        page.wait_for_url("**/portal/intake/")
    assert page.locator(".tag.ok").count() == 8  # every part done
    page.get_by_label("I have finished").check()
    page.get_by_role("button", name="Send my answers to the clinic").click()
    page.get_by_text("Your answers were sent to the clinic").wait_for()
    context.close()

    # The physician reads the summary, records blood pressure, signs.
    context, page = _new_page(browser)
    sign_in(page, base, "rivera")
    page.goto(f"{base}/patients/{patient.code}/screening/")
    summary = page.locator("main").inner_text()
    assert "Incomplete" in summary
    assert "Record a blood-pressure reading with the date it was taken." in summary
    assert "Pain of predominantly neuropathic origin suggested" in summary  # S-LANSS band
    assert "Evidence" in summary
    page.get_by_role("link", name="Record facts and blood pressure").click()
    page.get_by_label("Blood pressure: systolic (mmHg)").fill("128")
    page.get_by_label("Blood pressure: diastolic (mmHg)").fill("82")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/patients/{patient.code}/screening/")
    assert page.locator("p.decision").inner_text().startswith("Candidate")
    page.get_by_role("link", name="Record and sign the decision").click()
    page.get_by_label("Candidate", exact=True).check()
    page.get_by_label("Your password (to sign)").fill(PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    page.get_by_text("Decision signed.").wait_for()
    record = page.locator(".decision-record").first.inner_text()
    assert "signed by rivera" in record
    assert "current" in record
    context.close()

    # The clinic admin finds both in the audit trail.
    context, page = _new_page(browser)
    sign_in(page, base, "alice")
    page.goto(f"{base}/audit/?patient={patient.code}")
    trail = page.locator("table.audit").inner_text()
    assert "Intake questionnaire submitted" in trail
    assert "ada" in trail
    assert "Screening decision signed" in trail
    assert "rivera" in trail
    context.close()
