"""Relief and the booster estimate against hand-computed cases (the moderate reduction of
IMMPACT [Dworkin2008], [Farrar2001]). The shipped policy: onset within 7 days at 30 % below
baseline, pain back at 70 % of baseline on 2 diary days in a row, gaps of more than 3 days
censor, booster 3 days before the expected end.

With a baseline of 8: relief starts at pain 5.6 or below (5 or less), ends at 5.6 or more
(6 or more)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ketacore.outcomes import default_follow_up_document, load_follow_up_policy
from ketacore.outcomes.booster import BoosterEstimate, booster_estimate
from ketacore.outcomes.relief import Relief, relief_after
from ketacore.outcomes.response import PainDay, baseline, series_of

POLICY = load_follow_up_policy(default_follow_up_document())
START, TODAY = dt.date(2026, 3, 1), dt.date(2026, 6, 1)


def d(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


def diary(start: dt.date, pains: Sequence[int | None]) -> list[PainDay]:
    return [PainDay(start + dt.timedelta(days=i), p) for i, p in enumerate(pains) if p is not None]


def relief(
    days: list[PainDay],
    *,
    start: dt.date = START,
    base: float = 8.0,
    next_infusion: dt.date | None = None,
    today: dt.date = TODAY,
) -> Relief:
    return relief_after(
        days,
        start=start,
        baseline=base,
        next_infusion=next_infusion,
        today=today,
        relief=POLICY.relief,
        response=POLICY.response,
    )


def test_no_response() -> None:
    # 1..10 Mar: never 5 or below within 1..8 Mar (day 9 is too late)
    result = relief(diary(d(3, 1), [8, 7, 7, 6, 7, 8, 6, 7, 4, 4]))
    assert result == Relief(
        d(3, 1),
        None,
        None,
        None,
        False,
        "No relief: pain did not fall to 5.6 or below by 8 Mar 2026.",
        d(3, 10),
    )


def test_late_response_onset_on_day_5_and_a_return_confirmed_on_two_days() -> None:
    # 1 Mar infusion; 6 Mar (5 days on) the first day at 5 or below; 13 Mar back to 6 but
    # 14 Mar 5 breaks the run; 15 and 16 Mar 6 and 7: relief ended on 15 Mar, 14 days.
    pains = [8, 7, 7, 6, 6, 4, 4, 3, 3, 4, 5, 5, 6, 5, 6, 7, 8]
    result = relief(diary(d(3, 1), pains))
    assert result.onset == d(3, 6)
    assert result.end == d(3, 15)
    assert result.duration_days == 14
    assert result.censored is False
    assert result.last_seen == d(3, 16)
    assert "on 2 diary days in a row from 15 Mar 2026" in result.reason


def test_missing_days_a_short_gap_is_tolerated() -> None:
    # onset 2 Mar; no entry 4, 5, 6 Mar (3 days = max_gap_days, tolerated); back 8 Mar and
    # 10 Mar (9 Mar missing: still consecutive entries): ended on 8 Mar, 7 days.
    pains = [7, 3, 3, None, None, None, 4, 6, None, 6]
    result = relief(diary(d(3, 1), pains))
    assert (result.onset, result.end, result.duration_days) == (d(3, 2), d(3, 8), 7)
    assert result.censored is False


def test_missing_days_a_long_gap_censors_at_the_last_day_seen() -> None:
    # onset 2 Mar; no entry 4..7 Mar (4 days > 3): censored at 3 Mar, at least 2 days,
    # though the pain is back on 8 and 9 Mar (not guessed across the gap).
    pains = [7, 3, 3, None, None, None, None, 7, 7]
    result = relief(diary(d(3, 1), pains))
    assert result == Relief(
        d(3, 1),
        d(3, 2),
        None,
        2,
        True,
        "No diary from 4 Mar 2026 to 7 Mar 2026 (more than 3 days).",
        d(3, 3),
    )


def test_a_series_then_a_booster_the_first_relief_censored_at_the_booster() -> None:
    # Series 1: 1, 3, 5 Mar; booster 25 Mar (20 days after, more than 14). Baseline 22..28 Feb
    # = 8. Pain 3 every day from 1 Mar to 13 Apr, then 7 from 14 Apr.
    infusions = [d(3, 1), d(3, 3), d(3, 5), d(3, 25)]
    series, booster = series_of(infusions, POLICY.response)
    assert booster.booster is True
    days = diary(d(2, 22), [8] * 7) + diary(d(3, 1), [3] * 44 + [7] * 10)
    base = baseline(days, series, POLICY.response)
    assert base is not None
    assert base.value == 8.0
    first = relief(days, start=series.last, next_infusion=booster.first, today=d(4, 30))
    # censored the day before the booster: 5 Mar -> 24 Mar = at least 19 days
    assert first == Relief(
        d(3, 5),
        d(3, 5),
        None,
        19,
        True,
        "The next infusion on 25 Mar 2026 came first.",
        d(3, 24),
    )
    second = relief(days, start=booster.last, today=d(4, 30))
    # 25 Mar -> back on 14 Apr = 20 days
    assert (second.onset, second.end, second.duration_days, second.censored) == (
        d(3, 25),
        d(4, 14),
        20,
        False,
    )
    estimate = booster_estimate(
        [first, second], last_infusion=d(3, 25), today=d(4, 1), rule=POLICY.booster
    )
    # only the ended relief counts: median 20; 25 Mar + 20 = 14 Apr; 3 days before: 11 Apr
    assert estimate == BoosterEstimate(
        d(4, 11),
        d(4, 14),
        "Median of 1 relief period: 20 days = 20 days. Last infusion 25 Mar 2026 + 20 days = "
        "expected end of relief 14 Apr 2026; booster 3 days before: 11 Apr 2026.",
        (20,),
    )


def test_censored_by_today_and_a_return_not_yet_confirmed() -> None:
    ongoing = relief(diary(d(3, 1), [7, 3, 3, 4]), today=d(3, 6))
    assert (ongoing.censored, ongoing.duration_days, ongoing.last_seen) == (True, 3, d(3, 4))
    assert ongoing.reason == "Relief still going on 4 Mar 2026, the last diary day."
    pending = relief(diary(d(3, 1), [7, 3, 3, 6]), today=d(3, 4))
    assert (pending.censored, pending.end, pending.last_seen) == (True, None, d(3, 4))
    assert pending.reason.startswith("Pain back from 4 Mar 2026 but not yet on 2 diary days")
    stale = relief(diary(d(3, 1), [7, 3, 3]), today=d(3, 10))  # 4..10 Mar: 7 days missing
    assert (stale.censored, stale.last_seen, stale.duration_days) == (True, d(3, 3), 2)


def test_no_relief_yet_while_the_onset_window_is_open_and_none_seen_without_diary() -> None:
    early = relief(diary(d(3, 1), [8, 7]), today=d(3, 2))
    assert (early.onset, early.censored) == (None, False)
    assert early.reason.startswith("No relief so far")
    empty = relief([], today=d(3, 20))
    assert empty.reason == "No relief seen: no diary day from 1 Mar 2026 to 8 Mar 2026."


def test_a_baseline_of_zero_has_no_relief_to_measure() -> None:
    result = relief(diary(d(3, 1), [0, 0]), base=0.0)
    assert (result.onset, result.duration_days, result.censored) == (None, None, False)
    assert "baseline pain is 0" in result.reason


def _ended(duration: int) -> Relief:
    start = d(1, 1)
    end = start + dt.timedelta(days=duration)
    return Relief(start, start, end, duration, False, "", end)


def test_booster_median_of_three_and_of_two_rounded_down() -> None:
    three = booster_estimate(
        [_ended(30), _ended(21), _ended(24)],
        last_infusion=d(5, 1),
        today=d(5, 2),
        rule=POLICY.booster,
    )
    assert three.durations == (30, 21, 24)
    assert (three.expected_end, three.due_on) == (d(5, 25), d(5, 22))
    assert three.basis.startswith("Median of 3 relief periods: 30, 21, 24 days = 24 days.")
    two = booster_estimate(
        [_ended(20), _ended(25)], last_infusion=d(5, 1), today=d(5, 2), rule=POLICY.booster
    )
    assert (two.expected_end, two.due_on) == (d(5, 23), d(5, 20))
    assert "= 22.5, rounded down to 22 days" in two.basis


def test_booster_due_today_when_the_day_has_passed_and_none_without_an_ended_relief() -> None:
    late = booster_estimate(
        [_ended(10)], last_infusion=d(5, 1), today=d(5, 20), rule=POLICY.booster
    )
    assert (late.expected_end, late.due_on) == (d(5, 11), d(5, 20))
    assert late.basis.endswith("That day has passed, so the booster is due today (20 May 2026).")
    censored = Relief(d(5, 1), d(5, 2), None, 9, True, "", d(5, 10))
    none = Relief(d(4, 1), None, None, None, False, "", None)
    missing = booster_estimate(
        [censored, none], last_infusion=d(5, 1), today=d(5, 20), rule=POLICY.booster
    )
    assert (missing.due_on, missing.expected_end, missing.durations) == (None, None, ())
    assert missing.basis == (
        "No estimate: no relief period has ended yet (1 relief period still going or cut short, "
        "1 infusion without relief); the estimate needs at least one relief period that ended."
    )
