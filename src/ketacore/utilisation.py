"""How much of a chair's open time was booked, and where it stood idle.

Pure (``ketacore.schedule``'s intervals). Utilisation is booked minutes divided by open
minutes (issue 12 §9): "open" is the clinic's opening hours minus closures of the clinic or
the chair; "booked" is the part of that open time an appointment held (a booking outside it
counts for nothing, so the ratio never passes 1). An idle gap is a stretch of open time with
nothing booked, of at least ``min_gap``; shorter ones are turnover, not lost capacity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ketacore.schedule import Interval, merge, subtract

__all__ = ["Use", "combine", "no_show_rate", "use_of"]


@dataclass(frozen=True, slots=True)
class Use:
    """One chair over one span of time (a day, a week)."""

    open_min: float
    booked_min: float
    gaps: tuple[Interval, ...]

    @property
    def ratio(self) -> float | None:
        """Booked ÷ open (0–1); None when the chair was not open at all."""
        return self.booked_min / self.open_min if self.open_min > 0 else None

    @property
    def idle_min(self) -> float:
        return sum(_minutes(g) for g in self.gaps)


def _minutes(span: Interval) -> float:
    return (span[1] - span[0]).total_seconds() / 60


def use_of(
    open_spans: Sequence[Interval], booked: Sequence[Interval], *, min_gap: dt.timedelta
) -> Use:
    """The use of one chair: its open spans and the spans its appointments held."""
    opened = merge(open_spans)
    idle = subtract(opened, booked)
    open_min = sum(_minutes(s) for s in opened)
    booked_min = open_min - sum(_minutes(s) for s in idle)
    gaps = tuple(g for g in idle if g[1] - g[0] >= min_gap)
    return Use(open_min, booked_min, gaps)


def combine(uses: Sequence[Use]) -> Use:
    """Several chairs or days together (minutes added, gaps kept)."""
    return Use(
        sum(u.open_min for u in uses),
        sum(u.booked_min for u in uses),
        tuple(g for u in uses for g in u.gaps),
    )


def no_show_rate(no_shows: int, kept: int) -> float | None:
    """No-shows ÷ appointments whose time has come and that were not cancelled."""
    total = no_shows + kept
    return no_shows / total if total else None
