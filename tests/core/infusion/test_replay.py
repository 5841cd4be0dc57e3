"""Charted events replayed into the delivered dose: every rule, named by index and reason."""

from __future__ import annotations

import timeit
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from ketacore import pk
from ketacore.errors import InputError
from ketacore.infusion import (
    DeliveredDose,
    EventKind,
    EventSequenceError,
    InfusionEvent,
    InfusionState,
    Segment,
    check_next,
    replay,
)

E = InfusionEvent
START, RATE, PAUSE, RESUME, BOLUS, STOP = EventKind

#: The brief's worked session: 20 mg/h, 30 mg/h from 30 min, paused 60-65, a 5 mg bolus
#: at 70 min, stopped at 120 min.
SESSION = [
    E(START, 0, rate_mg_per_h=20),
    E(RATE, 30, rate_mg_per_h=30),
    E(PAUSE, 60),
    E(RESUME, 65),
    E(BOLUS, 70, dose_mg=5),
    E(STOP, 120),
]


def test_the_worked_session_by_hand() -> None:
    d = replay(SESSION)
    assert d.segments == (
        Segment(0.0, 30.0, 20.0, 20 * 30 / 60),
        Segment(30.0, 60.0, 30.0, 30 * 30 / 60),
        Segment(65.0, 120.0, 30.0, 30 * 55 / 60),
    )
    assert d.boluses == ((70.0, 5.0),)
    assert (d.infused_mg, d.bolus_mg, d.total_mg) == (52.5, 5.0, 57.5)
    assert d.state is InfusionState.STOPPED
    assert d.rate_mg_per_h == 0.0
    assert d.as_of_min == 120.0


def test_a_running_infusion_is_counted_up_to_now() -> None:
    events = SESSION[:4]  # resumed at 65 min at the rate before the pause, 30 mg/h
    at_last_event = replay(events)
    assert at_last_event.as_of_min == 65.0
    assert at_last_event.segments[-1].end_min == 60.0  # nothing yet since the resume
    now = replay(events, as_of_min=95)
    assert now.state is InfusionState.RUNNING
    assert now.rate_mg_per_h == 30.0
    assert now.segments[-1] == Segment(65.0, 95.0, 30.0, 15.0)
    assert now.total_mg == 10 + 15 + 15
    assert now.regimen().end_of_dosing_min == 95.0


def test_a_resume_may_set_a_new_rate_and_a_second_bag_may_follow_a_stop() -> None:
    d = replay(
        [
            E(BOLUS, 0, dose_mg=2),  # before the start
            E(START, 0, rate_mg_per_h=12),
            E(PAUSE, 10),
            E(RESUME, 10, rate_mg_per_h=6),  # equal times, applied in order
            E(STOP, 20),
            E(BOLUS, 20, dose_mg=1),  # after the stop
            E(START, 30, rate_mg_per_h=60),
            E(STOP, 31),
        ]
    )
    assert [(s.start_min, s.end_min, s.rate_mg_per_h) for s in d.segments] == [
        (0.0, 10.0, 12.0),
        (10.0, 20.0, 6.0),
        (30.0, 31.0, 60.0),
    ]
    # 12 mg/h for 10 min, 6 mg/h for 10 min, 60 mg/h for 1 min; boluses 2 + 1 mg
    assert (d.infused_mg, d.bolus_mg, d.total_mg) == (2.0 + 1.0 + 1.0, 3.0, 7.0)
    assert d.boluses == ((0.0, 2.0), (20.0, 1.0))


def test_stretches_of_no_length_are_left_out() -> None:
    d = replay([E(START, 5, rate_mg_per_h=10), E(RATE, 5, rate_mg_per_h=20), E(PAUSE, 5)])
    assert d.segments == ()
    assert d.total_mg == 0.0
    assert d.state is InfusionState.PAUSED
    assert d.regimen() == pk.Regimen()


def test_no_events_is_an_infusion_not_started() -> None:
    d = replay([])
    assert d == DeliveredDose((), (), 0.0, 0.0, 0.0, InfusionState.NOT_STARTED, 0.0, 0.0)
    assert replay([], as_of_min=30).as_of_min == 30.0


def test_the_dose_is_rate_times_minutes_over_60_unrounded() -> None:
    d = replay([E(START, 0.0, rate_mg_per_h=17.3), E(STOP, 41.7)])
    assert d.segments[0].dose_mg == 17.3 * (41.7 - 0.0) / 60.0
    assert d.total_mg == 17.3 * 41.7 / 60.0


#: (events, index, field or None, the reason exactly)
IMPOSSIBLE: list[tuple[str, list[InfusionEvent], int, str | None, str]] = [
    (
        "time goes backwards",
        [E(START, 30, rate_mg_per_h=20), E(STOP, 25)],
        1,
        "time_min",
        "times never go backwards: this event is at 25 min, before the previous one at 30 min",
    ),
    (
        "a start while running",
        [E(START, 0, rate_mg_per_h=20), E(START, 5, rate_mg_per_h=30)],
        1,
        None,
        "a start needs an infusion that has not started or has stopped "
        "(it is running: chart a rate change to change the rate)",
    ),
    (
        "a start while paused",
        [E(START, 0, rate_mg_per_h=20), E(PAUSE, 5), E(START, 6, rate_mg_per_h=30)],
        2,
        None,
        "a start needs an infusion that has not started or has stopped "
        "(it is paused: chart a resume, or a stop before a new bag)",
    ),
    (
        "a rate change before the start",
        [E(RATE, 0, rate_mg_per_h=20)],
        0,
        None,
        "a rate change needs a running infusion (it has not started)",
    ),
    (
        "a rate change while paused",
        [E(START, 0, rate_mg_per_h=20), E(PAUSE, 5), E(BOLUS, 6, dose_mg=1), E(RATE, 7, 30)],
        3,
        None,
        "a rate change needs a running infusion (it is paused; a resume can set a new rate)",
    ),
    (
        "a rate change after the stop",
        [E(START, 0, rate_mg_per_h=20), E(STOP, 5), E(RATE, 7, rate_mg_per_h=30)],
        2,
        None,
        "a rate change needs a running infusion (it is stopped)",
    ),
    (
        "a rate change to the same rate",
        [E(START, 0, rate_mg_per_h=20), E(RATE, 5, rate_mg_per_h=20.0)],
        1,
        "rate_mg_per_h",
        "a rate change needs a different rate (it is already running at 20 mg/h)",
    ),
    (
        "a rate change to 0",
        [E(START, 0, rate_mg_per_h=20), E(RATE, 5, rate_mg_per_h=0)],
        1,
        "rate_mg_per_h",
        "a rate of 0 mg/h is a pause: chart a pause, and a resume when the pump runs again",
    ),
    (
        "a pause before the start",
        [E(PAUSE, 0)],
        0,
        None,
        "a pause needs a running infusion (it has not started)",
    ),
    (
        "a pause while paused",
        [E(START, 0, rate_mg_per_h=20), E(PAUSE, 5), E(PAUSE, 6)],
        2,
        None,
        "a pause needs a running infusion (it is paused; a resume can set a new rate)",
    ),
    (
        "a resume while running",
        [E(START, 0, rate_mg_per_h=20), E(RESUME, 5)],
        1,
        None,
        "a resume needs a paused infusion (it is running)",
    ),
    (
        "a resume after the stop",
        [E(START, 0, rate_mg_per_h=20), E(PAUSE, 1), E(STOP, 2), E(RESUME, 3)],
        3,
        None,
        "a resume needs a paused infusion (it is stopped)",
    ),
    (
        "a stop before the start",
        [E(BOLUS, 0, dose_mg=5), E(STOP, 1)],
        1,
        None,
        "a stop needs a running or paused infusion (it has not started)",
    ),
    (
        "a stop twice",
        [E(START, 0, rate_mg_per_h=20), E(STOP, 5), E(STOP, 5)],
        2,
        None,
        "a stop needs a running or paused infusion (it is stopped)",
    ),
]


@pytest.mark.parametrize(
    ("name", "events", "index", "field", "reason"), IMPOSSIBLE, ids=[c[0] for c in IMPOSSIBLE]
)
def test_an_impossible_sequence_names_the_event_and_the_rule(
    name: str, events: list[InfusionEvent], index: int, field: str | None, reason: str
) -> None:
    with pytest.raises(EventSequenceError) as caught:
        replay(events)
    error = caught.value
    assert isinstance(error, InputError)
    assert (error.index, error.reason) == (index, reason)
    where = f"events[{index}]" + (f".{field}" if field else "")
    assert error.field == where
    assert str(error) == f"{where}: {reason}"


#: (event, field, the reason exactly): one bad event after a running start.
MALFORMED: list[tuple[str, InfusionEvent, str, str]] = [
    ("NaN rate", E(RATE, 5, rate_mg_per_h=float("nan")), "rate_mg_per_h", "(got nan)"),
    ("infinite rate", E(RATE, 5, rate_mg_per_h=float("inf")), "rate_mg_per_h", "(got inf)"),
    ("negative rate", E(RATE, 5, rate_mg_per_h=-20), "rate_mg_per_h", "(got -20)"),
    ("a rate as text", E(RATE, 5, rate_mg_per_h="20"), "rate_mg_per_h", "(got '20')"),  # type: ignore[arg-type]
    ("a rate as true", E(RATE, 5, rate_mg_per_h=True), "rate_mg_per_h", "(got True)"),
    ("a signalling NaN", E(RATE, 5, Decimal("sNaN")), "rate_mg_per_h", "(got nan)"),  # type: ignore[arg-type]
    ("no rate", E(RATE, 5), "rate_mg_per_h", "a rate change needs the pump rate in mg/h"),
    ("a pause with a rate", E(PAUSE, 5, 3), "rate_mg_per_h", "a pause has no rate"),
    ("a stop with a rate", E(STOP, 5, 3), "rate_mg_per_h", "a stop has no rate"),
    ("a bolus as a rate", E(BOLUS, 5, 3), "rate_mg_per_h", "a bolus takes dose_mg (mg)"),
    ("a bolus of 0", E(BOLUS, 5, dose_mg=0), "dose_mg", "mg above 0 (got 0)"),
    ("a negative bolus", E(BOLUS, 5, dose_mg=-1), "dose_mg", "mg above 0 (got -1)"),
    ("a NaN bolus", E(BOLUS, 5, dose_mg=float("nan")), "dose_mg", "mg above 0 (got nan)"),
    ("no bolus dose", E(BOLUS, 5), "dose_mg", "a bolus needs its dose in mg"),
    ("a dose on a stop", E(STOP, 5, dose_mg=3), "dose_mg", "only a bolus has a dose in mg"),
    ("a resume at 0", E(RESUME, 5, 0), "rate_mg_per_h", "a resume at 0 mg/h would still"),
    ("a negative time", E(BOLUS, -1, dose_mg=1), "time_min", "0 or more (got -1)"),
    ("a NaN time", E(STOP, float("nan")), "time_min", "0 or more (got nan)"),
    ("an infinite time", E(STOP, float("inf")), "time_min", "0 or more (got inf)"),
    ("no number for time", E(STOP, None), "time_min", "(got None)"),  # type: ignore[arg-type]
    ("an unknown kind", E("flush", 5), "kind", "must be one of start, rate_change, pause"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("name", "event", "field", "reason"), MALFORMED, ids=[c[0] for c in MALFORMED]
)
def test_a_malformed_event_names_its_field(
    name: str, event: InfusionEvent, field: str, reason: str
) -> None:
    with pytest.raises(EventSequenceError) as caught:
        replay([E(START, 0, rate_mg_per_h=20), event])
    assert caught.value.index == 1
    assert caught.value.field == f"events[1].{field}"
    assert reason in caught.value.reason
    with pytest.raises(EventSequenceError) as again:
        check_next(InfusionState.RUNNING, event, 0.0, index=1, rate_mg_per_h=20.0)
    assert str(again.value) == str(caught.value)


def test_a_start_needs_a_rate_above_0() -> None:
    with pytest.raises(EventSequenceError, match=r"^events\[0\]\.rate_mg_per_h: a start needs"):
        replay([E(START, 0, rate_mg_per_h=0)])


def test_something_other_than_an_event_is_named() -> None:
    with pytest.raises(EventSequenceError, match=r"^events\[0\]: must be an InfusionEvent"):
        replay([{"kind": "start"}])  # type: ignore[list-item]


def test_there_is_no_upper_limit_but_an_overflow_is_refused() -> None:
    assert replay([E(START, 0, rate_mg_per_h=1e6), E(STOP, 60)]).total_mg == 1e6
    with pytest.raises(EventSequenceError, match=r"events\[0\]\.rate_mg_per_h: the dose"):
        replay([E(START, 0, rate_mg_per_h=1e308), E(STOP, 1e300)])
    with pytest.raises(InputError, match="too large"):
        replay([E(BOLUS, 0, dose_mg=1.7e308), E(BOLUS, 0, dose_mg=1.7e308)])
    with pytest.raises(EventSequenceError, match="got inf"):
        replay([E(START, 0, rate_mg_per_h=10**400)])


@pytest.mark.parametrize(
    ("as_of", "rule"),
    [
        (10, "must not be before the last charted event (at 30 min; got 10)"),
        (float("nan"), "must be a finite number of minutes, 0 or more (got nan)"),
        (-1, "must be a finite number of minutes, 0 or more (got -1)"),
        ("now", "must be a finite number of minutes, 0 or more (got 'now')"),
    ],
)
def test_now_is_not_before_the_last_event(as_of: Any, rule: str) -> None:
    with pytest.raises(InputError) as caught:
        replay([E(START, 0, rate_mg_per_h=20), E(PAUSE, 30)], as_of_min=as_of)
    assert (caught.value.field, caught.value.rule) == ("as_of_min", rule)


def test_ints_decimals_and_plain_strings_are_read_as_the_values_they_name() -> None:
    as_floats = replay([E(START, 0.0, 20.0), E(STOP, 30.0)])
    assert replay([E(START, 0, 20), E(STOP, 30)]) == as_floats
    decimals = [E(START, Decimal("0"), Decimal("20")), E(STOP, Decimal("30"))]  # type: ignore[arg-type]
    assert replay(decimals) == as_floats
    assert replay([E("start", 0, 20), E("stop", 30)]) == as_floats  # type: ignore[arg-type]
    assert check_next("running", E(STOP, 31), 30, index=2) is InfusionState.STOPPED  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^state: must be one of not_started"):
        check_next("on", E(STOP, 31), 30, index=2)  # type: ignore[arg-type]


def test_check_next_walks_the_session_one_event_at_a_time() -> None:
    state, previous, rate = InfusionState.NOT_STARTED, None, None
    states = []
    for index, event in enumerate(SESSION):
        state = check_next(state, event, previous, index=index, rate_mg_per_h=rate)
        previous = event.time_min
        rate = event.rate_mg_per_h or rate
        states.append(state.value)
    assert states == ["running", "running", "paused", "running", "running", "stopped"]
    # Without the current rate the same-rate rule is not checked; with it, it is.
    same = E(RATE, 40, rate_mg_per_h=30)
    assert check_next(InfusionState.RUNNING, same, 30, index=2) is InfusionState.RUNNING
    with pytest.raises(EventSequenceError, match="already running at 30 mg/h"):
        check_next(InfusionState.RUNNING, same, 30, index=2, rate_mg_per_h=30)


def test_the_regimen_predicts_as_a_hand_built_one() -> None:
    params = pk.get_model("domino").parameters(pk.Patient(weight_kg=70, age_years=45))
    by_hand = pk.Regimen.build(
        boluses=[(70, 5)],
        infusions=[(0, 30, 20 / 60), (30, 30, 30 / 60), (65, 55, 30 / 60)],
    )
    replayed = replay(SESSION).regimen()
    assert replayed.total_dose_mg == pytest.approx(57.5, rel=1e-15)
    times = [0, 15, 30, 45, 60, 62.5, 65, 70, 90, 120, 150, 240]
    ours, theirs = pk.simulate(params, replayed, times), pk.simulate(params, by_hand, times)
    np.testing.assert_allclose(ours.plasma_ng_per_ml, theirs.plasma_ng_per_ml, rtol=1e-13)
    np.testing.assert_allclose(ours.effect_site_ng_per_ml, theirs.effect_site_ng_per_ml, rtol=1e-13)
    assert ours.auc_ng_min_per_ml == pytest.approx(theirs.auc_ng_min_per_ml, rel=1e-13)


def test_200_events_replay_in_well_under_a_millisecond_ish() -> None:
    events = [E(START, 0.0, rate_mg_per_h=10.0)]
    events += [E(RATE, float(i), rate_mg_per_h=11.0 + i % 2) for i in range(1, 199)]
    events.append(E(STOP, 199.0))
    assert len(replay(events).segments) == 199
    # ~0.15 ms on a laptop; the bound is loose so that a busy shared runner never fails it.
    best_s = min(timeit.repeat(lambda: replay(events), number=20, repeat=5)) / 20
    assert best_s < 0.01
