"""The plan pages: figures shown with their working, soft reasons asked, hard limits refused."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import PASSWORD, form_values, login
from ketaclinic.plans.models import PlanVersion
from ketaclinic.plans.tests.helpers import authorised, weigh

pytestmark = pytest.mark.django_db


def _new(patient, protocol: str = "") -> str:
    url = reverse("plans:new", args=(patient.code,))
    return f"{url}?protocol={protocol}" if protocol else url


def test_a_physician_chooses_a_protocol_sees_the_figures_and_signs(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina, kg=72)
    client = login(Client(), rivera)
    choose = client.get(_new(ada)).content.decode()
    assert "CRPS outpatient regimen" in choose
    page = client.get(_new(ada, "crps-schwartzman"))
    text = page.content.decode()
    assert "12.6 mL/h" in text  # 0.175 mg/kg/h x 72 kg at 1 mg/mL
    assert "0.175 mg/kg/h × 72 kg" in text  # the working is shown
    assert "capped at the hard ceiling of 25 mg/h" in text
    assert "Pharmacokinetic preview: the same 50.4 mg over other durations" in text
    assert text.count("<svg") == 1
    values = form_values(text) | {"sign": "1", "password": PASSWORD, "note": "Start"}
    done = client.post(_new(ada), values)
    assert done.status_code == 302
    version = PlanVersion.objects.get()
    assert done["Location"] == reverse("plans:detail", args=(ada.code, version.plan.code))
    assert (version.rate_ml_per_h, version.note, version.signed_by) == (12.6, "Start", rivera)
    detail = client.get(done["Location"]).content.decode()
    assert "12.6 mL/h" in detail
    chart = client.get(reverse("patients:chart", args=(ada.code,))).content.decode()
    assert "CRPS outpatient regimen" in chart


def test_a_hard_limit_cannot_be_signed_through_the_page(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina, kg=100)
    client = login(Client(), rivera)
    page = client.get(_new(ada, "crps-schwartzman")).content.decode()
    values = form_values(page) | {"dose": "0.35", "sign": "1", "password": PASSWORD}
    refused = client.post(_new(ada), values)
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "above this protocol&#x27;s hard limit of 25 mg/h" in text
    assert "Over the hard limit" in text
    assert not PlanVersion.objects.exists()


def test_a_soft_limit_asks_for_a_reason_on_the_page(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina, kg=70)
    client = login(Client(), rivera)
    page = client.get(_new(ada, "four-hour")).content.decode()
    values = form_values(page) | {"dose": "0.7", "calculate": "1"}
    shown = client.post(_new(ada), values).content.decode()
    assert "Soft limit: reason needed" in shown
    assert shown.count('name="reason__') == 2
    values = form_values(shown) | {"sign": "1", "password": PASSWORD}
    values.pop("calculate", None)
    missing = client.post(_new(ada), values)
    assert "give a reason to go on" in missing.content.decode()
    assert not PlanVersion.objects.exists()
    reasons = {k: "Tolerated well" for k in values if k.startswith("reason__")}
    done = client.post(_new(ada), values | reasons)
    assert done.status_code == 302
    assert [o["reason"] for o in PlanVersion.objects.get().soft_overrides] == ["Tolerated well"] * 2


def test_without_a_decision_the_page_says_why_and_a_nurse_cannot_open_it(ada, rivera, nina) -> None:
    weigh(ada, 70)
    page = login(Client(), rivera).get(_new(ada, "four-hour")).content.decode()
    assert "A plan cannot be signed yet." in page
    assert "No screening decision is signed." in page
    assert login(Client(), nina).get(_new(ada)).status_code == 403
