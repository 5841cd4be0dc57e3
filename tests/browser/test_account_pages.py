"""On a phone-sized screen (390 px), a nurse stops an API token and changes her password."""

from __future__ import annotations

import re

import pytest

from ketaclinic.accounts.roles import Role
from ketaclinic.conftest import PASSWORD, make_user
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW = "a new and quite long passphrase"


def test_nurse_stops_a_token_and_changes_her_password(live_server, browser) -> None:
    from ketaclinic.accounts.models import ApiToken, Clinic, RevokeReason
    from ketaclinic.accounts.services import issue_api_token

    nina = make_user(Clinic.objects.create(name="Desert Sky"), "nina", Role.NURSE)
    token, _ = issue_api_token(nina, name="lab integration")
    issue_api_token(nina, name="spreadsheet")

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server.url, "nina")
    page.wait_for_url(f"{live_server.url}/")  # her worklist
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url("**/accounts/tokens/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    lab = page.locator("ul.tokens li", has_text="lab integration")
    lab.get_by_role("button", name="Stop this token").click()
    page.wait_for_url("**/accounts/tokens/")
    assert "no longer works" in page.locator(".messages").inner_text()
    assert page.locator("ul.tokens li").count() == 1
    token.refresh_from_db()
    assert token.revoked_reason == RevokeReason.BY_USER

    page.get_by_role("link", name="Password").click()
    page.wait_for_url("**/accounts/password/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label(re.compile(r"^New password(?! again)")).fill(NEW)
    page.get_by_label("New password again").fill(NEW)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "Your password has been changed" in page.locator(".messages").inner_text()
    nina.refresh_from_db()
    assert nina.check_password(NEW)
    assert not ApiToken.objects.active().filter(user=nina).exists()
    context.close()
