"""When a follow-up visit is due, and the checks of a visit's care items: hand-computed cases."""

from __future__ import annotations

import datetime as dt

import pytest

from ketacore.errors import InputError
from ketacore.outcomes.policy import VisitRule
from ketacore.outcomes.response import split_series
from ketacore.outcomes.visits import (
    check_care,
    check_visit_day,
    milestones,
    visit_due,
    visit_owed,
)

RULE = VisitRule(after_first_infusion_days=7, after_series_end_days=14, source="test")
D = dt.date(2026, 3, 1)


def day(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


def test_series_split_on_a_gap_longer_than_the_rule() -> None:
    days = [day(0), day(7), day(14), day(60), day(61)]
    assert split_series(days, gap_days=14) == [[day(0), day(7), day(14)], [day(60), day(61)]]
    assert split_series([], gap_days=14) == []


def test_series_split_when_the_plan_count_is_reached_even_without_a_gap() -> None:
    days = [day(0), day(1), day(2), day(10)]  # three a series; a booster eight days later
    counts = dict.fromkeys(days, 3)
    assert split_series(days, gap_days=14, per_series=counts) == [
        [day(0), day(1), day(2)],
        [day(10)],
    ]
    assert split_series(days, gap_days=14) == [days]  # not knowing the count: gaps only
    # Its milestones agree: the series of three ended on its third day.
    ends = [m.anchor for m in milestones(days, RULE, today=day(11), gap_days=14, series_count=3)]
    assert ends[1] == day(2)


def test_first_infusion_visit_is_due_after_the_policy_days_and_cleared_by_a_visit() -> None:
    days = [day(0)]
    assert visit_due(days, [], RULE, today=day(6), gap_days=14, series_count=4) is None
    due = visit_due(days, [], RULE, today=day(7), gap_days=14, series_count=4)
    assert due is not None
    assert due.after == "first_infusion"
    assert due.due == day(7)
    assert visit_due(days, [day(8)], RULE, today=day(9), gap_days=14, series_count=4) is None
    # A visit before the first infusion is not a follow-up.
    assert visit_due(days, [day(-1)], RULE, today=day(9), gap_days=14, series_count=4) is not None


def test_a_series_end_is_known_from_the_plan_count_or_a_long_gap() -> None:
    days = [day(0), day(7), day(14), day(21)]  # four of four
    found = milestones(days, RULE, today=day(22), gap_days=14, series_count=4)
    assert [(m.after, m.anchor, m.due) for m in found] == [
        ("first_infusion", day(0), day(7)),
        ("series_end", day(21), day(35)),
    ]
    # Two of four given, 10 days ago: the series goes on; 15 days ago: it ended.
    two = [day(0), day(7)]
    assert len(milestones(two, RULE, today=day(17), gap_days=14, series_count=4)) == 1
    ended = milestones(two, RULE, today=day(22), gap_days=14, series_count=4)
    assert ended[-1].anchor == day(7)
    assert ended[-1].due == day(21)


def test_a_visit_after_the_first_infusion_does_not_cover_the_series_end() -> None:
    days = [day(0), day(7), day(14), day(21)]
    visits = [day(8)]
    due = visit_due(days, visits, RULE, today=day(35), gap_days=14, series_count=4)
    assert due is not None
    assert due.after == "series_end"
    assert due.label.endswith("series 1")
    assert visit_due(days, [day(30)], RULE, today=day(40), gap_days=14, series_count=4) is None


def test_care_items_are_yes_or_no_with_a_note_and_other_says_what() -> None:
    care = check_care({"physical_therapy": True, "physical_therapy_note": " twice a week "})
    assert care["physical_therapy"] == {"yes": True, "note": "twice a week"}
    assert care["nerve_blocks"] == {"yes": False, "note": ""}
    with pytest.raises(InputError, match="Other care: say what it is"):
        check_care({"other": True})
    with pytest.raises(InputError, match="must be yes or no"):
        check_care({"psychology": "maybe"})


def test_a_visit_day_is_not_in_the_future_nor_before_the_plan() -> None:
    assert check_visit_day(day(3), today=day(3), not_before=day(0)) == day(3)
    with pytest.raises(InputError, match="must not be in the future"):
        check_visit_day(day(4), today=day(3), not_before=None)
    with pytest.raises(InputError, match="before the plan was signed"):
        check_visit_day(day(-1), today=day(3), not_before=day(0))


def test_the_visit_owed_is_the_one_falling_due_first() -> None:
    # A clinic that waits 30 days after the first infusion but 7 after a series: the series
    # of four (days 0-6) is owed a visit on day 13, before the first infusion's on day 30.
    rule = VisitRule(after_first_infusion_days=30, after_series_end_days=7, source="test")
    days = [day(0), day(2), day(4), day(6)]
    owed = visit_owed(days, [], rule, today=day(10), gap_days=14, series_count=4)
    assert owed is not None
    assert (owed.after, owed.due) == ("series_end", day(13))
    assert visit_due(days, [], rule, today=day(10), gap_days=14, series_count=4) is None
    assert visit_due(days, [], rule, today=day(13), gap_days=14, series_count=4) == owed
    # A visit on the last infusion's day covers both.
    assert visit_owed(days, [day(6)], rule, today=day(40), gap_days=14, series_count=4) is None
