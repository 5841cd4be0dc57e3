"""Clinic policies: draft, approve with a signature, in force; edited through labelled fields."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import PASSWORD, form_values, login, submit
from ketaclinic.policies import services
from ketaclinic.policies.models import PolicyApproval, PolicyKind, PolicyVersion
from ketaclinic.screening import services as screening
from ketaclinic.screening.models import ScreeningDecision
from ketaclinic.screening.tests.helpers import complete_intake

ELIGIBILITY = PolicyKind.ELIGIBILITY


def _document(clinic: Any, **changes: object) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json.dumps(services.in_force(clinic, ELIGIBILITY).document))
    doc.update(changes)
    return doc


def _bp_rule(doc: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in doc["rules"] if r["id"] == "safety.bp_reading_severe")


def _edit_url() -> str:
    return reverse("policies:edit", args=(ELIGIBILITY,))


def _bp_index(form: dict[str, Any]) -> int:
    """The edit form's group number of the blood-pressure rule."""
    doc = _document(_clinic())
    return next(i for i, r in enumerate(doc["rules"]) if r["id"] == "safety.bp_reading_severe")


def _clinic() -> Any:
    from ketaclinic.accounts.models import Clinic

    return Clinic.objects.get(name="Desert Sky")


def test_a_page_view_stores_nothing_and_flags_the_unreviewed_default(rivera, nina) -> None:
    page = login(Client(), nina).get(reverse("policies:detail", args=(ELIGIBILITY,)))
    assert "clinic default, not yet reviewed by a physician" in page.content.decode()
    assert not PolicyVersion.objects.exists(), "a page view stored the default"


def test_a_draft_is_not_in_force_an_approved_one_is_and_a_decision_keeps_its_version(
    ada, rivera, nina
) -> None:
    screening_row = screening.record_clinician_facts(
        nina,
        complete_intake(ada),
        {"bp_readings": [{"systolic_mmhg": 150, "diastolic_mmhg": 85}]},
    )
    first = screening.sign_decision(
        rivera, screening_row, decision="candidate", note="", password=PASSWORD
    )
    default = PolicyVersion.objects.get()  # stored because a decision needed it
    assert default.is_shipped_default
    assert first.rule_set == default

    doc = _document(ada.clinic, version="2026.3")
    _bp_rule(doc)["params"]["systolic_above_mmhg"] = 140
    draft = services.draft(rivera, ELIGIBILITY, doc, change_note="Stricter systolic limit")
    assert services.in_force(ada.clinic, ELIGIBILITY) == default, "a draft went into force"
    before = screening.evaluate_screening(screening_row).result
    assert before is not None
    assert before.decision == "candidate"

    services.approve(rivera, draft, password=PASSWORD)
    assert services.in_force(ada.clinic, ELIGIBILITY) == draft
    evaluation = screening.evaluate_screening(screening_row)
    assert evaluation.rule_set == draft
    assert evaluation.result is not None
    assert evaluation.result.decision == "not_a_candidate"
    assert (evaluation.result.rule_set_approved_by or "").startswith("rivera")
    first.refresh_from_db()
    assert (first.rule_set, first.rule_set_version) == (default, default.version)
    assert ScreeningDecision.objects.count() == 1


def test_a_threshold_edited_in_the_form_is_stored_as_a_draft_with_its_reason(rivera) -> None:
    client = login(Client(), rivera)
    page = client.get(_edit_url())
    assert "Systolic limit (mmHg)" in page.content.decode()
    assert "Allowed: 60 to 300 mmHg." in page.content.decode()
    i = _bp_index({})
    response = submit(
        client,
        _edit_url(),
        {
            "version": "2026.3",
            "change_note": "Clinic review of blood-pressure limits",
            f"r{i}__systolic_above_mmhg": "170",
            f"r{i}__reason": "Cardiology asked for a lower ceiling",
        },
    )
    assert response.status_code == 302
    version = PolicyVersion.objects.get(version="2026.3")
    assert _bp_rule(version.document)["params"]["systolic_above_mmhg"] == 170
    assert version.changes == [
        {
            "path": f"r{i}__reason",
            "label": "safety.bp_reading_severe: params",
            "from": {"systolic_above_mmhg": 180, "diastolic_above_mmhg": 110},
            "to": {"systolic_above_mmhg": 170, "diastolic_above_mmhg": 110},
            "reason": "Cardiology asked for a lower ceiling",
        }
    ]
    assert version.approval_record is None
    shown = client.get(reverse("policies:version", args=[ELIGIBILITY, version.code]))
    text = shown.content.decode()
    assert "systolic above 170 mmHg" in text
    assert "Cardiology asked for a lower ceiling" in text
    event = AuditEvent.objects.get(action=Action.CREATE, object_code=str(version.code))
    assert event.changes["changes"][0]["reason"] == "Cardiology asked for a lower ceiling"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"r{i}__systolic_above_mmhg": "999"}, "Ensure this value is less than or equal to 300."),
        ({"r{i}__systolic_above_mmhg": "170"}, "give the reason for this change"),
        ({"r{i}__source": ""}, "This field is required."),
        ({"version": "2026.3-draft"}, "is already used"),
        ({"change_note": ""}, "This field is required."),
    ],
)
def test_a_bad_edit_is_refused_by_its_field_and_nothing_is_stored(rivera, changes, message) -> None:
    client = login(Client(), rivera)
    i = _bp_index({})
    data = {"version": "2026.3", "change_note": "x", f"r{i}__reason": ""}
    data |= {k.format(i=i): v for k, v in changes.items()}
    if "version" in changes:  # make the version already used: store the default first
        services.store_in_force(rivera, rivera.clinic, ELIGIBILITY)
    before = PolicyVersion.objects.count()
    page = submit(client, _edit_url(), data)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert PolicyVersion.objects.count() == before


def test_approval_needs_the_physicians_password_and_only_a_physician(rivera, nina) -> None:
    draft = services.draft(
        rivera, ELIGIBILITY, _document(rivera.clinic, version="2026.3"), change_note="Review"
    )
    url = reverse("policies:approve", args=[ELIGIBILITY, draft.code])
    wrong = login(Client(), rivera).post(url, {"password": "not it"})
    assert "is not your password" in wrong.content.decode()
    assert not PolicyApproval.objects.exists()
    assert AuditEvent.objects.filter(action=Action.SIGN_FAILED).count() == 1
    assert login(Client(), nina).post(url, {"password": PASSWORD}).status_code == 403
    done = login(Client(), rivera).post(url, {"password": PASSWORD})
    assert done.status_code == 302
    approval = PolicyApproval.objects.get()
    assert (approval.version, approval.meaning, approval.signed_by) == (draft, "approved", rivera)
    assert services.in_force(rivera.clinic, ELIGIBILITY) == draft
    detail = login(Client(), nina).get(reverse("policies:detail", args=(ELIGIBILITY,)))
    assert "not yet reviewed" not in detail.content.decode()


def test_the_unreviewed_default_is_flagged_where_it_is_used(ada, rivera) -> None:
    complete_intake(ada)
    page = login(Client(), rivera).get(reverse("screening:summary", args=[ada.code]))
    assert "clinic default, not yet reviewed by a physician" in page.content.decode()
    default = services.in_force(ada.clinic, ELIGIBILITY)
    services.approve(rivera, default, password=PASSWORD)
    page = login(Client(), rivera).get(reverse("screening:summary", args=[ada.code]))
    assert "not yet reviewed" not in page.content.decode()
    assert "approved by rivera" in page.content.decode()


def test_an_imported_file_is_checked_by_the_same_rules(rivera) -> None:
    client = login(Client(), rivera)
    url = reverse("policies:import", args=(ELIGIBILITY,))
    doc = _document(rivera.clinic, version="2026.4")
    _bp_rule(doc)["params"]["systolic_above_mmhg"] = 9999
    page = submit(client, url, {"document": json.dumps(doc), "change_note": "From our file"})
    assert "params.systolic_above_mmhg: must be an integer from 60 to 300" in page.content.decode()
    assert not PolicyVersion.objects.filter(version="2026.4").exists()
    _bp_rule(doc)["params"]["systolic_above_mmhg"] = 175
    doc["approved_by"] = "Someone, typed in"
    done = submit(client, url, {"document": json.dumps(doc), "change_note": "From our file"})
    assert done.status_code == 302
    stored = PolicyVersion.objects.get(version="2026.4")
    assert stored.document["approved_by"] is None  # approval is a signature, not a field
    assert stored.approval_record is None


def test_the_first_api_publishes_and_approves_all_or_nothing(rivera) -> None:
    client = login(APIClient(), rivera)
    url = reverse("api:rule-sets")
    doc = _document(rivera.clinic, version="2026.5")
    refused = client.post(
        url, {"document": doc, "change_note": "x", "approve": True}, format="json"
    )
    assert refused.status_code == 400
    assert "password" in refused.json()
    wrong = client.post(
        url,
        {"document": doc, "change_note": "x", "approve": True, "password": "nope"},
        format="json",
    )
    assert wrong.status_code == 400
    assert not PolicyVersion.objects.filter(version="2026.5").exists()
    done = client.post(
        url,
        {"document": doc, "change_note": "x", "approve": True, "password": PASSWORD},
        format="json",
    )
    assert done.status_code == 201
    assert done.json()["approved_by"].startswith("rivera")
    listing = client.get(url).json()
    assert listing[0]["version"] == "2026.5"
    assert "document" in listing[0]


def test_a_draft_through_the_api_names_a_bad_field(rivera) -> None:
    client = login(APIClient(), rivera)
    doc = _document(rivera.clinic, version="2026.6")
    _bp_rule(doc)["params"]["diastolic_above_mmhg"] = "110"
    response = client.post(
        reverse("api:policy", args=(ELIGIBILITY,)),
        {"document": doc, "change_note": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "params.diastolic_above_mmhg: must be an integer" in response.json()["document"][0]


def test_drafting_needs_a_change_note(rivera) -> None:
    with pytest.raises(ValidationError, match="change_note"):
        services.draft(rivera, ELIGIBILITY, _document(rivera.clinic, version="9"), change_note="")


def test_the_version_page_of_the_unstored_default_can_be_opened(nina) -> None:
    default = services.in_force(nina.clinic, ELIGIBILITY)
    page = login(Client(), nina).get(reverse("policies:version", args=[ELIGIBILITY, default.code]))
    assert page.status_code == 200
    exported = login(Client(), nina).get(
        reverse("policies:export", args=[ELIGIBILITY, default.code])
    )
    assert json.loads(exported.content)["id"] == "ketaclinic-default"


def test_the_edit_form_starts_from_the_version_in_force(rivera) -> None:
    values = form_values(login(Client(), rivera).get(_edit_url()).content.decode())
    i = _bp_index({})
    assert values[f"r{i}__systolic_above_mmhg"] == "180"
    assert values[f"r{i}__severity"] == "exclude"
