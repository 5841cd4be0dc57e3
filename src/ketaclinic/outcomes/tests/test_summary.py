"""The per-series summary: written through the real services, read back from the table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from ketaclinic.conftest import at_once, make_patient
from ketaclinic.lib import clock
from ketaclinic.outcomes import services, summary
from ketaclinic.outcomes.models import DiaryVia, SeriesOutcome
from ketaclinic.outcomes.tests.helpers import signed_infusions
from ketaclinic.questionnaires.models import EnteredVia
from ketaclinic.questionnaires.services import record_answers
from ketacore.scoring import gad7, phq9

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings) -> None:
    """The queue runs each task when it is queued (after the write's commit)."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
    }


def _today() -> dt.date:
    return timezone.localtime(clock.now()).date()


def _at(day: dt.date, hour: int = 8) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _diary(patient, days: range, pain: int) -> None:
    for offset in days:
        day = _today() + dt.timedelta(days=offset)
        with clock.replaying(_at(day, 20)):
            services.record_day(
                patient.portal_user,
                patient,
                day,
                {"pain_nrs": pain, "function_nrs": 5, "mood_nrs": 5},
                via=DiaryVia.PORTAL,
            )


def _mood(patient, offset: int, phq: int, gad: int) -> None:
    day = _today() + dt.timedelta(days=offset)
    with clock.replaying(_at(day, 10)):
        for module, each in ((phq9, phq), (gad7, gad)):
            answers = {item.id: each for item in module.ITEMS}
            record_answers(
                patient.portal_user,
                patient,
                module.INSTRUMENT.id,
                answers,
                via=EnteredVia.PORTAL,
            )


def _series(patient) -> list[SeriesOutcome]:
    return list(SeriesOutcome.objects.filter(patient=patient).order_by("series_number"))


def test_every_write_path_keeps_the_summary_true(ada, rivera, nina) -> None:
    # Baseline week, then three infusions two days apart, then relief that ends.
    _diary(ada, range(-27, -20), 8)
    _mood(ada, -24, phq=2, gad=2)  # PHQ-9 18, GAD-7 14 before the series
    days = [_today() + dt.timedelta(days=d) for d in (-20, -18, -16)]
    signed_infusions(ada, rivera, nina, days)
    (row,) = _series(ada)  # written by the sign-offs' refresh
    assert (row.first_day, row.last_day, row.infusions, row.sessions) == (
        days[0],
        days[-1],
        3,
        3,
    )
    assert row.category == summary.UNKNOWN  # no diary after the series yet
    assert row.baseline_pain == 8.0
    assert row.phq9_before == 18
    assert row.gad7_before == 14
    assert row.protocol_id == "four-hour"
    assert row.duration_min == 240
    assert row.booster is False

    _diary(ada, range(-15, -8), 3)  # the week after: 3 of 8, a substantial reduction
    (row,) = _series(ada)
    assert row.category == "substantial"
    assert row.responder is True
    assert row.percent == pytest.approx(62.5)
    assert row.meets_points is True
    assert row.response_pain == 3.0
    assert row.relief_onset_days == 1
    assert row.relief_censored is True  # relief still going on the last diary day

    _diary(ada, range(-8, -6), 7)  # pain back (70 % of 8 is 5.6) on two days in a row
    (row,) = _series(ada)
    assert row.relief_censored is False
    assert row.relief_days == 8

    _mood(ada, -5, phq=1, gad=1)  # after the series: 9 and 7
    (row,) = _series(ada)
    assert (row.phq9_after, row.gad7_after) == (9, 7)
    assert row.policy_version
    assert row.computed_at is not None


def test_a_later_single_infusion_is_a_booster(ada, rivera, nina) -> None:
    days = [_today() + dt.timedelta(days=d) for d in (-29, -27, -2)]
    signed_infusions(ada, rivera, nina, days)
    first, booster = _series(ada)
    assert (first.infusions, first.booster) == (2, False)
    assert (booster.series_number, booster.infusions, booster.booster) == (2, 1, True)


def test_a_rolled_back_write_refreshes_nothing(ada, rivera, nina) -> None:
    signed_infusions(ada, rivera, nina, [_today() - dt.timedelta(days=3)])
    before = _series(ada)[0].computed_at

    def failing_request() -> None:
        with transaction.atomic():
            _diary(ada, range(-2, -1), 6)
            raise RuntimeError("the request failed after the diary write")

    with pytest.raises(RuntimeError):
        failing_request()
    assert _series(ada)[0].computed_at == before


def test_a_refresh_replaces_the_rows_whole(ada, rivera, nina) -> None:
    signed_infusions(ada, rivera, nina, [_today() - dt.timedelta(days=3)])
    SeriesOutcome.objects.filter(patient=ada).update(series_number=7, category="stale")
    assert summary.refresh_patient(ada) == 1
    (row,) = _series(ada)
    assert (row.series_number, row.category) == (1, summary.UNKNOWN)


def test_refreshes_at_the_same_moment_leave_one_set_of_rows(ada, rivera, nina) -> None:
    signed_infusions(ada, rivera, nina, [_today() - dt.timedelta(days=d) for d in (9, 7, 5)])
    counts = at_once(*(lambda: summary.refresh_patient(ada) for _ in range(3)))
    assert counts == [1, 1, 1]
    assert SeriesOutcome.objects.filter(patient=ada).count() == 1


def test_refresh_all_covers_every_treated_patient_and_no_one_else(
    ada, rivera, nina, clinic
) -> None:
    signed_infusions(ada, rivera, nina, [_today() - dt.timedelta(days=4)])
    untreated = make_patient(clinic, family_name="Untreated")
    SeriesOutcome.objects.all().delete()
    assert summary.refresh_all() == 1
    assert SeriesOutcome.objects.filter(patient=ada).count() == 1
    assert not SeriesOutcome.objects.filter(patient=untreated).exists()


def test_the_command_refreshes_one_patient_or_everyone(ada, rivera, nina, capsys) -> None:
    from ketaclinic.audit.models import AuditEvent
    from ketaclinic.cli import main

    signed_infusions(ada, rivera, nina, [_today() - dt.timedelta(days=4)])
    SeriesOutcome.objects.all().delete()
    assert main(["outcomes", "refresh", "--patient", str(ada.code)]) == 0
    assert SeriesOutcome.objects.filter(patient=ada).count() == 1
    assert main(["outcomes", "refresh", "--all"]) == 0
    assert "1 patients' series summarised" in capsys.readouterr().out
    assert AuditEvent.objects.filter(summary="Outcome summary rebuilt (1 patients)").exists()
    assert main(["outcomes", "refresh", "--patient", "not-a-code"]) == 2
    assert "--patient" in capsys.readouterr().err


def test_a_sessions_alerts_and_side_effects_reach_its_series(ada, rivera, nina) -> None:
    from ketaclinic.conftest import PASSWORD
    from ketaclinic.infusions import services as infusions
    from ketaclinic.infusions.tests.helpers import ago, checked_in, open_session
    from ketacore.infusion.care import VitalSigns

    session = open_session(ada, rivera, nina)
    checked_in(session, nina, minutes_ago=50)
    infusions.record_pump_event(nina, session, "start", rate_mg_per_h=14, occurred_at=ago(45))
    _, alerts = infusions.record_vitals(
        nina,
        session,
        VitalSigns(systolic_mmhg=186, diastolic_mmhg=96, heart_rate_bpm=88, spo2_percent=97),
        occurred_at=ago(40),
    )
    infusions.acknowledge(nina, alerts[0], action_taken="Rate held; repeat BP 150/90")
    for effect in ("nausea", "dizziness"):
        infusions.record_side_effect(
            nina, session, effect=effect, severity="mild", interventions=[], occurred_at=ago(30)
        )
    infusions.record_pump_event(nina, session, "stop", occurred_at=ago(20))
    infusions.override(rivera, session, "discharge", reason="Test: home", occurred_at=ago(10))
    infusions.discharge(nina, session, escort_present=True, occurred_at=ago(5))
    assert not _series(ada)  # discharged, not yet signed: not an infusion day yet
    infusions.sign_off(rivera, session, password=PASSWORD)
    (row,) = _series(ada)
    assert (row.sessions, row.session_alerts, row.side_effects) == (1, len(alerts), 2)
    assert row.condition_group == "crps"  # G90.521, the patient's signed screening diagnosis


def _values(patient) -> list[tuple[object, ...]]:
    skip = {"id", "computed_at"}
    names = [f.attname for f in SeriesOutcome._meta.concrete_fields if f.attname not in skip]
    return list(
        SeriesOutcome.objects.filter(patient=patient).order_by("series_number").values_list(*names)
    )


def _crps(patient) -> None:
    from ketaclinic.patients.models import Condition

    Condition.objects.create(patient=patient, icd10_code="G90.522", description="CRPS I, left leg")


def test_a_batch_gives_each_patient_the_rows_a_refresh_of_them_alone_gives(
    ada, ben, rivera, nina
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ketaclinic.outcomes.tests.helpers import treated

    treated(ada, rivera, nina, _today())
    _crps(ben)
    signed_infusions(ben, rivera, nina, [_today() - dt.timedelta(days=d) for d in (30, 2)])
    _mood(ben, -40, phq=1, gad=2)
    alone = {p.pk: _values(p) for p in (ada, ben)}
    assert [len(rows) for rows in alone.values()] == [2, 2]
    SeriesOutcome.objects.all().delete()
    with CaptureQueriesContext(connection) as one:
        assert summary.refresh_patients([ada.pk]) == 2
    SeriesOutcome.objects.all().delete()
    with CaptureQueriesContext(connection) as both:
        assert summary.refresh_patients([ada.pk, ben.pk]) == 4
    assert {p.pk: _values(p) for p in (ada, ben)} == alone
    # A batch reads every patient at once: its queries do not grow with its size.
    assert len(both.captured_queries) == len(one.captured_queries)


def test_the_nightly_task_queues_every_patient_in_batches(ada, ben, rivera, nina) -> None:
    from ketaclinic.outcomes import tasks

    signed_infusions(ada, rivera, nina, [_today() - dt.timedelta(days=3)])
    _crps(ben)
    signed_infusions(ben, rivera, nina, [_today() - dt.timedelta(days=3)])
    SeriesOutcome.objects.all().delete()
    assert tasks.refresh_everyone.call() == 2
    assert SeriesOutcome.objects.filter(patient__in=[ada, ben]).count() == 2
    assert [len(b) for b in summary.patient_batches(batch=1)] == [1, 1]
