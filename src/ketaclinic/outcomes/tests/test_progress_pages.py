"""The care team's progress page, the booster mark, the chart's line, the front desk's list
and the progress report (PDF), on the hand-worked history of helpers.treated."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from xml.etree import ElementTree

import pypdfium2 as pdfium
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import at_once, login
from ketaclinic.outcomes import services, summary
from ketaclinic.outcomes.tests.helpers import diary_on, treated
from ketaclinic.questionnaires.models import EnteredVia
from ketaclinic.questionnaires.services import record_answers
from ketaclinic.scheduling.models import BoosterDue, BoosterStatus
from ketacore.scoring.phq9 import ITEMS as PHQ9

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return services.clinic_today()


def _words(day: dt.date) -> str:
    return f"{day.day} {day:%b} {day.year}"


@pytest.fixture
def history(ada, rivera, nina):
    today = _today()
    treated(ada, rivera, nina, today)
    summary.refresh_patient(ada)  # what the worker does once those writes commit
    return today


def test_the_page_shows_status_relief_and_the_booster_estimate(
    ada, rivera, history, django_assert_max_num_queries
) -> None:
    client = login(Client(), rivera)
    url = reverse("outcomes:patient_progress", args=[ada.code])
    with django_assert_max_num_queries(30):
        page = client.get(url).content.decode()
    today = history
    # 8 before treatment (the 7 days before the first infusion), 4 in the last 7 days
    assert "Substantial reduction</strong>: 50 % (4.0 points) below the baseline" in page
    assert "meeting the 2-point change" in page
    assert "Baseline 8.0 (mean of 7 diary days" in page
    # relief after the series: from its last infusion 36 days ago, back 16 days ago
    assert f"20 days (ended {_words(today - dt.timedelta(days=16))})" in page
    # after the booster 12 days ago: still going today, at least 12 days
    assert "at least 12 days (censored: Relief still going on" in page
    # no diary between the first infusions: nothing seen, nothing guessed
    first = _words(today - dt.timedelta(days=40))
    assert f"No relief seen: no diary day from {first} to" in page
    assert f"Infusion {_words(today - dt.timedelta(days=12))} (booster)" in page
    # booster: median of 1 ended relief, 20 days after the booster, 3 days before that
    due = today - dt.timedelta(days=12) + dt.timedelta(days=20 - 3)
    assert f"Booster due <strong>{_words(due)}</strong>" in page
    assert "Median of 1 relief period: 20 days = 20 days." in page
    assert "Mark booster due" in page
    assert 'href="/references/#Dworkin2008"' in page or "Dworkin2008" in page
    viewed = AuditEvent.objects.filter(action=Action.VIEW, patient_code=str(ada.code))
    assert viewed.filter(summary__contains="progress").count() == 1


def test_the_queries_do_not_grow_with_the_diary(
    ada, rivera, history, django_assert_max_num_queries
) -> None:
    client = login(Client(), rivera)
    url = reverse("outcomes:patient_progress", args=[ada.code])
    client.get(url)  # the follow-up policy is loaded once per process
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_questionnaire_trends_by_date(ada, rivera, history) -> None:
    answers = {item.id: 1 for item in PHQ9} | {"q9_self_harm_thoughts": 0}
    record_answers(ada.portal_user, ada, "phq9", answers, via=EnteredVia.PORTAL)
    page = login(Client(), rivera).get(reverse("outcomes:patient_progress", args=[ada.code]))
    text = page.content.decode()
    assert "<td>PHQ-9</td><td>8</td>" in text
    assert "Questionnaire scores over time" in text


def test_the_charts_come_as_images_beside_the_page(ada, rivera, desmond, charlie, history) -> None:
    client = login(Client(), rivera)
    page = client.get(reverse("outcomes:patient_progress", args=[ada.code])).content.decode()
    pain = reverse("outcomes:progress_pain_chart", args=[ada.code])
    scores = reverse("outcomes:progress_scores_chart", args=[ada.code])
    assert f'src="{pain}" alt="Pain over time (the numbers are in the table)"' in page
    assert f'src="{scores}"' in page
    assert "<svg" not in page  # the page answers without waiting for any drawing
    got = client.get(pain)
    assert got["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert "default-src 'none'" in got["Content-Security-Policy"]
    root = ElementTree.fromstring(got.content)  # noqa: S314 (our own drawing)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "pain (0-10)" in "".join(root.itertext())
    viewed = AuditEvent.objects.filter(action=Action.VIEW, patient_code=str(ada.code))
    assert viewed.filter(summary__contains="progress chart (pain)").count() == 1
    # The browser's copy is still right: no drawing, no body.
    same = client.get(pain, HTTP_IF_NONE_MATCH=got["ETag"])
    assert (same.status_code, same.content) == (304, b"")
    diary_on(ada, {history: 1})  # today's pain changed: a new picture under a new tag
    changed = client.get(pain, HTTP_IF_NONE_MATCH=got["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != got["ETag"]
    trends = ElementTree.fromstring(client.get(scores).content)  # noqa: S314 (ours)
    assert "PHQ-9 (depression, 0–27)" in "".join(trends.itertext())
    assert login(Client(), desmond).get(pain).status_code == 403
    assert login(Client(), charlie).get(scores).status_code == 404


def test_marking_the_booster_puts_the_estimate_on_the_front_desks_list(
    ada, rivera, desmond, history
) -> None:
    due = history - dt.timedelta(days=12) + dt.timedelta(days=17)
    # The summary keeps the estimate the progress page shows, for the front desk's list.
    from ketaclinic.outcomes.models import BoosterEstimate

    assert BoosterEstimate.objects.get(patient=ada).due_on == due
    desk = login(Client(), desmond)
    home = desk.get(reverse("home")).content.decode()
    assert f"Booster estimate: due {due:%Y-%m-%d}" in home
    assert "%" not in home.split("Boosters to book")[1].split("</section>")[0]
    client = login(Client(), rivera)
    url = reverse("outcomes:mark_booster", args=[ada.code])
    page = client.post(url, follow=True).content.decode()
    assert f"Booster marked due on {due:%-d %B %Y}" in page
    marked = BoosterDue.objects.get(patient=ada)
    assert (marked.due_on, marked.status, marked.marked_by) == (due, BoosterStatus.DUE, rivera)
    assert AuditEvent.objects.filter(summary="Booster marked due", patient_code=str(ada.code))
    again = client.post(url, follow=True).content.decode()
    assert "Booster: a booster is already marked due for this patient" in again
    assert BoosterDue.objects.filter(patient=ada).count() == 1
    home = desk.get(reverse("home")).content.decode()
    assert f"Booster due {due:%Y-%m-%d}: From the booster estimate" in home
    assert "Booster estimate: due" not in home
    chart = client.get(reverse("patients:chart", args=[ada.code])).content.decode()
    assert f"Booster marked due {due:%Y-%m-%d}" in chart


def test_the_chart_shows_the_estimate_with_a_link(ada, nina, history) -> None:
    due = history + dt.timedelta(days=5)
    chart = login(Client(), nina).get(reverse("patients:chart", args=[ada.code])).content.decode()
    assert f"Booster estimate: due {due:%Y-%m-%d}" in chart
    assert reverse("outcomes:patient_progress", args=[ada.code]) in chart


def test_who_may_see_and_mark(ada, alice, desmond, nina, charlie, history) -> None:
    url = reverse("outcomes:patient_progress", args=[ada.code])
    assert login(Client(), desmond).get(url).status_code == 403
    assert login(Client(), alice).get(url).status_code == 403
    assert login(Client(), charlie).get(url).status_code == 404
    mark = reverse("outcomes:mark_booster", args=[ada.code])
    assert login(Client(), desmond).post(mark).status_code == 403
    assert login(Client(), nina).post(mark).status_code == 302
    assert BoosterDue.objects.filter(patient=ada).count() == 1


def test_no_estimate_no_mark(ada, rivera) -> None:
    page = login(Client(), rivera).get(reverse("outcomes:patient_progress", args=[ada.code]))
    assert "No infusion signed off yet" in page.content.decode()
    response = login(Client(), rivera).post(
        reverse("outcomes:mark_booster", args=[ada.code]), follow=True
    )
    assert "Booster: there is no booster estimate to mark" in response.content.decode()
    assert not BoosterDue.objects.exists()


def _pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(io.BytesIO(content))
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_the_progress_report_for_referrers_and_the_patient(ada, rivera, history) -> None:
    response = login(Client(), rivera).get(reverse("outcomes:progress_pdf", args=[ada.code]))
    assert response["Content-Type"] == "application/pdf"
    assert f"progress-report-{history:%Y-%m-%d}.pdf" in response["Content-Disposition"]
    text = " ".join(_pdf_text(response.content).split())
    assert "Progress report for the referring clinician" in text
    assert "Your average pain this week is 4, down from 8 before treatment" in text
    assert "Substantial reduction: average pain 50 % (4.0 points) lower" in text
    assert "20 days (ended" in text
    assert "at least 12 days" in text
    own = login(Client(), ada.portal_user).get(reverse("portal:progress_pdf"))
    own_text = " ".join(_pdf_text(own.content).split())
    assert "Your progress report" in own_text
    assert "50 %" in own_text
    parts = AuditEvent.objects.filter(action=Action.VIEW, patient_code=str(ada.code))
    assert parts.filter(summary__contains="progress report (PDF)").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_mark_one_booster(ada, rivera, nina, history) -> None:
    due = history + dt.timedelta(days=5)

    def mark(user: User) -> Callable[[], str]:
        def run() -> str:
            try:
                services.mark_estimated_booster(user, ada, due)
            except ValidationError as exc:
                return str(exc.message_dict["due_on"][0])
            return "marked"

        return run

    results = sorted(str(r) for r in at_once(mark(rivera), mark(nina)))
    assert results == ["due_on: a booster is already marked due for this patient", "marked"]
    assert BoosterDue.objects.filter(patient=ada, due_on=due).count() == 1
