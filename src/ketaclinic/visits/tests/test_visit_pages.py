"""Follow-up visit pages, API and worklist: what a physician, a nurse and the front desk see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import PASSWORD, login, token_client
from ketaclinic.plans import services as plans
from ketaclinic.plans.models import PlanVersion
from ketaclinic.visits.models import FollowUpVisit
from ketaclinic.visits.services import sign_visit
from ketaclinic.visits.tests.helpers import days_ago, given, visit_input


def _form(version: PlanVersion, **changes: Any) -> dict[str, Any]:
    data = {
        "follows": str(version.code),
        "visit_date": days_ago(0).isoformat(),
        "decision": "continue",
        "decision_reason": "Pain halved",
        "physical_therapy": "on",
        "physical_therapy_note": "Twice a week",
        "password": PASSWORD,
    }
    return {**data, **changes}


def _section(html: str, section: str) -> str:
    start = html.index(f'id="{section}"')
    return html[start : html.find("</section>", start)]


def test_a_physician_signs_a_visit_from_the_chart_and_reads_it_back(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10, 3, nausea_on=1)
    client = login(Client(), rivera)
    chart = client.get(reverse("patients:chart", args=[ada.code])).content.decode()
    url = reverse("visits:new", args=[ada.code])
    assert url in chart
    page = client.get(url).content.decode()
    assert "Average pain 4.0 of 10" in page
    assert "50.0 % lower than before treatment" in page
    assert "Nausea, mild" in page
    version = plans.in_progress_version(ada)
    assert version is not None
    response = client.post(url, _form(version))
    visit = FollowUpVisit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:detail", args=[ada.code, visit.code])
    assert visit.care["physical_therapy"] == {"yes": True, "note": "Twice a week"}
    assert visit.response["diary"]["week_average"] == 4.0
    detail = login(Client(), nina).get(response["Location"]).content.decode()
    assert "Continue the plan as it is" in detail
    assert "Twice a week" in detail
    assert "Nausea, mild" in detail
    assert "Correct this visit" not in detail
    chart = client.get(reverse("patients:chart", args=[ada.code])).content.decode()
    assert response["Location"] in chart


def test_a_nurse_reads_visits_but_does_not_sign_them(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    client = login(Client(), nina)
    assert client.get(reverse("visits:new", args=[ada.code])).status_code == 403
    chart = client.get(reverse("patients:chart", args=[ada.code])).content.decode()
    assert reverse("visits:new", args=[ada.code]) not in chart


def test_the_page_refuses_a_dose_beyond_the_hard_limit_on_its_field(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    version = plans.in_progress_version(ada)
    assert version is not None
    client = login(Client(), rivera)
    url = reverse("visits:new", args=[ada.code])
    page = client.post(url, _form(version, decision="change", new_dose="5"))
    assert page.status_code == 400
    html = page.content.decode()
    assert 'id="id_new_dose_error"' in html
    assert "hard limit" in html
    assert not FollowUpVisit.objects.exists()
    assert PlanVersion.objects.count() == 1
    wrong = client.post(url, _form(version, password="guess"))
    assert wrong.status_code == 400
    assert "is not your password" in wrong.content.decode()
    assert not FollowUpVisit.objects.exists()


def test_the_api_lists_creates_and_reads_visits(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    version = plans.in_progress_version(ada)
    assert version is not None
    api = token_client(rivera)
    url = reverse("api:patient-visits", args=[ada.code])
    body = {
        "plan_version": str(version.code),
        "visit_date": days_ago(0).isoformat(),
        "decision": "change",
        "decision_reason": "Partial response",
        "dose": 5,
        "care": {"psychology": {"yes": True, "note": "CBT for pain"}},
        "password": PASSWORD,
    }
    refused = api.post(url, body, format="json")
    assert refused.status_code == 400
    assert "dose" in refused.json()
    assert not FollowUpVisit.objects.exists()
    assert PlanVersion.objects.count() == 1
    made = api.post(url, {**body, "dose": 0.25}, format="json")
    assert made.status_code == 201, made.json()
    stored = FollowUpVisit.objects.get()
    assert stored.plan_version_after is not None
    assert stored.plan_version_after.dose == 0.25
    assert stored.care["psychology"] == {"yes": True, "note": "CBT for pain"}
    listed = token_client(nina).get(url).json()
    assert [v["code"] for v in listed] == [str(stored.code)]
    one = api.get(reverse("api:patient-visit", args=[ada.code, stored.code])).json()
    assert one["plan_version_after"] == str(stored.plan_version_after.code)
    assert one["response"]["sessions"]["opened"] == 1
    assert token_client(nina).post(url, body, format="json").status_code == 403


def test_a_visit_due_appears_on_the_worklist_and_goes_when_done(ada, rivera, nina, desmond) -> None:
    given(ada, rivera, nina, 8)  # the policy's visit after the first infusion: 7 days
    html = login(Client(), rivera).get(reverse("home")).content.decode()
    section = _section(html, "visits")
    assert "Lovelace" in section
    assert "after the first infusion" in section
    assert f"Follow-up visit due {days_ago(1).isoformat()}" in section
    desk = _section(login(Client(), desmond).get(reverse("home")).content.decode(), "visits")
    assert "Lovelace" in desk
    assert f"Follow-up visit due {days_ago(1).isoformat()}" in desk
    assert "after the first infusion" not in desk
    assert 'id="visits"' not in login(Client(), nina).get(reverse("home")).content.decode()
    version = plans.in_progress_version(ada)
    assert version is not None
    login(Client(), rivera).post(reverse("visits:new", args=[ada.code]), _form(version))
    assert FollowUpVisit.objects.count() == 1
    html = login(Client(), rivera).get(reverse("home")).content.decode()
    assert "Lovelace" not in _section(html, "visits")
    assert "No follow-up visit is due." in _section(html, "visits")


def test_a_visit_since_the_last_infusion_covers_every_milestone(ada, rivera, nina) -> None:
    from ketaclinic.visits import owed
    from ketaclinic.visits.models import VisitOwed
    from ketaclinic.visits.tests.helpers import visit_row

    given(ada, rivera, nina, 22, 20, 18, 16)  # the plan's four: the series ended 16 days ago
    version = plans.in_progress_version(ada)
    assert version is not None
    visit_row(ada, version, rivera, days_ago(19))  # covers the first infusion's milestone
    owed.for_patient(ada)  # as the visit's signature does (the row was written directly)
    html = login(Client(), rivera).get(reverse("home")).content.decode()
    # Still owed: the end of the series (16 days ago) + 14 days.
    assert f"Follow-up visit due {days_ago(2).isoformat()}" in _section(html, "visits")
    visit_row(ada, version, rivera, days_ago(16))  # the day of the last infusion
    owed.for_patient(ada)
    assert not VisitOwed.objects.filter(patient=ada).exists()
    html = login(Client(), rivera).get(reverse("home")).content.decode()
    assert "No follow-up visit is due." in _section(html, "visits")


def test_days_passing_bring_a_visit_due_through_the_daily_run(ada, rivera, nina, settings) -> None:
    from ketaclinic.lib import clock
    from ketaclinic.visits import owed, tasks
    from ketaclinic.visits.models import VisitOwed
    from ketaclinic.visits.tests.helpers import visit_row

    given(ada, rivera, nina, 10, 8)  # two of the plan's four: the series goes on
    version = plans.in_progress_version(ada)
    assert version is not None
    visit_row(ada, version, rivera, days_ago(9))  # the visit after the first infusion
    owed.for_patient(ada)
    assert not VisitOwed.objects.filter(patient=ada).exists()
    settings.TASKS = {  # the worker's part: each queued batch runs at once
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
    }
    home = reverse("home")
    with clock.replaying(clock.now() + dt.timedelta(days=30)):
        # No infusion since: the series ended by the gap, which no write tells anyone.
        assert tasks.refresh_owed_daily.call() == 1
        page = login(Client(), rivera).get(home).content.decode()
    row = VisitOwed.objects.get(patient=ada)
    assert (row.after, row.anchor) == ("series_end", days_ago(8))
    assert "after the end of series 1" in _section(page, "visits")


def test_correcting_a_dose_change_keeps_its_plan_version(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    version = plans.in_progress_version(ada)
    assert version is not None
    choices = plans.PlanChoices("four-hour", dose=0.25, duration_min=version.duration_min)
    first = sign_visit(
        rivera, ada, visit_input("change", choices=choices), follows=version, password=PASSWORD
    )
    client = login(Client(), rivera)
    url = reverse("visits:correct", args=[ada.code, first.code])
    page = client.get(url).content.decode()
    assert "New dose" not in page
    assert "What does this correction change" in page
    fixed = _form(version, decision_reason="Partial response; nausea", reason="Reason incomplete")
    response = client.post(url, fixed)
    assert response.status_code == 302
    second = FollowUpVisit.objects.get(revises=first)
    assert second.decision == "change"
    assert second.plan_version_after_id == first.plan_version_after_id
    assert second.decision_reason == "Partial response; nausea"
    assert PlanVersion.objects.count() == 2
    old = client.get(reverse("visits:detail", args=[ada.code, first.code])).content.decode()
    assert "This version was corrected" in old
