"""ICD-10-CM codes the clinic meets most, grouped by condition.

The registry accepts any well-formed ICD-10-CM code; this catalogue gives the
common ones a description and a *condition group*, which the eligibility rules
use to look up the evidence grade for ketamine in that condition.

References:
    Source: ICD-10-CM [ICD10CM] (docs/references.md). The codes in
    :data:`VERIFIED_IN_REFERENCE` (E11.42, B02.29/B02.22/B02.23, G90.5-,
    G56.4-/G57.7-, G54.6, G50.0, G62.0 + T45.1X5-) were checked against the code
    pages listed under [ICD10CM]. The others are from the ICD-10-CM Tabular List
    (CMS/NCHS, FY2025/FY2026 editions) and should be re-checked against the
    edition in force when the catalogue is updated. B02.29 is used for
    postherpetic neuralgia although sources disagree on it [ICD10CM]; clinicians
    may choose another code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ketacore.errors import InputError

__all__ = [
    "CATALOGUE",
    "VERIFIED_IN_REFERENCE",
    "ConditionGroup",
    "Icd10Code",
    "describe",
    "group_of",
    "normalise_icd10",
]


class ConditionGroup(StrEnum):
    """Condition groups that matter for candidacy and evidence grading."""

    CRPS = "crps"
    DIABETIC_NEUROPATHY = "diabetic_neuropathy"
    POSTHERPETIC_NEURALGIA = "postherpetic_neuralgia"
    PHANTOM_LIMB = "phantom_limb"
    CHEMOTHERAPY_NEUROPATHY = "chemotherapy_neuropathy"
    MULTIPLE_SCLEROSIS = "multiple_sclerosis"
    HIV_NEUROPATHY = "hiv_neuropathy"
    RADICULOPATHY = "radiculopathy"
    COMPRESSION_NEUROPATHY = "compression_neuropathy"
    TRIGEMINAL_NEURALGIA = "trigeminal_neuralgia"
    SPINAL_CORD_INJURY = "spinal_cord_injury"
    IDIOPATHIC_NEUROPATHY = "idiopathic_neuropathy"
    OTHER_NEUROPATHIC = "other_neuropathic"
    CHRONIC_PAIN_OTHER = "chronic_pain_other"
    COMORBIDITY = "comorbidity"


@dataclass(frozen=True, slots=True)
class Icd10Code:
    """One catalogue entry."""

    code: str
    description: str
    group: ConditionGroup
    neuropathic: bool


_G = ConditionGroup
_ENTRIES: tuple[Icd10Code, ...] = (
    # --- neuropathic pain conditions named by clinics (clinic practice as described on
    # public clinic websites) ---
    Icd10Code(
        "E11.42",
        "Type 2 diabetes mellitus with diabetic polyneuropathy",
        _G.DIABETIC_NEUROPATHY,
        True,
    ),
    Icd10Code(
        "E11.40",
        "Type 2 diabetes mellitus with diabetic neuropathy, unspecified",
        _G.DIABETIC_NEUROPATHY,
        True,
    ),
    Icd10Code(
        "E10.42",
        "Type 1 diabetes mellitus with diabetic polyneuropathy",
        _G.DIABETIC_NEUROPATHY,
        True,
    ),
    Icd10Code(
        "B02.29",
        "Other postherpetic nervous system involvement (postherpetic neuralgia)",
        _G.POSTHERPETIC_NEURALGIA,
        True,
    ),
    Icd10Code("B02.22", "Postherpetic trigeminal neuralgia", _G.POSTHERPETIC_NEURALGIA, True),
    Icd10Code("B02.23", "Postherpetic polyneuropathy", _G.POSTHERPETIC_NEURALGIA, True),
    Icd10Code("G90.50", "Complex regional pain syndrome I, unspecified", _G.CRPS, True),
    Icd10Code("G90.511", "Complex regional pain syndrome I of right upper limb", _G.CRPS, True),
    Icd10Code("G90.512", "Complex regional pain syndrome I of left upper limb", _G.CRPS, True),
    Icd10Code(
        "G90.513", "Complex regional pain syndrome I of upper limb, bilateral", _G.CRPS, True
    ),
    Icd10Code(
        "G90.519", "Complex regional pain syndrome I of unspecified upper limb", _G.CRPS, True
    ),
    Icd10Code("G90.521", "Complex regional pain syndrome I of right lower limb", _G.CRPS, True),
    Icd10Code("G90.522", "Complex regional pain syndrome I of left lower limb", _G.CRPS, True),
    Icd10Code(
        "G90.523", "Complex regional pain syndrome I of lower limb, bilateral", _G.CRPS, True
    ),
    Icd10Code(
        "G90.529", "Complex regional pain syndrome I of unspecified lower limb", _G.CRPS, True
    ),
    Icd10Code("G90.59", "Complex regional pain syndrome I of other specified site", _G.CRPS, True),
    Icd10Code("G56.40", "Causalgia (CRPS II) of unspecified upper limb", _G.CRPS, True),
    Icd10Code("G57.70", "Causalgia (CRPS II) of unspecified lower limb", _G.CRPS, True),
    Icd10Code("G54.6", "Phantom limb syndrome with pain", _G.PHANTOM_LIMB, True),
    Icd10Code("G50.0", "Trigeminal neuralgia", _G.TRIGEMINAL_NEURALGIA, True),
    Icd10Code(
        "G62.0",
        "Drug-induced polyneuropathy (with T45.1X5- for chemotherapy)",
        _G.CHEMOTHERAPY_NEUROPATHY,
        True,
    ),
    Icd10Code(
        "T45.1X5A",
        "Adverse effect of antineoplastic and immunosuppressive drugs, initial encounter",
        _G.CHEMOTHERAPY_NEUROPATHY,
        False,
    ),
    Icd10Code(
        "G63",
        "Polyneuropathy in diseases classified elsewhere (e.g. with B20)",
        _G.HIV_NEUROPATHY,
        True,
    ),
    Icd10Code("B20", "Human immunodeficiency virus [HIV] disease", _G.HIV_NEUROPATHY, False),
    Icd10Code("M54.10", "Radiculopathy, site unspecified", _G.RADICULOPATHY, True),
    Icd10Code("M54.12", "Radiculopathy, cervical region", _G.RADICULOPATHY, True),
    Icd10Code("M54.16", "Radiculopathy, lumbar region", _G.RADICULOPATHY, True),
    Icd10Code("M54.17", "Radiculopathy, lumbosacral region", _G.RADICULOPATHY, True),
    Icd10Code(
        "G56.00", "Carpal tunnel syndrome, unspecified upper limb", _G.COMPRESSION_NEUROPATHY, True
    ),
    Icd10Code(
        "G57.10", "Meralgia paresthetica, unspecified lower limb", _G.COMPRESSION_NEUROPATHY, True
    ),
    Icd10Code("G60.3", "Idiopathic progressive neuropathy", _G.IDIOPATHIC_NEUROPATHY, True),
    Icd10Code(
        "G60.9", "Hereditary and idiopathic neuropathy, unspecified", _G.IDIOPATHIC_NEUROPATHY, True
    ),
    Icd10Code("G62.9", "Polyneuropathy, unspecified", _G.OTHER_NEUROPATHIC, True),
    Icd10Code("M79.2", "Neuralgia and neuritis, unspecified", _G.OTHER_NEUROPATHIC, True),
    Icd10Code("G89.29", "Other chronic pain", _G.CHRONIC_PAIN_OTHER, False),
    Icd10Code("G89.4", "Chronic pain syndrome", _G.CHRONIC_PAIN_OTHER, False),
    # --- comorbidities that matter for ketamine safety (Cohen et al. 2018 [Cohen2018];
    # the eligibility rules' sources) ---
    Icd10Code("I10", "Essential (primary) hypertension", _G.COMORBIDITY, False),
    Icd10Code(
        "I25.10",
        "Atherosclerotic heart disease of native coronary artery without angina",
        _G.COMORBIDITY,
        False,
    ),
    Icd10Code("I50.9", "Heart failure, unspecified", _G.COMORBIDITY, False),
    Icd10Code("I48.91", "Unspecified atrial fibrillation", _G.COMORBIDITY, False),
    Icd10Code("F20.9", "Schizophrenia, unspecified", _G.COMORBIDITY, False),
    Icd10Code(
        "F29",
        "Unspecified psychosis not due to a substance or known physiological condition",
        _G.COMORBIDITY,
        False,
    ),
    Icd10Code("F31.9", "Bipolar disorder, unspecified", _G.COMORBIDITY, False),
    Icd10Code("F32.A", "Depression, unspecified", _G.COMORBIDITY, False),
    Icd10Code("F41.1", "Generalized anxiety disorder", _G.COMORBIDITY, False),
    Icd10Code("F10.20", "Alcohol dependence, uncomplicated", _G.COMORBIDITY, False),
    Icd10Code(
        "F19.20", "Other psychoactive substance dependence, uncomplicated", _G.COMORBIDITY, False
    ),
    Icd10Code("K74.60", "Unspecified cirrhosis of liver", _G.COMORBIDITY, False),
    Icd10Code("H40.9", "Unspecified glaucoma", _G.COMORBIDITY, False),
    Icd10Code("G93.2", "Benign intracranial hypertension", _G.COMORBIDITY, False),
    Icd10Code("E03.9", "Hypothyroidism, unspecified", _G.COMORBIDITY, False),
    Icd10Code("E11.9", "Type 2 diabetes mellitus without complications", _G.COMORBIDITY, False),
    Icd10Code("Z33.1", "Pregnant state, incidental", _G.COMORBIDITY, False),
)

#: Codes checked against the code pages listed under [ICD10CM] in docs/references.md;
#: the rest come from the ICD-10-CM Tabular List (see the module docstring).
VERIFIED_IN_REFERENCE: frozenset[str] = frozenset(
    {"E11.42", "B02.29", "B02.22", "B02.23", "G54.6", "G50.0", "G62.0", "T45.1X5A"}
    | {e.code for e in _ENTRIES if e.code.startswith(("G90.5", "G56.4", "G57.7"))}
)

#: Code -> entry, for lookup.
CATALOGUE: dict[str, Icd10Code] = {entry.code: entry for entry in _ENTRIES}

# Letter (U is reserved), two characters (digit, then digit or letter for the
# newer categories such as F32.A), then optionally a dot and 1-4 alphanumerics.
_ICD10_CM = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


def normalise_icd10(code: str, *, field: str = "icd10_code") -> str:
    """Return ``code`` upper-cased and stripped, or raise if it is not ICD-10-CM shaped.

    Args:
        code: A code as typed, e.g. ``"g90.521"``.
        field: The name to use in the error message.

    Returns:
        The normalised code, e.g. ``"G90.521"``.

    Raises:
        InputError: If the code is not of the form ``A00`` or ``A00.XXXX``.
    """
    cleaned = code.strip().upper()
    if len(cleaned) > 3 and "." not in cleaned:
        cleaned = f"{cleaned[:3]}.{cleaned[3:]}"
    if not _ICD10_CM.match(cleaned):
        raise InputError(
            field,
            "must be an ICD-10-CM code: a letter, two characters, then optionally a dot and "
            "up to 4 characters (for example G90.521)",
        )
    return cleaned


def describe(code: str) -> str | None:
    """Return the catalogue description of ``code``, or None if it is not catalogued."""
    entry = CATALOGUE.get(code)
    return entry.description if entry else None


def group_of(code: str) -> ConditionGroup | None:
    """Return the condition group of ``code``; for uncatalogued codes, try its category."""
    entry = CATALOGUE.get(code)
    if entry is not None:
        return entry.group
    category = code.split(".")[0]
    matches = {e.group for e in _ENTRIES if e.code.split(".")[0] == category}
    return matches.pop() if len(matches) == 1 else None
