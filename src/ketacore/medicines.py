"""Medicines by any name: brand names and other names to their active ingredients.

A patient writes "Xanax 0.5 mg" or "Nardil"; the interaction table of the rule set
(``drug_classes``) lists ingredients by generic name (alprazolam, phenelzine).
:func:`ingredients` finds the ingredients a medication's text names, through the
generic names themselves and through :data:`BRANDS`, a reviewed table of brand and
other names -> ingredients, so that a brand is checked exactly as its ingredient.

:data:`BRANDS` covers every ingredient of the default rule set's interaction table
(a test keeps it so), with the common US and UK brands. No maintained package with
RxNorm's brand-to-ingredient relations usable offline was found (the PyPI packages
that name RxNorm query the RxNav web service or need the licensed full release), so
the table is kept here.

References:
    Brand -> ingredient relations as RxNorm records them (brand name "BN" -> ingredient
    "IN") [RxNorm] and as UK products are named in the British National Formulary;
    written from standard pharmacology references and not checked one by one against
    RxNav here [UNCONFIRMED]: a pharmacist verifies each entry when the table is
    reviewed (docs/screening.md §2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

__all__ = ["BRANDS", "NO_BRAND", "Resolved", "ingredients", "mentions"]

#: Brand or other name (lower case) -> its active ingredients (generic names, lower case).
#: A combination product lists every ingredient, also those no interaction class names
#: (lopinavir, naloxone): such a medicine is not fully checked until a clinician checks it.
BRANDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # benzodiazepines
        "valium": ("diazepam",),
        "diastat": ("diazepam",),
        "valtoco": ("diazepam",),
        "libervant": ("diazepam",),
        "versed": ("midazolam",),
        "nayzilam": ("midazolam",),
        "seizalam": ("midazolam",),
        "buccolam": ("midazolam",),
        "epistatus": ("midazolam",),
        "ativan": ("lorazepam",),
        "loreev": ("lorazepam",),
        "xanax": ("alprazolam",),
        "niravam": ("alprazolam",),
        "klonopin": ("clonazepam",),
        "rivotril": ("clonazepam",),
        "restoril": ("temazepam",),
        "serax": ("oxazepam",),
        "librium": ("chlordiazepoxide",),
        "librax": ("chlordiazepoxide", "clidinium"),
        "limbitrol": ("chlordiazepoxide", "amitriptyline"),
        # lamotrigine
        "lamictal": ("lamotrigine",),
        "subvenite": ("lamotrigine",),
        # monoamine-oxidase inhibitors
        "parnate": ("tranylcypromine",),
        "nardil": ("phenelzine",),
        "marplan": ("isocarboxazid",),
        "emsam": ("selegiline",),
        "zelapar": ("selegiline",),
        "eldepryl": ("selegiline",),
        "azilect": ("rasagiline",),
        "manerix": ("moclobemide",),
        "aurorix": ("moclobemide",),
        # CYP inhibitors
        "biaxin": ("clarithromycin",),
        "klaricid": ("clarithromycin",),
        "ticlid": ("ticlopidine",),
        "nizoral": ("ketoconazole",),
        "norvir": ("ritonavir",),
        "kaletra": ("lopinavir", "ritonavir"),
        "paxlovid": ("nirmatrelvir", "ritonavir"),
        "tybost": ("cobicistat",),
        "prezcobix": ("darunavir", "cobicistat"),
        "evotaz": ("atazanavir", "cobicistat"),
        "genvoya": ("elvitegravir", "cobicistat", "emtricitabine", "tenofovir alafenamide"),
        "stribild": ("elvitegravir", "cobicistat", "emtricitabine", "tenofovir disoproxil"),
        "symtuza": ("darunavir", "cobicistat", "emtricitabine", "tenofovir alafenamide"),
        "vfend": ("voriconazole",),
        "noxafil": ("posaconazole",),
        # itraconazole (checked: no effect found)
        "sporanox": ("itraconazole",),
        "tolsura": ("itraconazole",),
        "onmel": ("itraconazole",),
        # theophylline and aminophylline
        "theo-24": ("theophylline",),
        "elixophyllin": ("theophylline",),
        "uniphyl": ("theophylline",),
        "uniphyllin": ("theophylline",),
        "theochron": ("theophylline",),
        "nuelin": ("theophylline",),
        "phyllocontin": ("aminophylline",),
        # thyroid hormones
        "synthroid": ("levothyroxine",),
        "levoxyl": ("levothyroxine",),
        "unithroid": ("levothyroxine",),
        "euthyrox": ("levothyroxine",),
        "tirosint": ("levothyroxine",),
        "levo-t": ("levothyroxine",),
        "eltroxin": ("levothyroxine",),
        "cytomel": ("liothyronine",),
        "triostat": ("liothyronine",),
        "thyrolar": ("levothyroxine", "liothyronine"),
        # opioids and other central nervous system depressants
        "ms contin": ("morphine",),
        "mst continus": ("morphine",),
        "kadian": ("morphine",),
        "oramorph": ("morphine",),
        "sevredol": ("morphine",),
        "zomorph": ("morphine",),
        "oxycontin": ("oxycodone",),
        "roxicodone": ("oxycodone",),
        "oxaydo": ("oxycodone",),
        "xtampza": ("oxycodone",),
        "oxynorm": ("oxycodone",),
        "percocet": ("oxycodone", "acetaminophen"),
        "endocet": ("oxycodone", "acetaminophen"),
        "roxicet": ("oxycodone", "acetaminophen"),
        "percodan": ("oxycodone", "aspirin"),
        "targin": ("oxycodone", "naloxone"),
        "dilaudid": ("hydromorphone",),
        "exalgo": ("hydromorphone",),
        "palladone": ("hydromorphone",),
        "duragesic": ("fentanyl",),
        "durogesic": ("fentanyl",),
        "actiq": ("fentanyl",),
        "fentora": ("fentanyl",),
        "abstral": ("fentanyl",),
        "subsys": ("fentanyl",),
        "lazanda": ("fentanyl",),
        "co-codamol": ("codeine", "paracetamol"),
        "ultram": ("tramadol",),
        "conzip": ("tramadol",),
        "qdolo": ("tramadol",),
        "zydol": ("tramadol",),
        "zamadol": ("tramadol",),
        "ultracet": ("tramadol", "acetaminophen"),
        "tramacet": ("tramadol", "paracetamol"),
        "nucynta": ("tapentadol",),
        "palexia": ("tapentadol",),
        "dolophine": ("methadone",),
        "methadose": ("methadone",),
        "physeptone": ("methadone",),
        "subutex": ("buprenorphine",),
        "butrans": ("buprenorphine",),
        "belbuca": ("buprenorphine",),
        "buprenex": ("buprenorphine",),
        "sublocade": ("buprenorphine",),
        "brixadi": ("buprenorphine",),
        "transtec": ("buprenorphine",),
        "suboxone": ("buprenorphine", "naloxone"),
        "zubsolv": ("buprenorphine", "naloxone"),
        "ambien": ("zolpidem",),
        "edluar": ("zolpidem",),
        "intermezzo": ("zolpidem",),
        "zolpimist": ("zolpidem",),
        "stilnoct": ("zolpidem",),
        "zimovane": ("zopiclone",),
        "imovane": ("zopiclone",),
        "luminal": ("phenobarbital",),
        "sezaby": ("phenobarbital",),
        # checked against the interaction sources: no interaction listed there
        "neurontin": ("gabapentin",),
        "gralise": ("gabapentin",),
        "lyrica": ("pregabalin",),
        "alzain": ("pregabalin",),
        "lecaent": ("pregabalin",),
        "elavil": ("amitriptyline",),
        "pamelor": ("nortriptyline",),
        "aventyl": ("nortriptyline",),
        "allegron": ("nortriptyline",),
        "cymbalta": ("duloxetine",),
        "drizalma": ("duloxetine",),
        "irenka": ("duloxetine",),
        "effexor": ("venlafaxine",),
        "efexor": ("venlafaxine",),
        "advil": ("ibuprofen",),
        "motrin": ("ibuprofen",),
        "nurofen": ("ibuprofen",),
        "brufen": ("ibuprofen",),
        "caldolor": ("ibuprofen",),
        "aleve": ("naproxen",),
        "naprosyn": ("naproxen",),
        "anaprox": ("naproxen",),
        "naprelan": ("naproxen",),
        "tylenol": ("acetaminophen",),
        "ofirmev": ("acetaminophen",),
        "panadol": ("paracetamol",),
        "calpol": ("paracetamol",),
        "lidoderm": ("lidocaine",),
        "ztlido": ("lidocaine",),
        "xylocaine": ("lidocaine",),
        "versatis": ("lidocaine",),
        "ralvo": ("lidocaine",),
        "qutenza": ("capsaicin",),
        "zostrix": ("capsaicin",),
        "axsain": ("capsaicin",),
        "glucophage": ("metformin",),
        "glumetza": ("metformin",),
        "fortamet": ("metformin",),
        "riomet": ("metformin",),
        "zofran": ("ondansetron",),
        "zuplenz": ("ondansetron",),
        "catapres": ("clonidine",),
        "kapvay": ("clonidine",),
        "nexiclon": ("clonidine",),
        "dixarit": ("clonidine",),
    }
)

#: Ingredients of the default interaction table with no brand of their own, and why.
NO_BRAND: Mapping[str, str] = MappingProxyType(
    {
        "alcohol": "not a medicine: written as alcohol (or a drink) by the patient",
        "thyroxine": "the UK generic name of levothyroxine; its brands are listed there",
    }
)


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a medication's text names.

    Attributes:
        text: The medication as written ("Xanax XR 0.5 mg").
        ingredients: Generic names found, directly or through a brand, in order.
        brands: The brands found ("xanax").
    """

    text: str
    ingredients: tuple[str, ...]
    brands: tuple[str, ...]


@cache
def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")


def mentions(text: str, name: str) -> bool:
    """Whether ``text`` names ``name`` as a whole word (case-insensitive)."""
    return _word(name.lower()).search(text.lower()) is not None


def ingredients(text: str, generics: Iterable[str]) -> Resolved:
    """The ingredients ``text`` names: the ``generics`` it names and those of its brands.

    Args:
        text: A medication as written, with dose and form ("Levothyroxine 50 mcg").
        generics: The generic names to look for directly (the rule set's interaction
            table); brand names come from :data:`BRANDS`.
    """
    found = [g for g in dict.fromkeys(generics) if mentions(text, g)]
    brands = [b for b in BRANDS if mentions(text, b)]
    for brand in brands:
        found += [i for i in BRANDS[brand] if i not in found]
    return Resolved(text, tuple(found), tuple(brands))
