"""Properties of replay over random charted sessions (hypothesis).

* The delivered dose equals a hand sum of rate × minutes / 60 plus the boluses, computed
  here independently of the module, and the regimen's total dose.
* Replaying a prefix and then checking each following event with ``check_next`` agrees
  with replaying the whole, for valid sessions and for any event appended to one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketacore.infusion import (
    EventKind,
    EventSequenceError,
    InfusionEvent,
    InfusionState,
    check_next,
    replay,
)

K = EventKind
S = InfusionState

#: What may follow each state: the rules, written out again for the generator.
ALLOWED = {
    S.NOT_STARTED: [K.START, K.BOLUS],
    S.RUNNING: [K.RATE_CHANGE, K.PAUSE, K.STOP, K.BOLUS],
    S.PAUSED: [K.RESUME, K.STOP, K.BOLUS],
    S.STOPPED: [K.START, K.BOLUS],
}
AFTER = {K.START: S.RUNNING, K.RATE_CHANGE: S.RUNNING, K.PAUSE: S.PAUSED, K.RESUME: S.RUNNING}
AFTER[K.STOP] = S.STOPPED

# Ints (as JSON gives them) and floats, both exercised.
amounts = st.one_of(st.integers(1, 500), st.floats(0.01, 500.0))
gaps = st.one_of(st.just(0), st.integers(0, 60), st.floats(0.0, 60.0))


@dataclass
class Session:
    events: list[InfusionEvent]
    as_of_min: float | None


@st.composite
def sessions(draw: st.DrawFn, max_events: int = 25) -> Session:
    state, rate = S.NOT_STARTED, 0.0
    time: float = draw(st.integers(0, 30))
    events = []
    for _ in range(draw(st.integers(0, max_events))):
        kind = draw(st.sampled_from(ALLOWED[state]))
        time = time + draw(gaps)
        if kind is K.BOLUS:
            events.append(InfusionEvent(kind, time, dose_mg=draw(amounts)))
            continue
        new_rate = None
        if kind in (K.START, K.RATE_CHANGE) or (kind is K.RESUME and draw(st.booleans())):
            new_rate = draw(amounts)
            if kind is K.RATE_CHANGE and new_rate == rate:
                new_rate += 1
            rate = new_rate
        events.append(InfusionEvent(kind, time, rate_mg_per_h=new_rate))
        state = AFTER[kind]
    as_of = None
    if draw(st.booleans()):
        as_of = (events[-1].time_min if events else 0) + draw(gaps)
    return Session(events, as_of)


def by_hand(session: Session) -> tuple[list[float], list[float], str]:
    """Each stretch's rate × minutes / 60, each bolus, and the final state: a second,
    plain reading of the events."""
    infused: list[float] = []
    boluses: list[float] = []
    running_since: float | None = None
    rate = 0.0
    state = "not_started"
    for e in session.events:
        t = float(e.time_min)
        if e.kind == "bolus":
            assert e.dose_mg is not None
            boluses.append(float(e.dose_mg))
            continue
        if running_since is not None:
            infused.append(rate * (t - running_since) / 60)
            running_since = None
        if e.rate_mg_per_h is not None:
            rate = float(e.rate_mg_per_h)
        if e.kind in ("start", "rate_change", "resume"):
            running_since, state = t, "running"
        else:
            state = "paused" if e.kind == "pause" else "stopped"
    if running_since is not None:
        now = float(session.events[-1].time_min)
        if session.as_of_min is not None:
            now = float(session.as_of_min)
        infused.append(rate * (now - running_since) / 60)
    return infused, boluses, state


@settings(max_examples=300, deadline=None)
@given(sessions())
def test_the_delivered_dose_is_the_hand_sum(session: Session) -> None:
    delivered = replay(session.events, as_of_min=session.as_of_min)
    infused, boluses, state = by_hand(session)
    assert delivered.infused_mg == math.fsum(infused)
    assert delivered.bolus_mg == math.fsum(boluses)
    assert delivered.total_mg == math.fsum(infused) + math.fsum(boluses)
    assert delivered.state == state
    assert math.fsum(s.dose_mg for s in delivered.segments) == delivered.infused_mg
    for s in delivered.segments:
        assert s.end_min > s.start_min
        assert s.dose_mg == s.rate_mg_per_h * (s.end_min - s.start_min) / 60
    regimen = delivered.regimen()
    assert regimen.total_dose_mg == pytest.approx(delivered.total_mg, rel=1e-12, abs=1e-12)
    assert regimen.dose_given_by_mg(delivered.as_of_min) == pytest.approx(
        delivered.total_mg, rel=1e-12, abs=1e-12
    )


def _rate_in_force(events: list[InfusionEvent]) -> float | None:
    """The rate the last start, rate change or resume with a rate set (kept through a pause)."""
    rates = [e.rate_mg_per_h for e in events if e.rate_mg_per_h is not None]
    return rates[-1] if rates else None


@settings(max_examples=300, deadline=None)
@given(sessions(), st.data())
def test_a_prefix_then_check_next_agrees_with_the_whole(
    session: Session, data: st.DataObject
) -> None:
    events = session.events
    k = data.draw(st.integers(0, len(events)))
    prefix = replay(events[:k])
    state = prefix.state
    previous = events[k - 1].time_min if k else None
    for index in range(k, len(events)):
        rate = _rate_in_force(events[:index]) if state is S.RUNNING else None
        state = check_next(state, events[index], previous, index=index, rate_mg_per_h=rate)
        previous = events[index].time_min
    assert state is replay(events).state


any_event = st.builds(
    InfusionEvent,
    kind=st.sampled_from(list(EventKind)),
    time_min=st.one_of(st.integers(0, 300), st.floats(allow_nan=True, allow_infinity=True)),
    rate_mg_per_h=st.one_of(st.none(), st.just(0), amounts, st.floats(-10, 0)),
    dose_mg=st.one_of(st.none(), st.just(0), amounts, st.floats(-10, 0)),
)


@settings(max_examples=500, deadline=None)
@given(sessions(max_events=12), any_event)
def test_check_next_refuses_exactly_what_replay_refuses(
    session: Session, event: InfusionEvent
) -> None:
    events = session.events
    prefix = replay(events)
    index = len(events)
    rate = _rate_in_force(events) if prefix.state is S.RUNNING else None
    previous = events[-1].time_min if events else None
    refused: EventSequenceError | None = None
    try:
        whole = replay([*events, event])
    except EventSequenceError as exc:
        refused = exc
    if refused is None:
        assert check_next(prefix.state, event, previous, index=index, rate_mg_per_h=rate) is (
            whole.state
        )
        return
    with pytest.raises(EventSequenceError) as caught:
        check_next(prefix.state, event, previous, index=index, rate_mg_per_h=rate)
    assert (caught.value.index, str(caught.value)) == (index, str(refused))
