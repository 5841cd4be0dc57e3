"""Chair utilisation: booked ÷ open minutes, idle gaps, the no-show rate."""

from __future__ import annotations

import datetime as dt

from ketacore.utilisation import combine, no_show_rate, use_of

DAY = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def at(hour: float) -> dt.datetime:
    return DAY + dt.timedelta(hours=hour)


def test_booked_time_over_open_time_and_the_idle_gaps() -> None:
    # Open 8-12 and 13-17 (a closure at lunch); booked 8-10, 11:45-13:30 and 16-18.
    use = use_of(
        [(at(8), at(12)), (at(13), at(17))],
        [(at(8), at(10)), (at(11.75), at(13.5)), (at(16), at(18))],
        min_gap=dt.timedelta(minutes=30),
    )
    assert use.open_min == 480
    # Inside open time only: 120 + 15 + 30 + 60 (18:00 is after closing, 12-13 was closed).
    assert use.booked_min == 225
    assert use.ratio == 225 / 480
    assert use.gaps == ((at(10), at(11.75)), (at(13.5), at(16)))
    assert use.idle_min == 105 + 150


def test_short_gaps_are_turnover_and_a_closed_day_has_no_ratio() -> None:
    use = use_of([(at(8), at(9))], [(at(8), at(8.75))], min_gap=dt.timedelta(minutes=30))
    assert use.gaps == ()
    assert use_of([], [(at(8), at(9))], min_gap=dt.timedelta(minutes=30)).ratio is None


def test_days_combine_and_the_no_show_rate() -> None:
    gap = dt.timedelta(minutes=30)
    week = combine([use_of([(at(8), at(16))], [(at(8), at(12))], min_gap=gap)] * 5)
    assert (week.open_min, week.booked_min, week.ratio) == (2400, 1200, 0.5)
    assert no_show_rate(1, 19) == 0.05
    assert no_show_rate(0, 0) is None
