"""MOAA/S (Modified Observer's Assessment of Alertness/Sedation; Chernik 1990), 0-5.

We fix the 0-5 version printed in published tables [Chernik1990] (sources
disagree; [CONFLICT] resolved by fixing one version):
5 responds readily to name spoken in a normal tone; 4 lethargic response to
name; 3 responds only to name called loudly and/or repeatedly; 2 responds only
to mild prodding or shaking; 1 responds only to a painful trapezius squeeze;
0 no response to the trapezius squeeze [Chernik1990]. Not supported: the
variant where 1 = no response to prodding and the 1-6 version (see
[Chernik1990] in docs/references.md); a score recorded in those must be
converted by a clinician, not entered here.

Missing items: the single observation is required.

References:
    Source: Chernik (1990), the MOAA/S scale, as printed in published tables
    [Chernik1990]. Full entry in docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import Band, Computed, Instrument, Item, choices_from_labels

__all__ = ["INSTRUMENT", "LEVELS"]

_SRC = "Chernik 1990 [Chernik1990]"

#: level -> (band id, description), Chernik 1990 [Chernik1990].
LEVELS: Mapping[int, tuple[str, str]] = {
    5: ("responds_readily", "Responds readily to name spoken in a normal tone"),
    4: ("lethargic", "Lethargic response to name spoken in a normal tone"),
    3: ("responds_to_loud_name", "Responds only after name is called loudly or repeatedly"),
    2: ("responds_to_prodding", "Responds only after mild prodding or shaking"),
    1: ("responds_to_trapezius_squeeze", "Responds only after a painful trapezius squeeze"),
    0: ("no_response", "Does not respond to a painful trapezius squeeze"),
}

ITEMS: tuple[Item, ...] = (
    Item(
        "q1_level",
        "Observer: the patient's responsiveness right now.",
        choices_from_labels({k: v[1] for k, v in LEVELS.items()}),
    ),
)


def _compute(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    level = answers["q1_level"]
    band_id, label = LEVELS[level]
    return Computed(total=level, band=Band(band_id, label, level, level, _SRC))


INSTRUMENT = Instrument(
    id="moaas",
    name="Modified Observer's Assessment of Alertness/Sedation (MOAA/S), 0-5 version",
    version="1.0",
    summary="One observed responsiveness level, 5 (alert) to 0 (no response to pain).",
    recall="",
    items=ITEMS,
    compute=_compute,
    missing_rule="The single observation is required.",
    references="Chernik 1990 [Chernik1990]",
)
