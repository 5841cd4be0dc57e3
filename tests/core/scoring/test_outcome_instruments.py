"""NRS, BPI-SF, PHQ-9, GAD-7 and PGIC: worked examples, band edges, missing-item rules."""

from __future__ import annotations

import pytest

from ketacore.errors import InputError
from ketacore.scoring import get_instrument

from .helpers import all_answers, band_id


def answers_with_total(instrument_id: str, total: int) -> dict[str, int]:
    """Fill items from the first, up to 3 each, to reach ``total`` (PHQ-9/GAD-7)."""
    answers = all_answers(instrument_id, 0)
    for item_id in answers:
        step = min(3, total)
        answers[item_id] = step
        total -= step
    assert total == 0
    return answers


@pytest.mark.parametrize(
    ("bands", "score", "band"),
    [
        ("nih", 0, "none"),
        ("nih", 3, "mild"),
        ("nih", 4, "moderate"),
        ("nih", 6, "moderate"),
        ("nih", 7, "severe"),
        ("palos", 4, "mild"),
        ("palos", 5, "moderate"),
        ("palos", 7, "severe"),
        ("boonstra", 5, "mild"),
        ("boonstra", 6, "moderate"),
        ("boonstra", 7, "moderate"),
        ("boonstra", 8, "severe"),
        ("eppoc", 0, "mild"),
        ("eppoc", 4, "mild"),
        ("eppoc", 5, "moderate"),
    ],
)
def test_nrs_band_sets(bands, score, band):
    assert band_id(get_instrument("nrs").score({"q1_pain": score}, {"bands": bands})) == band


def test_nrs_default_is_nih_and_range_is_named():
    assert get_instrument("nrs").score({"q1_pain": 4}).options["bands"] == "nih"
    with pytest.raises(InputError) as err:
        get_instrument("nrs").score({"q1_pain": 11})
    assert (err.value.field, "from 0 to 10" in err.value.rule) == ("answers.q1_pain", True)


BPI_SEVERITY = {"q1_worst": 8, "q2_least": 3, "q3_average": 6, "q4_now": 5}
BPI_INTERFERENCE = [
    "q6_general_activity",
    "q7_mood",
    "q8_walking",
    "q9_normal_work",
    "q10_relations",
    "q11_sleep",
    "q12_enjoyment",
]


def test_bpi_worked_example_means():
    answers = (
        BPI_SEVERITY
        | dict(zip(BPI_INTERFERENCE, [7, 6, 5, 8, 2, 9, 6], strict=True))
        | {"q5_relief": 30}
    )
    result = get_instrument("bpi-sf").score(answers)
    assert result.total is None
    assert result.subscales["severity"] == pytest.approx(5.5)
    assert result.subscales["interference"] == pytest.approx(43 / 7)
    assert result.items["q5_relief"] == 30


@pytest.mark.parametrize(("answered", "scored"), [(3, False), (4, True), (5, True)])
def test_bpi_interference_needs_4_of_7(answered, scored):
    answers = BPI_SEVERITY | dict.fromkeys(BPI_INTERFERENCE[:answered], 4)
    result = get_instrument("bpi-sf").score(answers)
    if scored:
        assert result.subscales["interference"] == 4
        assert not result.flags
    else:
        assert result.subscales["interference"] is None
        assert result.flag_ids() == {"interference_not_scored"}


def test_bpi_interference_mean_is_over_answered_items_only():
    answers = BPI_SEVERITY | dict(zip(BPI_INTERFERENCE[:4], [2, 4, 6, 8], strict=True))
    assert get_instrument("bpi-sf").score(answers).subscales["interference"] == 5


def test_bpi_severity_items_are_all_required():
    with pytest.raises(InputError) as err:
        get_instrument("bpi-sf").score({"q1_worst": 5, "q3_average": 4})
    assert "q2_least, q4_now" in err.value.rule


def test_bpi_relief_range_is_percent():
    with pytest.raises(InputError) as err:
        get_instrument("bpi-sf").score(BPI_SEVERITY | {"q5_relief": 110})
    assert "from 0 to 100" in err.value.rule


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (4, "minimal"),
        (5, "mild"),
        (6, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (11, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (21, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_edges(total, band):
    result = get_instrument("phq9").score(answers_with_total("phq9", total))
    assert (result.total, band_id(result)) == (total, band)


def test_phq9_item9_flag_whatever_the_total():
    answers = all_answers("phq9", 0) | {"q9_self_harm_thoughts": 1}
    result = get_instrument("phq9").score(answers)
    assert result.total == 1
    assert band_id(result) == "minimal"
    assert result.flag_ids() == {"item9_positive"}
    assert (
        not get_instrument("phq9")
        .score(all_answers("phq9", 2) | {"q9_self_harm_thoughts": 0})
        .flags
    )


@pytest.mark.parametrize(
    ("total", "band", "flag"),
    [
        (4, "minimal", False),
        (5, "mild", False),
        (9, "mild", False),
        (10, "moderate", True),
        (11, "moderate", True),
        (14, "moderate", True),
        (15, "severe", True),
        (21, "severe", True),
    ],
)
def test_gad7_band_edges_and_further_evaluation(total, band, flag):
    result = get_instrument("gad7").score(answers_with_total("gad7", total))
    assert (result.total, band_id(result)) == (total, band)
    assert ("further_evaluation" in result.flag_ids()) is flag


@pytest.mark.parametrize(
    ("numbering", "value", "band", "improvement"),
    [
        ("cde", 1, "very_much_improved", 3),
        ("cde", 2, "much_improved", 2),
        ("cde", 4, "no_change", 0),
        ("cde", 7, "very_much_worse", -3),
        ("reversed", 7, "very_much_improved", 3),
        ("reversed", 6, "much_improved", 2),
        ("reversed", 1, "very_much_worse", -3),
    ],
)
def test_pgic_stores_the_label_in_either_numbering(numbering, value, band, improvement):
    result = get_instrument("pgic").score({"q1_change": value}, {"numbering": numbering})
    assert band_id(result) == band
    assert result.subscales["improvement"] == improvement


@pytest.mark.parametrize(
    ("value", "flag"),
    [
        (3, "immpact_minimal_improvement"),
        (2, "immpact_moderate_improvement"),
        (1, "immpact_substantial_improvement"),
    ],
)
def test_pgic_immpact_anchors(value, flag):
    assert get_instrument("pgic").score({"q1_change": value}).flag_ids() == {flag}


def test_pgic_describe_labels_follow_the_numbering():
    cde = get_instrument("pgic").describe()["items"][0]["labels"]
    rev = get_instrument("pgic").describe({"numbering": "reversed"})["items"][0]["labels"]
    assert cde["1"] == rev["7"] == "Very much improved"


def test_pgic_range():
    with pytest.raises(InputError) as err:
        get_instrument("pgic").score({"q1_change": 0})
    assert "from 1 to 7" in err.value.rule
