"""The eligibility rule sets move into policies with nothing lost (issue 9 #1).

A database as it was before policies existed is filled with rule-set versions
(one approved, one the stored default) and signed decisions, then migrated:
every version is a policy version with the same code and document, the
approved one has a signed approval, and every decision still points at the
document it was made with.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ketaclinic.policies.models import PolicyVersion
from ketaclinic.screening.models import ScreeningDecision
from ketacore.rules import default_rule_document

LAST_BEFORE = ("screening", "0003_one_screening_per_number")
BEFORE = [LAST_BEFORE, ("policies", None)]


@pytest.fixture
def before_policies() -> Iterator[Any]:
    """The database as it was before policies; migrated forward again whatever happens."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        yield executor.loader.project_state([LAST_BEFORE]).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_rule_sets_and_decisions_survive_the_move_into_policies(before_policies: Any) -> None:
    old = before_policies
    clinic = old.get_model("accounts", "Clinic").objects.create(name="Before", code=uuid.uuid4())
    User = old.get_model("accounts", "User")
    doctor = User.objects.create(username="dr.before", role="physician", clinic=clinic)
    Patient = old.get_model("patients", "Patient")
    patient = Patient.objects.create(
        clinic=clinic,
        chart_number="KC-000001",
        given_name="Old",
        family_name="Record",
        date_of_birth=dt.date(1970, 1, 1),
        sex="female",
        search_family="record",
        search_given="old",
        search_full="recordold",
    )
    RuleSetVersion = old.get_model("screening", "RuleSetVersion")
    document = default_rule_document()
    default = RuleSetVersion.objects.create(
        clinic=clinic,
        rule_set_id=document["id"],
        version=document["version"],
        document=document,
        change_note="The default rule set shipped with ketaclinic.",
        published_by=None,
    )
    approved_doc = {**document, "version": "2026.7", "approved_by": "Elena Rivera, 2026-11-20"}
    approved = RuleSetVersion.objects.create(
        clinic=clinic,
        rule_set_id=document["id"],
        version="2026.7",
        document=approved_doc,
        change_note="Clinic review",
        published_by=doctor,
    )
    screening = old.get_model("screening", "Screening").objects.create(patient=patient)
    decision_model = old.get_model("screening", "ScreeningDecision")
    decisions = {}
    for rule_set, decided in ((default, "not_a_candidate"), (approved, "candidate")):
        row = decision_model.objects.create(
            screening=screening,
            patient=patient,
            decision=decided,
            engine_decision=decided,
            facts={"sex": "female"},
            evaluation={"decision": decided},
            rule_set=rule_set,
            rule_set_version=rule_set.version,
            signed_by=doctor,
            signed_by_name="Elena Rivera",
            signed_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC),
        )
        decisions[row.code] = (rule_set.code, rule_set.document)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert PolicyVersion.objects.count() == 2
    moved_default = PolicyVersion.objects.get(code=default.code)
    assert moved_default.is_shipped_default
    assert moved_default.approval_record is None
    assert moved_default.document == document
    moved = PolicyVersion.objects.get(code=approved.code)
    assert moved.document == approved_doc
    assert moved.drafted_by_id == doctor.pk
    assert moved.approval_record is not None
    assert moved.approval_record.signed_by_id == doctor.pk
    assert moved.approval_record.signed_by_name == "Elena Rivera"
    assert ScreeningDecision.objects.count() == 2
    for decision in ScreeningDecision.objects.select_related("rule_set"):
        code, doc = decisions[decision.code]
        assert (decision.rule_set.code, decision.rule_set.document) == (code, doc)
        assert decision.meaning == "decided"
    # The decisions table is append-only again after the move.
    with pytest.raises(Exception, match="never changed in place"):
        ScreeningDecision.objects.update(note="changed")
