"""Medicines by any name (issue 10 item 4): brands resolve to their ingredients."""

from __future__ import annotations

import pytest

from ketacore.medicines import BRANDS, NO_BRAND, ingredients, mentions
from ketacore.rules import default_rule_set

GENERICS = tuple(n for dc in default_rule_set().drug_classes.values() for n in dc.names)


def test_every_drug_of_the_interaction_table_has_a_brand_or_says_why_not() -> None:
    branded = {i for parts in BRANDS.values() for i in parts}
    missing = [g for g in GENERICS if g not in branded and g not in NO_BRAND]
    assert not missing, f"add their brands to ketacore.medicines.BRANDS: {missing}"


def test_the_table_is_lower_case_and_each_brand_names_ingredients() -> None:
    for brand, parts in BRANDS.items():
        assert brand == brand.strip().lower()
        assert parts
        assert all(p == p.strip().lower() for p in parts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nardil 15 mg", ("phenelzine",)),
        ("XANAX XR 0.5mg", ("alprazolam",)),
        ("Biaxin", ("clarithromycin",)),
        ("Percocet 5/325", ("oxycodone", "acetaminophen")),
        ("levothyroxine 50 mcg", ("levothyroxine",)),
        ("Tylenol with codeine", ("codeine", "acetaminophen")),
        ("zapfluxine", ()),
        ("Levo-T 100", ("levothyroxine",)),
    ],
)
def test_a_medication_resolves_to_its_ingredients(text, expected) -> None:
    assert ingredients(text, GENERICS).ingredients == expected


def test_names_match_as_whole_words_only() -> None:
    assert not mentions("levothyroxine", "thyroxine")
    assert not mentions("co-codamol", "codeine")
    assert mentions("Co-codamol 30/500", "co-codamol")
