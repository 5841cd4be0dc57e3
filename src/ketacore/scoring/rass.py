"""RASS (Richmond Agitation-Sedation Scale; Sessler 2002): one observed level, +4 to -5.

Ten levels (Sessler et al. 2002 [Sessler2002]): +4 combative, +3 very agitated, +2 agitated, +1
restless, 0 alert and calm, -1 drowsy (eye contact to voice for more than 10 s),
-2 light sedation (eye contact to voice for less than 10 s), -3 moderate
sedation (moves or opens eyes to voice, no eye contact), -4 deep sedation (no
response to voice, moves to physical stimulation), -5 unarousable. The total is
the level; the band is the level's name.

Missing items: the single observation is required.

References:
    Source: Sessler et al. (2002), Am J Respir Crit Care Med [Sessler2002]. Full
    entry in docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import Band, Computed, Instrument, Item, choices_from_labels

__all__ = ["INSTRUMENT", "LEVELS"]

_SRC = "Sessler et al. 2002 [Sessler2002]"

#: level -> (band id, description), Sessler et al. 2002 [Sessler2002].
LEVELS: Mapping[int, tuple[str, str]] = {
    4: ("combative", "Combative, a danger to staff"),
    3: ("very_agitated", "Very agitated: pulls at tubes, aggressive"),
    2: ("agitated", "Agitated: frequent movement without purpose"),
    1: ("restless", "Restless: anxious, movements not vigorous"),
    0: ("alert_and_calm", "Alert and calm"),
    -1: ("drowsy", "Drowsy: keeps eye contact to voice for more than 10 seconds"),
    -2: ("light_sedation", "Light sedation: eye contact to voice for less than 10 seconds"),
    -3: ("moderate_sedation", "Moderate sedation: moves or opens eyes to voice, no eye contact"),
    -4: ("deep_sedation", "Deep sedation: no response to voice, moves to physical stimulation"),
    -5: ("unarousable", "Unarousable"),
}

ITEMS: tuple[Item, ...] = (
    Item(
        "q1_level",
        "Observer: the patient's level of agitation or sedation right now.",
        choices_from_labels({k: v[1] for k, v in LEVELS.items()}),
    ),
)


def _compute(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    level = answers["q1_level"]
    band_id, label = LEVELS[level]
    return Computed(total=level, band=Band(band_id, label, level, level, _SRC))


INSTRUMENT = Instrument(
    id="rass",
    name="Richmond Agitation-Sedation Scale (RASS)",
    version="1.0",
    summary="One observed level from +4 (combative) to -5 (unarousable).",
    recall="",
    items=ITEMS,
    compute=_compute,
    missing_rule="The single observation is required.",
    references=_SRC,
)
