"""The rules a charted infusion event must follow, checked one event at a time (private).

:func:`check_event` checks one event and returns its values cleaned; ``check_next`` and
``replay`` (:mod:`ketacore.infusion.replay`) are built on it. The rules are
listed in :mod:`ketacore.infusion.replay` and docs/infusions.md.

Speed: a well-formed event of floats passes a few comparisons and one table look-up
(``_NEXT``); anything else (ints, Decimals, a string kind, any mistake) takes the full
check, which names the first rule broken.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from numbers import Real

from ketacore.errors import InputError

__all__ = [
    "EventKind",
    "EventSequenceError",
    "InfusionEvent",
    "InfusionState",
    "as_float",
    "check_event",
    "short",
]


class EventKind(StrEnum):
    """What a charted event records."""

    START = "start"
    RATE_CHANGE = "rate_change"
    PAUSE = "pause"
    RESUME = "resume"
    BOLUS = "bolus"
    STOP = "stop"


class InfusionState(StrEnum):
    """Where the infusion stands after an event."""

    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class InfusionEvent:
    """One event charted at the chair.

    The values are checked by :func:`check_next` and :func:`replay`, which name the
    event by its index (``events[3].rate_mg_per_h``); building the event checks nothing.

    Args:
        kind: What happened (an :class:`EventKind` or its value, e.g. ``"start"``).
        time_min: Minutes since the session's reference time (t = 0); finite, >= 0.
        rate_mg_per_h: The pump rate in mg/h: required (> 0) for a start and a rate
            change; optional for a resume (a new rate, > 0; without it the infusion
            resumes at the rate before the pause); None for the others.
        dose_mg: A bolus's dose in mg (required, > 0); None for the others.
    """

    kind: EventKind
    time_min: float
    rate_mg_per_h: float | None = None
    dose_mg: float | None = None


class EventSequenceError(InputError):
    """A charted event that cannot be, named by its index and the rule it breaks.

    ``str(error)`` reads like ``events[3]: a rate change needs a running infusion (it
    is paused)``; a bad value names its field too (``events[3].rate_mg_per_h: ...``).

    Args:
        index: The event's position in the sequence (0-based).
        reason: The rule in plain clinical words.
        field: The event's field at fault (``"time_min"``, ``"rate_mg_per_h"``,
            ``"dose_mg"``, ``"kind"``), or None when it is the event as a whole.
    """

    def __init__(self, index: int, reason: str, *, field: str | None = None) -> None:
        self.index = index
        self.reason = reason
        where = f"events[{index}]" if field is None else f"events[{index}].{field}"
        super().__init__(where, reason)


_STATE_WORDS = {
    InfusionState.NOT_STARTED: "it has not started",
    InfusionState.RUNNING: "it is running",
    InfusionState.PAUSED: "it is paused",
    InfusionState.STOPPED: "it is stopped",
}
_KIND_WORDS = {
    EventKind.START: "a start",
    EventKind.RATE_CHANGE: "a rate change",
    EventKind.PAUSE: "a pause",
    EventKind.RESUME: "a resume",
    EventKind.BOLUS: "a bolus",
    EventKind.STOP: "a stop",
}
_KINDS = ", ".join(k.value for k in EventKind)
_RUNNING = InfusionState.RUNNING
_PAUSED = InfusionState.PAUSED


def short(value: float) -> str:
    """``value`` short when that is exact (``30``), else in full (``30.000000001``)."""
    text = f"{value:g}"
    return text if float(text) == value else repr(value)


def as_float(value: object) -> float | None:
    """``value`` as a float (possibly NaN or infinite), or None when it is not a number."""
    if type(value) is float:
        return value
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        return None
    try:
        return float(value)
    except OverflowError:  # an int or fraction beyond the largest float
        return -math.inf if value < 0 else math.inf
    except ValueError:  # Decimal("sNaN")
        return math.nan


def _rate(value: object, kind: EventKind, index: int) -> float:
    rate = as_float(value)
    if rate is None or not math.isfinite(rate) or rate < 0:
        got = repr(value) if rate is None else short(rate)
        raise EventSequenceError(
            index,
            f"a pump rate must be a finite number of mg/h above 0 (got {got})",
            field="rate_mg_per_h",
        )
    if rate == 0:
        reason = {
            EventKind.START: "a start needs a rate above 0 mg/h",
            EventKind.RATE_CHANGE: (
                "a rate of 0 mg/h is a pause: chart a pause, and a resume when the pump runs again"
            ),
        }.get(
            kind,
            "a resume at 0 mg/h would still be a pause: give a rate above 0, or leave the "
            "rate out to resume at the rate before the pause",
        )
        raise EventSequenceError(index, reason, field="rate_mg_per_h")
    return rate


def _dose(value: object, index: int) -> float:
    dose = as_float(value)
    if dose is None or not math.isfinite(dose) or dose <= 0:
        got = repr(value) if dose is None else short(dose)
        raise EventSequenceError(
            index,
            f"a bolus dose must be a finite number of mg above 0 (got {got})",
            field="dose_mg",
        )
    return dose


def _fields(event: InfusionEvent, kind: EventKind, index: int) -> tuple[float | None, float | None]:
    """The event's rate and dose as floats, checked for its kind."""
    rate, dose = event.rate_mg_per_h, event.dose_mg
    if kind is EventKind.BOLUS:
        if rate is not None:
            raise EventSequenceError(
                index,
                "a bolus takes dose_mg (mg), not a rate: chart a rate as a start or a rate change",
                field="rate_mg_per_h",
            )
        if dose is None:
            raise EventSequenceError(index, "a bolus needs its dose in mg", field="dose_mg")
        return None, _dose(dose, index)
    if dose is not None:
        raise EventSequenceError(
            index,
            f"only a bolus has a dose in mg; {_KIND_WORDS[kind]} does not "
            "(chart the bolus as its own event)",
            field="dose_mg",
        )
    if kind is EventKind.START or kind is EventKind.RATE_CHANGE:
        if rate is None:
            raise EventSequenceError(
                index, f"{_KIND_WORDS[kind]} needs the pump rate in mg/h", field="rate_mg_per_h"
            )
        return _rate(rate, kind, index), None
    if kind is EventKind.RESUME:
        return (None if rate is None else _rate(rate, kind, index)), None
    if rate is not None:
        raise EventSequenceError(
            index,
            f"{_KIND_WORDS[kind]} has no rate: leave rate_mg_per_h out",
            field="rate_mg_per_h",
        )
    return None, None


def _next_state(
    state: InfusionState, kind: EventKind, rate: float | None, current: float | None, index: int
) -> InfusionState:
    """The state after ``kind``, or raise naming the rule the sequence breaks."""
    if kind is EventKind.BOLUS:
        return state
    if kind is EventKind.START:
        if state is _RUNNING or state is _PAUSED:
            hint = (
                "chart a rate change to change the rate"
                if state is _RUNNING
                else "chart a resume, or a stop before a new bag"
            )
            raise EventSequenceError(
                index,
                f"a start needs an infusion that has not started or has stopped "
                f"({_STATE_WORDS[state]}: {hint})",
            )
        return _RUNNING
    if kind is EventKind.STOP:
        if state is _RUNNING or state is _PAUSED:
            return InfusionState.STOPPED
        raise EventSequenceError(
            index, f"a stop needs a running or paused infusion ({_STATE_WORDS[state]})"
        )
    if kind is EventKind.RESUME:
        if state is _PAUSED:
            return _RUNNING
        raise EventSequenceError(index, f"a resume needs a paused infusion ({_STATE_WORDS[state]})")
    if state is not _RUNNING:
        hint = "; a resume can set a new rate" if state is _PAUSED else ""
        raise EventSequenceError(
            index,
            f"{_KIND_WORDS[kind]} needs a running infusion ({_STATE_WORDS[state]}{hint})",
        )
    if kind is EventKind.RATE_CHANGE and rate is not None and rate == current:
        raise EventSequenceError(
            index,
            f"a rate change needs a different rate (it is already running at {short(rate)} mg/h)",
            field="rate_mg_per_h",
        )
    return _PAUSED if kind is EventKind.PAUSE else _RUNNING


def _check_fully(
    state: InfusionState,
    event: InfusionEvent,
    previous_time_min: float | None,
    index: int,
    current_rate: float | None,
) -> tuple[InfusionState, EventKind, float, float | None, float | None]:
    """Check every rule in order and raise for the first broken; else as :func:`check_event`."""
    if not isinstance(event, InfusionEvent):
        raise EventSequenceError(index, f"must be an InfusionEvent (got {type(event).__name__})")
    kind = event.kind
    if kind.__class__ is not EventKind:
        try:
            kind = EventKind(kind)
        except ValueError:
            raise EventSequenceError(
                index, f"must be one of {_KINDS} (got {kind!r})", field="kind"
            ) from None
    time = as_float(event.time_min)
    if time is None or not math.isfinite(time) or time < 0:
        got = repr(event.time_min) if time is None else short(time)
        raise EventSequenceError(
            index,
            f"a time must be a finite number of minutes from the session's start, 0 or more "
            f"(got {got})",
            field="time_min",
        )
    rate, dose = _fields(event, kind, index)
    if previous_time_min is not None and time < previous_time_min:
        raise EventSequenceError(
            index,
            f"times never go backwards: this event is at {short(time)} min, before the "
            f"previous one at {short(previous_time_min)} min",
            field="time_min",
        )
    return _next_state(state, kind, rate, current_rate, index), kind, time, rate, dose


#: Every allowed (state, kind) and the state it leads to.
_NEXT: dict[tuple[InfusionState, EventKind], InfusionState] = {
    **{(state, EventKind.BOLUS): state for state in InfusionState},
    (InfusionState.NOT_STARTED, EventKind.START): _RUNNING,
    (InfusionState.STOPPED, EventKind.START): _RUNNING,
    (_RUNNING, EventKind.RATE_CHANGE): _RUNNING,
    (_RUNNING, EventKind.PAUSE): _PAUSED,
    (_PAUSED, EventKind.RESUME): _RUNNING,
    (_RUNNING, EventKind.STOP): InfusionState.STOPPED,
    (_PAUSED, EventKind.STOP): InfusionState.STOPPED,
}
_INF = math.inf
_EXACT_INT = 2**53  # ints up to here become floats exactly; others take the full check
_NEEDS_RATE = (EventKind.START, EventKind.RATE_CHANGE)
_TAKES_RATE = (*_NEEDS_RATE, EventKind.RESUME)


def check_event(
    state: InfusionState,
    event: InfusionEvent,
    previous_time_min: float | None,
    index: int,
    current_rate: float | None,
) -> tuple[InfusionState, EventKind, float, float | None, float | None]:
    """Check one event against the state so far.

    Args:
        state: The state after the events before it.
        event: The event.
        previous_time_min: The time of the event before it (None for the first).
        index: Its position, named in errors.
        current_rate: The running rate (None unless running), for the rule that a rate
            change changes the rate.

    Returns:
        ``(new state, kind, time_min, rate_mg_per_h, dose_mg)``, numbers as floats.

    Raises:
        EventSequenceError: The first rule the event breaks.
    """
    if event.__class__ is InfusionEvent:
        # As given, before any check: a caller may pass anything.
        kind: object = event.kind
        time: object = event.time_min
        rate: object = event.rate_mg_per_h
        dose: object = event.dose_mg
        if type(time) is int and 0 <= time <= _EXACT_INT:
            time = float(time)
        new_state = _NEXT.get((state, kind))  # type: ignore[arg-type]
        if (
            new_state is not None
            and type(kind) is EventKind
            and type(time) is float
            and 0.0 <= time < _INF
            and (previous_time_min is None or time >= previous_time_min)
        ):
            if type(rate) is int and 0 < rate <= _EXACT_INT:
                rate = float(rate)
            if type(dose) is int and 0 < dose <= _EXACT_INT:
                dose = float(dose)
            if dose is None:
                if rate is None:
                    if kind not in _NEEDS_RATE and kind is not EventKind.BOLUS:
                        return new_state, kind, time, None, None
                elif (
                    type(rate) is float
                    and 0.0 < rate < _INF
                    and kind in _TAKES_RATE
                    and (kind is not EventKind.RATE_CHANGE or rate != current_rate)
                ):
                    return new_state, kind, time, rate, None
            elif (
                kind is EventKind.BOLUS
                and rate is None
                and type(dose) is float
                and 0.0 < dose < _INF
            ):
                return new_state, kind, time, None, dose
    return _check_fully(state, event, previous_time_min, index, current_rate)
