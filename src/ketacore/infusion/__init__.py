"""Infusions: the clinic's protocol library, dose calculation with limits, and replay.

* :mod:`ketacore.infusion.protocols`: the drug library document (a versioned
  policy) with ISMP-style soft and hard limits.
* :mod:`ketacore.infusion.dosing`: protocol + weight -> mg/h, mL/h, mg, mL and
  the limit checks, each figure with its working.
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

__all__ = [
    "SCHEMA",
    "WEIGHT_RANGE_KG",
    "DoseBasis",
    "DoseCalculation",
    "HardLimitError",
    "Limit",
    "LimitCheck",
    "LimitStatus",
    "Medication",
    "Protocol",
    "ProtocolLibrary",
    "Quantity",
    "Series",
    "Step",
    "Titration",
    "calculate",
    "default_library",
    "default_protocol_document",
    "load_protocol",
    "load_protocol_library",
    "require_within_hard_limits",
]
