"""Clinic time in the core: wall-clock times across DST changes, and interval arithmetic."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ketacore.errors import InputError
from ketacore.schedule import (
    clinic_zone,
    exists_locally,
    local_window,
    merge,
    overlaps,
    subtract,
    to_instant,
)

NY = ZoneInfo("America/New_York")
PHX = ZoneInfo("America/Phoenix")
UTC = dt.UTC
T = dt.time


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2027, 1, 4, hour, minute, tzinfo=UTC)


def test_it_knows_zones_by_name_and_refuses_others() -> None:
    assert clinic_zone("America/Phoenix") == PHX
    with pytest.raises(InputError) as refused:
        clinic_zone("Mars/Olympus_Mons")
    assert refused.value.field == "time_zone"
    assert "is not a time zone name" in refused.value.rule


def test_the_spring_forward_gap_does_not_exist_and_fall_back_is_the_first_reading() -> None:
    spring, fall = dt.date(2027, 3, 14), dt.date(2027, 11, 7)
    assert not exists_locally(spring, T(2, 30), NY)
    assert exists_locally(spring, T(3), NY)
    assert exists_locally(fall, T(1, 30), NY)
    with pytest.raises(InputError, match="does not exist in America/New_York"):
        to_instant(spring, T(2, 0), NY)
    assert to_instant(fall, T(1, 30), NY).hour == 5  # 01:30 EDT, not 06:30 (EST)
    assert to_instant(spring, T(9), NY).hour == 13  # 09:00 EDT
    assert to_instant(dt.date(2027, 3, 13), T(9), NY).hour == 14  # 09:00 EST


def test_phoenix_keeps_one_offset_all_year() -> None:
    assert to_instant(dt.date(2027, 3, 14), T(2, 30), PHX).hour == 9
    assert to_instant(dt.date(2027, 7, 1), T(9), PHX).hour == 16


def test_a_window_until_midnight_and_an_empty_one() -> None:
    start, end = local_window(dt.date(2027, 1, 4), T(20), T(0), PHX) or (None, None)
    assert (start, end) == (_at(3).replace(day=5), _at(7).replace(day=5))
    assert local_window(dt.date(2027, 1, 4), T(9), T(9), PHX) is None


def test_intervals_merge_overlap_and_subtract() -> None:
    assert merge([(_at(10), _at(11)), (_at(9), _at(10)), (_at(13), _at(14))]) == [
        (_at(9), _at(11)),
        (_at(13), _at(14)),
    ]
    assert not overlaps((_at(9), _at(10)), (_at(10), _at(11)))  # touching ends do not
    assert overlaps((_at(9), _at(10, 1)), (_at(10), _at(11)))
    day = [(_at(8), _at(17))]
    assert subtract(day, [(_at(12), _at(12, 30)), (_at(16), _at(18))]) == [
        (_at(8), _at(12)),
        (_at(12, 30), _at(16)),
    ]
    assert subtract(day, [(_at(7), _at(18))]) == []
