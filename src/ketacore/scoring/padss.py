"""PADSS (Post-Anaesthetic Discharge Scoring System; Chung 1995), with an infusion adaptation.

Published form (Chung 1995 [Chung1995]): five items, each 0-2: vital signs (within 20 % of
baseline = 2, 20-40 % = 1, more than 40 % = 0); activity and mental state
(oriented x3 and steady gait = 2, either = 1, neither = 0); pain, nausea and
vomiting (minimal = 2, moderate needing treatment = 1, severe = 0); surgical
bleeding; intake and output (drinking and has passed urine = 2, either = 1;
neither = 0 is implied). A total >= 9 means fit for discharge home with a
competent adult escort [Chung1995].

Adaptation for infusion visits (``variant=infusion``, the default): surgical
bleeding is not relevant to an IV ketamine visit (clinic decision), so
the item is not asked and is scored as 2 (no surgical bleeding). This keeps the
published 10-point scale and the validated cut-off >= 9, which then means at
most one point may be lost over the four relevant items. This is a clinic
adaptation, not a validated version: clinic decision (configurable), a
physician must confirm it.
``variant=original`` asks all five items; the cited sources do not give the
grades of the bleeding item, so its levels are labelled by number only.

Missing items: every asked item is required.

References:
    Source: Chung (1995), PMID 8534468 [Chung1995]; the modified PADSS
    [ModifiedPADSS] (not implemented). Full entries in docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import (
    Band,
    Computed,
    Flag,
    Instrument,
    Item,
    Option,
    choices_from_labels,
)

__all__ = ["DISCHARGE_AT", "INSTRUMENT"]

#: Fit-for-discharge total, Chung 1995 [Chung1995].
DISCHARGE_AT = 9

_VITALS = Item(
    "q1_vital_signs",
    "Blood pressure and pulse compared with before the infusion.",
    choices_from_labels(
        {
            2: "Within 20 % of baseline",
            1: "20-40 % from baseline",
            0: "More than 40 % from baseline",
        }
    ),
)
_ACTIVITY = Item(
    "q2_activity_mental_state",
    "Orientation (person, place, time) and walking.",
    choices_from_labels({2: "Oriented and walks steadily", 1: "Only one of the two", 0: "Neither"}),
)
_PAIN_NAUSEA = Item(
    "q3_pain_nausea_vomiting",
    "Pain, nausea and vomiting.",
    choices_from_labels({2: "Minimal", 1: "Moderate, needed treatment", 0: "Severe"}),
)
_BLEEDING = Item(
    "q4_surgical_bleeding",
    "Surgical bleeding (grades as on the published form; not given in the cited sources).",
    choices_from_labels({2: "2", 1: "1", 0: "0"}),
)
_INTAKE = Item(
    "q5_intake_output",
    "Drinking and passing urine.",
    choices_from_labels(
        {2: "Drinking and has passed urine", 1: "Only one of the two", 0: "Neither"}
    ),
)


def _items(options: Mapping[str, str]) -> tuple[Item, ...]:
    if options["variant"] == "infusion":
        return (_VITALS, _ACTIVITY, _PAIN_NAUSEA, _INTAKE)
    return (_VITALS, _ACTIVITY, _PAIN_NAUSEA, _BLEEDING, _INTAKE)


def _compute(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    # Infusion visits: bleeding is not relevant and counts as full marks (module docstring).
    bleeding = answers.get("q4_surgical_bleeding", 2)
    total = sum(answers[i.id] for i in _items(options) if i.id != "q4_surgical_bleeding") + bleeding
    source = "Chung 1995 [Chung1995]"
    if total >= DISCHARGE_AT:
        band = Band(
            "fit_for_discharge",
            "Fit for discharge home with a competent adult escort",
            DISCHARGE_AT,
            10,
            source,
        )
        flags: tuple[Flag, ...] = (
            Flag("escort_required", "Discharge only with a competent adult escort.", source),
        )
    else:
        band = Band(
            "not_fit_for_discharge", "Not yet fit for discharge", 0, DISCHARGE_AT - 1, source
        )
        flags = ()
    return Computed(total=total, band=band, flags=flags)


INSTRUMENT = Instrument(
    id="padss",
    name="Post-Anaesthetic Discharge Scoring System (PADSS)",
    version="1.0",
    summary="Discharge readiness: vital signs, activity, pain/nausea, bleeding, intake/output.",
    recall="",
    items=_items({"variant": "infusion"}),
    items_for=_items,
    compute=_compute,
    missing_rule="Every asked item is required.",
    references="Chung 1995 [Chung1995]; infusion adaptation: clinic decision (configurable)",
    options=(
        Option(
            "variant",
            ("infusion", "original"),
            "infusion",
            "infusion (default): the surgical-bleeding item is not asked and scores 2, keeping "
            "the >= 9 cut-off (clinic adaptation, not validated); original: all five items "
            "[Chung1995].",
        ),
    ),
)
