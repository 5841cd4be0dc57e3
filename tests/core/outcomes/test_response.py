"""Series and responder status against hand-computed cases (IMMPACT thresholds [Dworkin2008],
the 2-point change [Farrar2001]); the shipped policy's numbers: series gap 14 days, baseline
and window 7 days, at least 3 diary days, 10/30/50 %, 2 points."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from ketacore.outcomes import default_follow_up_document, load_follow_up_policy
from ketacore.outcomes.response import (
    Category,
    Mean,
    PainDay,
    ResponderStatus,
    Series,
    Unknown,
    baseline,
    responder_status,
    series_of,
    series_response,
    window_mean,
)

RULE = load_follow_up_policy(default_follow_up_document()).response


def d(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


def diary(start: dt.date, pains: Sequence[int | None]) -> list[PainDay]:
    """One PainDay a day from ``start``; None is a missed day."""
    return [PainDay(start + dt.timedelta(days=i), p) for i, p in enumerate(pains) if p is not None]


def test_series_split_on_gaps_longer_than_the_policy_and_a_lone_later_infusion_is_a_booster() -> (
    None
):
    days = [d(3, 5), d(3, 1), d(3, 3), d(3, 1), d(3, 19), d(4, 10), d(5, 20), d(5, 22)]
    # 3 Mar -> 19 Mar is 14 days (not more): the same series; 19 Mar -> 10 Apr is 22: new.
    assert series_of(days, RULE) == (
        Series(1, d(3, 1), d(3, 19), (d(3, 1), d(3, 3), d(3, 5), d(3, 19)), booster=False),
        Series(2, d(4, 10), d(4, 10), (d(4, 10),), booster=True),
        Series(3, d(5, 20), d(5, 22), (d(5, 20), d(5, 22)), booster=False),
    )
    assert series_of([], RULE) == ()
    # A first series of one infusion is not a booster.
    assert series_of([d(3, 1)], RULE)[0].booster is False


def test_baseline_is_the_7_days_before_the_first_infusion_not_its_day() -> None:
    series = series_of([d(3, 10), d(3, 12)], RULE)[0]
    days = [
        PainDay(d(3, 2), 9),  # 8 days before: outside
        PainDay(d(3, 3), 6),
        PainDay(d(3, 5), 8),
        PainDay(d(3, 9), 7),
        PainDay(d(3, 10), 1),  # the infusion day: outside
    ]
    assert baseline(days, series, RULE) == Mean(7.0, 3, d(3, 3), d(3, 9))
    # Two days are too few (min_days 3).
    assert baseline(days[1:3], series, RULE) is None


def test_window_mean_ends_on_the_day_and_leaves_missed_days_out() -> None:
    days = diary(d(3, 1), [9, 2, None, 4, None, None, 3, 5])  # 1..8 Mar
    # 7 days ending 8 Mar: 2..8 Mar -> 2, 4, 3, 5 -> 14 / 4 = 3.5
    assert window_mean(days, d(3, 8), RULE) == Mean(3.5, 4, d(3, 2), d(3, 8))
    assert window_mean(days, d(3, 20), RULE) is None


def _status(before: list[int], now: list[int]) -> ResponderStatus | Unknown:
    """Baseline days 1..7 Mar, infusion 8 Mar, window the 7 days to 20 Mar."""
    series = series_of([d(3, 8)], RULE)[0]
    days = diary(d(3, 1), list(before)) + diary(d(3, 14), list(now))
    return responder_status(days, series, on=d(3, 20), rule=RULE)


@pytest.mark.parametrize(
    ("before", "now", "percent", "points", "category", "meets"),
    [
        # exactly 50 %: substantial; 5 points
        ([10, 10, 10], [5, 5, 5], 50.0, 5.0, Category.SUBSTANTIAL, True),
        # exactly 30 %: moderate; 3 points
        ([10, 10, 10], [7, 7, 7], 30.0, 3.0, Category.MODERATE, True),
        # 20/3 -> 14/3: (20/3 - 14/3) / (20/3) = 6/20 = exactly 30 %, exactly 2 points
        ([7, 7, 6], [5, 5, 4], 30.0, 2.0, Category.MODERATE, True),
        # 7 -> 5: 2 points but 2/7 = 28.6 %: minimal, meets the 2-point change
        ([7, 7, 7], [5, 5, 5], 200 / 7, 2.0, Category.MINIMAL, True),
        # 4 -> 2: 50 % and exactly 2 points
        ([4, 4, 4], [2, 2, 2], 50.0, 2.0, Category.SUBSTANTIAL, True),
        # exactly 10 %: minimal; 1 point
        ([10, 10, 10], [9, 9, 9], 10.0, 1.0, Category.MINIMAL, False),
        # 10 -> 28/3: 2/3 point, (2/3) / 10 = 6.7 %: none
        ([10, 10, 10], [9, 9, 10], 20 / 3, 2 / 3, Category.NONE, False),
        # worse: 5 -> 6 = -20 %: none
        ([5, 5, 5], [6, 6, 6], -20.0, -1.0, Category.NONE, False),
    ],
)
def test_responder_category_edges(
    before: list[int],
    now: list[int],
    percent: float,
    points: float,
    category: Category,
    meets: bool,
) -> None:
    status = _status(before, now)
    assert isinstance(status, ResponderStatus)
    assert status.percent == pytest.approx(percent)
    assert status.points == pytest.approx(points)
    assert status.category is category
    assert status.meets_points is meets


def test_the_working_states_the_sum() -> None:
    status = _status([7, 7, 6], [5, 5, 4])
    assert isinstance(status, ResponderStatus)
    assert status.baseline == Mean(20 / 3, 3, d(3, 1), d(3, 7))
    assert status.current == Mean(14 / 3, 3, d(3, 14), d(3, 20))
    assert status.working == (
        "Baseline 6.7 (mean of 3 diary days, 1 Mar 2026 to 7 Mar 2026); "
        "now 4.7 (mean of 3 diary days, 14 Mar 2026 to 20 Mar 2026). "
        "Change 6.7 − 4.7 = 2.0 points; 2.0 ÷ 6.7 = 30 % reduction: "
        "moderate reduction (at least 30 %); meets the 2-point change."
    )


def test_baseline_zero_and_too_few_days_are_unknown_with_the_reason() -> None:
    zero = _status([0, 0, 0], [1, 1, 1])
    assert isinstance(zero, Unknown)
    assert "baseline pain is 0" in zero.reason
    no_baseline = _status([8, 8], [3, 3, 3])
    assert isinstance(no_baseline, Unknown)
    assert no_baseline.reason == (
        "Fewer than 3 diary days in the 7 days before the infusion of 8 Mar 2026: no baseline."
    )
    few_recent = _status([8, 8, 8], [3, 3])
    assert isinstance(few_recent, Unknown)
    assert few_recent.reason == (
        "Fewer than 3 diary days in the 7 days to 20 Mar 2026: too few recent days."
    )


def test_series_response_reads_the_window_after_the_last_infusion() -> None:
    series = series_of([d(3, 8), d(3, 10)], RULE)[0]
    # baseline 1..7 Mar = 8; window 11..17 Mar = 4 (the infusion day 10 Mar not in it)
    days = diary(d(3, 1), [8, 8, 8, 8, 8, 8, 8, 6, 6, 1, 4, 4, 4, 4, 4, 4, 4, 9, 9])
    status = series_response(days, series, RULE)
    assert isinstance(status, ResponderStatus)
    assert status.current == Mean(4.0, 7, d(3, 11), d(3, 17))
    assert status.percent == 50.0
    assert status.category is Category.SUBSTANTIAL
    late = series_response(days[:11], series, RULE)  # diary stops on 11 Mar
    assert isinstance(late, Unknown)
    assert "after 10 Mar 2026" in late.reason


def test_a_booster_is_compared_with_the_baseline_of_the_series_it_boosts() -> None:
    first, booster = series_of([d(3, 8), d(3, 30)], RULE)
    # before 8 Mar: 8; before the booster (23..29 Mar): 6; after it (31 Mar..6 Apr): 4
    days = diary(d(3, 1), [8] * 7) + diary(d(3, 23), [6] * 7) + diary(d(3, 31), [4] * 7)
    own = series_response(days, booster, RULE)
    against_first = series_response(days, booster, RULE, reference=first)
    assert isinstance(own, ResponderStatus)
    assert isinstance(against_first, ResponderStatus)
    assert round(own.percent, 1) == 33.3
    assert against_first.percent == 50.0
    assert against_first.baseline.first == d(3, 1)
