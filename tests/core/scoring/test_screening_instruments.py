"""DN4, DN4-interview, LANSS, S-LANSS and ID Pain: worked examples, cut-offs -1/0/+1, missing items.

The sources give the scoring rules, not patient-level examples, so the
"published scoring examples" here are worked examples of the published rules
(DN4 [Bouhassira2005], LANSS [Bennett2001], S-LANSS [Bennett2005], ID Pain
[Portenoy2006]; docs/references.md), each checked by hand.
"""

from __future__ import annotations

import pytest

from ketacore.errors import InputError
from ketacore.scoring import get_instrument

from .helpers import band_id, first_n_yes, yes_to


def band_of(instrument_id: str, answers: dict[str, int], **options: str) -> str:
    return band_id(get_instrument(instrument_id).score(answers, options))


def test_dn4_worked_example_counts_yes_answers_and_splits_sections():
    # burning, electric shocks, tingling, numbness + reduced pinprick, brushing pain: 4 + 2
    answers = yes_to(
        "dn4",
        "q1_burning",
        "q3_electric_shocks",
        "q4_tingling",
        "q6_numbness",
        "q9_reduced_pinprick",
        "q10_brushing_pain",
    )
    result = get_instrument("dn4").score(answers)
    assert result.total == 6
    assert dict(result.subscales) == {"interview": 4, "examination": 2}
    assert band_id(result) == "likely"


@pytest.mark.parametrize(("n", "band"), [(3, "unlikely"), (4, "likely"), (5, "likely")])
def test_dn4_cutoff_4(n, band):
    assert band_of("dn4", first_n_yes("dn4", n)) == band


@pytest.mark.parametrize(("n", "band"), [(4, "unlikely"), (5, "likely"), (6, "likely")])
def test_dn4_dutch_cutoff_5_is_selectable(n, band):
    assert band_of("dn4", first_n_yes("dn4", n), cutoff="5") == band


@pytest.mark.parametrize(("n", "band"), [(3, "unlikely"), (4, "likely"), (5, "likely")])
def test_dn4_interview_default_cutoff_4(n, band):
    assert band_of("dn4-interview", first_n_yes("dn4-interview", n)) == band


@pytest.mark.parametrize(("n", "band"), [(2, "unlikely"), (3, "likely"), (4, "likely")])
def test_dn4_interview_cutoff_3_is_selectable(n, band):
    assert band_of("dn4-interview", first_n_yes("dn4-interview", n), cutoff="3") == band


def test_dn4_interview_has_only_the_seven_asked_items():
    ids = [i.id for i in get_instrument("dn4-interview").items]
    assert ids == [i.id for i in get_instrument("dn4").items][:7]


def test_dn4_missing_examination_items_are_listed():
    answers = first_n_yes("dn4-interview", 7)
    with pytest.raises(InputError) as err:
        get_instrument("dn4").score(answers)
    assert "q8_reduced_touch, q9_reduced_pinprick, q10_brushing_pain" in err.value.rule


def test_lanss_worked_example_weights():
    # A1 (5) + A3 (3) + A5 (1) + B1 (5) = 14
    answers = yes_to(
        "lanss",
        "q1_skin_sensations",
        "q3_sensitive_to_touch",
        "q5_hot_burning",
        "q6_exam_allodynia",
    )
    result = get_instrument("lanss").score(answers)
    assert result.total == 14
    assert dict(result.subscales) == {"symptoms": 9, "examination": 5}
    assert band_id(result) == "likely"


@pytest.mark.parametrize(
    ("yes", "total", "band"),
    [
        (("q1_skin_sensations", "q2_skin_looks_different", "q5_hot_burning"), 11, "unlikely"),
        (("q1_skin_sensations", "q2_skin_looks_different", "q4_sudden_bursts"), 12, "likely"),
        (("q1_skin_sensations", "q2_skin_looks_different", "q3_sensitive_to_touch"), 13, "likely"),
    ],
)
def test_lanss_cutoff_12(yes, total, band):
    result = get_instrument("lanss").score(yes_to("lanss", *yes))
    assert (result.total, band_id(result)) == (total, band)


def test_lanss_all_yes_is_24():
    assert get_instrument("lanss").score(first_n_yes("lanss", 7)).total == 24


@pytest.mark.parametrize(
    ("yes", "total", "band"),
    [
        (("q1_pins_and_needles", "q6_rubbing_unpleasant", "q5_hot_burning"), 11, "unlikely"),
        (("q1_pins_and_needles", "q6_rubbing_unpleasant", "q4_sudden_bursts"), 12, "likely"),
        (("q1_pins_and_needles", "q6_rubbing_unpleasant", "q7_pressing_numb_tender"), 13, "likely"),
    ],
)
def test_s_lanss_cutoff_12(yes, total, band):
    result = get_instrument("s-lanss").score(yes_to("s-lanss", *yes))
    assert (result.total, band_id(result)) == (total, band)


def test_s_lanss_missing_self_test_items_are_listed():
    answers = first_n_yes("s-lanss", 5)
    del answers["q6_rubbing_unpleasant"], answers["q7_pressing_numb_tender"]
    with pytest.raises(InputError) as err:
        get_instrument("s-lanss").score(answers)
    assert "q6_rubbing_unpleasant, q7_pressing_numb_tender" in err.value.rule


def test_id_pain_joint_item_subtracts_one():
    assert get_instrument("id-pain").score(yes_to("id-pain", "q6_only_joints")).total == -1
    assert get_instrument("id-pain").score(first_n_yes("id-pain", 6)).total == 4
    assert get_instrument("id-pain").score(first_n_yes("id-pain", 5)).total == 5


@pytest.mark.parametrize(("n", "band"), [(1, "unlikely"), (2, "likely"), (3, "likely")])
def test_id_pain_default_cutoff_2(n, band):
    assert band_of("id-pain", first_n_yes("id-pain", n)) == band


@pytest.mark.parametrize(("n", "band"), [(2, "unlikely"), (3, "likely"), (4, "likely")])
def test_id_pain_cutoff_3_is_selectable(n, band):
    assert band_of("id-pain", first_n_yes("id-pain", n), cutoff="3") == band


def test_id_pain_band_sources_say_which_cutoff_is_unconfirmed():
    unconfirmed = get_instrument("id-pain").score(first_n_yes("id-pain", 3), {"cutoff": "3"}).band
    turkish = get_instrument("id-pain").score(first_n_yes("id-pain", 3)).band
    assert unconfirmed is not None
    assert turkish is not None
    assert "UNCONFIRMED" in unconfirmed.source
    assert "[IDPain-TR]" in turkish.source
