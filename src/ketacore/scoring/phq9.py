"""PHQ-9 (Kroenke, Spitzer, Williams 2001): depression severity.

Nine items, each 0 (not at all) to 3 (nearly every day), about the last 2
weeks; total 0-27. Bands: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19
moderately severe, 20-27 severe. A total >= 10 has sensitivity and specificity
of 88 % for major depression (all Kroenke et al. 2001 [Kroenke2001]). Item 9
(thoughts of being better off dead or of self-harm) above 0 warrants immediate
follow-up whatever the total [PHQ9-Calculator] [SECONDARY]: it raises the
``item9_positive`` flag; acting on it the same day is clinic policy, physician
to confirm.

Missing items: the cited sources give no missing-item rule, so all 9 are required.

References:
    Source: Kroenke, Spitzer, Williams (2001), J Gen Intern Med 16:606-613
    [Kroenke2001]; secondary: [PHQ9-Calculator] (item 9). Full entries in
    docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import (
    Band,
    Computed,
    Flag,
    Instrument,
    Item,
    band_for,
    choices_from_labels,
)

__all__ = ["BANDS", "FREQUENCY", "INSTRUMENT", "ITEM9_FLAG", "ITEMS", "self_harm_reported"]

#: The shared 0-3 answer scale of PHQ-9 and GAD-7 [Kroenke2001], [Spitzer2006].
FREQUENCY = choices_from_labels(
    {0: "Not at all", 1: "Several days", 2: "More than half the days", 3: "Nearly every day"}
)

_LEAD = "Over the last 2 weeks, how often have you been bothered by "
ITEMS: tuple[Item, ...] = tuple(
    Item(f"q{n}_{name}", _LEAD + text + "?", FREQUENCY)
    for n, name, text in (
        (1, "little_interest", "having little interest or pleasure in doing things"),
        (2, "feeling_down", "feeling down, low or hopeless"),
        (3, "sleep", "trouble with sleep, either too little or too much"),
        (4, "tired", "feeling tired or having little energy"),
        (5, "appetite", "a poor appetite or eating too much"),
        (
            6,
            "feeling_bad_about_self",
            "feeling bad about yourself, or that you have let yourself or others down",
        ),
        (7, "concentration", "trouble concentrating"),
        (
            8,
            "slow_or_restless",
            "moving or speaking slowly, or being so restless that others noticed",
        ),
        (
            9,
            "self_harm_thoughts",
            "thoughts that you would be better off dead, or of hurting yourself",
        ),
    )
)

_SRC = "Kroenke et al. 2001 [Kroenke2001]"
#: Kroenke et al. 2001 [Kroenke2001].
BANDS: tuple[Band, ...] = (
    Band("minimal", "Minimal", 0, 4, _SRC),
    Band("mild", "Mild", 5, 9, _SRC),
    Band("moderate", "Moderate", 10, 14, _SRC),
    Band("moderately_severe", "Moderately severe", 15, 19, _SRC),
    Band("severe", "Severe", 20, 27, _SRC),
)

ITEM9_FLAG = Flag(
    "item9_positive",
    "Item 9 (thoughts of death or self-harm) is above 0: a clinician must follow this up "
    "today, whatever the total.",
    "Secondary source only [PHQ9-Calculator] [SECONDARY]; clinic policy, physician to confirm",
)


def self_harm_reported(answers: Mapping[str, object]) -> bool:
    """Whether item 9 is answered above 0: true as soon as it is, complete or not.

    A patient who answers it shows crisis information at once and the care team
    is alerted, before the other eight items are in.
    """
    value = answers.get("q9_self_harm_thoughts")
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _compute(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    total = sum(answers[i.id] for i in ITEMS)
    flags = (ITEM9_FLAG,) if self_harm_reported(answers) else ()
    return Computed(total=total, band=band_for(total, BANDS), flags=flags)


INSTRUMENT = Instrument(
    id="phq9",
    name="Patient Health Questionnaire-9 (PHQ-9)",
    version="1.0",
    summary="Nine items on depression symptoms over the last two weeks.",
    recall="the last 2 weeks",
    items=ITEMS,
    compute=_compute,
    missing_rule="No missing-item rule in the cited sources: all 9 items are required.",
    references="Kroenke, Spitzer, Williams 2001 [Kroenke2001]; secondary: [PHQ9-Calculator]",
)
