"""Modified Aldrete score (Aldrete 1970, modified 1995): recovery after sedation.

Five observed items, each 0-2, total 0-10 (Aldrete 1995 [Aldrete1995]; the
original score: Aldrete 1970 [Aldrete1970]): activity, respiration,
circulation, consciousness and oxygen saturation. A total >= 9 means the
patient may leave phase-I recovery [Aldrete1995].

Variants are a [CONFLICT], selectable with the ``variant`` option:

* ``standard`` (default): ready when total >= 9 [Aldrete1995].
* ``strict``: ready when total >= 8 with full marks (2) for both respiration and
  oxygen saturation [Aldrete-Strict].

Circulation is scored as the published table does, by percent of baseline with
the mmHg form in brackets; some tables use mmHg only (see [Aldrete1995] in
docs/references.md). The nurse picks the level, so either form gives the same
item value. The 6-item (0-12) version that adds colour [Aldrete6-Calculator]
[SECONDARY] is not supported.

Missing items: every item is required (a discharge score with a blank item is
not a score).

References:
    Source: Aldrete (1970) [Aldrete1970]; Aldrete (1995) [Aldrete1995]; the strict
    variant [Aldrete-Strict]; secondary: [Aldrete6-Calculator]. Full entries in
    docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import Band, Computed, Instrument, Item, Option, choices_from_labels

__all__ = ["INSTRUMENT", "ITEMS"]

_SRC = "Aldrete 1995 [Aldrete1995]"
ITEMS: tuple[Item, ...] = (
    Item(
        "q1_activity",
        "Activity: limbs moved on request or spontaneously.",
        choices_from_labels({2: "Moves all 4 limbs", 1: "Moves 2 limbs", 0: "Moves no limbs"}),
    ),
    Item(
        "q2_respiration",
        "Breathing.",
        choices_from_labels(
            {
                2: "Breathes deeply and coughs freely",
                1: "Short of breath or shallow breathing",
                0: "Not breathing (apnoea)",
            }
        ),
    ),
    Item(
        "q3_circulation",
        "Blood pressure compared with before sedation.",
        choices_from_labels(
            {
                2: "Within 20 % (or 20 mmHg) of baseline",
                1: "20-49 % (or 20-50 mmHg) from baseline",
                0: "50 % or more from baseline",
            }
        ),
    ),
    Item(
        "q4_consciousness",
        "Consciousness.",
        choices_from_labels({2: "Fully awake", 1: "Wakes when spoken to", 0: "Does not respond"}),
    ),
    Item(
        "q5_oxygen_saturation",
        "Oxygen saturation (SpO2).",
        choices_from_labels(
            {
                2: "Above 92 % on room air",
                1: "Needs oxygen to stay above 90 %",
                0: "Below 90 % even with oxygen",
            }
        ),
    ),
)


def _compute(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    total = sum(answers[i.id] for i in ITEMS)
    if options["variant"] == "standard":
        ready = total >= 9
        source = "Aldrete 1995 [Aldrete1995]"
        rule = "total 9 or more"
    else:
        ready = (
            total >= 8 and answers["q2_respiration"] == 2 and answers["q5_oxygen_saturation"] == 2
        )
        source = "Strict variant of the modified Aldrete score [Aldrete-Strict]"
        rule = "total 8 or more with full marks for breathing and oxygen saturation"
    band = (
        Band("ready", f"Ready to leave phase-I recovery ({rule})", total, total, source)
        if ready
        else Band(
            "not_ready",
            f"Not yet ready to leave phase-I recovery (needs {rule})",
            total,
            total,
            source,
        )
    )
    return Computed(total=total, band=band)


INSTRUMENT = Instrument(
    id="aldrete",
    name="Modified Aldrete score",
    version="1.0",
    summary="Five observed recovery items, each 0-2, for leaving phase-I recovery.",
    recall="",
    items=ITEMS,
    compute=_compute,
    missing_rule="Every item is required.",
    references=(
        "Aldrete 1970 [Aldrete1970]; Aldrete 1995 [Aldrete1995]; strict variant [Aldrete-Strict]"
    ),
    options=(
        Option(
            "variant",
            ("standard", "strict"),
            "standard",
            "[CONFLICT] standard (default): ready at total >= 9 [Aldrete1995]; strict: total "
            ">= 8 with full marks for respiration and SpO2 [Aldrete-Strict]. The 6-item colour "
            "version [Aldrete6-Calculator] is not supported.",
        ),
    ),
)
