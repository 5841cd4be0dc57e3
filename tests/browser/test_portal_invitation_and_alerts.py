"""Issue 10 in a real browser: the front desk registers and invites a patient, who
sets a password from the emailed link and starts the questionnaire on a phone;
a nurse acknowledges a PHQ-9 item 9 alert from her worklist."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ketaclinic.accounts.roles import Role
from ketaclinic.conftest import make_patient, make_user
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Generous, for a loaded 2-core CI machine (Playwright's default is 30 s).
TIMEOUT_MS = 90_000
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
NEW_PASSWORD = "tumbleweed across the mesa at noon"


def _new_page(browser: Any, viewport: dict[str, int]) -> tuple[Any, Any]:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def _fits(page: Any, width: int) -> None:
    """No sideways scrolling at this width (once the page has loaded)."""
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_front_desk_invites_and_the_patient_sets_up_the_portal_on_a_phone(
    live_server, browser, mailoutbox
) -> None:
    from ketaclinic.accounts.models import Clinic
    from ketaclinic.audit.models import AuditEvent
    from ketaclinic.invitations.models import Invitation
    from ketaclinic.patients.models import Patient
    from ketaclinic.questionnaires.models import QuestionnaireResponse

    clinic = Clinic.objects.create(name="Desert Sky")
    make_user(clinic, "desmond", Role.FRONT_DESK)
    base = live_server.url

    # The front desk registers the patient and sends the invitation (a tablet at the desk).
    context, page = _new_page(browser, TABLET)
    sign_in(page, base, "desmond")
    page.wait_for_url(f"{base}/")
    _fits(page, TABLET["width"])
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("Given name").fill("Grace")
    page.get_by_label("Family name").fill("Hopper")
    page.get_by_label("Date of birth").fill("1956-12-09")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Phone", exact=True).fill("602.555.0123")
    page.get_by_label("Email").fill("grace@example.org")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/patients/[0-9a-f-]{36}/$"))
    grace = Patient.objects.get(family_name="Hopper")
    assert (grace.phone, grace.phone_e164) == ("(602) 555-0123", "+16025550123")
    page.get_by_role("link", name="Portal access").click()
    page.wait_for_url(f"**/patients/{grace.code}/portal/")
    _fits(page, TABLET["width"])
    page.get_by_role("button", name="Email the invitation").click()
    page.get_by_text("Invitation emailed to grace@example.org").wait_for()
    assert "Invited, not yet set up" in page.locator("main").inner_text()
    page.goto(f"{base}/")
    assert "Hopper" in page.locator("#invitations").inner_text()
    context.close()

    # The email, as the patient receives it.
    (email,) = mailoutbox
    assert email.to == ["grace@example.org"]
    link = re.search(r"https?://\S+/welcome/\?token=[\w-]+", email.body)
    assert link, email.body

    # The patient opens the link on a phone and chooses a password.
    context, page = _new_page(browser, PHONE)
    page.goto(link.group(0))
    page.wait_for_url(f"{base}/welcome/")  # the token left the address
    _fits(page, PHONE["width"])
    assert "Welcome, Grace" in page.locator("h1").inner_text()
    assert page.get_by_label("Username").input_value() == "grace@example.org"
    page.get_by_label("Choose a password").fill("short")
    page.get_by_label("The same password again").fill("short")
    page.get_by_role("button", name="Set up my account").click()
    page.get_by_text("too short").wait_for()
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("The same password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set up my account").click()
    page.wait_for_url("**/portal/intake/")
    page.get_by_text("Your portal account is ready").wait_for()
    _fits(page, PHONE["width"])

    # …and starts the questionnaire.
    page.get_by_role("link", name="About your pain").click()
    page.wait_for_url("**/portal/intake/pain/")
    _fits(page, PHONE["width"])
    page.get_by_label("How many months have you had this pain?").fill("14")
    page.get_by_role("button", name="Save and go back").click()
    page.wait_for_url("**/portal/intake/")
    page.goto(f"{base}/portal/intake/phq9/")
    _fits(page, PHONE["width"])
    page.locator('input[name="q1_little_interest"][value="1"]').check()
    page.locator("#save-status").get_by_text("still to answer").wait_for()
    context.close()

    grace.refresh_from_db()
    assert grace.portal_user is not None
    assert grace.portal_user.username == "grace@example.org"
    assert grace.portal_user.check_password(NEW_PASSWORD)
    invitation = Invitation.objects.get(patient=grace)
    assert invitation.account == grace.portal_user
    answers = {r.questionnaire: r.answers for r in QuestionnaireResponse.objects.all()}
    assert answers["pain"]["pain_duration_months"] == 14
    assert answers["phq9"] == {"q1_little_interest": 1}
    trail = set(
        AuditEvent.objects.filter(patient_code=str(grace.code)).values_list("summary", flat=True)
    )
    assert "Portal invitation accepted: the patient set a password" in trail


def test_a_nurse_acknowledges_a_phq9_alert_from_her_worklist(live_server, browser) -> None:
    from ketaclinic.accounts.models import Clinic
    from ketaclinic.alerts.models import AlertAcknowledgement, SafetyAlert
    from ketaclinic.audit.models import Action, AuditEvent
    from ketaclinic.questionnaires.services import record_answers

    clinic = Clinic.objects.create(name="Desert Sky")
    nina = make_user(clinic, "nina", Role.NURSE)
    ada = make_patient(clinic)
    ada.portal_user = make_user(clinic, "ada", Role.PATIENT)
    ada.save()
    # Ada answers PHQ-9 item 9 in the portal: "Several days".
    record_answers(ada.portal_user, ada, "phq9", {"q9_self_harm_thoughts": 1}, via="portal")
    alert = SafetyAlert.objects.get()
    base = live_server.url

    context, page = _new_page(browser, TABLET)
    sign_in(page, base, "nina")
    page.wait_for_url(f"{base}/")
    _fits(page, TABLET["width"])
    alerts = page.locator("#alerts")
    assert "Lovelace, Ada" in alerts.inner_text()
    assert "Several days" in alerts.inner_text()
    alerts.get_by_role("link", name="Follow up and acknowledge").click()
    page.wait_for_url(f"**/alerts/{alert.code}/")
    _fits(page, TABLET["width"])
    page.set_viewport_size(PHONE)
    _fits(page, PHONE["width"])
    page.get_by_role("button", name="Acknowledge the alert").click()  # nothing typed yet
    page.get_by_text("This field is required").wait_for()
    assert not AlertAcknowledgement.objects.exists()
    page.get_by_label("What was done").fill(
        "Called Ada at 14:10: safe at home, not planning to act. Crisis line given; "
        "Dr Rivera sees her today."
    )
    page.get_by_role("button", name="Acknowledge the alert").click()
    page.wait_for_url(f"{base}/")
    page.get_by_text("Alert acknowledged for Ada Lovelace").wait_for()
    assert "No safety alert is waiting" in page.locator("#alerts").inner_text()
    _fits(page, PHONE["width"])
    context.close()

    ack = AlertAcknowledgement.objects.get(alert=alert)
    assert ack.acknowledged_by == nina
    assert ack.action_taken.startswith("Called Ada at 14:10")
    event = AuditEvent.objects.get(action=Action.CREATE, object_code=str(ack.code))
    assert (event.actor_username, event.patient_code) == ("nina", str(ada.code))
    assert event.changes["action_taken"] == ack.action_taken
