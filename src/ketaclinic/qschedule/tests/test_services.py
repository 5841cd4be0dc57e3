"""The schedule's services against the database: what is created, when, its reminders,
completion and closing, read back from the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from ketaclinic.audit.models import AuditEvent
from ketaclinic.conftest import at_once
from ketaclinic.infusions import services as infusions
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.lib import clock
from ketaclinic.outbox.models import MessageStatus, OutgoingMessage
from ketaclinic.patients.models import Patient
from ketaclinic.plans.models import PlanVersion
from ketaclinic.policies.models import PolicyKind
from ketaclinic.qschedule import services, tasks
from ketaclinic.qschedule.models import AssignmentStatus, FollowUpQuestionnaire
from ketaclinic.qschedule.reminders import REMINDER_TIME, SUBJECT
from ketaclinic.qschedule.tests.helpers import baseline, complete, signed_plan
from ketaclinic.questionnaires.models import EncounterType, EnteredVia, QuestionnaireResponse
from ketacore.schedule import clinic_zone

pytestmark = pytest.mark.django_db(transaction=True)  # tasks run on commit


def _at(day: dt.date, zone_name: str) -> dt.datetime:
    return dt.datetime.combine(day, REMINDER_TIME, tzinfo=clinic_zone(zone_name))


def test_signing_a_plan_opens_the_baseline_with_its_reminders(ada, rivera, nina) -> None:
    ada.email = "ada@example.org"
    ada.save()
    signed_plan(ada, rivera, nina)
    today = services.clinic_today(ada.clinic)
    row = baseline(ada)
    assert (row.opens_on, row.closes_on, row.status) == (
        today,
        today + dt.timedelta(days=7),
        AssignmentStatus.OPEN,
    )
    assert row.instruments == ["phq9", "gad7", "bpi-sf"]
    assert row.anchor == "plan_signed"
    assert row.anchor_date == today
    assert row.occurrence == 1
    assert row.policy.kind == PolicyKind.FOLLOW_UP
    assert not row.policy._state.adding
    assert FollowUpQuestionnaire.objects.filter(patient=ada).count() == 1
    reminders = OutgoingMessage.objects.filter(key__startswith=f"followup-q:{row.code}:")
    zone = ada.clinic.time_zone
    assert sorted(m.send_after for m in reminders) == [
        _at(today + dt.timedelta(days=2), zone),
        _at(today + dt.timedelta(days=5), zone),
    ]
    for message in reminders:
        assert message.to_email == "ada@example.org"
        assert message.subject == SUBJECT
        assert message.status == MessageStatus.PENDING
        text = (message.subject + message.body).lower()
        assert "questionnaire to fill in" in text
        assert "/portal/" in text
        for clinical in ("phq", "gad", "pain", "ketamine", "depress", "anx", "mood", "infusion"):
            assert clinical not in text
    assert AuditEvent.objects.filter(summary__startswith="Follow-up questionnaires opened").count()


def test_running_it_again_creates_nothing_more(ada, rivera, nina) -> None:
    signed_plan(ada, rivera, nina)
    assert services.refresh(None, ada) == []
    assert tasks.refresh_all_questionnaires.call() == 0
    assert FollowUpQuestionnaire.objects.filter(patient=ada).count() == 1


def test_a_patient_without_email_gets_no_reminder_but_the_questionnaire(ada, rivera, nina) -> None:
    signed_plan(ada, rivera, nina)
    assert baseline(ada).status == AssignmentStatus.OPEN
    assert not OutgoingMessage.objects.exists()


def test_answering_every_instrument_completes_it_and_cancels_the_reminders(
    ada, rivera, nina
) -> None:
    ada.email = "ada@example.org"
    ada.save()
    signed_plan(ada, rivera, nina)
    row = baseline(ada)
    user = ada.portal_user
    services.answer(user, row, "phq9", complete("phq9"), via=EnteredVia.PORTAL)
    services.answer(user, row, "gad7", complete("gad7"), via=EnteredVia.PORTAL)
    partial = {"q1_worst": 7}
    services.answer(user, row, "bpi-sf", partial, via=EnteredVia.PORTAL)
    row.refresh_from_db()
    assert row.status == AssignmentStatus.OPEN
    assert row.completed_at is None
    services.answer(user, row, "bpi-sf", complete("bpi-sf"), via=EnteredVia.PORTAL)
    done = FollowUpQuestionnaire.objects.get(pk=row.pk)
    assert done.status == AssignmentStatus.COMPLETED
    assert done.completed_at is not None
    statuses = set(
        OutgoingMessage.objects.filter(key__startswith=f"followup-q:{row.code}:").values_list(
            "status", flat=True
        )
    )
    assert statuses == {MessageStatus.CANCELLED}
    stored = QuestionnaireResponse.objects.filter(
        encounter_type=EncounterType.FOLLOW_UP, encounter_code=row.code
    )
    assert {r.questionnaire for r in stored} == {"phq9", "gad7", "bpi-sf"}


@pytest.mark.parametrize(
    ("instrument", "answers", "field"),
    [
        ("pgic", {"q1_change": 3}, "questionnaire"),  # not asked at baseline
        ("phq9", {"q1_little_interest": 7}, "answers.q1_little_interest"),
        ("phq9", {"no_such_item": 1}, "answers.no_such_item"),
    ],
)
def test_bad_answers_are_refused_by_field_and_nothing_is_saved(
    ada, rivera, nina, instrument, answers, field
) -> None:
    signed_plan(ada, rivera, nina)
    row = baseline(ada)
    with pytest.raises(ValidationError) as error:
        services.answer(ada.portal_user, row, instrument, answers, via=EnteredVia.PORTAL)
    assert field in error.value.message_dict
    assert error.value.messages[0].startswith(f"{field}:")
    assert not QuestionnaireResponse.objects.filter(encounter_code=row.code).exists()
    row.refresh_from_db()
    assert row.status == AssignmentStatus.OPEN


def test_after_its_last_day_it_closes_unanswered_and_refuses_answers(ada, rivera, nina) -> None:
    ada.email = "ada@example.org"
    ada.save()
    signed_plan(ada, rivera, nina)
    row = baseline(ada)
    with clock.replaying(clock.now() + dt.timedelta(days=8)):
        tasks.refresh_all_questionnaires.call()
        row.refresh_from_db()
        assert row.status == AssignmentStatus.EXPIRED
        with pytest.raises(ValidationError) as error:
            services.answer(ada.portal_user, row, "phq9", complete("phq9"), via="portal")
        assert "questionnaire" in error.value.message_dict
    owed = OutgoingMessage.objects.filter(key__startswith=f"followup-q:{row.code}:")
    assert {m.status for m in owed} == {MessageStatus.CANCELLED}


def test_the_first_infusion_opens_after_first_the_next_day(ada, rivera, nina) -> None:
    plan = signed_plan(ada, rivera, nina)
    infusions.open_session(nina, plan, chair="Chair 1")
    assert not FollowUpQuestionnaire.objects.filter(timepoint="after_first").exists()
    with clock.replaying(clock.now() + dt.timedelta(days=1)):
        assert tasks.refresh_all_questionnaires.call() == 1
        today = services.clinic_today(ada.clinic)
    row = FollowUpQuestionnaire.objects.get(patient=ada, timepoint="after_first")
    assert row.opens_on == today
    assert row.anchor_date == today - dt.timedelta(days=1)
    assert "pgic" in row.instruments


def test_a_failing_schedule_never_holds_up_the_plan_or_the_infusion(
    ada, rivera, nina, monkeypatch
) -> None:
    def broken(actor, patient):
        raise RuntimeError("the follow-up schedule failed")

    monkeypatch.setattr(services, "refresh", broken)
    plan = signed_plan(ada, rivera, nina)  # the refresh runs after the commit, and fails
    session = infusions.open_session(nina, plan, chair="Chair 1")
    assert PlanVersion.objects.filter(pk=plan.pk).exists()
    assert InfusionSession.objects.filter(pk=session.pk).exists()
    assert not FollowUpQuestionnaire.objects.filter(patient=ada).exists()
    monkeypatch.undo()  # tomorrow's daily run opens what was missed
    assert tasks.refresh_all_questionnaires.call() == 1
    assert baseline(ada).status == "open"


def test_the_daily_run_passes_by_a_record_with_nothing_left_to_open(
    ada, rivera, nina, monkeypatch
) -> None:
    plan = signed_plan(ada, rivera, nina)
    infusions.open_session(nina, plan, chair="Chair 1")
    today = services.clinic_today(ada.clinic)
    # The default policy's horizon: the last monthly questionnaire 360 days after the
    # series, 14 + 1 days while its end may be unknown, 7 days open (ketacore's test).
    last = today + dt.timedelta(days=382)
    assert services.active_patients(ada.clinic, last) == {ada.pk}
    # The run counts from midnight UTC a day early: never short, up to two days over.
    assert services.active_patients(ada.clinic, last + dt.timedelta(days=3)) == set()
    visited: list[int] = []

    def counted(actor: object, patient: Patient) -> list[object]:
        visited.append(patient.pk)
        return []

    monkeypatch.setattr(services, "refresh", counted)
    services.refresh_all()
    assert visited == [ada.pk]
    with clock.replaying(clock.now() + dt.timedelta(days=400)):
        services.refresh_all()
    assert visited == [ada.pk]  # a year and more later: nothing left, not visited


def test_two_refreshes_at_the_same_moment_create_one_row(ada, rivera, nina) -> None:
    signed_plan(ada, rivera, nina)
    FollowUpQuestionnaire.objects.all().delete()
    at_once(lambda: services.refresh(None, ada), lambda: services.refresh(None, ada))
    assert FollowUpQuestionnaire.objects.filter(patient=ada, timepoint="baseline").count() == 1


def test_the_last_two_instruments_saved_at_once_complete_it_once(ada, rivera, nina) -> None:
    signed_plan(ada, rivera, nina)
    row = baseline(ada)
    user = ada.portal_user
    services.answer(user, row, "phq9", complete("phq9"), via=EnteredVia.PORTAL)
    at_once(
        lambda: services.answer(user, row, "gad7", complete("gad7"), via=EnteredVia.PORTAL),
        lambda: services.answer(user, row, "bpi-sf", complete("bpi-sf"), via=EnteredVia.PORTAL),
    )
    done = FollowUpQuestionnaire.objects.get(pk=row.pk)
    assert done.status == AssignmentStatus.COMPLETED
    completed = AuditEvent.objects.filter(summary__startswith="Follow-up questionnaires completed")
    assert completed.count() == 1
