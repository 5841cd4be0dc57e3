"""Autosave tells the truth and never loses an answer to a click (issue 10 #13, #14)."""

from __future__ import annotations

from typing import Any

import pytest

from ketaclinic.accounts.roles import Role
from ketaclinic.conftest import make_patient, make_user
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 90_000


def _portal_page(live_server: Any, browser: Any) -> tuple[Any, Any, Any]:
    from ketaclinic.accounts.models import Clinic

    clinic = Clinic.objects.create(name="Desert Sky")
    patient = make_patient(clinic)
    patient.portal_user = make_user(clinic, "ada", Role.PATIENT)
    patient.save()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, live_server.url, "ada", two_factor=False)
    page.wait_for_url("**/portal/")
    return patient, context, page


def _stored(patient: Any, questionnaire: str) -> dict[str, Any]:
    from ketaclinic.questionnaires.models import QuestionnaireResponse

    rows = QuestionnaireResponse.objects.filter(patient=patient, questionnaire=questionnaire)
    newest = rows.order_by("-seq").first()
    return dict(newest.answers) if newest else {}


def test_an_answer_out_of_range_or_too_long_is_refused_never_shown_as_saved(
    live_server, browser
) -> None:
    patient, context, page = _portal_page(live_server, browser)
    page.goto(f"{live_server.url}/portal/intake/pain/")
    months = page.get_by_label("How many months have you had this pain?")
    months.fill("1500")
    months.blur()  # a change event: htmx posts the form
    status = page.locator("#save-status")
    status.get_by_text("Not saved").wait_for()
    assert "less than or equal to 1200" in status.inner_text()
    assert "saved." not in status.inner_text().lower().replace("not saved", "")
    assert _stored(patient, "pain") == {}

    where = page.get_by_label("Where do you feel the pain?")
    months.fill("14")
    where.fill("x" * 600)  # pasted: the browser must not cut it silently
    where.blur()
    status.get_by_text("at most 500 characters").wait_for()
    assert "pain_location" not in _stored(patient, "pain")  # refused, not cut to 500
    where.fill("both feet")
    where.blur()
    status.get_by_text("saved").wait_for()
    assert _stored(patient, "pain") == {"pain_duration_months": 14, "pain_location": "both feet"}
    context.close()


def test_leaving_the_page_right_after_a_change_keeps_the_change(live_server, browser) -> None:
    patient, context, page = _portal_page(live_server, browser)
    page.goto(f"{live_server.url}/portal/intake/health/")
    # Slow the saves down, so the click lands while the change is still on its way.
    page.route(
        "**/portal/intake/health/",
        lambda route: (
            (page.wait_for_timeout(800), route.continue_())
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.locator('input[name="cardiac"][value="stable"]').check()
    page.get_by_role("link", name="Next part →").click()
    page.wait_for_url("**/portal/intake/medicines/")
    assert _stored(patient, "health") == {"cardiac": "stable"}
    context.close()
