"""The session chart's data, gathered from the state for the chair page and the PDF alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketaclinic.infusions import services
from ketaclinic.infusions.charts import session_chart_data, session_chart_svg
from ketaclinic.infusions.tests.helpers import ALDRETE_10, checked_in, open_session
from ketacore.infusion.care import VitalSigns

pytestmark = pytest.mark.django_db


def test_a_running_session_is_drawn_up_to_now(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina, kg=70)
    now = timezone.now()
    checked_in(session, nina, minutes_ago=40)
    services.record_pump_event(
        nina, session, "start", rate_mg_per_h=14, occurred_at=now - dt.timedelta(minutes=30)
    )
    services.record_pump_event(
        nina, session, "bolus", dose_mg=5, occurred_at=now - dt.timedelta(minutes=20)
    )
    state = services.session_state(session, now=now)

    data = session_chart_data(state)

    assert data.reference == "check-in"
    assert data.end_min == pytest.approx(40)
    local = timezone.localtime(state.t0)
    assert data.start_minute_of_day == pytest.approx(
        local.hour * 60 + local.minute + local.second / 60
    )
    [step] = data.rate_steps
    assert (step.start_min, step.end_min, step.rate_mg_per_h) == pytest.approx((10, 40, 14))
    [(bolus_min, bolus_mg)] = data.boluses
    assert bolus_min == pytest.approx(20)
    assert bolus_mg == 5.0
    assert data.delivered_mg == pytest.approx(14 * 30 / 60 + 5)
    assert [v.systolic_mmhg for v in data.vitals] == [124]  # the check-in's
    assert data.conc_times_min[0] == 0
    assert data.conc_times_min[-1] == pytest.approx(40)
    assert 20.0 in data.conc_times_min  # the bolus instant, so its peak is drawn
    assert max(data.plasma_ng_per_ml) > max(data.effect_site_ng_per_ml) > 0
    assert data.plasma_ng_per_ml[0] == 0
    assert data.discharge_level_ng_per_ml == 100
    assert {(t.measure, t.value) for t in data.thresholds} >= {
        ("systolic_mmhg", 180),
        ("systolic_mmhg", 90),
        ("spo2_percent", 92),
        ("heart_rate_bpm", 50),
    }
    assert "Domino 1984 model for 70 kg and 50 years" in data.model
    assert data.warnings == ()
    assert session_chart_svg(state).startswith("<svg")


def test_a_discharged_session_ends_at_the_discharge(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina, kg=70)
    now = timezone.now()

    def ago(minutes: float) -> dt.datetime:
        return now - dt.timedelta(minutes=minutes)

    checked_in(session, nina, minutes_ago=200)
    services.record_pump_event(nina, session, "start", rate_mg_per_h=14, occurred_at=ago(190))
    services.record_vitals(nina, session, VitalSigns(130, 80, 70, 97), occurred_at=ago(150))
    services.record_pump_event(nina, session, "stop", occurred_at=ago(130))
    services.record_score(nina, session, "aldrete", ALDRETE_10, occurred_at=ago(110))
    services.discharge(nina, session, escort_present=True, occurred_at=ago(100))

    data = session_chart_data(services.session_state(session))

    assert data.end_min == pytest.approx(100)  # not now: the session is over
    assert data.conc_times_min[-1] == pytest.approx(100)
    assert data.plasma_ng_per_ml[-1] < max(data.plasma_ng_per_ml)  # falling after the stop
    assert [v.spo2_percent for v in data.vitals] == [98, 97]


def test_a_patient_outside_the_models_range_is_drawn_with_the_warning(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina, kg=70)
    checked_in(session, nina, minutes_ago=30)
    services.record_pump_event(nina, session, "start", rate_mg_per_h=14, occurred_at=timezone.now())
    ada.date_of_birth = dt.date(1930, 1, 1)  # 96: past the model's validated ages
    ada.save()
    session.patient.refresh_from_db()

    data = session_chart_data(services.session_state(session))

    assert data.plasma_ng_per_ml
    assert any("outside the validated range" in w for w in data.warnings)
