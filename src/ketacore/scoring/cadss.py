"""CADSS (Clinician-Administered Dissociative States Scale), 23-item ketamine-trial form.

Ketamine and esketamine research uses a 23-item CADSS, each item rated 0
(normal) to 4 (severe), total 0-92 (Bremner 2024 [Bremner2024]; trial
NCT04226963 [NCT04226963]). The original scale (Bremner et al. 1998
[Bremner1998]) has an item count that is a [CONFLICT] (28 items per the
author's instructions [Bremner2014]; 19 subjective + 8 observer items per a
trial protocol [CADSS-BPRS-Protocol]); we implement the 23-item form because
that is the one used in ketamine trials.

The cited sources do not give the item wording, so items are identified by number
only (``q1`` ... ``q23``) and their text says so; the clinic must use the
licensed form for the wording. The short form CADSS-6 (items 1, 2, 6, 7, 15,
22) correlates strongly with the full scale (Rodrigues et al.
[Rodrigues-CADSS6]); it is reported as the
subscale ``cadss6``, assuming the CADSS-6 item numbers refer to this 23-item
numbering [UNCONFIRMED]. The cited sources give no interpretation bands or
cut-offs, so ``band`` is None.

Missing items: the cited sources give no missing-item rule, so all 23 are required.

Licence: not verified.

References:
    Source: Bremner et al. (1998), J Trauma Stress [Bremner1998]; Bremner (2014)
    [Bremner2014]; Bremner (2024) [Bremner2024]; Rodrigues et al.
    [Rodrigues-CADSS6]; trial sources [NCT04226963], [CADSS-BPRS-Protocol],
    [PMC6727003]. Full entries in docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import Computed, Instrument, Item, integer_choices

__all__ = ["CADSS6_ITEMS", "INSTRUMENT", "ITEMS"]

#: Item numbers of CADSS-6, Rodrigues et al. [Rodrigues-CADSS6].
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
    recall="during or just after the infusion (trial timing 0, 40, 120, 240 min [PMC6727003])",
    items=ITEMS,
    compute=_compute,
    missing_rule="No missing-item rule in the cited sources: all 23 items are required.",
    references=(
        "Bremner et al. 1998 [Bremner1998]; 23-item form: Bremner 2024 [Bremner2024], "
        "[NCT04226963]; CADSS-6: [Rodrigues-CADSS6]"
    ),
)
