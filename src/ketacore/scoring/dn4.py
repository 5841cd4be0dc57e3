"""DN4 (Douleur Neuropathique 4) and its 7-item interview part.

DN4: 10 yes/no items, yes = 1, no = 0, total 0-10, clinician-administered;
items 1-7 are asked (pain quality and associated sensations), items 8-10 are a
bedside examination (Bouhassira et al. 2005 [Bouhassira2005]). Total >= 4 means
neuropathic pain is likely [Bouhassira2005], also the best cut-off in the Spanish
validation (Perez 2007 [Perez2007]).

DN4-interview: items 1-7 only, total 0-7. Its cut-off is a [CONFLICT]:

* ``4`` (default): the Dutch validation, van Seventer et al. 2013
  [VanSeventer2013], best cut-off 4/7 (sensitivity 74 %, specificity 79 %).
  Chosen as default because it is the only interview cut-off in our sources from
  a retrievable peer-reviewed validation.
* ``3``: the commonly quoted value (>= 3/7), usually attributed to Bouhassira et
  al. 2005 but found only in a secondary summary [DN4Interview-Blog]
  [SECONDARY]; the original paper's value is [UNCONFIRMED].

The full DN4 cut-off is selectable too: ``4`` (default, original and Spanish
validation [Bouhassira2005], [Perez2007]) or ``5`` (Dutch validation, sens 75 %,
spec 79 %, [VanSeventer2013]).

Missing items: the cited sources give no missing-item rule, so every item is
required (a yes/no item left blank is not silently read as "no").

References:
    Source: Bouhassira et al. (2005), Pain 114:29-36 [Bouhassira2005]; Perez (2007)
    [Perez2007]; van Seventer et al. (2013) [VanSeventer2013]; Timmerman (2017)
    [Timmerman2017]; secondary: [DN4Interview-Blog]. Full entries in
    docs/references.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketacore.scoring._common import NO_YES, Band, Computed, Instrument, Item, Option, band_for

__all__ = ["DN4", "DN4_INTERVIEW", "EXAMINATION_ITEMS", "INTERVIEW_ITEMS"]

#: Items 1-7 (asked of the patient), Bouhassira et al. 2005 [Bouhassira2005].
INTERVIEW_ITEMS: tuple[Item, ...] = (
    Item("q1_burning", "Does your pain feel like burning?", NO_YES, section="pain quality"),
    Item(
        "q2_painful_cold", "Does your pain feel like painful cold?", NO_YES, section="pain quality"
    ),
    Item(
        "q3_electric_shocks",
        "Does your pain feel like electric shocks?",
        NO_YES,
        section="pain quality",
    ),
    Item(
        "q4_tingling",
        "In the same area, do you feel tingling?",
        NO_YES,
        section="associated sensations",
    ),
    Item(
        "q5_pins_and_needles",
        "In the same area, do you feel pins and needles?",
        NO_YES,
        section="associated sensations",
    ),
    Item(
        "q6_numbness",
        "In the same area, do you feel numbness?",
        NO_YES,
        section="associated sensations",
    ),
    Item(
        "q7_itching",
        "In the same area, do you feel itching?",
        NO_YES,
        section="associated sensations",
    ),
)

#: Items 8-10 (bedside examination by the clinician), Bouhassira et al. 2005 [Bouhassira2005].
EXAMINATION_ITEMS: tuple[Item, ...] = (
    Item(
        "q8_reduced_touch",
        "Examination: is feeling to light touch reduced in the painful area?",
        NO_YES,
        section="examination",
    ),
    Item(
        "q9_reduced_pinprick",
        "Examination: is feeling to pinprick reduced in the painful area?",
        NO_YES,
        section="examination",
    ),
    Item(
        "q10_brushing_pain",
        "Examination: is pain caused or made worse by brushing the painful area?",
        NO_YES,
        section="examination",
    ),
)

_SRC_FULL = {
    "4": "Bouhassira et al. 2005 [Bouhassira2005]; Perez 2007 [Perez2007]",
    "5": "van Seventer et al. 2013 [VanSeventer2013]",
}
_SRC_INTERVIEW = {
    "3": "Commonly attributed to Bouhassira et al. 2005; secondary source only "
    "[DN4Interview-Blog] [SECONDARY]",
    "4": "van Seventer et al. 2013 [VanSeventer2013]",
}


def _bands(cutoff: int, maximum: int, source: str) -> tuple[Band, ...]:
    return (
        Band("unlikely", "Neuropathic pain unlikely", 0, cutoff - 1, source),
        Band("likely", "Neuropathic pain likely", cutoff, maximum, source),
    )


def _compute_full(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    interview = sum(answers[i.id] for i in INTERVIEW_ITEMS)
    examination = sum(answers[i.id] for i in EXAMINATION_ITEMS)
    total = interview + examination
    cutoff = options["cutoff"]
    return Computed(
        total=total,
        subscales={"interview": interview, "examination": examination},
        band=band_for(total, _bands(int(cutoff), 10, _SRC_FULL[cutoff])),
    )


def _compute_interview(answers: Mapping[str, int], options: Mapping[str, str]) -> Computed:
    total = sum(answers[i.id] for i in INTERVIEW_ITEMS)
    cutoff = options["cutoff"]
    return Computed(
        total=total, band=band_for(total, _bands(int(cutoff), 7, _SRC_INTERVIEW[cutoff]))
    )


DN4 = Instrument(
    id="dn4",
    name="DN4 (Douleur Neuropathique 4)",
    version="1.0",
    summary="Ten yes/no items, seven asked and three examined, to screen for neuropathic pain.",
    recall="the pain as it is now",
    items=INTERVIEW_ITEMS + EXAMINATION_ITEMS,
    compute=_compute_full,
    missing_rule="No missing-item rule in the cited sources: all 10 items are required.",
    references=(
        "Bouhassira et al. 2005 [Bouhassira2005]; Perez 2007 [Perez2007]; "
        "van Seventer et al. 2013 [VanSeventer2013]"
    ),
    options=(
        Option(
            "cutoff",
            ("4", "5"),
            "4",
            "Total at or above which neuropathic pain is likely. 4 (default): original and "
            "Spanish validation [Bouhassira2005], [Perez2007]; 5: Dutch validation "
            "[VanSeventer2013].",
        ),
    ),
)

DN4_INTERVIEW = Instrument(
    id="dn4-interview",
    name="DN4 interview (the 7 asked items of DN4)",
    version="1.0",
    summary="The seven patient-answered DN4 items, without the examination.",
    recall="the pain as it is now",
    items=INTERVIEW_ITEMS,
    compute=_compute_interview,
    missing_rule="No missing-item rule in the cited sources: all 7 items are required.",
    references=(
        "van Seventer et al. 2013 [VanSeventer2013]; Timmerman 2017 [Timmerman2017]; "
        "secondary: [DN4Interview-Blog]"
    ),
    options=(
        Option(
            "cutoff",
            ("3", "4"),
            "4",
            "[CONFLICT] 4 (default): Dutch validation, best cut-off 4/7 [VanSeventer2013], "
            "the only peer-reviewed value we could retrieve; 3: commonly quoted, secondary "
            "source only [DN4Interview-Blog], original paper [UNCONFIRMED].",
        ),
    ),
)
