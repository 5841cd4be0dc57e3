"""The complete ICD-10-CM code set and the clinic's condition-group table (issue 10 item 1)."""

from __future__ import annotations

import pytest

from ketacore import icd10
from ketacore.errors import InputError
from ketacore.icd10 import ConditionGroup as G
from ketacore.rules import default_rule_set


@pytest.mark.parametrize(
    ("typed", "code", "title_part"),
    [
        ("G90.51", "G90.51", "upper limb"),  # a valid parent code, not billable
        ("g90522", "G90.522", "left lower limb"),
        ("G56.42", "G56.42", "Causalgia of left upper limb"),
        ("G57.71", "G57.71", "Causalgia of right lower limb"),
        ("E08.42", "E08.42", "polyneuropathy"),
        ("E13.40", "E13.40", "neuropathy"),
        ("G62.81", "G62.81", "Critical illness polyneuropathy"),
        ("M54.12", "M54.12", "Radiculopathy, cervical"),
        ("T45.1X5A", "T45.1X5A", "initial encounter"),
        ("U07.1", "U07.1", "COVID-19"),
    ],
)
def test_every_valid_code_validates_with_its_official_title(typed, code, title_part) -> None:
    assert icd10.normalise_icd10(typed) == code
    assert title_part in (icd10.describe(code) or "")
    assert code in icd10.CATALOGUE


@pytest.mark.parametrize("typed", ["G90.9X", "E12.42", "U99.9", "M54.19X", "Z99.99"])
def test_a_well_formed_code_that_does_not_exist_is_refused_with_its_field(typed) -> None:
    with pytest.raises(InputError) as exc:
        icd10.normalise_icd10(typed, field="diagnoses[0]")
    assert exc.value.field == "diagnoses[0]"
    assert "is not a code of ICD-10-CM" in exc.value.rule
    assert icd10.describe(typed) is None
    assert typed not in icd10.CATALOGUE


@pytest.mark.parametrize(
    ("code", "group", "neuropathic"),
    [
        ("G90.50", G.CRPS, True),
        ("G90.51", G.CRPS, True),
        ("G90.522", G.CRPS, True),
        ("G56.40", G.CRPS, True),  # causalgia wins over the compression neuropathies of G56
        ("G57.73", G.CRPS, True),
        ("G56.01", G.COMPRESSION_NEUROPATHY, True),
        ("E08.42", G.DIABETIC_NEUROPATHY, True),
        ("E09.41", G.DIABETIC_NEUROPATHY, True),
        ("E10.42", G.DIABETIC_NEUROPATHY, True),
        ("E11.40", G.DIABETIC_NEUROPATHY, True),
        ("E13.42", G.DIABETIC_NEUROPATHY, True),
        ("B02.29", G.POSTHERPETIC_NEURALGIA, True),
        ("G54.6", G.PHANTOM_LIMB, True),
        ("G50.0", G.TRIGEMINAL_NEURALGIA, True),
        ("G62.0", G.CHEMOTHERAPY_NEUROPATHY, True),  # wins over G62 (other polyneuropathies)
        ("G62.81", G.OTHER_NEUROPATHIC, True),
        ("G62.9", G.OTHER_NEUROPATHIC, True),
        ("M54.10", G.RADICULOPATHY, True),
        ("M54.17", G.RADICULOPATHY, True),
        ("M51.16", G.RADICULOPATHY, True),
        ("S14.109S", G.SPINAL_CORD_INJURY, True),
        ("G35.A", G.MULTIPLE_SCLEROSIS, True),
        ("M54.50", G.CHRONIC_PAIN_OTHER, False),  # low back pain: not radiculopathy
        ("M54.59", G.CHRONIC_PAIN_OTHER, False),
        ("G89.4", G.CHRONIC_PAIN_OTHER, False),
        ("M79.7", G.CHRONIC_PAIN_OTHER, False),
    ],
)
def test_a_code_resolves_to_its_group_through_the_hierarchy(code, group, neuropathic) -> None:
    entry = icd10.lookup(code)
    assert entry is not None
    assert (entry.group, entry.neuropathic) == (group, neuropathic)
    assert icd10.group_of(code) == group


@pytest.mark.parametrize("code", ["M54.2", "G54.7", "I10", "E11.9", "M54.30", "R52"])
def test_codes_outside_the_table_have_no_group_and_are_not_neuropathic(code) -> None:
    entry = icd10.lookup(code)
    assert entry is not None
    assert entry.description
    assert (entry.group, entry.neuropathic) == (None, False)


def test_every_billable_code_under_a_row_inherits_the_rows_group() -> None:
    """Not one child slips out: every code under G90.5, G56.4, G57.7 and E08.4-E13.4."""
    for parent, group in (
        ("G90.5", G.CRPS),
        ("G56.4", G.CRPS),
        ("G57.7", G.CRPS),
        ("E08.4", G.DIABETIC_NEUROPATHY),
        ("E10.4", G.DIABETIC_NEUROPATHY),
        ("E11.4", G.DIABETIC_NEUROPATHY),
        ("E13.4", G.DIABETIC_NEUROPATHY),
        ("M54.1", G.RADICULOPATHY),
    ):
        children = [c for c in icd10.CATALOGUE if c.startswith(parent)]
        assert len(children) > 1, parent
        assert {icd10.group_of(c) for c in children} == {group}, parent


def test_the_group_table_is_all_valid_icd10cm_and_sourced() -> None:
    for i, row in enumerate(icd10.GROUP_TABLE):
        assert row.source.strip()
        assert "[ICD10CM]" in row.source
        for j, spec in enumerate(row.ranges):
            icd10.parse_code_range(spec, f"GROUP_TABLE[{i}].ranges[{j}]")


@pytest.mark.parametrize(
    ("spec", "inside", "outside"),
    [
        ("I20-I25", ["I20.0", "I21.4", "I25.10"], ["I26.99", "I10", "I19"]),
        ("G90.5", ["G90.50", "G90.522"], ["G90.4", "G90.8", "G91.0"]),
        ("S14.0-S14.1", ["S14.0XXA", "S14.109S"], ["S14.2XXA"]),
    ],
)
def test_a_code_range_covers_its_codes_and_the_codes_under_them(spec, inside, outside) -> None:
    rng = icd10.parse_code_range(spec, "x")
    assert all(rng.covers(c) for c in inside)
    assert not any(rng.covers(c) for c in outside)


@pytest.mark.parametrize("spec", ["I20-", "I2", "I25-I20", "I20-I25.1", "E12", "", 7])
def test_a_bad_code_range_is_refused_by_its_field(spec) -> None:
    with pytest.raises(InputError) as exc:
        icd10.parse_code_range(spec, "rules[3].params.code_prefixes[0]")
    assert exc.value.field == "rules[3].params.code_prefixes[0]"


def test_every_condition_group_has_an_evidence_grade_in_the_default_rules() -> None:
    grades = default_rule_set().evidence_grades
    for group in G:
        if group is G.COMORBIDITY:  # no row uses it
            continue
        assert group.value in grades, group
        assert "[Cohen2018]" in grades[group.value].source
    assert grades[G.DIABETIC_NEUROPATHY.value].grade == "weak"


def test_the_verified_codes_are_codes_of_the_release() -> None:
    assert all(icd10.is_valid(c) for c in icd10.VERIFIED_IN_REFERENCE)
