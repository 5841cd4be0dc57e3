"""The demo clinic's history, read back from the database after ``load_demo``.

One load per test (it charts dozens of sessions through the services), so the
checks of one load share a test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.verify import verify_chains
from ketaclinic.conftest import login
from ketaclinic.demo import load_demo
from ketaclinic.demo.history import HISTORY_DAYS, PATIENTS_PER_TREATED
from ketaclinic.infusions import services as infusions
from ketaclinic.infusions.models import EntryKind, InfusionSession, SessionAlert
from ketaclinic.outcomes.models import DiaryEntry, SeriesOutcome
from ketaclinic.plans.models import PlanStatus, PlanVersion
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind
from ketaclinic.screening.models import ScreeningDecision
from ketaclinic.visits.models import FollowUpVisit
from ketacore.infusion import InfusionState

pytestmark = pytest.mark.django_db


def test_it_charts_two_years_of_signed_infusions_and_one_running_now() -> None:
    clinic = load_demo(50)
    rivera = User.objects.get(username="dr.rivera")

    for kind in PolicyKind.values:
        version = policies.in_force(clinic, kind)
        approval = policies.approval_of(version)
        assert approval is not None, kind
        assert approval.signed_by == rivera

    plans = PlanVersion.objects.filter(plan__clinic=clinic)
    assert plans.count() >= 8
    assert all(v.signed_by == rivera for v in plans)
    assert {"half-mg-per-kg-40-min", "guideline-80-mg", "four-hour", "one-hour-higher-dose"} <= {
        v.protocol_id for v in plans
    }
    revised = plans.filter(number=2)
    assert revised.exists()
    assert all(v.revises is not None and v.revision_reason for v in revised)
    assert (
        not ScreeningDecision.objects.filter(
            patient__clinic=clinic, patient__treatment_plans__isnull=False
        )
        .exclude(decision__in=("candidate", "candidate_with_precautions"))
        .exists()
    )

    sessions = list(InfusionSession.objects.filter(clinic=clinic).order_by("opened_at"))
    assert (sessions[-1].opened_at - sessions[0].opened_at).days >= 700
    assert sessions[0].opened_at <= timezone.now() - dt.timedelta(days=HISTORY_DAYS - 20)
    running = [s for s in sessions if not hasattr(s, "sign_off")]
    assert len(running) == 1
    now = running[0]
    assert timezone.localdate(now.opened_at) == timezone.localdate()
    state = infusions.session_state(now)
    assert state.delivered.state is InfusionState.RUNNING
    assert state.check_in is not None
    assert not state.check_in_missing
    assert state.plan.plan.versions.order_by("-number").first() == state.plan
    assert state.plan.status == PlanStatus.ACTIVE

    past = [s for s in sessions if s is not now]
    assert len(past) >= 40
    for session in past:
        state = infusions.session_state(session)
        assert state.sign_off is not None
        assert state.sign_off.signed_by == rivera
        assert state.discharge is not None
        assert not state.discharge.data["overridden"]
        assert state.delivered.state is InfusionState.STOPPED
        assert 0 < state.sign_off.delivered_mg <= session.plan_version.hard_ceiling_session_mg
        assert len(state.vitals) >= 1 + int(session.plan_version.duration_min) // 15
        assert {"rass", "cadss", "aldrete"} <= set(state.scores)
        assert not state.open_alerts
        assert state.t0 is not None
        assert state.discharge.occurred_at > state.t0
        assert timezone.localdate(session.opened_at) < timezone.localdate()
    alerts = SessionAlert.objects.filter(session__clinic=clinic)
    assert alerts.exists()
    assert all(a.acknowledgement.action_taken for a in alerts)
    kinds = set(
        InfusionSession.objects.filter(clinic=clinic).values_list("entries__kind", flat=True)
    )
    assert {EntryKind.RATE_CHANGE, EntryKind.SIDE_EFFECT, EntryKind.RESCUE} <= kinds

    assert all(report.ok for report in verify_chains())

    client = login(Client(), rivera)
    record = past[len(past) // 2]
    kwargs = {"code": record.patient.code, "session_code": record.code}
    page = client.get(reverse("infusions:session", kwargs=kwargs))
    assert page.status_code == 200
    assert rivera.get_full_name() in page.content.decode()
    booster = next(s for s in past if s.number_in_series > s.plan_version.series_count)
    booster_page = client.get(
        reverse(
            "infusions:session", kwargs={"code": booster.patient.code, "session_code": booster.code}
        )
    )
    assert f"Infusion {booster.number_in_series} (booster)" in booster_page.content.decode()
    pdf = client.get(reverse("infusions:pdf", kwargs=kwargs))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    chair = client.get(
        reverse("infusions:session", kwargs={"code": now.patient.code, "session_code": now.code})
    )
    assert chair.status_code == 200
    assert "Chair 2" in chair.content.decode()
    today = client.get(reverse("infusions:today"))
    assert today.status_code == 200
    assert now.patient.family_name in today.content.decode()

    # Each treated patient whose first series ended two weeks ago had a follow-up visit.
    visits = FollowUpVisit.objects.filter(patient__clinic=clinic)
    assert visits.count() >= 6
    assert all(v.signed_by == rivera and v.decision == "continue" for v in visits)
    visit = visits.first()
    assert visit is not None
    shown = client.get(
        reverse("visits:detail", kwargs={"code": visit.patient.code, "visit_code": visit.code})
    )
    assert shown.status_code == 200
    assert "Tolerated the series" in shown.content.decode()

    # The clinic analytics' summary is ready: a row per series of every treated patient.
    treated = {s.patient_id for s in past}
    summarised = SeriesOutcome.objects.filter(clinic=clinic)
    assert set(summarised.values_list("patient_id", flat=True)) == treated
    assert summarised.filter(booster=True).exists()
    outcomes = client.get(reverse("outcomes:analytics"))
    assert outcomes.status_code == 200
    assert "Response by condition group" in outcomes.content.decode()


def test_it_loads_a_demo_too_small_for_a_history() -> None:
    clinic = load_demo(PATIENTS_PER_TREATED - 1)
    assert not InfusionSession.objects.filter(clinic=clinic).exists()
    for kind in PolicyKind.values:
        assert policies.approval_of(policies.in_force(clinic, kind)) is not None
    assert all(report.ok for report in verify_chains())
    # Four weeks of pain diary: lower in the days after an infusion than before the next.
    diaries = list(DiaryEntry.objects.filter(patient__clinic=clinic))
    kept = {e.patient_id for e in diaries if e.entered_via == "clinic"}
    treated = set(
        InfusionSession.objects.filter(clinic=clinic).values_list("patient_id", flat=True)
    )
    assert kept == treated  # every treated patient
    ada = [e for e in diaries if e.entered_via == "portal"]
    assert len(ada) >= 20
    assert max(e.day for e in diaries) <= timezone.localdate()
