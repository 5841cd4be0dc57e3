"""Builders for follow-up visit tests: infusions given on past days, with a side effect."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.infusions import services as infusions
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.lib.clock import Replay
from ketaclinic.lib.signed import Meaning
from ketaclinic.outcomes.services import clinic_today, record_day
from ketaclinic.outcomes.tests.helpers import signed_infusions
from ketaclinic.patients.models import Patient
from ketaclinic.plans.models import PlanVersion
from ketaclinic.visits.models import FollowUpVisit
from ketaclinic.visits.response import response_so_far
from ketaclinic.visits.services import VisitInput
from ketacore.outcomes.visits import check_care

__all__ = ["days_ago", "given", "stored_visit", "visit_input", "visit_routes"]


def days_ago(n: int) -> dt.date:
    return clinic_today() - dt.timedelta(days=n)


def given(
    patient: Patient, physician: User, nurse: User, *ago: int, nausea_on: int | None = None
) -> None:
    """A four-hour plan signed now, one signed-off infusion on each of ``ago`` days back
    (nausea charted during infusion ``nausea_on``), and a diary: pain 8 the week before
    the first infusion, 4 in the last week."""
    first = max(ago)
    for n in range(first + 7, first, -1):
        record_day(None, patient, days_ago(n), _scores(8), via="portal")
    for n in range(min(first, 7)):
        record_day(None, patient, days_ago(n), _scores(4), via="portal")

    def nausea(number: int, session: InfusionSession, replay: Replay) -> None:
        if number == nausea_on:
            infusions.record_side_effect(
                nurse,
                session,
                effect="nausea",
                severity="mild",
                interventions=["none"],
                occurred_at=replay.advance(minutes=30),
            )

    days = [days_ago(n) for n in sorted(ago, reverse=True)]
    signed_infusions(patient, physician, nurse, days, during=nausea)


def _scores(pain: int) -> dict[str, int]:
    return {"pain_nrs": pain, "function_nrs": pain, "mood_nrs": 3}


def visit_input(decision: str = "continue", **changes: object) -> VisitInput:
    values: dict[str, object] = {
        "visit_date": clinic_today(),
        "decision": decision,
        "decision_reason": "Pain down by half; tolerating it well",
        "side_effects_note": "Some dizziness the evening after",
        "care": {"physical_therapy": True, "physical_therapy_note": "Twice a week"},
    }
    values.update(changes)
    return VisitInput(**values)  # type: ignore[arg-type]


def stored_visit(patient: Patient, plan: PlanVersion, physician: User) -> FollowUpVisit:
    """A visit row written directly (for route and page walks that need one to exist).

    Real visits come through ``services.sign_visit``; this skips its checks, not the
    database's.
    """
    known = FollowUpVisit.objects.filter(patient=patient).first()
    return known if known is not None else visit_row(patient, plan, physician, clinic_today())


def visit_row(patient: Patient, plan: PlanVersion, physician: User, on: dt.date) -> FollowUpVisit:
    """A visit dated ``on``, written directly (its date is not checked against the plan's)."""
    return FollowUpVisit.objects.create(
        clinic=patient.clinic,
        patient=patient,
        plan_version=plan,
        visit_date=on,
        response=response_so_far(patient, plan, on=on),
        side_effects=[],
        decision="continue",
        decision_reason="Responding; no side effects",
        care=check_care({"physical_therapy": True, "physical_therapy_note": "Weekly"}),
        signed_by=physician,
        signed_by_name=physician.get_full_name() or physician.username,
        signed_at=timezone.now(),
        meaning=Meaning.DECIDED,
    )


def visit_routes(
    patient: Patient, plan: PlanVersion, physician: User
) -> dict[str, dict[str, object]]:
    """The URL arguments of the visit routes (for the route matrix)."""
    visit = stored_visit(patient, plan, physician)
    return {
        "visits:new": {"code": patient.code},
        **{
            n: {"code": patient.code, "visit_code": visit.code}
            for n in ("visits:detail", "visits:correct", "api:patient-visit")
        },
    }
