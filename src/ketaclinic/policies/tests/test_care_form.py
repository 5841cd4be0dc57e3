"""The infusion care policy edited through labelled fields, approved, and used at the chair."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import PASSWORD, form_values, login, submit
from ketaclinic.infusions import services as infusions
from ketaclinic.infusions.services.state import care_of
from ketaclinic.infusions.tests.helpers import checked_in, open_session
from ketaclinic.policies import services
from ketaclinic.policies.models import PolicyApproval, PolicyKind, PolicyVersion
from ketaclinic.policies.tests.helpers import shown_errors
from ketacore.infusion.care import VitalSigns, default_care_document

pytestmark = pytest.mark.django_db
CARE = PolicyKind.INFUSION_CARE
URL = reverse("policies:edit", args=(CARE,))
#: The shipped alerts' places on the form (their order in the shipped document).
ALERT = {a["id"]: f"a{i}" for i, a in enumerate(default_care_document()["alerts"])}


def _alert(document: dict[str, Any], alert_id: str) -> dict[str, Any]:
    return next(a for a in document["alerts"] if a["id"] == alert_id)


def test_it_edits_an_alert_threshold_that_the_chair_uses_once_approved(ada, rivera, nina) -> None:
    client = login(Client(), rivera)
    page = client.get(URL).content.decode()
    assert "Systolic blood pressure: alert above (mmHg)" in page
    assert "Oxygen saturation (SpO2): alert below (%)" in page
    assert "Vital signs due every (minutes)" in page
    high = ALERT["systolic-high"]
    response = submit(
        client,
        URL,
        {
            "version": "2026.2",
            "change_note": "Stricter blood-pressure alert",
            f"{high}__threshold": "170",
            f"{high}__message": "Systolic blood pressure above 170 mmHg",
            f"{high}__reason": "Cardiology asked for an earlier alert",
        },
    )
    assert response.status_code == 302
    draft = PolicyVersion.objects.get(kind=CARE, version="2026.2")
    assert _alert(draft.document, "systolic-high")["above"] == 170
    assert draft.document["vitals"]["interval_min"] == 15  # untouched values stay as they were
    assert draft.changes == [
        {
            "path": f"{high}__reason",
            "label": "Alert: Systolic blood pressure above 180 mmHg: "
            "Systolic blood pressure: alert above (mmHg)",
            "from": 180,
            "to": 170,
            "reason": "Cardiology asked for an earlier alert",
        },
        {
            "path": f"{high}__reason",
            "label": "Alert: Systolic blood pressure above 180 mmHg: Message shown at the chair",
            "from": "Systolic blood pressure above 180 mmHg",
            "to": "Systolic blood pressure above 170 mmHg",
            "reason": "Cardiology asked for an earlier alert",
        },
    ]
    assert services.in_force(rivera.clinic, CARE).version == "2026.1-draft"  # a draft only

    approve = reverse("policies:approve", args=(CARE, draft.code))
    assert client.post(approve, {"password": PASSWORD}).status_code == 302
    assert PolicyApproval.objects.get().version == draft

    session = open_session(ada, rivera, nina)
    assert session.care_policy == draft
    assert [a.above for a in care_of(session).alerts if a.id == "systolic-high"] == [170]
    checked_in(session, nina)
    _, alerts = infusions.record_vitals(
        nina, session, VitalSigns(systolic_mmhg=175, diastolic_mmhg=80, heart_rate_bpm=80)
    )
    assert [a.rule_id for a in alerts] == ["systolic-high"]  # 175 passed 180 before


def test_it_removes_an_alert_and_adds_one_from_the_allowed_measures(rivera) -> None:
    client = login(Client(), rivera)
    response = submit(
        client,
        URL,
        {
            "version": "2026.2",
            "change_note": "Alerts reviewed",
            f"{ALERT['diastolic-high']}__remove": "on",
            f"{ALERT['diastolic-high']}__reason": "No source for it",
            "new_alert__measure": "temperature_c",
            "new_alert__direction": "above",
            "new_alert__threshold": "38.5",
            "new_alert__source": "clinic decision (configurable)",
            "new_alert__reason": "Fever during an infusion",
        },
    )
    assert response.status_code == 302
    document = PolicyVersion.objects.get(kind=CARE, version="2026.2").document
    ids = [a["id"] for a in document["alerts"]]
    assert "diastolic-high" not in ids
    assert len(ids) == len(ALERT)
    assert document["alerts"][-1] == {
        "id": "temperature-high",
        "measure": "temperature_c",
        "above": 38.5,
        "message": "Temperature above 38.5 °C",
        "source": "clinic decision (configurable)",
    }
    changes = PolicyVersion.objects.get(kind=CARE, version="2026.2").changes
    assert [(c["label"], c["to"], c["reason"]) for c in changes] == [
        (
            "Alert: Diastolic blood pressure above 110 mmHg",
            "removed",
            "No source for it",
        ),
        ("Alert added", "Temperature above 38.5 °C", "Fever during an infusion"),
    ]


def test_an_unchanged_form_stores_the_same_values(rivera) -> None:
    client = login(Client(), rivera)
    response = submit(client, URL, {"version": "2026.2", "change_note": "Reviewed, no change"})
    assert response.status_code == 302
    stored = PolicyVersion.objects.get(kind=CARE, version="2026.2")
    shipped = default_care_document()
    assert {**stored.document, "version": "", "approved_by": None} == {
        **shipped,
        "version": "",
        "approved_by": None,
    }
    assert stored.changes == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"vitals__interval_min": "-5"},
            "Vital signs due every (minutes): must be a number from 1 to 120",
        ),
        (
            {"check_in__fasting_hours": "four"},
            "Fasting before the infusion (hours): enter a number",
        ),
        (
            {
                f"{ALERT['spo2-low']}__threshold": "40",
                f"{ALERT['spo2-low']}__message": "Oxygen saturation below 40 %",
            },
            "Oxygen saturation (SpO2): alert below (%): must be a number from 50 to 100",
        ),
        (
            {"discharge__minimum": "12"},
            "Minimum score for discharge (points): must be a number from 0 to 10",
        ),
        (
            {f"{ALERT['systolic-high']}__threshold": "170"},
            "Message shown at the chair: still says 180; write the new threshold into it",
        ),
        (
            {"new_alert__measure": "spo2_percent", "new_alert__direction": "below"},
            "Threshold (in the measure's unit): enter it for the new alert",
        ),
        (
            {
                "new_alert__measure": "heart_rate_bpm",
                "new_alert__threshold": "400",
                "new_alert__source": "clinic decision",
            },
            "Threshold (in the measure's unit): must be a number from 20 to 250",
        ),
        ({"check_in__source": ""}, "Source: enter a value"),
    ],
)
def test_a_bad_value_is_refused_on_its_field_and_nothing_is_stored(
    rivera, changes: dict[str, str], message: str
) -> None:
    client = login(Client(), rivera)
    groups = ["check_in", "vitals", "new_alert", "discharge", *ALERT.values()]
    reasons = {f"{g}__reason": "Review" for g in groups}  # so the rule is what is refused
    page = submit(client, URL, {"version": "2026.2", "change_note": "x"} | reasons | changes)
    assert page.status_code == 400
    errors = shown_errors(page.content.decode())
    assert message in errors
    assert not [e for e in errors if "_" in e or "[" in e]  # no document keys on the page
    assert not PolicyVersion.objects.exists()


def test_the_form_starts_from_the_version_in_force(rivera) -> None:
    values = form_values(login(Client(), rivera).get(URL).content.decode())
    assert values[f"{ALERT['spo2-low']}__threshold"] == "92"
    assert values["vitals__sedation_scale"] == "rass"
    assert values["check_in__consent_required"] == "on"


@pytest.mark.parametrize("kind", [CARE, PolicyKind.PROTOCOLS])
def test_only_a_physician_edits(nina, desmond, rivera, kind: str) -> None:
    url = reverse("policies:edit", args=(kind,))
    for user in (nina, desmond):
        client = login(Client(), user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"version": "9", "change_note": "x"}).status_code == 403
    assert not PolicyVersion.objects.exists()
    assert login(Client(), rivera).get(url).status_code == 200


def test_an_error_after_a_removed_alert_lands_on_the_alert_it_concerns(rivera) -> None:
    client = login(Client(), rivera)
    removed, spo2 = ALERT["diastolic-high"], ALERT["spo2-low"]
    page = submit(
        client,
        URL,
        {
            "version": "2026.2",
            "change_note": "x",
            f"{removed}__remove": "on",
            f"{removed}__reason": "No source",
            f"{spo2}__threshold": "40",
            f"{spo2}__message": "Oxygen saturation below 40 %",
            f"{spo2}__reason": "Typo test",
        },
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert (
        f'id="id_{spo2}__threshold_error" role="alert">Oxygen saturation (SpO2): alert below (%): '
        "must be a number from 50 to 100</p>"
    ) in html
    assert not PolicyVersion.objects.exists()
