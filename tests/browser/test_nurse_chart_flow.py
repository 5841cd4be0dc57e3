"""A nurse signs in with two-factor, finds a patient, opens the chart, and the
clinic admin then finds the record of that view in the audit trail."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.roles import Role
from ketaclinic.conftest import PASSWORD, make_patient, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(username: str) -> str:
    device = TOTPDevice.objects.get(user__username=username)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/two-factor/**")
    page.get_by_label("6-digit code from your authenticator app").fill(_code(username))
    page.get_by_role("button", name="Verify").click()


def test_nurse_finds_a_patient_and_the_view_is_audited(live_server, browser) -> None:
    from ketaclinic.accounts.models import Clinic

    clinic = Clinic.objects.create(name="Desert Sky")
    make_user(clinic, "nina", Role.NURSE)
    make_user(clinic, "alice", Role.ADMIN)
    patient = make_patient(clinic)
    make_patient(clinic, given_name="Ben", family_name="Okafor")

    nurse = browser.new_context()
    page = nurse.new_page()
    _sign_in(page, live_server.url, "nina")
    page.wait_for_url("**/patients/")
    page.get_by_label("Find a patient").fill("lovel")
    page.get_by_role("link", name="Lovelace, Ada").click()  # results arrive by HTMX
    page.wait_for_url(f"**/patients/{patient.code}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Lovelace, Ada")
    assert "lovel" not in page.url  # the search text stays out of URLs
    nurse.close()

    admin = browser.new_context()
    page = admin.new_page()
    _sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/audit/?patient={patient.code}&action=view")
    row = page.locator("table.audit tbody tr").first
    assert "nina" in row.inner_text()
    assert "Viewed chart" in row.inner_text()
    admin.close()
