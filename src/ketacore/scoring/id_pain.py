"""ID Pain (Portenoy 2006): six patient items to screen for a neuropathic component.

Items 1-5 (pins and needles, hot/burning, numb, electric shocks, made worse by
the touch of clothes or bed sheets) score +1 for yes; item 6 (pain limited to
the joints) scores -1 for yes; no scores 0. Range -1 to 5; higher means a
neuropathic component is more likely (Portenoy 2006 [Portenoy2006]).

Cut-off [CONFLICT / UNCONFIRMED]: the original abstract gives none [Portenoy2006].

* ``2`` (default): Turkish validation, optimal >= 2 (sensitivity 77.2 %,
  specificity 85 %) [IDPain-TR]. Chosen as default because it is the only
  cut-off with a retrievable source.
* ``3``: the commonly quoted ">= 3 likely", [UNCONFIRMED]: no source found.

Missing items: the cited sources give no missing-item rule, so all 6 are required.

References:
    Source: Portenoy (2006), Curr Med Res Opin, PMID 16870080 [Portenoy2006];
    Turkish validation [IDPain-TR]. Full entries in docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import NO_YES, Band, Computed, Instrument, Item, Option, band_for

__all__ = ["INSTRUMENT", "ITEMS", "WEIGHTS"]

#: Yes-weights, Portenoy 2006 [Portenoy2006].
WEIGHTS: Mapping[str, int] = {
    "q1_pins_and_needles": 1,
    "q2_hot_burning": 1,
    "q3_numb": 1,
    "q4_electric_shocks": 1,
    "q5_worse_with_touch": 1,
    "q6_only_joints": -1,
}

ITEMS: tuple[Item, ...] = (
    Item(
        "q1_pins_and_needles",
        "Does your pain feel like pins and needles?",
        NO_YES,
        weight_note="yes scores 1",
    ),
    Item(
        "q2_hot_burning", "Does your pain feel hot or burning?", NO_YES, weight_note="yes scores 1"
    ),
    Item("q3_numb", "Does your pain feel numb?", NO_YES, weight_note="yes scores 1"),
    Item(
        "q4_electric_shocks",
        "Does your pain feel like electric shocks?",
        NO_YES,
        weight_note="yes scores 1",
    ),
    Item(
        "q5_worse_with_touch",
        "Is your pain made worse by the touch of clothing or bed sheets?",
        NO_YES,
        weight_note="yes scores 1",
    ),
    Item(
        "q6_only_joints", "Is your pain only in your joints?", NO_YES, weight_note="yes scores -1"
    ),
)

_SOURCES = {
    "2": "Turkish validation of ID Pain [IDPain-TR]",
    "3": "Commonly quoted; no source found [UNCONFIRMED]",
}


def _compute(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    total = sum(weight * answers[item_id] for item_id, weight in WEIGHTS.items())
    cutoff = int(options["cutoff"])
    source = _SOURCES[options["cutoff"]]
    bands = (
        Band("unlikely", "Neuropathic component not suggested", -1, cutoff - 1, source),
        Band("likely", "Neuropathic component likely", cutoff, 5, source),
    )
    return Computed(total=total, band=band_for(total, bands))


INSTRUMENT = Instrument(
    id="id-pain",
    name="ID Pain",
    version="1.0",
    summary="Six yes/no patient items; a higher score makes a neuropathic component more likely.",
    recall="not stated in the cited sources",
    items=ITEMS,
    compute=_compute,
    missing_rule="No missing-item rule in the cited sources: all 6 items are required.",
    references="Portenoy 2006 [Portenoy2006]; Turkish validation [IDPain-TR]",
    options=(
        Option(
            "cutoff",
            ("2", "3"),
            "2",
            "[CONFLICT/UNCONFIRMED] 2 (default): Turkish validation [IDPain-TR], the only "
            "sourced value; 3: commonly quoted, [UNCONFIRMED]. The original paper gives none "
            "[Portenoy2006].",
        ),
    ),
)
