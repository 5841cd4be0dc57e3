"""Issue 13 §3 in a real browser: a treated patient fills in today's diary on a phone;
the physician's progress page then shows the updated trend and responder status."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.helpers import crps_clinic, sign_in
from tests.browser.test_diary import PHONE, TABLET, _answer, _fits, _new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patients_diary_updates_the_physicians_progress_page(live_server, browser) -> None:
    from ketaclinic.outcomes.services import clinic_today
    from ketaclinic.outcomes.tests.helpers import diary_on, signed_infusions

    physician, nurse, patient = crps_clinic()
    today = clinic_today()

    def ago(n: int) -> dt.date:
        return today - dt.timedelta(days=n)

    # A series 40 to 36 days ago and a booster 12 days ago; pain 8 before treatment, 4
    # after the booster. Only 2 diary days in the last 7 (6 and 5 days ago): too few.
    signed_infusions(patient, physician, nurse, [ago(40), ago(38), ago(36), ago(12)])
    pains = {ago(n): 8 for n in range(41, 48)}
    pains |= {ago(n): 3 for n in range(17, 37)} | {ago(n): 7 for n in range(13, 17)}
    pains |= {ago(n): 4 for n in range(5, 13)}
    diary_on(patient, pains)
    base = live_server.url
    progress = f"{base}/patients/{patient.code}/progress/"

    doctor, doctor_page = _new_page(browser, TABLET)
    sign_in(doctor_page, base, "rivera")
    doctor_page.wait_for_url(f"{base}/")
    doctor_page.goto(f"{base}/patients/{patient.code}/")
    doctor_page.get_by_role("link", name="Progress", exact=True).click()
    doctor_page.wait_for_url(progress)
    _fits(doctor_page, TABLET["width"])
    status = doctor_page.locator("section[aria-labelledby=status-h]")
    assert "too few recent days" in status.inner_text()

    phone, page = _new_page(browser, PHONE)
    sign_in(page, base, "ada", two_factor=False)
    page.wait_for_url(f"{base}/portal/")
    page.get_by_role("link", name="Fill in today's diary").click()
    page.wait_for_url(f"{base}/portal/diary/")
    _fits(page, PHONE["width"])
    _answer(page, 4, 3, 2)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{base}/portal/progress/")
    _fits(page, PHONE["width"])
    assert "down from 8 before treatment" in page.locator(".progress-words").inner_text()
    phone.close()

    doctor_page.reload()
    _fits(doctor_page, TABLET["width"])
    text = status.inner_text()
    # 8 before, 4 on the 3 diary days of the last 7: 50 %, 4 points
    assert "Substantial reduction: 50 % (4.0 points) below the baseline" in text
    assert "4.0 (3 diary days" in text
    # The chart comes as an image beside the page: drawn, loaded and shown.
    doctor_page.wait_for_function(
        "() => [...document.querySelectorAll('.chart img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert doctor_page.locator("section[aria-labelledby=pain-h] .chart img").count() == 1
    assert "Booster due" in doctor_page.locator("section[aria-labelledby=booster-h]").inner_text()
    doctor_page.set_viewport_size(PHONE)
    doctor_page.reload()
    _fits(doctor_page, PHONE["width"])
    doctor.close()
