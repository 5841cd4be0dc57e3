"""Signing follow-up visits: the snapshot from the data, the plan decision in the same step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import PASSWORD
from ketaclinic.patients.models import Patient
from ketaclinic.plans import services as plans
from ketaclinic.plans.models import PlanStatus, PlanVersion
from ketaclinic.visits.models import FollowUpVisit
from ketaclinic.visits.services import sign_visit
from ketaclinic.visits.tests.helpers import days_ago, given, visit_input


def _current(patient: Patient) -> PlanVersion:
    version = plans.in_progress_version(patient)
    assert version is not None
    return version


def test_a_visit_stores_the_response_and_side_effects_from_the_data(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10, 3, nausea_on=2)
    version = _current(ada)
    visit = sign_visit(rivera, ada, visit_input(), follows=version, password=PASSWORD)
    stored = FollowUpVisit.objects.get(pk=visit.pk)
    diary = stored.response["diary"]
    assert diary["baseline"] == 8.0
    assert diary["baseline_source"] == "diary"
    assert diary["week_average"] == 4.0
    assert diary["reduction_percent"] == 50.0
    assert stored.response["sessions"] == {
        "opened": 2,
        "signed_off": 2,
        "planned": 4,
        "first": days_ago(10).isoformat(),
        "last": days_ago(3).isoformat(),
    }
    scores = stored.response["questionnaires"]  # the intake's, the newest there are
    assert (scores["phq9"]["total"], scores["phq9"]["band"]) == (8, "Mild")
    assert (scores["gad7"]["total"], scores["gad7"]["band"]) == (5, "Mild")
    assert [e["text"] for e in stored.side_effects] == ["Nausea, mild; None needed"]
    assert stored.side_effects[0]["infusion"] == 2
    assert stored.care["physical_therapy"] == {"yes": True, "note": "Twice a week"}
    assert stored.care["other"] == {"yes": False, "note": ""}
    assert stored.decision == "continue"
    assert stored.plan_version_after is None
    assert stored.signed_by == rivera
    assert stored.meaning == "decided"
    assert PlanVersion.objects.count() == 1  # "continue" leaves the plan as it is
    event = AuditEvent.objects.filter(action=Action.SIGN).latest("pk")
    assert event.summary == "Follow-up visit signed"
    # The next visit lists only what was charted after this one.
    later = sign_visit(rivera, ada, visit_input(), follows=version, password=PASSWORD)
    assert FollowUpVisit.objects.get(pk=later.pk).side_effects == []


def test_changing_the_dose_signs_a_new_plan_version_with_the_visit(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    version = _current(ada)
    choices = plans.PlanChoices("four-hour", dose=0.25, duration_min=version.duration_min)
    visit = sign_visit(
        rivera, ada, visit_input("change", choices=choices), follows=version, password=PASSWORD
    )
    stored = FollowUpVisit.objects.select_related("plan_version_after").get(pk=visit.pk)
    after = stored.plan_version_after
    assert after is not None
    assert after.number == 2
    assert after.revises_id == version.pk
    assert after.dose == 0.25
    assert after.status == PlanStatus.ACTIVE
    assert after.signed_at == stored.signed_at  # one signature
    assert after.revision_reason.startswith("Follow-up visit of ")
    assert plans.active_version(ada) == after
    summaries = set(AuditEvent.objects.filter(action=Action.SIGN).values_list("summary", flat=True))
    assert {"Follow-up visit signed", "Treatment plan revised at a follow-up visit"} <= summaries


def test_a_dose_beyond_a_hard_limit_is_refused_and_nothing_is_saved(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    version = _current(ada)
    over = plans.PlanChoices("four-hour", dose=5, duration_min=version.duration_min)
    with pytest.raises(ValidationError) as caught:
        sign_visit(
            rivera, ada, visit_input("change", choices=over), follows=version, password=PASSWORD
        )
    assert "dose" in caught.value.message_dict
    assert "hard limit" in caught.value.message_dict["dose"][0]
    assert not FollowUpVisit.objects.exists()
    assert PlanVersion.objects.count() == 1
    assert not AuditEvent.objects.filter(summary__contains="follow-up visit").exists()


def test_a_soft_limit_needs_its_reason_as_in_plans(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    version = _current(ada)
    high = plans.PlanChoices("four-hour", dose=0.7, duration_min=version.duration_min)
    with pytest.raises(ValidationError, match="soft_reasons: give a reason"):
        sign_visit(
            rivera, ada, visit_input("change", choices=high), follows=version, password=PASSWORD
        )
    assert not FollowUpVisit.objects.exists()
    soft = plans.draft_plan(ada, high).calculation.soft_breaches
    reasons = {c.key: "Partial response at 0.2" for c in soft}
    entry = visit_input("change", choices=high, soft_reasons=reasons)
    visit = sign_visit(rivera, ada, entry, follows=version, password=PASSWORD)
    after = FollowUpVisit.objects.get(pk=visit.pk).plan_version_after
    assert after is not None
    assert {o["reason"] for o in after.soft_overrides} == {"Partial response at 0.2"}


def test_pause_resume_and_stop_are_plan_versions(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    version = _current(ada)
    paused = sign_visit(rivera, ada, visit_input("pause"), follows=version, password=PASSWORD)
    after = FollowUpVisit.objects.get(pk=paused.pk).plan_version_after
    assert after is not None
    assert after.status == PlanStatus.PAUSED
    assert after.total_mg == version.total_mg  # same figures, new status
    assert plans.active_version(ada) is None  # nothing to give or book while paused
    assert plans.in_progress_version(ada) == after
    with pytest.raises(ValidationError, match="already paused"):
        sign_visit(rivera, ada, visit_input("pause"), follows=after, password=PASSWORD)
    resumed = sign_visit(rivera, ada, visit_input("continue"), follows=after, password=PASSWORD)
    active = FollowUpVisit.objects.get(pk=resumed.pk).plan_version_after
    assert active is not None
    assert active.status == PlanStatus.ACTIVE
    stopped = sign_visit(rivera, ada, visit_input("stop"), follows=active, password=PASSWORD)
    last = FollowUpVisit.objects.get(pk=stopped.pk).plan_version_after
    assert last is not None
    assert last.status == PlanStatus.STOPPED
    assert last.number == 4
    assert plans.in_progress_version(ada) is None


def test_only_a_physician_signs_and_a_wrong_password_is_counted(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    version = _current(ada)
    with pytest.raises(PermissionDenied):
        sign_visit(nina, ada, visit_input(), follows=version, password=PASSWORD)
    with pytest.raises(ValidationError, match="password"):
        sign_visit(rivera, ada, visit_input("stop"), follows=version, password="wrong")
    assert not FollowUpVisit.objects.exists()
    assert PlanVersion.objects.count() == 1
    failed = AuditEvent.objects.get(action=Action.SIGN_FAILED)
    assert failed.actor_username == "rivera"
    assert failed.patient_code == str(ada.code)


def test_bad_input_names_the_field_and_saves_nothing(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    version = _current(ada)
    cases = [
        (visit_input(visit_date=days_ago(-1)), "visit_date"),
        (visit_input(decision="maybe"), "decision"),
        (visit_input(decision_reason="  "), "decision_reason"),
        (visit_input(care={"other": True}), "other_note"),
        (visit_input("change"), "dose"),
    ]
    for entry, field in cases:
        with pytest.raises(ValidationError) as caught:
            sign_visit(rivera, ada, entry, follows=version, password=PASSWORD)
        assert field in caught.value.message_dict, field
    assert not FollowUpVisit.objects.exists()


def test_a_correction_is_a_new_signed_version_keeping_the_decision(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    version = _current(ada)
    first = sign_visit(rivera, ada, visit_input(), follows=version, password=PASSWORD)
    fixed = visit_input(decision_reason="Pain down by half; sleeping better")
    with pytest.raises(ValidationError, match="reason"):
        sign_visit(rivera, ada, fixed, follows=version, password=PASSWORD, revises=first)
    with pytest.raises(ValidationError, match="keeps the decision"):
        sign_visit(
            rivera, ada, visit_input("stop"), follows=version, password=PASSWORD, revises=first
        )
    second = sign_visit(
        rivera, ada, fixed, follows=version, password=PASSWORD, revises=first, reason="Typo"
    )
    stored = FollowUpVisit.objects.get(pk=second.pk)
    assert stored.revises_id == first.pk
    assert stored.revision_reason == "Typo"
    assert stored.decision_reason == "Pain down by half; sleeping better"
    assert stored.response == FollowUpVisit.objects.get(pk=first.pk).response
    with pytest.raises(ValidationError, match="only the current follow-up visit"):
        sign_visit(
            rivera, ada, fixed, follows=version, password=PASSWORD, revises=first, reason="x"
        )
    assert FollowUpVisit.objects.count() == 2


def test_a_stale_plan_version_is_refused(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    version = _current(ada)
    sign_visit(rivera, ada, visit_input("pause"), follows=version, password=PASSWORD)
    with pytest.raises(ValidationError, match="changed meanwhile"):
        sign_visit(rivera, ada, visit_input("stop"), follows=version, password=PASSWORD)
    assert FollowUpVisit.objects.count() == 1


def test_pausing_cancels_the_booked_infusions_and_tells_the_patient(
    ada, rivera, nina, clinic
) -> None:
    from ketaclinic.outbox.models import OutgoingMessage
    from ketaclinic.scheduling import services as scheduling
    from ketaclinic.scheduling.models import Appointment, BoosterDue, BoosterStatus
    from ketaclinic.scheduling.tests.helpers import T, days_ahead, local, open_clinic

    given(ada, rivera, nina, 10)
    Patient.objects.filter(pk=ada.pk).update(email="ada@example.org")
    ada.refresh_from_db()
    open_clinic(clinic, rivera, nina, closes=T(20))  # a 4-hour infusion after the break
    day = days_ahead(3)

    def book(kind: str, at: dt.time, mode: str = "") -> Appointment:
        starts = local(clinic, day, at)
        request = scheduling.Booking(kind=kind, patient=ada, starts_at=starts, mode=mode)
        return scheduling.book(rivera, request)

    infusion = book("infusion", T(12, 30))
    follow_up = book("follow_up", T(9), "phone")
    scheduling.mark_booster_due(rivera, ada, days_ahead(30))
    sign_visit(rivera, ada, visit_input("pause"), follows=_current(ada), password=PASSWORD)
    infusion.refresh_from_db()
    assert infusion.status == "cancelled"
    assert infusion.cancel_reason.startswith("Treatment plan paused at the follow-up visit of")
    follow_up.refresh_from_db()
    assert follow_up.status == "booked"  # the patient is still followed up
    assert BoosterDue.objects.get(patient=ada).status == BoosterStatus.DISMISSED
    assert OutgoingMessage.objects.filter(key=f"appointment:{infusion.code}:cancelled").exists()
    cancelled = AuditEvent.objects.filter(summary="Appointment cancelled", actor_id=rivera.pk)
    assert cancelled.filter(patient_code=str(ada.code)).count() == 1
