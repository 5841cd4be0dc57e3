"""The diary's rules and the progress words, against hand-computed cases."""

from __future__ import annotations

import datetime as dt

import pytest

from ketacore.diary import DiaryDay, check_entry, progress, whole
from ketacore.errors import InputError

TODAY = dt.date(2027, 3, 20)
FIRST = dt.date(2027, 3, 10)  # first infusion


def _day(day: dt.date, pain: int) -> DiaryDay:
    return DiaryDay(day=day, pain_nrs=pain, function_nrs=5, mood_nrs=5)


def _ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


GOOD = {"pain_nrs": 4, "function_nrs": 0, "mood_nrs": 10}


def test_it_accepts_today_and_a_missed_day_within_30_days() -> None:
    assert check_entry(GOOD, day=TODAY, today=TODAY) == DiaryDay(TODAY, 4, 0, 10)
    assert check_entry(GOOD, day=_ago(30), today=TODAY).day == _ago(30)


@pytest.mark.parametrize(
    ("day", "rule"),
    [(TODAY + dt.timedelta(days=1), "future"), (_ago(31), "within the last 30 days")],
)
def test_it_refuses_a_day_in_the_future_or_too_long_ago_naming_the_date(day, rule) -> None:
    with pytest.raises(InputError) as caught:
        check_entry(GOOD, day=day, today=TODAY)
    assert caught.value.field == "day"
    assert rule in caught.value.rule
    assert caught.value.rule.startswith("Date:")


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("pain_nrs", 11, "Pain"),
        ("pain_nrs", -1, "Pain"),
        ("function_nrs", 2.5, "Daily activities"),
        ("mood_nrs", True, "Mood"),
        ("mood_nrs", None, "Mood"),
    ],
)
def test_it_refuses_a_score_outside_0_to_10_naming_the_item(field, value, label) -> None:
    with pytest.raises(InputError) as caught:
        check_entry({**GOOD, field: value}, day=TODAY, today=TODAY)
    assert caught.value.field == field
    assert caught.value.rule.startswith(f"{label}:")
    assert "0 to 10" in caught.value.rule


def test_it_rounds_half_up() -> None:
    assert (whole(4.5), whole(4.4), whole(6.5), whole(7.0)) == (5, 4, 7, 7)


def test_it_compares_this_week_with_the_diary_before_the_first_infusion() -> None:
    # Baseline: the 7 days before 10 March (3-9 March): 7, 8, 6 -> 7.0. Day 2 March is
    # outside it (pain 10), the infusion day itself (pain 9) too.
    # This week: 14-20 March: 4, 5, 4, 3 -> 4.0. Day 13 March (pain 9) is outside it.
    days = [
        _day(dt.date(2027, 3, 2), 10),
        _day(dt.date(2027, 3, 3), 7),
        _day(dt.date(2027, 3, 6), 8),
        _day(dt.date(2027, 3, 9), 6),
        _day(FIRST, 9),
        _day(dt.date(2027, 3, 13), 9),
        _day(dt.date(2027, 3, 14), 4),
        _day(dt.date(2027, 3, 16), 5),
        _day(dt.date(2027, 3, 18), 4),
        _day(TODAY, 3),
    ]
    result = progress(days, today=TODAY, infusion_days=(dt.date(2027, 3, 12), FIRST))
    assert result.week_average == 4.0
    assert result.week_days == 4
    assert result.baseline is not None
    assert (result.baseline.pain, result.baseline.source, result.baseline.days) == (7.0, "diary", 3)
    assert result.first_infusion == FIRST
    assert result.words == (
        "Your average pain this week is 4, down from 7 before treatment "
        "(your diary in the 7 days before your first infusion)."
    )


def test_it_falls_back_on_the_intake_bpi_average_when_no_diary_before_treatment() -> None:
    days = [_day(_ago(1), 6), _day(TODAY, 7)]  # 6.5 -> 7
    result = progress(days, today=TODAY, infusion_days=(FIRST,), intake_average=5)
    assert result.baseline is not None
    assert result.baseline.source == "intake"
    assert result.words == (
        "Your average pain this week is 7, up from 5 before treatment "
        "(the average pain you gave on your intake questionnaire)."
    )


def test_it_says_so_when_pain_is_unchanged() -> None:
    result = progress([_day(TODAY, 5)], today=TODAY, infusion_days=(FIRST,), intake_average=5)
    assert result.words.startswith("Your average pain this week is 5, the same as before")


def test_it_handles_no_data() -> None:
    result = progress([], today=TODAY)
    assert (result.week_average, result.baseline, result.first_infusion) == (None, None, None)
    assert result.words == "You have not filled in your diary in the last 7 days."
    nothing_before = progress([_day(TODAY, 2)], today=TODAY, infusion_days=(FIRST,))
    assert nothing_before.words == (
        "Your average pain this week is 2. "
        "There is no pain score from before your first infusion to compare with."
    )
    not_started = progress([_day(TODAY, 2)], today=TODAY)
    assert not_started.words == (
        "Your average pain this week is 2. Your treatment has not started yet."
    )
    no_week = progress([], today=TODAY, infusion_days=(FIRST,), intake_average=8)
    assert no_week.words == (
        "You have not filled in your diary in the last 7 days. Before treatment your "
        "average pain was 8 (the average pain you gave on your intake questionnaire)."
    )
