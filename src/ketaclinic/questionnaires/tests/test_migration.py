"""A populated screening database moves onto questionnaire responses with nothing lost.

The screening tables as they were (answers by section in ``Screening.intake``,
instrument answers and scores in ``InstrumentResponse``, a signed decision)
are filled, migrated, and compared: every answer, option, missing item,
score, person and channel is on a questionnaire response of the same patient,
linked to the same screening, and the decision is untouched.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.screening.models import ScreeningDecision
from ketacore.questionnaires import check_response

LAST_BEFORE = ("screening", "0004_decisions_on_policies")

SECTIONS = {
    "pain": {"pain_duration_months": 14, "pain_location": "both feet"},
    "treatments": {"gabapentinoid": "inadequate_relief", "tca_snri": "not_tolerated"},
    "health": {"hypertension": "controlled", "pregnant": "no"},
    "medicines": {"medications": ["pregabalin 75 mg", "levothyroxine"]},
}
PHQ9 = dict.fromkeys(
    (
        "q1_little_interest",
        "q2_feeling_down",
        "q3_sleep",
        "q4_tired",
        "q5_appetite",
        "q6_feeling_bad_about_self",
        "q7_concentration",
        "q8_slow_or_restless",
        "q9_self_harm_thoughts",
    ),
    1,
)


@pytest.fixture
def before_questionnaires() -> Iterator[Any]:
    executor = MigrationExecutor(connection)
    executor.migrate([LAST_BEFORE, ("questionnaires", None)])
    try:
        yield executor.loader.project_state([LAST_BEFORE]).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_every_answer_score_and_decision_survives(before_questionnaires: Any) -> None:
    old = before_questionnaires
    clinic = old.get_model("accounts", "Clinic").objects.create(name="Before", code=uuid.uuid4())
    nurse = old.get_model("accounts", "User").objects.create(
        username="nurse.before", role="nurse", clinic=clinic
    )
    patient = old.get_model("patients", "Patient").objects.create(
        clinic=clinic,
        chart_number="KC-000001",
        given_name="Old",
        family_name="Answers",
        date_of_birth=dt.date(1970, 1, 1),
        sex="female",
        search_family="answers",
        search_given="old",
        search_full="answersold",
    )
    screening = old.get_model("screening", "Screening").objects.create(
        patient=patient, intake=SECTIONS
    )
    responses = old.get_model("screening", "InstrumentResponse")
    phq9 = check_response("phq9", PHQ9)
    responses.objects.create(
        screening=screening,
        instrument="phq9",
        answers=phq9.answers,
        options=phq9.options,
        missing=[],
        result=phq9.score,
        entered_by=nurse,
        entered_via="staff",
    )
    responses.objects.create(
        screening=screening,
        instrument="dn4",
        answers={"q1_burning": 1},
        options={},
        missing=["q2_painful_cold"],
        result=None,
        entered_by=None,
        entered_via="portal",
    )
    policy = old.get_model("policies", "PolicyVersion").objects.create(
        clinic=clinic, kind="eligibility", version="1", document={"id": "x"}, change_note="x"
    )
    decision = old.get_model("screening", "ScreeningDecision").objects.create(
        screening=screening,
        patient=patient,
        decision="not_a_candidate",
        engine_decision="not_a_candidate",
        facts={"sex": "female"},
        evaluation={"a": 1},
        rule_set=policy,
        rule_set_version="1",
        signed_by=nurse,
        signed_by_name="N",
        signed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        meaning="decided",
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = {r.questionnaire: r for r in QuestionnaireResponse.objects.all()}
    assert set(moved) == {*SECTIONS, "phq9", "dn4"}
    for row in moved.values():
        assert (row.patient_id, row.encounter_type, row.encounter_code, row.seq) == (
            patient.pk,
            "screening",
            screening.code,
            1,
        )
    for section, answers in SECTIONS.items():
        assert moved[section].answers == answers
        assert moved[section].entered_via == "carried_over"
    assert moved["health"].missing  # not every required health question was answered
    assert moved["medicines"].missing == []
    assert moved["phq9"].answers == phq9.answers
    assert moved["phq9"].score == phq9.score
    assert (moved["phq9"].entered_by_id, moved["phq9"].entered_via) == (nurse.pk, "staff")
    assert moved["dn4"].missing == ["q2_painful_cold"]
    assert moved["dn4"].score is None
    kept = ScreeningDecision.objects.get()
    assert (kept.code, kept.facts, kept.evaluation) == (decision.code, {"sex": "female"}, {"a": 1})
