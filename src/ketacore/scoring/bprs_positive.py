"""BPRS positive-symptom subscale (BPRS+): 4 clinician-rated BPRS items.

Items: suspiciousness, hallucinations, unusual thought content, conceptual
disorganisation [CADSS-BPRS-Protocol]. The item range is a [CONFLICT], so it
is an option:

* ``1-7`` (default): the classic BPRS anchor, each item 1-7, total 4-28
  ([PMC8779246], [CADSS-BPRS-Protocol]). Chosen as default because it is the
  BPRS's own rating scale, so ratings agree with the full 18-item BPRS.
* ``0-6``: as scored in one ketamine trial, total 0-24 [NCT04226963]; choose it
  to compare with that trial.

The original publication of the BPRS is not in our sources.

The two are the same ratings shifted by one per item: the subscale
``total_0_to_24`` always reports the 0-6-based total so stored results can be
compared. The cited sources give no bands or cut-offs, so ``band`` is None.
The rating anchors' wording is not in the cited sources and is not reproduced.

Missing items: the cited sources give no missing-item rule, so all 4 are required.

References:
    Source: a ketamine trial protocol [CADSS-BPRS-Protocol]; trial NCT04226963
    [NCT04226963]; a BPRS network study [PMC8779246]. Full entries in
    docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import Computed, Instrument, Item, Option, integer_choices

__all__ = ["INSTRUMENT", "ITEM_NAMES"]

#: (id, text), [CADSS-BPRS-Protocol].
ITEM_NAMES: tuple[tuple[str, str], ...] = (
    ("q1_suspiciousness", "Clinician rating: suspiciousness"),
    ("q2_hallucinations", "Clinician rating: hallucinations"),
    ("q3_unusual_thought_content", "Clinician rating: unusual thought content"),
    ("q4_conceptual_disorganisation", "Clinician rating: conceptual disorganisation"),
)


def _items(options: Mapping[str, str]) -> tuple[Item, ...]:
    low = 1 if options["range"] == "1-7" else 0
    choices = integer_choices(low, low + 6, {low: "Not present", low + 6: "Extremely severe"})
    return tuple(Item(item_id, text, choices) for item_id, text in ITEM_NAMES)


def _compute(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    total = sum(answers[item_id] for item_id, _ in ITEM_NAMES)
    shift = 4 if options["range"] == "1-7" else 0
    return Computed(total=total, subscales={"total_0_to_24": total - shift})


INSTRUMENT = Instrument(
    id="bprs-positive",
    name="Brief Psychiatric Rating Scale, positive-symptom subscale (BPRS+)",
    version="1.0",
    summary="Four clinician-rated psychotic-symptom items from the BPRS.",
    recall="",
    items=_items({"range": "1-7"}),
    items_for=_items,
    compute=_compute,
    missing_rule="No missing-item rule in the cited sources: all 4 items are required.",
    references="[CADSS-BPRS-Protocol]; [NCT04226963]; [PMC8779246]",
    options=(
        Option(
            "range",
            ("1-7", "0-6"),
            "1-7",
            "[CONFLICT] 1-7 (default): classic BPRS anchor, total 4-28 [PMC8779246]; 0-6: as "
            "scored in a ketamine trial, total 0-24 [NCT04226963].",
        ),
    ),
)
