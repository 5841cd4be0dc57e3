"""The structured follow-up visit: its decision, the other parts of care, and when one is due.

A follow-up visit is due (the clinic's follow-up policy, ``visits``):

* ``after_first_infusion_days`` after the patient's first infusion, and
* ``after_series_end_days`` after the last infusion of each series.

Series are split by the one rule of :func:`ketacore.outcomes.response.split_series`: a gap
longer than the response rule's ``series_gap_days``, or the plan's number of infusions per
series reached. A series has ended when a later one has started, when it holds the plan's
number of infusions, or when more than ``series_gap_days`` have passed since its last
infusion.

A milestone counts as done when a visit was held on or after its anchor day (the first
infusion, or the series' last infusion): the visit is about what happened up to then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ketacore.errors import InputError
from ketacore.outcomes.policy import VisitRule
from ketacore.outcomes.response import split_series

__all__ = [
    "CARE_ITEMS",
    "CareItem",
    "Milestone",
    "VisitDecision",
    "check_care",
    "check_visit_day",
    "milestones",
    "visit_due",
    "visit_owed",
]


class VisitDecision(StrEnum):
    """What the physician decides at the visit."""

    CONTINUE = "continue"
    CHANGE = "change"
    PAUSE = "pause"
    STOP = "stop"

    @property
    def label(self) -> str:
        return {
            VisitDecision.CONTINUE: "Continue the plan as it is",
            VisitDecision.CHANGE: "Change the dose or the infusion time",
            VisitDecision.PAUSE: "Pause the plan",
            VisitDecision.STOP: "Stop the plan",
        }[self]


@dataclass(frozen=True, slots=True)
class CareItem:
    id: str
    label: str


#: The other parts of multimodal care asked about at each visit.
CARE_ITEMS: tuple[CareItem, ...] = (
    CareItem("physical_therapy", "Physical therapy"),
    CareItem("medication_changes", "Medication changes"),
    CareItem("psychology", "Psychological care"),
    CareItem("nerve_blocks", "Nerve blocks"),
    CareItem("other", "Other care"),
)
_NOTE_MAX = 1000


def check_care(values: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """Each care item as ``{"yes": bool, "note": str}``; the first broken rule raises.

    ``values`` holds ``<id>`` (a bool) and ``<id>_note`` (text) for each item. A "yes" with no
    note is allowed except for "other", which must say what it is.
    """
    out: dict[str, dict[str, object]] = {}
    for item in CARE_ITEMS:
        yes = values.get(item.id, False)
        if not isinstance(yes, bool):
            raise InputError(item.id, f"{item.label}: must be yes or no")
        note = values.get(f"{item.id}_note", "") or ""
        if not isinstance(note, str):
            raise InputError(f"{item.id}_note", f"{item.label}: the note must be text")
        note = note.strip()
        if len(note) > _NOTE_MAX:
            raise InputError(
                f"{item.id}_note", f"{item.label}: the note must be {_NOTE_MAX} characters or fewer"
            )
        if item.id == "other" and yes and not note:
            raise InputError("other_note", "Other care: say what it is")
        out[item.id] = {"yes": yes, "note": note}
    return out


def check_visit_day(day: dt.date, *, today: dt.date, not_before: dt.date | None) -> dt.date:
    """``day`` if a visit may be recorded for it: not in the future, not before the plan."""
    if day > today:
        raise InputError("visit_date", "Visit date: must not be in the future")
    if not_before is not None and day < not_before:
        raise InputError(
            "visit_date",
            f"Visit date: must not be before the plan was signed ({not_before.isoformat()})",
        )
    return day


@dataclass(frozen=True, slots=True)
class Milestone:
    """A follow-up visit owed: after what, counted from which day, due when."""

    after: str  # "first_infusion" or "series_end"
    anchor: dt.date
    due: dt.date
    series: int  # 1 for the first series

    @property
    def label(self) -> str:
        if self.after == "first_infusion":
            return "after the first infusion"
        return f"after the end of series {self.series}"


def milestones(
    infusion_days: Iterable[dt.date],
    rule: VisitRule,
    *,
    today: dt.date,
    gap_days: int,
    series_count: int | None = None,
) -> list[Milestone]:
    """Every visit milestone reached so far (anchor passed), oldest first."""
    days = list(infusion_days)
    counts = dict.fromkeys(days, series_count) if series_count else None
    groups = split_series(days, gap_days=gap_days, per_series=counts)
    if not groups:
        return []
    first = groups[0][0]
    out = [
        Milestone(
            "first_infusion", first, first + dt.timedelta(days=rule.after_first_infusion_days), 1
        )
    ]
    for n, group in enumerate(groups, start=1):
        last = group[-1]
        ended = (
            n < len(groups)
            or (series_count is not None and len(group) >= series_count)
            or (today - last).days > gap_days
        )
        if ended:
            due = last + dt.timedelta(days=rule.after_series_end_days)
            out.append(Milestone("series_end", last, due, n))
    return out


def visit_owed(
    infusion_days: Sequence[dt.date],
    visit_days: Iterable[dt.date],
    rule: VisitRule,
    *,
    today: dt.date,
    gap_days: int,
    series_count: int | None = None,
) -> Milestone | None:
    """The milestone reached by ``today`` with no visit on or after its anchor that falls
    due first (whether or not it is due yet), or None.

    A visit on or after a milestone's anchor covers that milestone, so a single late visit
    clears every earlier milestone too. Kept per patient for the worklist, which shows it
    once it is due.
    """
    last_visit = max(visit_days, default=None)
    open_ = [
        m
        for m in milestones(
            infusion_days, rule, today=today, gap_days=gap_days, series_count=series_count
        )
        if last_visit is None or last_visit < m.anchor
    ]
    return min(open_, key=lambda m: m.due, default=None)  # the first in anchor order on a tie


def visit_due(
    infusion_days: Sequence[dt.date],
    visit_days: Iterable[dt.date],
    rule: VisitRule,
    *,
    today: dt.date,
    gap_days: int,
    series_count: int | None = None,
) -> Milestone | None:
    """The milestone :func:`visit_owed` gives, if it is due by ``today``; else None."""
    owed = visit_owed(
        infusion_days,
        visit_days,
        rule,
        today=today,
        gap_days=gap_days,
        series_count=series_count,
    )
    return owed if owed is not None and owed.due <= today else None
