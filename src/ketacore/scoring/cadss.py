"""CADSS (Clinician-Administered Dissociative States Scale), 23-item ketamine-trial form.

Ketamine and esketamine research uses a 23-item CADSS, each item rated 0
(normal) to 4 (severe), total 0-92 [S85, S86]. The original scale's item count
is a [CONFLICT] (28 items per the author's instructions [S83]; 19 subjective +
8 observer items per a trial protocol [S84]); we implement the 23-item form
because that is the one used in ketamine trials.

Our reference does not give the item wording, so items are identified by number
only (``q1`` ... ``q23``) and their text says so; the clinic must use the
licensed form for the wording. The short form CADSS-6 (items 1, 2, 6, 7, 15,
22) correlates strongly with the full scale [S87]; it is reported as the
subscale ``cadss6``, assuming the CADSS-6 item numbers refer to this 23-item
numbering [UNCONFIRMED]. Our reference gives no interpretation bands or
cut-offs, so ``band`` is None.

Missing items: our reference gives no missing-item rule, so all 23 are required.

Licence: not verified.

References:
    clinical-facts.md §5.3 [S83, S84, S85, S86, S87, S88].
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import Computed, Instrument, Item, integer_choices

__all__ = ["CADSS6_ITEMS", "INSTRUMENT", "ITEMS"]

#: Item numbers of CADSS-6, clinical-facts.md §5.3 [S87].
CADSS6_ITEMS: tuple[int, ...] = (1, 2, 6, 7, 15, 22)

_SEVERITY = integer_choices(0, 4, {0: "Normal", 4: "Severe"})

ITEMS: tuple[Item, ...] = tuple(
    Item(
        f"q{n}",
        f"CADSS item {n} (wording not reproduced: use the licensed CADSS form).",
        _SEVERITY,
    )
    for n in range(1, 24)
)


def _compute(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    total = sum(answers[i.id] for i in ITEMS)
    cadss6 = sum(answers[f"q{n}"] for n in CADSS6_ITEMS)
    return Computed(total=total, subscales={"cadss6": cadss6})


INSTRUMENT = Instrument(
    id="cadss",
    name="Clinician-Administered Dissociative States Scale (CADSS), 23-item form",
    version="1.0",
    summary="23 clinician-rated items on dissociation, each 0-4, as used in ketamine trials.",
    recall="during or just after the infusion (trial timing 0, 40, 120, 240 min [S88])",
    items=ITEMS,
    compute=_compute,
    missing_rule="No missing-item rule in our reference: all 23 items are required.",
    references="clinical-facts.md §5.3 [S83, S84, S85, S86, S87, S88]",
)
