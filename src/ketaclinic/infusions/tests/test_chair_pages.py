"""The chair page and its one charting endpoint: what is stored is read back."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import PASSWORD, login
from ketaclinic.infusions.models import InfusionSession, SessionEntry, SessionSignOff
from ketaclinic.infusions.tests.helpers import ALDRETE_10
from ketaclinic.plans import services as plans
from ketaclinic.plans.tests.helpers import authorised

pytestmark = pytest.mark.django_db
FETCH = {"X-Requested-With": "fetch"}
NORMAL = {
    "systolic_mmhg": "124",
    "diastolic_mmhg": "78",
    "heart_rate_bpm": "72",
    "spo2_percent": "98",
    "respiratory_rate_per_min": "14",
    "temperature_c": "36.8",
}


def _opened(ada: Any, rivera: Any, nina: Any) -> tuple[Client, InfusionSession]:
    authorised(ada, rivera, nina, kg=70)
    version = plans.sign_plan(rivera, ada, plans.PlanChoices("four-hour"), password=PASSWORD)
    nurse = login(Client(), nina)
    detail = nurse.get(reverse("plans:detail", args=(ada.code, version.plan.code))).content.decode()
    assert "Open infusion 1 of 4" in detail
    opened = nurse.post(
        reverse("infusions:open", args=(ada.code, version.plan.code)), {"chair": "Chair 3"}
    )
    session = InfusionSession.objects.get()
    assert opened["Location"] == reverse("infusions:session", args=(ada.code, session.code))
    assert session.chair == "Chair 3"
    return nurse, session


def _chart(client: Client, session: InfusionSession, action: str, **fields: Any) -> Any:
    url = reverse("infusions:chart", args=(session.patient.code, session.code))
    return client.post(
        url, {"action": action, "client_ref": str(uuid.uuid4()), **fields}, headers=FETCH
    )


def test_a_nurse_charts_a_session_and_the_physician_signs(ada, rivera, nina) -> None:
    nurse, session = _opened(ada, rivera, nina)
    page = nurse.get(reverse("infusions:session", args=(ada.code, session.code))).content.decode()
    assert "Check-in" in page
    assert "Not checked in" in page
    done = _chart(
        nurse,
        session,
        "check_in",
        consent="on",
        fasted="on",
        escort="on",
        pregnancy="negative_test",
        weight_kg="70",
        **NORMAL,
    )
    assert done.status_code == 200, done.content.decode()[:500]
    assert "Checked in." in done.content.decode()
    started = _chart(nurse, session, "pump", kind="start", rate_mg_per_h="14")
    assert "Running at 14 mg/h (14 mL/h)" in started.content.decode()
    high = _chart(nurse, session, "vitals", **{**NORMAL, "systolic_mmhg": "190"})
    assert "Alert: Systolic blood pressure above 180 mmHg." in high.content.decode()
    alert = session.alerts.get()
    _chart(
        nurse,
        session,
        "acknowledge",
        alert=str(alert.code),
        action_taken="Rate lowered; BP 165/90 at 10 min",
    )
    _chart(nurse, session, "pump", kind="rate_change", rate_mg_per_h="10", reason="Blood pressure")
    _chart(nurse, session, "side_effect", effect="nausea", severity="mild", interventions="rescue")
    _chart(
        nurse, session, "rescue", drug="Ondansetron", dose="4 mg", route="IV", indication="nausea"
    )
    _chart(nurse, session, "pump", kind="stop")
    _chart(
        nurse,
        session,
        "score",
        instrument="aldrete",
        **{f"item_{k}": str(v) for k, v in ALDRETE_10.items()},
    )
    discharged = _chart(nurse, session, "discharge", escort_present="on")
    assert "Discharged." in discharged.content.decode()
    assert (
        nurse.post(
            reverse("infusions:chart", args=(ada.code, session.code)),
            {"action": "sign", "password": PASSWORD},
            headers=FETCH,
        ).status_code
        == 403
    )
    physician = login(Client(), rivera)
    signed = _chart(physician, session, "sign", password=PASSWORD)
    assert "Record signed." in signed.content.decode()
    assert SessionSignOff.objects.get(session=session).signed_by == rivera
    kinds = list(SessionEntry.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == [
        "check_in",
        "start",
        "vitals",
        "rate_change",
        "side_effect",
        "rescue",
        "stop",
        "score",
        "discharge",
    ]


def test_a_refused_entry_names_the_rule_and_stores_nothing(ada, rivera, nina) -> None:
    nurse, session = _opened(ada, rivera, nina)
    _chart(
        nurse,
        session,
        "check_in",
        consent="on",
        fasted="on",
        escort="on",
        pregnancy="negative_test",
        **NORMAL,
    )
    refused = _chart(nurse, session, "vitals", heart_rate_bpm="400")
    assert refused.status_code == 400
    assert "Heart rate must be from 20 to 250 /min" in refused.content.decode()
    not_running = _chart(nurse, session, "pump", kind="rate_change", rate_mg_per_h="20", reason="x")
    assert not_running.status_code == 400
    assert "a rate change needs a running infusion" in not_running.content.decode()
    assert SessionEntry.objects.filter(session=session).count() == 1


def test_the_same_entry_sent_twice_is_stored_once_and_a_plain_post_redirects(
    ada, rivera, nina
) -> None:
    nurse, session = _opened(ada, rivera, nina)
    url = reverse("infusions:chart", args=(ada.code, session.code))
    ref = str(uuid.uuid4())
    fields = {
        "action": "check_in",
        "client_ref": ref,
        "consent": "on",
        "fasted": "on",
        "escort": "on",
        "pregnancy": "not_applicable",
        **NORMAL,
    }
    first = nurse.post(url, fields)
    again = nurse.post(url, fields)
    assert first.status_code == again.status_code == 302
    assert SessionEntry.objects.filter(session=session).count() == 1


def test_who_may_see_and_chart(ada, rivera, nina, desmond) -> None:
    _, session = _opened(ada, rivera, nina)
    desk = login(Client(), desmond)
    assert desk.get(reverse("infusions:session", args=(ada.code, session.code))).status_code == 403
    assert _chart(desk, session, "note", text="hello").status_code == 403
    today = login(Client(), nina).get(reverse("infusions:today")).content.decode()
    assert "Chair 3" in today
    assert "Waiting for check-in" in today


def test_every_form_the_script_sends_carries_its_own_id_and_time(ada, rivera, nina) -> None:
    # chairside.js fills client_ref and occurred_at into each data-chart-form before
    # sending it; a form without them is never sent (the script stops at it).
    nurse, session = _opened(ada, rivera, nina)
    _chart(nurse, session, "check_in", consent="on", fasted="on", escort="on", **NORMAL)
    page = nurse.get(reverse("infusions:session", args=(ada.code, session.code))).content.decode()
    forms = re.findall(r"<form\b[^>]*\bdata-chart-form\b.*?</form>", page, flags=re.DOTALL)
    assert sum('name="instrument"' in form for form in forms) == 3  # the scores too
    for form in forms:
        if "data-online-only" in form:  # the signature: sent as it is, never queued
            continue
        assert 'name="client_ref"' in form, form[:200]
        assert 'name="occurred_at"' in form, form[:200]


def test_a_correction_from_the_page_points_at_the_entry_and_keeps_it(ada, rivera, nina) -> None:
    nurse, session = _opened(ada, rivera, nina)
    _chart(
        nurse,
        session,
        "check_in",
        consent="on",
        fasted="on",
        escort="on",
        pregnancy="negative_test",
        **NORMAL,
    )
    _chart(nurse, session, "vitals", heart_rate_bpm="130")
    vitals = SessionEntry.objects.get(session=session, kind="vitals")
    page = nurse.get(reverse("infusions:session", args=(ada.code, session.code))).content.decode()
    assert f'name="entry" value="{vitals.code}"' in page
    fixed = _chart(
        nurse,
        session,
        "amend",
        entry=str(vitals.code),
        heart_rate_bpm="103",
        reason="Digits swapped",
    )
    assert fixed.status_code == 200, fixed.content.decode()[:300]
    correction = SessionEntry.objects.get(session=session, kind="amendment")
    assert (correction.amends, correction.heart_rate_bpm, correction.reason) == (
        vitals,
        103,
        "Digits swapped",
    )
    assert SessionEntry.objects.get(pk=vitals.pk).heart_rate_bpm == 130
    assert "HR 103 /min" in fixed.content.decode()
