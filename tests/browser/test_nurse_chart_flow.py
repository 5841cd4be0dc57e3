"""A nurse signs in with two-factor, finds a patient, opens the chart, and the
clinic admin then finds the record of that view in the audit trail."""

from __future__ import annotations

import pytest

from ketaclinic.accounts.roles import Role
from ketaclinic.conftest import make_patient, make_user
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_nurse_finds_a_patient_and_the_view_is_audited(live_server, browser) -> None:
    from ketaclinic.accounts.models import Clinic

    clinic = Clinic.objects.create(name="Desert Sky")
    make_user(clinic, "nina", Role.NURSE)
    make_user(clinic, "alice", Role.ADMIN)
    patient = make_patient(clinic)
    make_patient(clinic, given_name="Ben", family_name="Okafor")

    nurse = browser.new_context()
    page = nurse.new_page()
    sign_in(page, live_server.url, "nina")
    page.wait_for_url(f"{live_server.url}/")  # her worklist
    page.get_by_role("link", name="Find a patient").click()
    page.wait_for_url("**/patients/")
    page.get_by_label("Find a patient").fill("lovel")
    page.get_by_role("link", name="Lovelace, Ada").click()  # results arrive by HTMX
    page.wait_for_url(f"**/patients/{patient.code}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Lovelace, Ada")
    assert "lovel" not in page.url  # the search text stays out of URLs
    nurse.close()

    admin = browser.new_context()
    page = admin.new_page()
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/audit/?patient={patient.code}&action=view")
    row = page.locator("table.audit tbody tr").first
    assert "nina" in row.inner_text()
    assert "Viewed chart" in row.inner_text()
    admin.close()
