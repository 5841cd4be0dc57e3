"""The follow-up policy edited through labelled fields; its rules named on the fields."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import login, submit
from ketaclinic.policies.models import PolicyKind, PolicyVersion
from ketaclinic.policies.tests.helpers import shown_errors
from ketacore.outcomes import default_follow_up_document

pytestmark = pytest.mark.django_db
URL = reverse("policies:edit", args=(PolicyKind.FOLLOW_UP,))
#: The shipped time points' places on the form.
POINT = {
    t["id"]: f"t{i}"
    for i, t in enumerate(default_follow_up_document()["questionnaires"]["timepoints"])
}
GROUPS = ["questionnaires", "visits", "response", "relief", "booster", *POINT.values()]


def test_it_edits_the_questionnaire_times_and_lists_each_change(rivera) -> None:
    client = login(Client(), rivera)
    page = client.get(URL).content.decode()
    assert "Reminder emails, days after it opens" in page
    assert "Questionnaire time: Monthly" in page
    assert 'value="2, 5"' in page
    monthly = POINT["monthly"]
    response = submit(
        client,
        URL,
        {
            "version": "2026.2",
            "change_note": "Reminders later, monthly questionnaires for six months",
            "questionnaires__open_days": "10",
            "questionnaires__reminder_days": "3, 8",
            "questionnaires__reason": "Patients asked for more time",
            f"{monthly}__repeat": "5",
            f"{monthly}__instruments": ["phq9", "bpi-sf", "pgic"],
            f"{monthly}__reason": "GAD-7 at baseline and series end is enough",
        },
    )
    assert response.status_code == 302
    draft = PolicyVersion.objects.get(kind=PolicyKind.FOLLOW_UP, version="2026.2")
    q = draft.document["questionnaires"]
    assert (q["open_days"], q["reminder_days"]) == (10, [3, 8])
    point = q["timepoints"][3]
    assert (point["id"], point["repeat"], point["every_days"]) == ("monthly", 5, 30)
    assert point["instruments"] == ["phq9", "bpi-sf", "pgic"]
    assert q["timepoints"][0] == default_follow_up_document()["questionnaires"]["timepoints"][0]
    assert draft.document["response"] == default_follow_up_document()["response"]
    reasons = {c["reason"] for c in draft.changes}
    assert reasons == {"Patients asked for more time", "GAD-7 at baseline and series end is enough"}


def test_an_unchanged_form_changes_nothing(rivera) -> None:
    client = login(Client(), rivera)
    response = submit(client, URL, {"version": "2026.2", "change_note": "Same"})
    assert response.status_code == 302
    draft = PolicyVersion.objects.get(kind=PolicyKind.FOLLOW_UP, version="2026.2")
    expected = default_follow_up_document() | {"version": "2026.2"}
    assert {k: v for k, v in draft.document.items() if k != "approved_by"} == expected
    assert draft.changes == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"questionnaires__reminder_days": "2, 9"},
            "Reminder emails, days after it opens: must be a whole number from 1 to 7",
        ),
        (
            {"questionnaires__reminder_days": "two"},
            "Reminder emails, days after it opens: enter whole numbers of days separated by "
            "commas, e.g. 2, 5",
        ),
        (
            {"response__moderate_percent": "60"},
            "Moderate reduction (%): must lie above the minimal and below the substantial "
            "reduction",
        ),
        ({f"{POINT['baseline']}__instruments": []}, "Questionnaires asked: enter a value"),
    ],
)
def test_a_bad_value_is_refused_on_its_field_and_nothing_is_stored(
    rivera, changes: dict[str, object], message: str
) -> None:
    client = login(Client(), rivera)
    reasons = {f"{g}__reason": "Review" for g in GROUPS}
    page = submit(client, URL, {"version": "2026.2", "change_note": "x"} | reasons | changes)
    assert page.status_code == 400
    errors = shown_errors(page.content.decode())
    assert message in errors
    assert not [e for e in errors if "_" in e or "[" in e]  # no document keys on the page
    assert not PolicyVersion.objects.filter(kind=PolicyKind.FOLLOW_UP).exists()
