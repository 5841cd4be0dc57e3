"""ICD-10-CM: every valid code, its official title, and the clinic's condition groups.

Two parts, kept apart on purpose:

* **The code set** is the complete ICD-10-CM classification (CDC/NCHS and CMS,
  **April 2026 release**, FY2026 update; the US government's files are in the
  public domain [ICD10CM]), read from the ``simple-icd-10-cm`` package (MIT
  licence), which ships the release's tabular list unchanged. Any code of it
  validates and shows its official title; any other code is refused with the
  field named (:func:`normalise_icd10`). The set is loaded on first use (about
  two seconds, 200 MB), never at import. :data:`CODE_SET_RELEASE` names the release.
* **The condition groups** are the clinic's own reviewed table
  (:data:`GROUP_TABLE`): code ranges, each with its condition group, whether it
  is a neuropathic pain condition, and where that comes from. A code belongs to
  the group of the most specific row that covers it or one of its ancestors in the
  classification (:func:`condition_of`), so a billable child such as G90.522
  inherits the group of G90.5, and M54.50 (low back pain) is *not* graded as
  radiculopathy because M54.1 (radiculopathy) does not cover it.

A range is written as a code (``"G90.5"``: it and every code under it) or two
codes
of the same length (``"I20-I25"``: the categories I20 to I25 and every code under
them); :func:`parse_code_range` reads one and refuses what is not ICD-10-CM.

References:
    Source: ICD-10-CM [ICD10CM] (docs/references.md), April 2026 release, for
    every code, title and hierarchy. The codes in :data:`VERIFIED_IN_REFERENCE`
    (E11.42, B02.29/B02.22/B02.23, G90.5-, G56.4-/G57.7-, G54.6, G50.0, G62.0 +
    T45.1X5-) were also checked against the code pages listed under [ICD10CM].
    Condition groups and their evidence grades: Cohen et al. 2018 [Cohen2018];
    each row of :data:`GROUP_TABLE` says which title of the classification puts
    a code range in its group. B02.29 is used for postherpetic neuralgia
    although sources disagree on it [ICD10CM]; clinicians may choose another code.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import ModuleType

from ketacore.errors import InputError

__all__ = [
    "CATALOGUE",
    "CODE_SET_RELEASE",
    "GROUP_LABELS",
    "GROUP_TABLE",
    "VERIFIED_IN_REFERENCE",
    "CodeRange",
    "ConditionGroup",
    "GroupRow",
    "Icd10Code",
    "ancestors",
    "condition_of",
    "covers_any",
    "describe",
    "group_of",
    "is_billable",
    "is_valid",
    "lookup",
    "normalise_icd10",
    "parse_code_range",
    "preload",
]

#: The ICD-10-CM release the code set is (the data of ``simple-icd-10-cm`` 1.5.0).
CODE_SET_RELEASE = "ICD-10-CM April 2026 release (FY2026), CDC/NCHS and CMS [ICD10CM]"


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
    #: Kept for documents that name it; no row of :data:`GROUP_TABLE` uses it:
    #: the codes that matter for safety are the rule set's contradiction rules.
    COMORBIDITY = "comorbidity"


#: The groups in a clinician's words (finding details, forms).
GROUP_LABELS: Mapping[ConditionGroup, str] = {
    ConditionGroup.CRPS: "Complex regional pain syndrome",
    ConditionGroup.DIABETIC_NEUROPATHY: "Diabetic neuropathy",
    ConditionGroup.POSTHERPETIC_NEURALGIA: "Postherpetic neuralgia",
    ConditionGroup.PHANTOM_LIMB: "Phantom limb pain",
    ConditionGroup.CHEMOTHERAPY_NEUROPATHY: "Chemotherapy-induced neuropathy",
    ConditionGroup.MULTIPLE_SCLEROSIS: "Multiple sclerosis pain",
    ConditionGroup.HIV_NEUROPATHY: "HIV neuropathy",
    ConditionGroup.RADICULOPATHY: "Radiculopathy",
    ConditionGroup.COMPRESSION_NEUROPATHY: "Compression neuropathy",
    ConditionGroup.TRIGEMINAL_NEURALGIA: "Trigeminal neuralgia",
    ConditionGroup.SPINAL_CORD_INJURY: "Spinal cord injury pain",
    ConditionGroup.IDIOPATHIC_NEUROPATHY: "Idiopathic neuropathy",
    ConditionGroup.OTHER_NEUROPATHIC: "Other neuropathic pain",
    ConditionGroup.CHRONIC_PAIN_OTHER: "Other chronic pain",
    ConditionGroup.COMORBIDITY: "Other condition",
}


@dataclass(frozen=True, slots=True)
class Icd10Code:
    """One code of the classification, with the clinic's group where it has one.

    Attributes:
        code: The code, with its dot (``"G90.522"``).
        description: The official title in the release (:data:`CODE_SET_RELEASE`).
        group: The condition group (:func:`condition_of`), or None.
        neuropathic: Whether the clinic counts it as a neuropathic pain condition.
    """

    code: str
    description: str
    group: ConditionGroup | None
    neuropathic: bool


# ------------------------------------------------------------------ the code set


@cache
def _codes() -> ModuleType:
    """The complete classification, loaded once on first use (import is deferred)."""
    with warnings.catch_warnings():
        # The package reads its data with importlib.resources.read_text, which Python
        # 3.11 calls deprecated; nothing to act on here.
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm  # deferred: loading takes about 2 s

    module: ModuleType = simple_icd_10_cm
    return module


def preload() -> None:
    """Load the code set and the group table now rather than on first use.

    For a server that forks workers after loading the application: the data is
    then loaded once and shared, and no request waits for it.
    """
    _codes()
    _parsed_table()


def is_valid(code: str) -> bool:
    """Whether ``code`` (normalised, with its dot) is a category or code of ICD-10-CM."""
    cm = _codes()
    return bool(cm.is_valid_item(code) and cm.is_category_or_subcategory(code))


def is_billable(code: str) -> bool:
    """Whether a valid ``code`` is billable (has no more specific code under it)."""
    return is_valid(code) and bool(_codes().is_leaf(code))


def describe(code: str) -> str | None:
    """The official title of ``code``, or None if it is not an ICD-10-CM code."""
    return str(_codes().get_description(code)) if is_valid(code) else None


def ancestors(code: str) -> tuple[str, ...]:
    """``code`` and the codes above it, most specific first, up to its category.

    ``ancestors("G90.522")`` is ``("G90.522", "G90.52", "G90.5", "G90")``; blocks and
    chapters are left out. Empty for a code that is not in the classification.
    """
    if not is_valid(code):
        return ()
    above = [a for a in _codes().get_ancestors(code) if is_valid(a)]
    return (code, *above)


# Letter, two characters (digit, then digit or letter: F32.A, Z3A), then optionally
# a dot and 1-4 characters. The shape is checked first for a clear message.
_ICD10_CM = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


def normalise_icd10(code: str, *, field: str = "icd10_code") -> str:
    """Return ``code`` upper-cased with its dot, or raise if it is not an ICD-10-CM code.

    Args:
        code: A code as typed, e.g. ``"g90521"``.
        field: The name to use in the error message.

    Returns:
        The normalised code, e.g. ``"G90.521"``.

    Raises:
        InputError: If the code is not shaped like one (``A00`` or ``A00.XXXX``) or
            is not a code of the release in use (:data:`CODE_SET_RELEASE`).
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
    if not is_valid(cleaned):
        raise InputError(
            field,
            f"{cleaned} is not a code of ICD-10-CM (April 2026 release): check it in the "
            "ICD-10-CM tabular list",
        )
    return cleaned


# ------------------------------------------------------------------ code ranges


@dataclass(frozen=True, slots=True)
class CodeRange:
    """A range of the classification: ``low`` to ``high`` (same length) and every code under.

    ``CodeRange("G90.5", "G90.5")`` is G90.5 and its children; ``CodeRange("I20", "I25")``
    the categories I20 to I25 and every code under them.
    """

    low: str
    high: str

    def covers(self, code: str) -> bool:
        """Whether ``code`` (normalised) is in the range or under one of its codes."""
        head = code[: len(self.low)]
        return len(code) >= len(self.low) and self.low <= head <= self.high

    def __str__(self) -> str:
        return self.low if self.low == self.high else f"{self.low}–{self.high}"


def parse_code_range(spec: object, field: str) -> CodeRange:
    """Read ``"G90.5"`` or ``"I20-I25"``; each end must be a code of ICD-10-CM.

    Raises:
        InputError: Naming ``field``, for anything else (a typo, a code of another
            release, ends of different length or in the wrong order).
    """
    if not isinstance(spec, str) or not spec.strip():
        raise InputError(field, 'must be an ICD-10-CM code or range, e.g. "G90.5" or "I20-I25"')
    parts = [p.strip().upper() for p in spec.replace("–", "-").split("-")]
    if len(parts) > 2 or not all(_ICD10_CM.match(p) and is_valid(p) for p in parts):
        raise InputError(
            field,
            f'"{spec}" must be an ICD-10-CM code (category or subcategory) or two joined by '
            'a dash, e.g. "G90.5" or "I20-I25"',
        )
    low, high = parts[0], parts[-1]
    if len(low) != len(high) or low > high:
        raise InputError(field, f'"{spec}": both ends must be codes of one length, low first')
    return CodeRange(low, high)


def covers_any(ranges: tuple[CodeRange, ...], code: str) -> bool:
    """Whether any of ``ranges`` covers ``code``."""
    return any(r.covers(code) for r in ranges)


# ------------------------------------------------------------------ condition groups


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One row of the clinic's condition-group table.

    Attributes:
        ranges: The code ranges of the row (see :func:`parse_code_range`).
        group: The condition group they belong to.
        neuropathic: Whether they count as a neuropathic pain condition.
        source: Why: the classification's titles [ICD10CM] and the guideline [Cohen2018].
    """

    ranges: tuple[str, ...]
    group: ConditionGroup
    neuropathic: bool
    source: str


_G = ConditionGroup
_TITLES = "ICD-10-CM [ICD10CM] titles"
#: The clinic's reviewed table: code ranges -> condition group. The most specific row
#: covering a code or one of its ancestors decides (G56.4, causalgia, is CRPS although
#: G56 is a compression neuropathy). A physician reviews it with the rule set.
GROUP_TABLE: tuple[GroupRow, ...] = (
    GroupRow(
        ("G90.5", "G56.4", "G57.7"),
        _G.CRPS,
        True,
        f"{_TITLES}: complex regional pain syndrome I (G90.5-), causalgia = CRPS II of the "
        "upper (G56.4-) and lower limb (G57.7-); CRPS is a condition graded by Cohen et al. "
        "2018 [Cohen2018]",
    ),
    GroupRow(
        ("E08.4", "E09.4", "E10.4", "E11.4", "E13.4"),
        _G.DIABETIC_NEUROPATHY,
        True,
        f"{_TITLES}: diabetes mellitus (due to an underlying condition, drug-induced, type 1, "
        "type 2, other specified) with neurological complications, E08.4- to E13.4- "
        "(E12 does not exist)",
    ),
    GroupRow(
        ("B02.2",),
        _G.POSTHERPETIC_NEURALGIA,
        True,
        f"{_TITLES}: zoster with other nervous system involvement (B02.2-: postherpetic "
        "ganglionitis, trigeminal neuralgia, polyneuropathy, myelitis, other)",
    ),
    GroupRow(
        ("G54.6",),
        _G.PHANTOM_LIMB,
        True,
        f"{_TITLES}: phantom limb syndrome with pain (G54.7, without pain, is not a pain "
        "condition)",
    ),
    GroupRow(("G50.0",), _G.TRIGEMINAL_NEURALGIA, True, f"{_TITLES}: trigeminal neuralgia"),
    GroupRow(
        ("G62.0",),
        _G.CHEMOTHERAPY_NEUROPATHY,
        True,
        f"{_TITLES}: drug-induced polyneuropathy, coded with T45.1X5- for chemotherapy",
    ),
    GroupRow(
        ("T45.1X5",),
        _G.CHEMOTHERAPY_NEUROPATHY,
        False,
        f"{_TITLES}: adverse effect of antineoplastic and immunosuppressive drugs (names the "
        "cause, not a neuropathy)",
    ),
    GroupRow(
        ("B20",),
        _G.HIV_NEUROPATHY,
        False,
        f"{_TITLES}: HIV disease (names the cause; the neuropathy is coded G63)",
    ),
    GroupRow(
        ("M54.1", "M50.1", "M51.1", "M47.2", "G54.2-G54.4"),
        _G.RADICULOPATHY,
        True,
        f"{_TITLES}: radiculopathy (M54.1-), cervical and lumbar disc disorders with "
        "radiculopathy (M50.1-, M51.1-), spondylosis with radiculopathy (M47.2-), cervical, "
        "thoracic and lumbosacral root disorders (G54.2-G54.4); not M54.5- (low back pain)",
    ),
    GroupRow(
        ("G56-G57",),
        _G.COMPRESSION_NEUROPATHY,
        True,
        f"{_TITLES}: mononeuropathies of the upper and lower limb (carpal tunnel syndrome, "
        "meralgia paresthetica, ...)",
    ),
    GroupRow(
        ("G60",),
        _G.IDIOPATHIC_NEUROPATHY,
        True,
        f"{_TITLES}: hereditary and idiopathic neuropathy",
    ),
    GroupRow(
        ("S14.0-S14.1", "S24.0-S24.1", "S34.0-S34.1"),
        _G.SPINAL_CORD_INJURY,
        True,
        f"{_TITLES}: injury of the cervical, thoracic and lumbar spinal cord (the sequela "
        "code, 7th character S, is how chronic pain after it is coded); spinal cord injury "
        "pain is graded by Cohen et al. 2018 [Cohen2018]",
    ),
    GroupRow(("G35",), _G.MULTIPLE_SCLEROSIS, True, f"{_TITLES}: multiple sclerosis"),
    GroupRow(
        ("G54.0-G54.1", "G54.5", "G54.8-G54.9", "G58-G59", "G62-G63", "G89.0", "M79.2"),
        _G.OTHER_NEUROPATHIC,
        True,
        f"{_TITLES}: plexus disorders, neuralgic amyotrophy, other mononeuropathies, other "
        "polyneuropathies, polyneuropathy in diseases classified elsewhere, central pain "
        "syndrome, neuralgia and neuritis",
    ),
    GroupRow(
        ("G89.2", "G89.3", "G89.4", "M54.5", "M79.7", "G43"),
        _G.CHRONIC_PAIN_OTHER,
        False,
        f"{_TITLES}: chronic pain, neoplasm-related pain, chronic pain syndrome, low back "
        "pain, fibromyalgia, migraine; conditions of weak or no evidence in Cohen et al. "
        "2018 [Cohen2018]",
    ),
)


@cache
def _parsed_table() -> tuple[tuple[CodeRange, GroupRow], ...]:
    return tuple(
        (parse_code_range(spec, f"GROUP_TABLE[{i}].ranges[{j}]"), row)
        for i, row in enumerate(GROUP_TABLE)
        for j, spec in enumerate(row.ranges)
    )


def condition_of(code: str) -> GroupRow | None:
    """The row of :data:`GROUP_TABLE` that ``code`` belongs to, through the hierarchy.

    The code and then each ancestor (most specific first) is looked up; the first
    that a row's range covers decides, and among rows covering the same code the one
    with the longest (most specific) range wins.
    """
    for candidate in ancestors(code):
        rows = [(r, row) for r, row in _parsed_table() if r.covers(candidate)]
        if rows:
            return max(rows, key=lambda pair: len(pair[0].low))[1]
    return None


def group_of(code: str) -> ConditionGroup | None:
    """The condition group of ``code`` through the hierarchy, or None."""
    row = condition_of(code)
    return row.group if row is not None else None


def lookup(code: str) -> Icd10Code | None:
    """``code`` with its title, group and whether it is neuropathic; None if invalid."""
    title = describe(code)
    if title is None:
        return None
    row = condition_of(code)
    return Icd10Code(
        code, title, row.group if row else None, bool(row is not None and row.neuropathic)
    )


class _Catalogue(Mapping[str, Icd10Code]):
    """Every code of the classification as an :class:`Icd10Code`, built on demand."""

    def __getitem__(self, code: str) -> Icd10Code:
        entry = lookup(code) if isinstance(code, str) else None
        if entry is None:
            raise KeyError(code)
        return entry

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and is_valid(code)

    def __iter__(self) -> Iterator[str]:
        return (c for c in _codes().get_all_codes() if is_valid(c))

    def __len__(self) -> int:
        return sum(1 for _ in self)


#: Code -> entry for every code of the classification (looked up on demand).
CATALOGUE: Mapping[str, Icd10Code] = _Catalogue()

#: Codes also checked against the code pages listed under [ICD10CM] in docs/references.md.
VERIFIED_IN_REFERENCE: frozenset[str] = frozenset(
    {"E11.42", "B02.29", "B02.22", "B02.23", "G54.6", "G50.0", "G62.0", "T45.1X5A"}
    | {"G90.50", "G90.511", "G90.512", "G90.513", "G90.519", "G90.521", "G90.522"}
    | {"G90.523", "G90.529", "G90.59", "G56.40", "G57.70"}
)
