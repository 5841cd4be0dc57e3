"""Issue 13 §2 in a real browser: a physician on a tablet signs a follow-up visit that
changes the dose. A dose past the protocol's hard limit is refused on its field and nothing
is stored; the allowed dose is signed, read back as a visit and a new plan version."""

from __future__ import annotations

import pytest

from ketaclinic.conftest import PASSWORD
from tests.browser.helpers import crps_clinic, sign_in
from tests.browser.test_diary import PHONE, TABLET, _fits, _new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_physician_signs_a_visit_that_changes_the_dose(live_server, browser) -> None:
    from ketaclinic.plans import services as plans
    from ketaclinic.visits.models import FollowUpVisit
    from ketaclinic.visits.tests.helpers import given

    physician, nurse, patient = crps_clinic()
    given(patient, physician, nurse, 10, 3, nausea_on=2)
    before = plans.in_progress_version(patient)
    assert before is not None
    base = live_server.url

    context, page = _new_page(browser, TABLET)
    sign_in(page, base, "rivera")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/patients/{patient.code}/")
    page.get_by_role("link", name="New follow-up visit").click()
    page.wait_for_url(f"{base}/patients/{patient.code}/visits/new/")
    _fits(page, TABLET["width"])
    # The response and the side effects come from the data, not typed in.
    assert "nausea" in page.content().lower()

    def fill(dose: str) -> None:
        page.get_by_label("Change the dose or the infusion time").check()
        page.get_by_label("New dose").fill(dose)
        page.get_by_label("Why").fill("Partial response; room to raise the dose")
        page.get_by_label("Physical therapy", exact=True).check()
        page.get_by_label("Physical therapy: note").fill("Twice a week")
        page.get_by_label("Your password (to sign)").fill(PASSWORD)
        page.get_by_role("button", name="Sign the visit").click()

    fill("5")  # far past the four-hour protocol's hard limit
    page.wait_for_load_state()
    error = page.locator("#id_new_dose_error")
    assert "hard limit" in error.inner_text()
    assert not FollowUpVisit.objects.filter(patient=patient).exists()
    assert plans.in_progress_version(patient) == before
    _fits(page, TABLET["width"])

    fill("0.25")
    page.wait_for_url(f"{base}/patients/{patient.code}/visits/*/")
    assert "signed" in page.locator(".messages").inner_text()
    visit = FollowUpVisit.objects.get(patient=patient)
    assert visit.decision == "change"
    assert visit.care["physical_therapy"] == {"yes": True, "note": "Twice a week"}
    after = plans.in_progress_version(patient)
    assert after is not None
    assert (after.number, after.dose) == (before.number + 1, 0.25)
    assert visit.plan_version_after == after
    page.set_viewport_size(PHONE)
    page.reload()
    _fits(page, PHONE["width"])
    context.close()
