"""Screening ready for a real clinic (issue 10): what the app adds to the core's rules.

Strict JSON on the API; the clinician's facts form records treatments per class,
the date of a reading and medicines checked by hand; the chart gives age, weight
and the official ICD-10-CM title.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.conftest import login, submit
from ketaclinic.patients.models import BodyMeasurement, Condition, Medication, Patient
from ketaclinic.screening import services
from ketaclinic.screening.models import Screening
from ketaclinic.screening.tests.helpers import complete_intake

pytestmark = pytest.mark.django_db


def _patch(client: Client, url: str, body: bytes):
    return client.generic("PATCH", url, body, content_type="application/json")


BAD_BODIES = [
    (b'{"pregnant": true, "pregnant": false}', "pregnant", "appears twice"),
    (
        b'{"bp_readings": [{"systolic_mmhg": 120, "diastolic_mmhg": 80, "arm": "left"}]}',
        "bp_readings[0].arm",
        "is not allowed here",
    ),
    (b'{"cardiac": "\xff"}', "body", "not valid UTF-8"),
    (b'{"pain_duration_months": ' + b"9" * 5000 + b"}", "pain_duration_months", "5000 digits"),
    (b"[" * 100_000 + b"]" * 100_000, "body", "nested more than 64"),
    (b'{"raised_icp": NaN}', "raised_icp", "NaN"),
]


@pytest.mark.parametrize(("body", "field", "rule"), BAD_BODIES)
def test_the_facts_api_refuses_each_with_a_400_naming_the_field(ada, nina, body, field, rule):
    complete_intake(ada)
    url = reverse("api:patient-screening-facts", args=[ada.code])
    response = _patch(login(Client(), nina), url, body)
    assert response.status_code == 400
    assert rule in response.json()[field][0]
    assert Screening.objects.get(patient=ada).clinician_facts == {}


def test_the_intake_api_refuses_a_string_for_options_and_a_duplicate_answer(ada, nina):
    complete_intake(ada)
    client = login(Client(), nina)
    url = reverse("api:patient-screening-intake", args=[ada.code, "dn4"])
    options = _patch(client, url, b'{"answers": {}, "options": "cutoff=4"}')
    assert options.status_code == 400
    assert "options" in options.json()
    twice = _patch(client, url, b'{"answers": {"q1_burning": 1, "q1_burning": 0}}')
    assert twice.status_code == 400
    assert "answers.q1_burning" in twice.json()


def test_a_reading_recorded_through_the_api_without_a_date_is_dated_today(ada, nina):
    complete_intake(ada)
    url = reverse("api:patient-screening-facts", args=[ada.code])
    body = json.dumps({"bp_readings": [{"systolic_mmhg": 120, "diastolic_mmhg": 75}]})
    assert _patch(login(Client(), nina), url, body.encode()).status_code == 200
    stored = Screening.objects.get(patient=ada).clinician_facts["bp_readings"]
    assert stored == [
        {
            "systolic_mmhg": 120,
            "diastolic_mmhg": 75,
            "measured_on": timezone.localdate().isoformat(),
        }
    ]


def test_the_chart_gives_age_weight_and_the_official_title(ada: Patient, nina) -> None:
    today = timezone.localdate()
    BodyMeasurement.objects.create(
        patient=ada, recorded_by=nina, weight_kg=Decimal("71.5"), measured_on=today
    )
    facts = services.chart_facts(ada)
    born = ada.date_of_birth
    assert facts.date_of_birth == born
    assert facts.assessed_on == today
    assert facts.age_years is not None
    assert 0 <= facts.age_years <= 120
    assert (facts.weight_kg, facts.weight_measured_on) == (71.5, today)
    condition = Condition(patient=ada, recorded_by=nina, icd10_code="g90.51")
    condition.full_clean()
    assert condition.description == "Complex regional pain syndrome I of upper limb"


def test_a_minor_is_not_a_candidate(ada: Patient, nina) -> None:
    today = timezone.localdate()
    ada.date_of_birth = today.replace(year=today.year - 17)
    ada.save(update_fields=["date_of_birth"])
    screening = complete_intake(ada)
    services.add_bp_reading(nina, screening, 128, 82)
    result = services.evaluate_screening(screening).result
    assert result is not None
    assert "safety.age_adult" in {f.id for f in result.findings}
    assert result.decision.value == "not_a_candidate"


def test_an_old_reading_entered_on_the_form_is_flagged(ada: Patient, nina) -> None:
    complete_intake(ada)
    old = timezone.localdate() - dt.timedelta(days=31)
    client = login(Client(), nina)
    url = reverse("screening:facts", args=[ada.code])
    submit(client, url, {"systolic_mmhg": "128", "diastolic_mmhg": "82", "bp_measured_on": old})
    screening = Screening.objects.get(patient=ada)
    assert screening.clinician_facts["bp_readings"][0]["measured_on"] == old.isoformat()
    result = services.evaluate_screening(screening).result
    assert result is not None
    assert result.decision.value == "incomplete"
    assert "safety.bp_reading_old" in {f.id for f in result.findings}
    future = timezone.localdate() + dt.timedelta(days=1)
    page = submit(
        client, url, {"systolic_mmhg": "128", "diastolic_mmhg": "82", "bp_measured_on": future}
    )
    assert "is after the day assessed" in page.content.decode()


def test_a_clinician_marks_an_unknown_medicine_checked_on_the_form(ada: Patient, nina) -> None:
    Medication.objects.create(patient=ada, recorded_by=nina, name="Zapfluxine 10 mg")
    screening = complete_intake(ada)
    services.add_bp_reading(nina, screening, 128, 82)
    before = services.evaluate_screening(screening).result
    assert before is not None
    assert before.decision.value == "incomplete"
    assert "interaction.not_checked" in {f.id for f in before.findings}
    page = login(Client(), nina).get(reverse("screening:facts", args=[ada.code]))
    assert "Medicines checked by hand for interactions" in page.content.decode()
    response = submit(
        login(Client(), nina),
        reverse("screening:facts", args=[ada.code]),
        {"medications_checked": "zapfluxine"},
    )
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.clinician_facts["medications_checked"] == ["zapfluxine"]
    after = services.evaluate_screening(screening).result
    assert after is not None
    assert after.decision.value == "candidate"


def test_a_clinician_corrects_one_treatment_class_on_the_form(ada: Patient, nina) -> None:
    screening = complete_intake(ada)
    services.add_bp_reading(nina, screening, 128, 82)
    client = login(Client(), nina)
    url = reverse("screening:facts", args=[ada.code])
    page = client.get(url)
    patient_answers = services.treatment_choices(screening)
    form = page.context["form"]
    assert {k: form.initial[f"treatment_{k}"] for k in patient_answers} == patient_answers
    # a reading alone does not copy the patient's treatments into the clinician's facts
    submit(client, url, {"systolic_mmhg": "130", "diastolic_mmhg": "80"})
    screening.refresh_from_db()
    assert "prior_treatments" not in screening.clinician_facts
    # every class "not tried" but one: too few failed -> specialist clearance
    changes = {f"treatment_{k}": "not_tried" for k in patient_answers}
    changes["treatment_opioid"] = "inadequate_relief"
    submit(client, url, changes)
    screening.refresh_from_db()
    assert screening.clinician_facts["prior_treatments"] == [
        {"treatment": "opioid", "outcome": "inadequate_relief"}
    ]
    result = services.evaluate_screening(screening).result
    assert result is not None
    assert "indication.prior_treatments" in {f.id for f in result.findings}
    assert services.evaluate_screening(screening).sources["prior_treatments"] == "clinician"
