"""Pain intensity numeric rating scale (NRS), 0-10.

One item: 0 = no pain, 10 = worst pain imaginable [PhysioCanada-NRS]. The total is the
answer. Severity bands differ between sources, so the band set is an option:

* ``nih`` (default): 1-3 mild, 4-6 moderate, 7-10 severe (NIH Clinical Center,
  McCaffery) [NIHCC-NRS]. Chosen as default because it is the general clinical
  set, not derived from one disease group.
* ``palos``: 1-4 mild, 5-6 moderate, 7-10 severe (Palos 2006 [Palos2006]).
* ``boonstra``: <=5 mild, 6-7 moderate, >=8 severe (Boonstra 2016
  [Boonstra2016], musculoskeletal pain).
* ``eppoc``: 0-4 mild, 5-6 moderate, 7-10 severe (BPI-based ePPOC bands)
  [EPPOC-BPI].

For ``nih`` and ``palos``, which start at 1, a 0 is reported as "no pain"
[PhysioCanada-NRS].

Missing items: the single item is required.

References:
    Source: Palos (2006), PMID 16414555 [Palos2006]; Boonstra (2016), Front Psychol
    [Boonstra2016]; secondary sources, no original publication found: Physiotherapy
    Canada [PhysioCanada-NRS], NIH Clinical Center [NIHCC-NRS], ePPOC [EPPOC-BPI].
    Full entries in docs/references.md.
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

_NONE = Band("none", "No pain", 0, 0, "Scale anchor [PhysioCanada-NRS] [SECONDARY]")

#: Severity band sets by option value; the sources disagree [CONFLICT].
BAND_SETS: Mapping[str, tuple[Band, ...]] = {
    "nih": (
        _NONE,
        Band("mild", "Mild pain", 1, 3, "NIH Clinical Center [NIHCC-NRS] [SECONDARY]"),
        Band("moderate", "Moderate pain", 4, 6, "NIH Clinical Center [NIHCC-NRS] [SECONDARY]"),
        Band("severe", "Severe pain", 7, 10, "NIH Clinical Center [NIHCC-NRS] [SECONDARY]"),
    ),
    "palos": (
        _NONE,
        Band("mild", "Mild pain", 1, 4, "Palos 2006 [Palos2006]"),
        Band("moderate", "Moderate pain", 5, 6, "Palos 2006 [Palos2006]"),
        Band("severe", "Severe pain", 7, 10, "Palos 2006 [Palos2006]"),
    ),
    "boonstra": (
        Band("mild", "Mild pain", 0, 5, "Boonstra 2016 [Boonstra2016]"),
        Band("moderate", "Moderate pain", 6, 7, "Boonstra 2016 [Boonstra2016]"),
        Band("severe", "Severe pain", 8, 10, "Boonstra 2016 [Boonstra2016]"),
    ),
    "eppoc": (
        Band("mild", "Mild pain", 0, 4, "ePPOC BPI-based bands [EPPOC-BPI] [SECONDARY]"),
        Band("moderate", "Moderate pain", 5, 6, "ePPOC BPI-based bands [EPPOC-BPI] [SECONDARY]"),
        Band("severe", "Severe pain", 7, 10, "ePPOC BPI-based bands [EPPOC-BPI] [SECONDARY]"),
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
    references=(
        "Palos 2006 [Palos2006]; Boonstra 2016 [Boonstra2016]; secondary: "
        "[PhysioCanada-NRS], [NIHCC-NRS], [EPPOC-BPI]"
    ),
    options=(
        Option(
            "bands",
            ("nih", "palos", "boonstra", "eppoc"),
            "nih",
            "Severity band set [CONFLICT]. nih: 1-3/4-6/7-10 [NIHCC-NRS] (default: the "
            "general clinical set); palos: 1-4/5-6/7-10 [Palos2006]; boonstra: <=5/6-7/>=8, "
            "musculoskeletal pain [Boonstra2016]; eppoc: 0-4/5-6/7-10, BPI-based [EPPOC-BPI].",
        ),
    ),
)
