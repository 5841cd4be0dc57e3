"""Infusions: the clinic's protocol library, dose calculation with limits, and replay.

* :mod:`ketacore.infusion.protocols`: the drug library document (a versioned
  policy) with ISMP-style soft and hard limits.
* :mod:`ketacore.infusion.dosing`: protocol + weight -> mg/h, mL/h, mg, mL and
  the limit checks, each figure with its working.
* :mod:`ketacore.infusion.replay`: events charted at the chair replayed into the
  dose actually delivered.

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
events so far left (cheaply, without a replay). The rules and the JSON contracts of
``ketaclinic dose`` and ``ketaclinic session replay`` are in docs/infusions.md.
"""

from __future__ import annotations

from ketacore.infusion.dosing import (
    WEIGHT_RANGE_KG,
    DoseCalculation,
    HardLimitError,
    LimitCheck,
    LimitStatus,
    Step,
    calculate,
    require_within_hard_limits,
)
from ketacore.infusion.protocols import (
    SCHEMA,
    DoseBasis,
    Limit,
    Medication,
    Protocol,
    ProtocolLibrary,
    Quantity,
    Series,
    Titration,
    default_library,
    default_protocol_document,
    load_protocol,
    load_protocol_library,
)
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
    "SCHEMA",
    "WEIGHT_RANGE_KG",
    "DeliveredDose",
    "DoseBasis",
    "DoseCalculation",
    "EventKind",
    "EventSequenceError",
    "HardLimitError",
    "InfusionEvent",
    "InfusionState",
    "Limit",
    "LimitCheck",
    "LimitStatus",
    "Medication",
    "Protocol",
    "ProtocolLibrary",
    "Quantity",
    "Segment",
    "Series",
    "Step",
    "Titration",
    "calculate",
    "check_next",
    "default_library",
    "default_protocol_document",
    "load_protocol",
    "load_protocol_library",
    "replay",
    "require_within_hard_limits",
]
