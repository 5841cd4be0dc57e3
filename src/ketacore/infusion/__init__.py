"""Infusions as charted at the chair: events replayed into the dose actually delivered.

Quick start::

    from ketacore import infusion, pk

    events = [
        infusion.InfusionEvent(infusion.EventKind.START, 0.0, rate_mg_per_h=20.0),
        infusion.InfusionEvent(infusion.EventKind.STOP, 40.0),
    ]
    delivered = infusion.replay(events)          # delivered.total_mg == 20 * 40 / 60
    params = pk.get_model("domino").parameters(pk.Patient(weight_kg=70, age_years=45))
    pk.simulate(params, delivered.regimen(), times_min=[40, 60])

Before saving a newly charted event, :func:`check_next` checks it against the state the
events so far left (cheaply, without a replay). The rules and the JSON contract of
``ketaclinic session replay`` (:mod:`ketacore.infusion.documents`) are in
docs/infusions.md.
"""

from __future__ import annotations

from ketacore.infusion.replay import (
    DeliveredDose,
    EventKind,
    EventSequenceError,
    InfusionEvent,
    InfusionState,
    Segment,
    check_next,
    replay,
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
