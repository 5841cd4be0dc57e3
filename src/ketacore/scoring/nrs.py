"""Pain intensity numeric rating scale (NRS), 0-10.

One item: 0 = no pain, 10 = worst pain imaginable [S57]. The total is the
answer. Severity bands differ between sources, so the band set is an option:

* ``nih`` (default): 1-3 mild, 4-6 moderate, 7-10 severe (NIH Clinical Center,
  McCaffery) [S58]. Chosen as default because it is the general clinical set,
  not derived from one disease group.
* ``palos``: 1-4 mild, 5-6 moderate, 7-10 severe (Palos 2006) [S59].
* ``boonstra``: <=5 mild, 6-7 moderate, >=8 severe (Boonstra 2016,
  musculoskeletal pain) [S60].
* ``eppoc``: 0-4 mild, 5-6 moderate, 7-10 severe (BPI-based ePPOC bands) [S61].

For ``nih`` and ``palos``, which start at 1, a 0 is reported as "no pain" [S57].

Missing items: the single item is required.

References:
    clinical-facts.md §4.1 [S57, S58, S59, S60, S61].
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import (
    Band,
    Computed,
    Instrument,
    Item,
    Option,
    band_for,
    integer_choices,
)

__all__ = ["BAND_SETS", "INSTRUMENT", "ITEMS"]

_NONE = Band("none", "No pain", 0, 0, "clinical-facts.md §4.1 [S57]")

#: Severity band sets by option value; clinical-facts.md §4.1 [CONFLICT].
BAND_SETS: Mapping[str, tuple[Band, ...]] = {
    "nih": (
        _NONE,
        Band("mild", "Mild pain", 1, 3, "clinical-facts.md §4.1 [S58]"),
        Band("moderate", "Moderate pain", 4, 6, "clinical-facts.md §4.1 [S58]"),
        Band("severe", "Severe pain", 7, 10, "clinical-facts.md §4.1 [S58]"),
    ),
    "palos": (
        _NONE,
        Band("mild", "Mild pain", 1, 4, "clinical-facts.md §4.1 [S59]"),
        Band("moderate", "Moderate pain", 5, 6, "clinical-facts.md §4.1 [S59]"),
        Band("severe", "Severe pain", 7, 10, "clinical-facts.md §4.1 [S59]"),
    ),
    "boonstra": (
        Band("mild", "Mild pain", 0, 5, "clinical-facts.md §4.1 [S60]"),
        Band("moderate", "Moderate pain", 6, 7, "clinical-facts.md §4.1 [S60]"),
        Band("severe", "Severe pain", 8, 10, "clinical-facts.md §4.1 [S60]"),
    ),
    "eppoc": (
        Band("mild", "Mild pain", 0, 4, "clinical-facts.md §4.1 [S61]"),
        Band("moderate", "Moderate pain", 5, 6, "clinical-facts.md §4.1 [S61]"),
        Band("severe", "Severe pain", 7, 10, "clinical-facts.md §4.1 [S61]"),
    ),
}

ITEMS: tuple[Item, ...] = (
    Item(
        "q1_pain",
        (
            "How strong is your pain right now, from 0 (no pain) to 10 (the worst pain you "
            "can imagine)?"
        ),
        integer_choices(0, 10, {0: "No pain", 10: "Worst pain imaginable"}),
    ),
)


def _compute(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    total = answers["q1_pain"]
    return Computed(total=total, band=band_for(total, BAND_SETS[options["bands"]]))


INSTRUMENT = Instrument(
    id="nrs",
    name="Pain intensity numeric rating scale (0-10)",
    version="1.0",
    summary="One patient-rated number for pain intensity.",
    recall="now (the clinic may ask for average or worst pain in a stated period)",
    items=ITEMS,
    compute=_compute,
    missing_rule="The single item is required.",
    references="clinical-facts.md §4.1 [S57, S58, S59, S60, S61]",
    options=(
        Option(
            "bands",
            ("nih", "palos", "boonstra", "eppoc"),
            "nih",
            "Severity band set [CONFLICT, clinical-facts.md §4.1]. nih: 1-3/4-6/7-10 [S58] "
            "(default: the general clinical set); palos: 1-4/5-6/7-10 [S59]; boonstra: "
            "<=5/6-7/>=8, musculoskeletal pain [S60]; eppoc: 0-4/5-6/7-10, BPI-based [S61].",
        ),
    ),
)
