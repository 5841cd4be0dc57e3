"""The replay clock moves only inside its block and only forwards."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from django.utils import timezone

from ketaclinic.lib import clock

PAST = dt.datetime(2024, 11, 27, 9, 0, tzinfo=dt.UTC)


def test_now_is_the_real_time_outside_a_replay() -> None:
    before = timezone.now()
    assert before <= clock.now() <= timezone.now()


def test_a_replay_stops_the_clock_and_moves_it_forward_only() -> None:
    with clock.replaying(PAST) as replay:
        assert clock.now() == PAST
        replay.advance(minutes=5)
        assert clock.now() == PAST + dt.timedelta(minutes=5)
        with pytest.raises(ValueError, match="backwards"):
            replay.set(PAST)
    assert clock.now() > PAST + dt.timedelta(days=365)


def test_a_replay_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        clock.Replay(dt.datetime(2024, 1, 1, 9, 0))  # noqa: DTZ001 (the point of the test)


def test_a_replay_in_one_thread_does_not_move_another_threads_clock() -> None:
    seen: list[dt.datetime] = []
    with clock.replaying(PAST):
        worker = threading.Thread(target=lambda: seen.append(clock.now()))
        worker.start()
        worker.join()
    assert seen[0] > PAST + dt.timedelta(days=365)


def test_today_is_the_clinic_date_of_the_replayed_time() -> None:
    late = dt.datetime(2024, 11, 28, 3, 0, tzinfo=dt.UTC)  # the evening before, in Phoenix
    with clock.replaying(late):
        assert clock.today() == timezone.localdate(late)
    assert clock.today() == timezone.localdate()


def test_only_the_demo_loader_replays_the_clock() -> None:
    """The replay clock back-dates clinical records: no request path may reach it."""
    package = Path(clock.__file__).resolve().parents[1]
    users = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "replaying(" in path.read_text(encoding="utf-8")
        and "tests" not in path.parts
        and path != Path(clock.__file__).resolve()
    )
    assert users == ["demo/history.py"]
