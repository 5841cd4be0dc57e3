"""Issue 13 §1 in a real browser: a patient fills in a follow-up questionnaire on a phone,
answers PHQ-9 item 9 above 0 and sees the crisis information at once; the pages fit."""

from __future__ import annotations

import pytest

from ketaclinic.accounts.roles import Role
from ketaclinic.conftest import make_patient, make_user
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 90_000
PHONE = {"width": 390, "height": 844}
CRISIS = "If you are thinking of hurting yourself"


def test_a_patient_answers_item_9_on_a_phone_and_sees_crisis_information(
    live_server, browser
) -> None:
    from ketaclinic.accounts.models import Clinic
    from ketaclinic.alerts.models import SafetyAlert
    from ketaclinic.qschedule.tasks import refresh_patient_questionnaires
    from ketaclinic.qschedule.tests.helpers import baseline, signed_plan

    clinic = Clinic.objects.create(name="Desert Sky")
    ada = make_patient(clinic)
    ada.conditions.create(icd10_code="G90.521", description="CRPS I, right leg")
    ada.portal_user = make_user(clinic, "ada", Role.PATIENT)
    ada.save()
    signed_plan(
        ada, make_user(clinic, "rivera", Role.PHYSICIAN), make_user(clinic, "nina", Role.NURSE)
    )
    refresh_patient_questionnaires.call(str(ada.code))  # what the worker does on the commit
    row = baseline(ada)
    base = live_server.url

    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, base, "ada", two_factor=False)
    page.goto(f"{base}/portal/")
    page.get_by_role("link", name=row.label).click()
    page.wait_for_url(f"**/portal/questionnaires/{row.code}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("link", name="Start: Patient Health Questionnaire-9 (PHQ-9)").click()
    page.wait_for_url("**/phq9/")
    page.locator('input[name="q9_self_harm_thoughts"][value="1"]').check()
    page.get_by_text(CRISIS).first.wait_for()  # with the autosave's status, at once
    assert SafetyAlert.objects.filter(patient=ada, encounter_code=row.code).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Save and go on").click()
    page.wait_for_url("**/gad7/")
    assert page.get_by_text(CRISIS).count() == 1  # the next page shows it too
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
