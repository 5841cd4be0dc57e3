"""Brief Pain Inventory, short form (BPI-SF; Cleeland): severity and interference.

Scored items (Cleeland, BPI User Guide [CleelandBPI]):

* severity: worst, least, average and current pain, each 0-10;
* relief from treatment, 0-100 % (recorded, not part of either score);
* interference with general activity, mood, walking, normal work, relations
  with other people, sleep and enjoyment of life, each 0 (does not interfere)
  to 10 (completely interferes).

Scoring [CleelandBPI], [EPPOC-BPI]: severity = mean of the 4 severity items; interference =
mean of the 7 interference items, valid only if at least 4 of the 7 are
answered (the mean is then taken over the answered items). There is no total:
``total`` is None. IMMPACT: a 1-point fall in interference is minimally
important (Dworkin et al. 2008 [Dworkin2008]); our sources give no BPI-specific
severity bands, so
``band`` is None (use the NRS instrument's bands for a single item).

Missing items: the 4 severity items are required (the cited sources give no
proration rule for them); interference is None, with a flag, when fewer than 4
of its 7 items are answered; relief is optional.

Item ids follow our position scheme (q1-q12), not the printed form's question
numbers. The form's wording is not reproduced.

Licence: copyright C. S. Cleeland; use requires permission and fees may apply
[CleelandBPI]. The clinic must hold a licence before showing BPI-SF to patients.

References:
    Source: Cleeland CS, The Brief Pain Inventory User Guide, MD Anderson Cancer
    Center [CleelandBPI]; Dworkin et al. (2008), J Pain 9:105-121 [Dworkin2008];
    secondary: ePPOC [EPPOC-BPI]. Full entries in docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import fmean

from ketacore.scoring._common import Computed, Flag, Instrument, Item, integer_choices

__all__ = ["INSTRUMENT", "INTERFERENCE_ITEMS", "ITEMS", "MIN_INTERFERENCE_ITEMS", "SEVERITY_ITEMS"]

#: Interference needs at least 4 of 7 items, Cleeland [CleelandBPI]; ePPOC [EPPOC-BPI].
MIN_INTERFERENCE_ITEMS = 4

_PAIN = integer_choices(0, 10, {0: "No pain", 10: "Pain as bad as you can imagine"})
_INTERFERES = integer_choices(0, 10, {0: "Does not interfere", 10: "Completely interferes"})

SEVERITY_ITEMS: tuple[Item, ...] = (
    Item(
        "q1_worst", "Your pain at its worst in the last 24 hours (0-10).", _PAIN, section="severity"
    ),
    Item(
        "q2_least", "Your pain at its least in the last 24 hours (0-10).", _PAIN, section="severity"
    ),
    Item("q3_average", "Your pain on average (0-10).", _PAIN, section="severity"),
    Item("q4_now", "Your pain right now (0-10).", _PAIN, section="severity"),
)
RELIEF_ITEM = Item(
    "q5_relief",
    "How much relief have pain treatments or medicines given you, in percent (0-100)?",
    integer_choices(0, 100, {0: "No relief", 100: "Complete relief"}),
    required=False,
    section="relief",
)
INTERFERENCE_ITEMS: tuple[Item, ...] = tuple(
    Item(
        f"q{n}_{name}",
        f"How much has pain got in the way of your {text}?",
        _INTERFERES,
        required=False,
        section="interference",
    )
    for n, name, text in (
        (6, "general_activity", "general activity"),
        (7, "mood", "mood"),
        (8, "walking", "ability to walk"),
        (9, "normal_work", "normal work, inside and outside the home"),
        (10, "relations", "relations with other people"),
        (11, "sleep", "sleep"),
        (12, "enjoyment", "enjoyment of life"),
    )
)
ITEMS: tuple[Item, ...] = (*SEVERITY_ITEMS, RELIEF_ITEM, *INTERFERENCE_ITEMS)


def _compute(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    severity = fmean(answers[i.id] for i in SEVERITY_ITEMS)
    answered = [answers[i.id] for i in INTERFERENCE_ITEMS if i.id in answers]
    flags: tuple[Flag, ...] = ()
    interference: float | None
    if len(answered) >= MIN_INTERFERENCE_ITEMS:
        interference = fmean(answered)
    else:
        interference = None
        flags = (
            Flag(
                "interference_not_scored",
                f"Interference was not scored: {len(answered)} of 7 items answered, "
                f"at least {MIN_INTERFERENCE_ITEMS} are needed.",
                "Cleeland, BPI User Guide [CleelandBPI]; ePPOC [EPPOC-BPI]",
            ),
        )
    subscales: dict[str, float | None] = {"severity": severity, "interference": interference}
    return Computed(total=None, subscales=subscales, flags=flags)


INSTRUMENT = Instrument(
    id="bpi-sf",
    name="Brief Pain Inventory, short form (BPI-SF)",
    version="1.0",
    summary="Pain severity (4 items) and how much pain interferes with life (7 items).",
    recall="the last 24 hours for worst and least pain; now for current pain",
    items=ITEMS,
    compute=_compute,
    missing_rule=(
        "Severity: all 4 items required. Interference: mean of answered items, "
        "scored only if at least 4 of 7 are answered [CleelandBPI]. Relief: optional."
    ),
    references=(
        "Cleeland, BPI User Guide [CleelandBPI]; Dworkin et al. 2008 [Dworkin2008]; "
        "secondary: [EPPOC-BPI]"
    ),
)
