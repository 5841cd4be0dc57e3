"""A session at the chair, through the services: every rule, read back from the database."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.audit.models import AuditEvent
from ketaclinic.conftest import PASSWORD
from ketaclinic.infusions import services
from ketaclinic.infusions.models import EntryKind, SessionEntry, SessionSignOff
from ketaclinic.infusions.tests.helpers import ALDRETE_10, NORMAL, ago, checked_in, open_session
from ketacore.infusion.care import VitalSigns

pytestmark = pytest.mark.django_db


def test_a_whole_session_delivered_dose_is_computed_from_the_events(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina, kg=70)  # 0.2 mg/kg/h -> 14 mg/h
    now = timezone.now()

    def ago(minutes: float) -> dt.datetime:  # one clock for the whole chart
        return now - dt.timedelta(minutes=minutes)

    checked_in(session, nina, minutes_ago=130)
    services.record_pump_event(nina, session, "start", rate_mg_per_h=14, occurred_at=ago(120))
    _, alerts = services.record_vitals(
        nina,
        session,
        VitalSigns(systolic_mmhg=186, diastolic_mmhg=96, heart_rate_bpm=88),
        occurred_at=ago(100),
    )
    assert [a.rule_id for a in alerts] == ["systolic-high"]
    services.record_pump_event(
        nina,
        session,
        "rate_change",
        rate_mg_per_h=28,
        reason="Pain still 7/10",
        occurred_at=ago(90),
    )
    services.record_side_effect(
        nina,
        session,
        effect="nausea",
        severity="mild",
        interventions=["rescue"],
        occurred_at=ago(80),
    )
    services.record_rescue(
        nina,
        session,
        drug="Ondansetron",
        dose="4 mg",
        route="IV",
        indication="nausea",
        occurred_at=ago(79),
    )
    services.record_pump_event(nina, session, "pause", occurred_at=ago(60))
    services.record_pump_event(nina, session, "resume", occurred_at=ago(50))
    services.record_pump_event(nina, session, "stop", occurred_at=ago(30))
    services.record_score(nina, session, "aldrete", ALDRETE_10, occurred_at=ago(10))

    state = services.session_state(session)
    # 14 mg/h x 30 min + 28 mg/h x (30 + 20) min = 7 + 23.333 = 30.333 mg
    assert state.delivered.total_mg == pytest.approx(14 * 30 / 60 + 28 * 50 / 60)
    with pytest.raises(ValidationError, match="Acknowledge every alert first"):
        services.discharge(nina, session, escort_present=True)
    services.acknowledge(nina, alerts[0], action_taken="Rate held; repeat BP 168/92 at 10 min")
    services.discharge(nina, session, escort_present=True)
    signed = services.sign_off(rivera, session, password=PASSWORD)
    assert SessionSignOff.objects.get(session=session).delivered_mg == pytest.approx(
        30.333, abs=1e-3
    )
    assert signed.signed_by == rivera
    kinds = list(SessionEntry.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == [
        "check_in",
        "start",
        "vitals",
        "rate_change",
        "side_effect",
        "rescue",
        "pause",
        "resume",
        "stop",
        "score",
        "discharge",
    ]
    assert list(SessionEntry.objects.filter(session=session).values_list("seq", flat=True)) == list(
        range(1, 12)
    )

    # After sign-off: only corrections, which point at what they correct.
    with pytest.raises(ValidationError, match="signed and locked"):
        services.record_vitals(nina, session, NORMAL)
    vitals = SessionEntry.objects.get(session=session, kind=EntryKind.VITALS)
    correction = services.amend(
        nina, vitals, reason="Wrong arm cuff size", fields={"systolic_mmhg": 176}
    )
    assert correction.amends == vitals
    assert services.session_state(session).vitals[1].systolic_mmhg == 176
    assert SessionEntry.objects.get(pk=vitals.pk).systolic_mmhg == 186  # the original stays


def test_no_start_before_a_complete_check_in_unless_a_physician_overrides(
    ada, rivera, nina
) -> None:
    session = open_session(ada, rivera, nina)
    with pytest.raises(ValidationError, match="check the patient in first"):
        services.record_pump_event(nina, session, "start", rate_mg_per_h=14)
    services.check_in(
        nina,
        session,
        consent=True,
        fasted=False,
        escort=False,
        pregnancy="",
        weight_kg=70,
        vitals=NORMAL,
        occurred_at=ago(5),
    )
    with pytest.raises(ValidationError) as caught:
        services.record_pump_event(nina, session, "start", rate_mg_per_h=14)
    assert "No adult escort home is arranged." in str(caught.value)
    with pytest.raises(PermissionDenied):
        services.override(nina, session, "check_in", reason="x")
    services.override(
        rivera, session, "check_in", reason="Escort arriving at 3 pm; confirmed by phone"
    )
    services.record_pump_event(nina, session, "start", rate_mg_per_h=14)
    assert services.session_state(session).running


@pytest.mark.parametrize(
    ("vitals", "field"),
    [
        (VitalSigns(heart_rate_bpm=0), "heart_rate_bpm"),
        (VitalSigns(heart_rate_bpm=400), "heart_rate_bpm"),
        (VitalSigns(spo2_percent=101), "spo2_percent"),
        (VitalSigns(systolic_mmhg=80, diastolic_mmhg=90), "systolic_mmhg"),
        (VitalSigns(systolic_mmhg=120), "diastolic_mmhg"),
        (VitalSigns(), "vitals"),
    ],
)
def test_implausible_vitals_are_refused_naming_the_field(ada, rivera, nina, vitals, field) -> None:
    session = open_session(ada, rivera, nina)
    checked_in(session, nina)
    before = SessionEntry.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.record_vitals(nina, session, vitals)
    assert field in caught.value.message_dict
    assert (SessionEntry.objects.count(), AuditEvent.objects.count()) == before


def test_impossible_events_and_times_are_refused(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina)
    checked_in(session, nina, minutes_ago=30)
    with pytest.raises(ValidationError, match="rate change needs a running infusion"):
        services.record_pump_event(nina, session, "rate_change", rate_mg_per_h=20, reason="x")
    with pytest.raises(ValidationError, match="is in the future"):
        services.record_pump_event(
            nina,
            session,
            "start",
            rate_mg_per_h=14,
            occurred_at=timezone.now() + dt.timedelta(minutes=10),
        )
    with pytest.raises(ValidationError, match="before the check-in"):
        services.record_pump_event(nina, session, "start", rate_mg_per_h=14, occurred_at=ago(45))
    services.record_pump_event(nina, session, "start", rate_mg_per_h=14, occurred_at=ago(20))
    with pytest.raises(ValidationError, match="say why the rate changes"):
        services.record_pump_event(nina, session, "rate_change", rate_mg_per_h=20)
    assert SessionEntry.objects.filter(session=session).count() == 2  # check-in and start


def test_the_hard_ceiling_holds_at_the_chair_in_the_service_and_the_database(
    ada, rivera, nina
) -> None:
    session = open_session(ada, rivera, nina, protocol="crps-schwartzman", kg=72)
    checked_in(session, nina)
    with pytest.raises(ValidationError, match="above the plan's hard limit of 25 mg/h"):
        services.record_pump_event(nina, session, "start", rate_mg_per_h=30)
    start = services.record_pump_event(
        nina, session, "start", rate_mg_per_h=12.6, occurred_at=ago(50)
    )
    with pytest.raises(
        ValidationError, match="bolus of 25 mg is above the plan's hard limit of 20 mg"
    ):
        services.record_pump_event(nina, session, "bolus", dose_mg=25)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionEntry.objects.create(
            session=session,
            seq=99,
            kind="rate_change",
            occurred_at=timezone.now(),
            recorded_at=timezone.now(),
            recorded_by=nina,
            client_ref=uuid.uuid4(),
            rate_mg_per_h=26,
            ceiling_rate_mg_per_h=start.ceiling_rate_mg_per_h,
        )


def test_an_entry_sent_twice_is_stored_once(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina)
    checked_in(session, nina)
    ref = uuid.uuid4()
    first, _ = services.record_vitals(nina, session, NORMAL, client_ref=ref, occurred_at=ago(3))
    again, _ = services.record_vitals(nina, session, NORMAL, client_ref=ref, occurred_at=ago(3))
    assert first.pk == again.pk
    assert SessionEntry.objects.filter(session=session, kind="vitals").count() == 1
    assert SessionEntry.objects.filter(session=session).count() == 2


def test_discharge_needs_the_score_and_an_escort_or_an_override(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina)
    checked_in(session, nina, minutes_ago=90)
    services.record_pump_event(nina, session, "start", rate_mg_per_h=14, occurred_at=ago(80))
    services.record_pump_event(nina, session, "stop", occurred_at=ago(40))
    with pytest.raises(ValidationError, match="Score the modified Aldrete"):
        services.discharge(nina, session, escort_present=True)
    low = dict(ALDRETE_10, q4_consciousness=0, q1_activity=1)
    services.record_score(nina, session, "aldrete", low)
    with pytest.raises(ValidationError, match="latest modified Aldrete score is 7, below the 9"):
        services.discharge(nina, session, escort_present=True)
    services.record_score(nina, session, "aldrete", ALDRETE_10)
    with pytest.raises(ValidationError, match="adult escort must be present"):
        services.discharge(nina, session, escort_present=False)
    services.override(
        rivera,
        session,
        "discharge",
        reason="Taxi arranged with the family; physician spoke to spouse",
    )
    entry = services.discharge(nina, session, escort_present=False)
    assert entry.data["overridden"] is True
