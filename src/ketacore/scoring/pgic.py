"""PGIC (Patient Global Impression of Change): one 7-point item.

The seven answers, from best to worst: very much improved, much improved,
minimally improved, no change, minimally worse, much worse, very much worse
[NINDS-PGIC]. The numbering direction is a [CONFLICT], so it is an option and the
result always stores the label (as the band) next to the number:

* ``cde`` (default): 1 = very much improved ... 7 = very much worse (NINDS
  Common Data Elements) [NINDS-PGIC]. Chosen because it is the primary-source form.
* ``reversed``: 1 = very much worse ... 7 = very much improved [PGIC-Explainer]
  [SECONDARY].

Whatever the numbering, the subscale ``improvement`` runs from +3 (very much
improved) through 0 (no change) to -3 (very much worse), so stored results can
be compared across numberings. IMMPACT anchors (Dworkin et al. 2008
[Dworkin2008]): minimally improved =
minimal, much improved = moderate, very much improved = substantial improvement
(reported as a flag).

Missing items: the single item is required.

References:
    Source: NINDS Common Data Elements, PGIC [NINDS-PGIC]; Dworkin et al. (2008),
    J Pain 9:105-121 [Dworkin2008]; secondary: [PGIC-Explainer]. Full entries in
    docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import Band, Choice, Computed, Flag, Instrument, Item, Option

__all__ = ["INSTRUMENT", "LABELS_BEST_FIRST"]

#: (band id, label), best first, NINDS CDE [NINDS-PGIC].
LABELS_BEST_FIRST: tuple[tuple[str, str], ...] = (
    ("very_much_improved", "Very much improved"),
    ("much_improved", "Much improved"),
    ("minimally_improved", "Minimally improved"),
    ("no_change", "No change"),
    ("minimally_worse", "Minimally worse"),
    ("much_worse", "Much worse"),
    ("very_much_worse", "Very much worse"),
)

_IMMPACT = {
    "minimally_improved": ("immpact_minimal_improvement", "minimal"),
    "much_improved": ("immpact_moderate_improvement", "moderate"),
    "very_much_improved": ("immpact_substantial_improvement", "substantial"),
}
_SRC = {
    "cde": "NINDS Common Data Elements [NINDS-PGIC]",
    "reversed": "Secondary source only [PGIC-Explainer] [SECONDARY]",
}


def _rank(value: int, numbering: str) -> int:
    """0 = very much improved ... 6 = very much worse."""
    return value - 1 if numbering == "cde" else 7 - value


def _items(options: Mapping[str, str]) -> tuple[Item, ...]:
    numbering = options["numbering"]
    choices = tuple(Choice(v, LABELS_BEST_FIRST[_rank(v, numbering)][1]) for v in range(1, 8))
    return (
        Item(
            "q1_change",
            "Since you started treatment, how would you describe the change in your pain "
            "and how you are overall?",
            choices,
        ),
    )


def _compute(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    value = answers["q1_change"]
    rank = _rank(value, options["numbering"])
    band_id, label = LABELS_BEST_FIRST[rank]
    band = Band(band_id, label, value, value, _SRC[options["numbering"]])
    flags: tuple[Flag, ...] = ()
    if band_id in _IMMPACT:
        flag_id, size = _IMMPACT[band_id]
        flags = (
            Flag(
                flag_id,
                f"By the IMMPACT anchors this is a {size} improvement.",
                "IMMPACT, Dworkin et al. 2008 [Dworkin2008]",
            ),
        )
    return Computed(total=value, subscales={"improvement": 3 - rank}, band=band, flags=flags)


INSTRUMENT = Instrument(
    id="pgic",
    name="Patient Global Impression of Change (PGIC)",
    version="1.0",
    summary="One patient-rated item on overall change since treatment began.",
    recall="since the start of treatment",
    items=_items({"numbering": "cde"}),
    items_for=_items,
    compute=_compute,
    missing_rule="The single item is required.",
    references=(
        "NINDS CDE [NINDS-PGIC]; Dworkin et al. 2008 [Dworkin2008]; secondary: [PGIC-Explainer]"
    ),
    options=(
        Option(
            "numbering",
            ("cde", "reversed"),
            "cde",
            "[CONFLICT] cde (default): 1 = very much improved ... 7 = very much worse, NINDS CDE "
            "[NINDS-PGIC]; reversed: 1 = very much worse ... 7 = very much improved "
            "[PGIC-Explainer] [SECONDARY]. The label is always stored as the band.",
        ),
    ),
)
