"""The clinic's clock: the time services stamp on what they record.

Services that record clinical time (signatures, chart entries, alerts, questionnaire
answers) ask this module, not ``timezone.now()``, so that the demo loader can replay two
years of a clinic's history through the very services, checks and constraints a nurse's
tablet uses, instead of writing rows around them.

Only code running in the same process can move the clock, inside ``replaying()``; no
request, setting or environment variable does. The audit log keeps the real time
(``audit.services.record``): it says when the software did something, so a demo's audit
trail shows the hour the demo was loaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

__all__ = ["Replay", "now", "replaying", "today"]


class Replay:
    """A clock stopped at a moment in the past, moved forward by the caller."""

    __slots__ = ("at",)

    def __init__(self, at: dt.datetime) -> None:
        if timezone.is_naive(at):
            raise ValueError("a replay clock needs an aware time")
        self.at = at

    def advance(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at

    def set(self, at: dt.datetime) -> dt.datetime:
        if at < self.at:
            raise ValueError("a replay clock does not go backwards")
        self.at = at
        return at


_replay: ContextVar[Replay | None] = ContextVar("ketaclinic_replay_clock", default=None)


def now() -> dt.datetime:
    """The current time, or the replayed time inside ``replaying()``."""
    replay = _replay.get()
    return replay.at if replay is not None else timezone.now()


def today() -> dt.date:
    """The clinic's date now (in the clinic's time zone), or the replayed one."""
    return timezone.localdate(now())


@contextmanager
def replaying(at: dt.datetime) -> Iterator[Replay]:
    """Within the block, services see the time of the returned ``Replay``."""
    replay = Replay(at)
    token = _replay.set(replay)
    try:
        yield replay
    finally:
        _replay.reset(token)
