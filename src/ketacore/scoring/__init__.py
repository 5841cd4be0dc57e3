"""Validated instruments: item definitions, published scoring rules, bands and cut-offs.

Each instrument lives in its own module and is registered here under a stable,
lower-case id used by the CLI, the API and stored results. Use
:func:`get_instrument` to look one up and :meth:`Instrument.score` to score
answers keyed by item id.

References:
    Per-instrument sources in each module and in docs/instruments.md, cited by key;
    the full entries are in docs/references.md (sections "Screening instruments",
    "Outcome measures" and "Clinical monitoring and discharge").
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.errors import InputError
from ketacore.scoring import (
    aldrete,
    bpi,
    bprs_positive,
    cadss,
    dn4,
    gad7,
    id_pain,
    lanss,
    moaas,
    nrs,
    padss,
    pgic,
    phq9,
    rass,
)
from ketacore.scoring._common import (
    Band,
    Choice,
    Flag,
    Instrument,
    Item,
    Option,
    ScoreResult,
    score_result_to_dict,
)

__all__ = [
    "INSTRUMENTS",
    "Band",
    "Choice",
    "Flag",
    "Instrument",
    "Item",
    "Option",
    "ScoreResult",
    "get_instrument",
    "score_result_to_dict",
]

#: Every instrument by its stable id, in the order of docs/instruments.md.
INSTRUMENTS: Mapping[str, Instrument] = {
    i.id: i
    for i in (
        nrs.INSTRUMENT,
        dn4.DN4,
        dn4.DN4_INTERVIEW,
        lanss.LANSS,
        lanss.S_LANSS,
        id_pain.INSTRUMENT,
        bpi.INSTRUMENT,
        phq9.INSTRUMENT,
        gad7.INSTRUMENT,
        pgic.INSTRUMENT,
        rass.INSTRUMENT,
        moaas.INSTRUMENT,
        cadss.INSTRUMENT,
        bprs_positive.INSTRUMENT,
        aldrete.INSTRUMENT,
        padss.INSTRUMENT,
    )
}


def get_instrument(name: str) -> Instrument:
    """Return the instrument with stable id ``name`` (case-insensitive).

    Args:
        name: An instrument id such as ``"dn4"`` or ``"bpi-sf"``.

    Returns:
        The registered instrument.

    Raises:
        InputError: If no instrument has that id (the message lists the ids).
    """
    key = name.strip().lower()
    if key not in INSTRUMENTS:
        raise InputError(
            "instrument", f"unknown instrument {name!r}; known: {', '.join(INSTRUMENTS)}"
        )
    return INSTRUMENTS[key]
