"""A signed decision knows when it rests on other facts or rules (issue 10 #2)."""

from __future__ import annotations

import datetime as dt
import json

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.conftest import PASSWORD, login
from ketaclinic.patients.models import Patient
from ketaclinic.policies import services as policies
from ketaclinic.screening import services
from ketaclinic.screening.models import Screening
from ketaclinic.screening.tests.helpers import complete_intake

NORMAL_BP = {"bp_readings": [{"systolic_mmhg": 128, "diastolic_mmhg": 82}]}


def _candidate(ada: Patient, rivera: User, nina: User) -> Screening:
    screening = services.record_clinician_facts(nina, complete_intake(ada), NORMAL_BP)
    services.sign_decision(rivera, screening, decision="candidate", note="", password=PASSWORD)
    return screening


def test_a_fresh_candidate_decision_authorises_a_plan(ada, rivera, nina) -> None:
    screening = _candidate(ada, rivera, nina)
    plan = services.authorisation(screening)
    assert plan.ok
    assert not plan.staleness.stale


def test_a_new_fact_makes_the_decision_stale_everywhere_until_it_is_signed_again(
    ada, rivera, nina
) -> None:
    screening = _candidate(ada, rivera, nina)
    screening = services.record_clinician_facts(nina, screening, {"cardiac": "unstable"})

    plan = services.authorisation(screening)
    assert not plan.ok
    assert [c.key for c in plan.staleness.facts] == ["cardiac"]
    assert plan.staleness.result == ("candidate", "not_a_candidate")

    summary = login(Client(), rivera).get(reverse("screening:summary", args=[ada.code]))
    text = summary.content.decode()
    assert "Review needed: this decision rests on different facts" in text
    assert "Heart disease: none when signed, now unstable" in text
    assert "from “Candidate” to “Not a candidate”" in text
    chart = login(Client(), nina).get(reverse("patients:chart", args=[ada.code]))
    assert "Review needed: the facts or rules changed" in chart.content.decode()
    api = login(Client(), nina).get(reverse("api:patient-screening", args=[ada.code])).json()
    assert api["plan_authorisation"]["stale"] is True
    assert api["plan_authorisation"]["authorises_plan"] is False
    assert api["plan_authorisation"]["changed_facts"] == [
        {"fact": "cardiac", "signed_on": "none", "now": "unstable"}
    ]

    current = services.current_decision(screening)
    assert current is not None
    services.sign_decision(
        rivera,
        screening,
        decision="not_a_candidate",
        note="",
        password=PASSWORD,
        revises=current,
        reason="Unstable angina since screening",
    )
    again = services.authorisation(screening)
    assert not again.staleness.stale
    assert not again.ok  # not stale, but "not a candidate" allows no plan
    assert again.reasons == ("The signed decision is 'Not a candidate'.",)


def test_new_rules_in_force_make_the_decision_stale(ada, rivera, nina) -> None:
    screening = _candidate(ada, rivera, nina)
    document = json.loads(json.dumps(policies.in_force(ada.clinic, "eligibility").document))
    document["version"] = "2026.9"
    draft = policies.draft(rivera, "eligibility", document, change_note="Review")
    policies.approve(rivera, draft, password=PASSWORD)
    plan = services.authorisation(screening)
    assert plan.decision is not None
    assert plan.staleness.rules == (plan.decision.rule_set_version, "2026.9")
    assert not plan.ok


def test_time_passing_is_not_a_change_of_facts(ada, rivera, nina) -> None:
    screening = _candidate(ada, rivera, nina)
    with time_machine.travel(timezone.now() + dt.timedelta(days=70)):
        plan = services.authorisation(screening)
    assert not plan.staleness.stale
    assert plan.ok


def test_evaluating_a_screening_reads_only_the_fact_sources(ada, rivera, nina) -> None:
    """What the worklist's first look counts as a change (review.FACT_SOURCES) covers every
    record a screening's facts are read from: a new source must be added there."""
    from django.apps import apps
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ketaclinic.screening.services.review import FACT_SOURCES

    screening = _candidate(ada, rivera, nina)
    decision = services.current_decision(screening)
    assert decision is not None
    decision = type(decision).objects.select_related("patient", "screening").get(pk=decision.pk)
    tables = {m._meta.db_table: m._meta.label_lower for m in apps.get_models()}
    with CaptureQueriesContext(connection) as queries:
        services.authorisation_staleness(decision)
    read = {
        label
        for q in queries.captured_queries
        for table, label in tables.items()
        if f'"{table}"' in q["sql"]
    }
    # The rule set in force (with who approved it) is compared directly, not as facts.
    compared = {"policies.policyversion", "policies.policyapproval", "accounts.clinic"}
    compared.add("accounts.user")
    assert read - compared <= set(FACT_SOURCES)
    assert "patients.condition" in read  # the check sees the queries at all
