"""LANSS and S-LANSS (Leeds Assessment of Neuropathic Symptoms and Signs).

LANSS: 7 items, recall the last week; five symptom questions (A1-A5) and two
bedside examinations (B1 allodynia to cotton wool, B2 altered pinprick
threshold). A "yes" scores the item's weight, "no" scores 0; total 0-24.
Total < 12: neuropathic mechanisms unlikely; >= 12: likely (Bennett 2001
[Bennett2001]).

S-LANSS: the self-report version, 7 items, no clinician examination; the
patient tests items 6-7 on their own skin (Bennett, Smith et al. 2005
[Bennett2005]). Same weights, total 0-24, >= 12 suggests pain of predominantly
neuropathic origin [Bennett2005]. Weights of items 1-2 are from the published
form [Bennett2005]; weights of items 3-7 come from a code repository
[SECONDARY] and match LANSS.

Item ids follow our scheme ``q<position>_<name>``: LANSS A1-A5 are q1-q5,
B1 is q6 and B2 is q7.

Missing items: the cited sources give no missing-item rule, so all 7 items are
required.

References:
    Source: Bennett (2001), Pain 92:147-157 [Bennett2001] (LANSS); Bennett, Smith
    et al. (2005), J Pain, doi:10.1016/j.jpain.2004.11.007 [Bennett2005] (S-LANSS).
    Full entries in docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import NO_YES, Band, Computed, Instrument, Item, band_for

__all__ = ["LANSS", "LANSS_ITEMS", "LANSS_WEIGHTS", "S_LANSS", "S_LANSS_ITEMS", "S_LANSS_WEIGHTS"]


def _yes(weight: int) -> str:
    return f"yes scores {weight}, no scores 0"


#: Yes-weights, Bennett 2001 [Bennett2001].
LANSS_WEIGHTS: Mapping[str, int] = {
    "q1_skin_sensations": 5,
    "q2_skin_looks_different": 5,
    "q3_sensitive_to_touch": 3,
    "q4_sudden_bursts": 2,
    "q5_hot_burning": 1,
    "q6_exam_allodynia": 5,
    "q7_exam_pinprick": 3,
}

LANSS_ITEMS: tuple[Item, ...] = (
    Item(
        "q1_skin_sensations",
        (
            "In the last week, has your pain come with strange, unpleasant feelings in the "
            "skin, such as pricking, tingling or pins and needles?"
        ),
        NO_YES,
        section="symptoms (A1)",
        weight_note=_yes(5),
    ),
    Item(
        "q2_skin_looks_different",
        (
            "Does the skin where it hurts look different from elsewhere, for example mottled, "
            "redder or pinker?"
        ),
        NO_YES,
        section="symptoms (A2)",
        weight_note=_yes(5),
    ),
    Item(
        "q3_sensitive_to_touch",
        (
            "Is the painful skin unusually sensitive to touch, for example to light stroking "
            "or tight clothes?"
        ),
        NO_YES,
        section="symptoms (A3)",
        weight_note=_yes(3),
    ),
    Item(
        "q4_sudden_bursts",
        (
            "Does your pain come in sudden bursts for no clear reason while you are still, "
            "like electric shocks or jumping and bursting?"
        ),
        NO_YES,
        section="symptoms (A4)",
        weight_note=_yes(2),
    ),
    Item(
        "q5_hot_burning",
        "Does the painful skin feel unusually hot, like burning?",
        NO_YES,
        section="symptoms (A5)",
        weight_note=_yes(1),
    ),
    Item(
        "q6_exam_allodynia",
        (
            "Examination: stroking with cotton wool is painful or unpleasant in the painful "
            "area but not in a non-painful area (allodynia)."
        ),
        NO_YES,
        section="examination (B1)",
        weight_note=_yes(5),
    ),
    Item(
        "q7_exam_pinprick",
        (
            "Examination: the pinprick threshold is altered in the painful area compared with "
            "a non-painful area."
        ),
        NO_YES,
        section="examination (B2)",
        weight_note=_yes(3),
    ),
)

#: Yes-weights, Bennett, Smith et al. 2005 [Bennett2005] (items 3-7 [SECONDARY]).
S_LANSS_WEIGHTS: Mapping[str, int] = {
    "q1_pins_and_needles": 5,
    "q2_colour_change": 5,
    "q3_sensitive_to_touch": 3,
    "q4_sudden_bursts": 2,
    "q5_hot_burning": 1,
    "q6_rubbing_unpleasant": 5,
    "q7_pressing_numb_tender": 3,
}

S_LANSS_ITEMS: tuple[Item, ...] = (
    Item(
        "q1_pins_and_needles",
        "In your painful area, do you get pins and needles, tingling or prickling?",
        NO_YES,
        weight_note=_yes(5),
    ),
    Item(
        "q2_colour_change",
        (
            "Does the painful area change colour, for example look mottled or redder, when "
            "the pain is bad?"
        ),
        NO_YES,
        weight_note=_yes(5),
    ),
    Item(
        "q3_sensitive_to_touch",
        (
            "Is the painful skin unusually sensitive to touch, so that light stroking or "
            "tight clothes are unpleasant or painful?"
        ),
        NO_YES,
        weight_note=_yes(3),
    ),
    Item(
        "q4_sudden_bursts",
        (
            "Does your pain come in sudden bursts for no clear reason while you are still, "
            "like electric shocks?"
        ),
        NO_YES,
        weight_note=_yes(2),
    ),
    Item(
        "q5_hot_burning",
        "Does the skin in the painful area feel unusually hot, like burning?",
        NO_YES,
        weight_note=_yes(1),
    ),
    Item(
        "q6_rubbing_unpleasant",
        (
            "Gently rub the painful area with your finger, then a painless area: does rubbing "
            "the painful area feel unpleasant or painful?"
        ),
        NO_YES,
        section="self-test",
        weight_note=_yes(5),
    ),
    Item(
        "q7_pressing_numb_tender",
        (
            "Press the painful area with your fingertip, then a painless area: does the "
            "painful area feel numb or tender?"
        ),
        NO_YES,
        section="self-test",
        weight_note=_yes(3),
    ),
)

_BANDS_LANSS = (
    Band("unlikely", "Neuropathic mechanisms unlikely", 0, 11, "Bennett 2001 [Bennett2001]"),
    Band("likely", "Neuropathic mechanisms likely", 12, 24, "Bennett 2001 [Bennett2001]"),
)
_BANDS_S_LANSS = (
    Band(
        "unlikely",
        "Predominantly neuropathic pain not suggested",
        0,
        11,
        "Bennett, Smith et al. 2005 [Bennett2005]",
    ),
    Band(
        "likely",
        "Pain of predominantly neuropathic origin suggested",
        12,
        24,
        "Bennett, Smith et al. 2005 [Bennett2005]",
    ),
)


def _weighted(answers: Mapping[str, int], weights: Mapping[str, int]) -> int:
    return sum(weights[item_id] * answers[item_id] for item_id in weights)


def _compute_lanss(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    symptoms = _weighted(answers, {k: v for k, v in LANSS_WEIGHTS.items() if "exam" not in k})
    examination = _weighted(answers, {k: v for k, v in LANSS_WEIGHTS.items() if "exam" in k})
    total = symptoms + examination
    return Computed(
        total=total,
        subscales={"symptoms": symptoms, "examination": examination},
        band=band_for(total, _BANDS_LANSS),
    )


def _compute_s_lanss(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    total = _weighted(answers, S_LANSS_WEIGHTS)
    return Computed(total=total, band=band_for(total, _BANDS_S_LANSS))


LANSS = Instrument(
    id="lanss",
    name="Leeds Assessment of Neuropathic Symptoms and Signs (LANSS)",
    version="1.0",
    summary=(
        "Five symptom questions and two bedside tests, weighted, to screen for neuropathic pain."
    ),
    recall="the last week",
    items=LANSS_ITEMS,
    compute=_compute_lanss,
    missing_rule="No missing-item rule in the cited sources: all 7 items are required.",
    references="Bennett 2001 [Bennett2001]",
)

S_LANSS = Instrument(
    id="s-lanss",
    name="Self-report LANSS (S-LANSS)",
    version="1.0",
    summary=(
        "Seven weighted self-report items, two of them self-tests, to screen for neuropathic pain."
    ),
    recall="the last week",
    items=S_LANSS_ITEMS,
    compute=_compute_s_lanss,
    missing_rule="No missing-item rule in the cited sources: all 7 items are required.",
    references="Bennett, Smith et al. 2005 [Bennett2005]",
)
