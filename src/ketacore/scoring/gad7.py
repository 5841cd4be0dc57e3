"""GAD-7 (Spitzer et al. 2006): anxiety severity.

Seven items, each 0-3, about the last 2 weeks; total 0-21 [Spitzer2006]. Bands:
0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe; a total >= 10 calls for
further evaluation (sensitivity 89 %, specificity 82 % for GAD) [Spitzer2006],
raising the ``further_evaluation`` flag.

Missing items: the cited sources give no missing-item rule, so all 7 are required.

References:
    Source: Spitzer et al. (2006), Arch Intern Med 166:1092-1097 [Spitzer2006].
    Full entry in docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import Band, Computed, Flag, Instrument, Item, band_for
from ketacore.scoring.phq9 import FREQUENCY

__all__ = ["BANDS", "FURTHER_EVALUATION_AT", "INSTRUMENT", "ITEMS"]

#: Total at which further evaluation is advised, Spitzer et al. 2006 [Spitzer2006].
FURTHER_EVALUATION_AT = 10

_LEAD = "Over the last 2 weeks, how often have you been bothered by "
ITEMS: tuple[Item, ...] = tuple(
    Item(f"q{n}_{name}", _LEAD + text + "?", FREQUENCY)
    for n, name, text in (
        (1, "nervous", "feeling nervous, anxious or on edge"),
        (2, "cannot_stop_worrying", "not being able to stop or control worrying"),
        (3, "worrying_too_much", "worrying too much about different things"),
        (4, "trouble_relaxing", "trouble relaxing"),
        (5, "restless", "being so restless that it is hard to sit still"),
        (6, "irritable", "becoming easily annoyed or irritable"),
        (7, "afraid", "feeling afraid, as if something awful might happen"),
    )
)

_SRC = "Spitzer et al. 2006 [Spitzer2006]"
#: Spitzer et al. 2006 [Spitzer2006].
BANDS: tuple[Band, ...] = (
    Band("minimal", "Minimal", 0, 4, _SRC),
    Band("mild", "Mild", 5, 9, _SRC),
    Band("moderate", "Moderate", 10, 14, _SRC),
    Band("severe", "Severe", 15, 21, _SRC),
)


def _compute(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    total = sum(answers[i.id] for i in ITEMS)
    flags: tuple[Flag, ...] = ()
    if total >= FURTHER_EVALUATION_AT:
        flags = (
            Flag(
                "further_evaluation",
                "Total is 10 or more: further evaluation for an anxiety disorder is advised.",
                _SRC,
            ),
        )
    return Computed(total=total, band=band_for(total, BANDS), flags=flags)


INSTRUMENT = Instrument(
    id="gad7",
    name="Generalised Anxiety Disorder-7 (GAD-7)",
    version="1.0",
    summary="Seven items on anxiety symptoms over the last two weeks.",
    recall="the last 2 weeks",
    items=ITEMS,
    compute=_compute,
    missing_rule="No missing-item rule in the cited sources: all 7 items are required.",
    references="Spitzer et al. 2006 [Spitzer2006]",
)
