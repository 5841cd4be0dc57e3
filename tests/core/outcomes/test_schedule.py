"""Questionnaires on a schedule: series and occurrences against dates worked out by hand.

The shipped policy: open 7 days, reminders 2 and 5 days after opening; baseline on the
day the plan is signed, after_first 1 day after the first infusion, series_end 1 day
after the last infusion of a series, monthly 30, 60, ... 360 days after it; a series
ends after more than 14 days without an infusion.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from ketacore.errors import InputError
from ketacore.outcomes import Anchor, default_follow_up_document, load_follow_up_policy
from ketacore.outcomes.schedule import (
    Infusion,
    PlanDates,
    due_questionnaires,
    horizon_days,
    reminder_dates,
    series_of,
)

D = dt.date
SCHEDULE = load_follow_up_policy(copy.deepcopy(default_follow_up_document())).questionnaires


def _six(first: dt.date, every: int = 2) -> tuple[Infusion, ...]:
    return tuple(Infusion(first + dt.timedelta(days=every * k), 6) for k in range(6))


def test_a_series_ends_on_the_day_its_count_is_reached() -> None:
    # 6 infusions on Mar 2, 4, 6, 8, 10, 12: the sixth ends the series that day.
    series = series_of(_six(D(2026, 3, 2)), gap_days=14, today=D(2026, 3, 12))
    assert len(series) == 1
    s = series[0]
    assert (s.first, s.last, s.infusions) == (D(2026, 3, 2), D(2026, 3, 12), 6)
    assert (s.ended_on, s.known_on, s.ended_by) == (D(2026, 3, 12), D(2026, 3, 12), "count")


def test_a_series_short_of_its_count_ends_when_the_gap_has_passed() -> None:
    three = _six(D(2026, 3, 2))[:3]  # Mar 2, 4, 6
    # Mar 20 is 14 days after Mar 6: not more than the gap, the series goes on.
    going = series_of(three, gap_days=14, today=D(2026, 3, 20))
    assert going[0].ended_on is None
    assert going[0].known_on is None
    # Mar 21 is 15 days after: ended on Mar 6, known on Mar 6 + 15 = Mar 21.
    ended = series_of(three, gap_days=14, today=D(2026, 3, 21))
    assert (ended[0].ended_on, ended[0].known_on, ended[0].ended_by) == (
        D(2026, 3, 6),
        D(2026, 3, 21),
        "gap",
    )


def test_an_infusion_after_the_series_ended_is_a_new_series() -> None:
    # Full series Mar 2-12, then a booster on Apr 30 (49 days later) with today May 20.
    days = (*_six(D(2026, 3, 2)), Infusion(D(2026, 4, 30), 6))
    series = series_of(days, gap_days=14, today=D(2026, 5, 20))
    assert [(s.number, s.first, s.infusions, s.ended_on) for s in series] == [
        (1, D(2026, 3, 2), 6, D(2026, 3, 12)),
        (2, D(2026, 4, 30), 1, D(2026, 4, 30)),  # May 20 is 20 days later: ended by the gap
    ]
    assert series[1].known_on == D(2026, 5, 15)  # Apr 30 + 15


def test_an_infusion_in_the_future_is_refused_by_name() -> None:
    with pytest.raises(InputError) as error:
        series_of([Infusion(D(2026, 3, 3), 6)], gap_days=14, today=D(2026, 3, 2))
    assert error.value.field == "infusions"


def test_the_occurrences_of_a_complete_series() -> None:
    plan = PlanDates("p1", D(2026, 2, 27), _six(D(2026, 3, 2)))
    due = due_questionnaires(SCHEDULE, [plan], gap_days=14, today=D(2026, 3, 12))
    first = [(d.timepoint, d.occurrence, d.opens_on, d.closes_on) for d in due[:5]]
    assert first == [
        ("baseline", 1, D(2026, 2, 27), D(2026, 3, 6)),  # Feb 27 + 7 = Mar 6
        ("after_first", 1, D(2026, 3, 3), D(2026, 3, 10)),  # Mar 2 + 1
        ("series_end", 1, D(2026, 3, 13), D(2026, 3, 20)),  # Mar 12 + 1
        ("monthly", 1, D(2026, 4, 11), D(2026, 4, 18)),  # Mar 12 + 30
        ("monthly", 2, D(2026, 5, 11), D(2026, 5, 18)),  # Mar 12 + 60
    ]
    monthly = [d for d in due if d.timepoint == "monthly"]
    assert len(monthly) == 12
    assert monthly[-1].opens_on == D(2027, 3, 7)  # Mar 12 2026 + 360 days
    assert {d.anchor_ref for d in due} == {"p1:signed", "p1:first", "p1:series1"}
    assert due[2].anchor is Anchor.SERIES_END
    assert due[2].anchor_date == D(2026, 3, 12)
    assert "pgic" not in due[0].instruments
    assert "pgic" in due[1].instruments


def test_a_series_ended_by_a_gap_opens_the_day_the_end_is_known() -> None:
    plan = PlanDates("p1", D(2026, 3, 1), _six(D(2026, 3, 2))[:3])  # Mar 2, 4, 6
    due = due_questionnaires(SCHEDULE, [plan], gap_days=14, today=D(2026, 3, 21))
    end = next(d for d in due if d.timepoint == "series_end")
    # Mar 6 + 1 = Mar 7, but the end is known on Mar 21: it opens then, closes Mar 28.
    assert (end.anchor_date, end.opens_on, end.closes_on) == (
        D(2026, 3, 6),
        D(2026, 3, 21),
        D(2026, 3, 28),
    )
    monthly = next(d for d in due if d.timepoint == "monthly")
    assert monthly.opens_on == D(2026, 4, 5)  # Mar 6 + 30, after Mar 21
    # The day before, the series still goes on: nothing at its end yet.
    before = due_questionnaires(SCHEDULE, [plan], gap_days=14, today=D(2026, 3, 20))
    assert {d.timepoint for d in before} == {"baseline", "after_first"}


def test_the_monthly_questionnaires_of_a_series_stop_when_the_next_begins() -> None:
    # Series 1 ends Mar 12; a booster on May 20 (its own series, ended by the gap on Jun 4).
    days = (*_six(D(2026, 3, 2)), Infusion(D(2026, 5, 20), 6))
    plan = PlanDates("p1", D(2026, 2, 27), days)
    due = due_questionnaires(SCHEDULE, [plan], gap_days=14, today=D(2026, 6, 10))
    first = [d.opens_on for d in due if d.anchor_ref == "p1:series1" and d.timepoint == "monthly"]
    assert first == [D(2026, 4, 11), D(2026, 5, 11)]  # Jun 10 is after May 20: stopped
    booster = [d for d in due if d.anchor_ref == "p1:series2"]
    assert booster[0].timepoint == "series_end"
    assert booster[0].opens_on == D(2026, 6, 4)  # May 20 + 15 (known then), not May 21
    assert [d.opens_on for d in booster if d.timepoint == "monthly"][:1] == [D(2026, 6, 19)]


def test_reminders_go_out_two_and_five_days_after_opening() -> None:
    assert reminder_dates(SCHEDULE, D(2026, 3, 13)) == (D(2026, 3, 15), D(2026, 3, 18))


def test_a_plan_without_infusions_asks_only_the_baseline() -> None:
    plan = PlanDates("p1", D(2026, 3, 1), ())
    due = due_questionnaires(SCHEDULE, [plan], gap_days=14, today=D(2026, 3, 1))
    assert [(d.timepoint, d.opens_on) for d in due] == [("baseline", D(2026, 3, 1))]


def test_nothing_opens_or_stays_open_past_the_horizon() -> None:
    horizon = horizon_days(SCHEDULE, gap_days=14)
    # The last monthly time point (30 + 11 x 30 = 360 days after the series' end), the
    # gap and the day after it while the end may be unknown, then 7 days open.
    assert horizon == 360 + 14 + 1 + 7
    three = _six(D(2026, 3, 2))[:3]  # a series ended by the gap
    booster = (*_six(D(2026, 3, 2)), Infusion(D(2026, 4, 30), 6))
    for infusions in (_six(D(2026, 3, 2)), three, booster):
        plan = PlanDates("p1", D(2026, 2, 27), infusions)
        due = due_questionnaires(SCHEDULE, [plan], gap_days=14, today=D(2028, 1, 1))
        latest = max(i.day for i in infusions)
        assert max(d.closes_on for d in due) <= latest + dt.timedelta(days=horizon)
