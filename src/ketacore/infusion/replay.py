"""The infusion charted at the chair, replayed into the dose actually delivered.

A nurse charts timed events (start, rate change, pause, resume, bolus, stop); the
delivered dose is computed from them, never typed in. :func:`replay` checks a whole
sequence and returns the constant-rate segments, the boluses, the totals and a
:class:`ketacore.pk.Regimen` for concentration prediction; :func:`check_next` checks
one appended event against the state so far, cheaply, before it is saved.

Times are minutes from the session's reference time (t = 0); pump rates are mg/h, as
on the pump; doses are mg. A segment at ``rate_mg_per_h`` for ``m`` minutes delivers
``rate_mg_per_h × m / 60`` mg, in floating point with no rounding (rounding is for
display). The rules, each refused with the event's index and a reason in plain
clinical words (docs/infusions.md):

* times never go backwards (equal times are allowed and applied in the order given);
* a start needs an infusion that has not started or has stopped (a new bag);
* a rate change needs a running infusion and a different rate above 0 (0 is a pause);
* a pause needs a running infusion; a resume needs a paused one and resumes at the rate
  before the pause unless it gives a new one;
* a stop needs a running or paused infusion;
* a bolus may be given at any time, with a dose above 0;
* rates and doses are finite numbers above 0. There is no upper limit here: dose
  limits are the caller's policy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ketacore import pk, units
from ketacore.errors import InputError
from ketacore.infusion._rules import (
    EventKind,
    EventSequenceError,
    InfusionEvent,
    InfusionState,
    as_float,
    check_event,
    short,
)

__all__ = [
    "DeliveredDose",
    "EventKind",
    "EventSequenceError",
    "InfusionEvent",
    "InfusionState",
    "Segment",
    "check_next",
    "replay",
]


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of the infusion at a constant rate.

    Args:
        start_min: Start, min.
        end_min: End, min (> start_min; stretches of no length are left out).
        rate_mg_per_h: The pump rate, mg/h.
        dose_mg: Delivered: ``rate_mg_per_h × (end_min − start_min) / 60``, mg.
    """

    start_min: float
    end_min: float
    rate_mg_per_h: float
    dose_mg: float


@dataclass(frozen=True, slots=True)
class DeliveredDose:
    """The dose delivered by a charted sequence of events, up to ``as_of_min``.

    Args:
        segments: Constant-rate stretches in time order; a running infusion's last
            segment ends at ``as_of_min``.
        boluses: ``(time_min, dose_mg)`` pairs in charted order.
        infused_mg: Sum of the segments' doses (``math.fsum``), mg.
        bolus_mg: Sum of the boluses (``math.fsum``), mg.
        total_mg: ``infused_mg + bolus_mg``, mg.
        state: The infusion's state after the last event.
        rate_mg_per_h: The current pump rate (0 unless running), mg/h.
        as_of_min: "Now": the time up to which a running infusion is counted, min.
    """

    segments: tuple[Segment, ...]
    boluses: tuple[tuple[float, float], ...]
    infused_mg: float
    bolus_mg: float
    total_mg: float
    state: InfusionState
    rate_mg_per_h: float
    as_of_min: float

    def regimen(self) -> pk.Regimen:
        """The delivered dose as a PK regimen, for concentration prediction.

        A running infusion is included up to ``as_of_min`` only: a prediction after
        that time assumes that nothing more is given.

        Returns:
            One :class:`ketacore.pk.Infusion` per segment (rates in mg/min) and one
            :class:`ketacore.pk.Bolus` per bolus.
        """
        return pk.Regimen(
            boluses=tuple(pk.Bolus(t, d) for t, d in self.boluses),
            infusions=tuple(
                pk.Infusion(
                    s.start_min,
                    s.end_min - s.start_min,
                    units.mg_per_min_from_mg_per_h(s.rate_mg_per_h),
                )
                for s in self.segments
            ),
        )


def check_next(
    state: InfusionState,
    event: InfusionEvent,
    previous_time_min: float | None,
    *,
    index: int,
    rate_mg_per_h: float | None = None,
) -> InfusionState:
    """Check one event appended to a sequence, given the state the sequence left.

    Cheap (no replay): call it before saving a newly charted event.

    Args:
        state: The state after the events so far (``DeliveredDose.state``).
        event: The new event.
        previous_time_min: The time of the last event so far, or None for the first.
        index: The new event's position in the sequence (named in errors).
        rate_mg_per_h: The rate the infusion runs at (``DeliveredDose.rate_mg_per_h``)
            when ``state`` is running; given, a rate change to the same rate is refused
            as :func:`replay` refuses it. Without it that one rule is not checked.

    Returns:
        The state after the event.

    Raises:
        EventSequenceError: The event is malformed or cannot follow the sequence.
    """
    if state.__class__ is not InfusionState:
        try:
            state = InfusionState(state)
        except ValueError:
            raise InputError(
                "state", f"must be one of {', '.join(InfusionState)} (got {state!r})"
            ) from None
    current = rate_mg_per_h if state is InfusionState.RUNNING else None
    return check_event(state, event, previous_time_min, index, current)[0]


def _segment(start_min: float, end_min: float, rate: float, opened_by: int) -> Segment:
    dose = rate * (end_min - start_min) / 60.0
    if not math.isfinite(dose):
        raise EventSequenceError(
            opened_by,
            "the dose at this rate is too large a number to compute: check the rate",
            field="rate_mg_per_h",
        )
    return Segment(start_min, end_min, rate, dose)


def _as_of(as_of_min: float | None, last_time_min: float | None) -> float:
    if as_of_min is None:
        return 0.0 if last_time_min is None else last_time_min
    now = as_float(as_of_min)
    if now is None or not math.isfinite(now) or now < 0:
        got = repr(as_of_min) if now is None else short(now)
        raise InputError("as_of_min", f"must be a finite number of minutes, 0 or more (got {got})")
    if last_time_min is not None and now < last_time_min:
        raise InputError(
            "as_of_min",
            f"must not be before the last charted event (at {short(last_time_min)} min; "
            f"got {short(now)})",
        )
    return now


def _total(parts: list[float], field: str) -> float:
    try:
        total = math.fsum(parts)
    except OverflowError:
        total = math.inf
    if not math.isfinite(total):
        raise InputError(field, "the total dose is too large a number to compute")
    return total


def replay(events: Sequence[InfusionEvent], *, as_of_min: float | None = None) -> DeliveredDose:
    """Replay charted events into the dose delivered up to ``as_of_min``.

    Args:
        events: The session's events in charted order.
        as_of_min: "Now", for a running infusion (>= the last event's time); default
            the last event's time (0 without events).

    Returns:
        The segments, boluses, totals and the final state.

    Raises:
        EventSequenceError: An event is malformed or cannot follow the ones before it
            (the first such event is named).
        InputError: ``as_of_min`` is not a time at or after the last event, or a total
            is too large to compute.
    """
    running = InfusionState.RUNNING
    state = InfusionState.NOT_STARTED
    previous: float | None = None
    rate = 0.0  # the running rate, kept through a pause
    opened_min = 0.0
    opened_by = 0
    segments: list[Segment] = []
    boluses: list[tuple[float, float]] = []
    for index, event in enumerate(events):
        new_state, kind, time, new_rate, dose = check_event(
            state, event, previous, index, rate if state is running else None
        )
        if kind is EventKind.BOLUS:
            assert dose is not None
            boluses.append((time, dose))
        else:
            if state is running and time > opened_min:
                segments.append(_segment(opened_min, time, rate, opened_by))
            if new_state is running:
                if new_rate is not None:
                    rate = new_rate
                opened_min, opened_by = time, index
        state, previous = new_state, time
    now = _as_of(as_of_min, previous)
    if state is running and now > opened_min:
        segments.append(_segment(opened_min, now, rate, opened_by))
    infused = _total([s.dose_mg for s in segments], "events")
    bolus = _total([d for _, d in boluses], "events")
    return DeliveredDose(
        segments=tuple(segments),
        boluses=tuple(boluses),
        infused_mg=infused,
        bolus_mg=bolus,
        total_mg=_total([infused, bolus], "events"),
        state=state,
        rate_mg_per_h=rate if state is running else 0.0,
        as_of_min=now,
    )
