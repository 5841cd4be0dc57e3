"""The clinic's follow-up policy: questionnaires on a schedule, visits, response, relief, boosters.

A versioned document (``data/default_follow_up.json``; format in docs/outcomes.md) that a
physician approves like every policy. It says

* which questionnaires a patient is asked to fill in, when (each *time point* is counted
  from an *anchor*: the plan's signature, the first infusion, the end of a series), how
  long each stays open and when reminders go out;
* when a follow-up visit is due;
* how the pain diary is read: the baseline before a series, the window that is compared
  with it, and the IMMPACT thresholds of a moderate and a substantial reduction
  (Dworkin 2008 [Dworkin2008]; Farrar 2001 [Farrar2001]);
* when relief starts and ends, and how gaps in the diary are treated;
* how many days before relief is expected to end a booster is suggested.

Every number is the clinic's to set; the shipped values and their sources are in the
document itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from ketacore.fields import keys as _keys
from ketacore.fields import require as _require
from ketacore.fields import text as _text
from ketacore.fields import whole as _whole

__all__ = [
    "FOLLOW_UP_SCHEMA",
    "SCHEDULED_INSTRUMENTS",
    "Anchor",
    "BoosterRule",
    "FollowUpPolicy",
    "QuestionnaireSchedule",
    "ReliefRule",
    "ResponseRule",
    "TimePoint",
    "VisitRule",
    "default_follow_up_document",
    "load_follow_up_policy",
]

FOLLOW_UP_SCHEMA = "ketaclinic.follow-up/1"

#: The instruments a schedule may ask for (ids of ketacore.scoring).
SCHEDULED_INSTRUMENTS: tuple[str, ...] = ("phq9", "gad7", "bpi-sf", "pgic", "nrs")


class Anchor(StrEnum):
    """What a time point is counted from."""

    PLAN_SIGNED = "plan_signed"
    FIRST_INFUSION = "first_infusion"
    SERIES_END = "series_end"

    @property
    def label(self) -> str:
        return {
            Anchor.PLAN_SIGNED: "the day the treatment plan is signed",
            Anchor.FIRST_INFUSION: "the day of the first infusion",
            Anchor.SERIES_END: "the day of the last infusion of a series",
        }[self]


@dataclass(frozen=True, slots=True)
class TimePoint:
    """When a set of questionnaires is due: ``offset_days`` after the anchor, and again
    every ``every_days`` for ``repeat`` more times (0: once)."""

    id: str
    label: str
    anchor: Anchor
    offset_days: int
    instruments: tuple[str, ...]
    every_days: int = 0
    repeat: int = 0

    def offsets(self) -> tuple[int, ...]:
        """Days after the anchor at which this time point falls, each occurrence."""
        return tuple(self.offset_days + k * self.every_days for k in range(self.repeat + 1))


@dataclass(frozen=True, slots=True)
class QuestionnaireSchedule:
    open_days: int
    reminder_days: tuple[int, ...]
    timepoints: tuple[TimePoint, ...]
    source: str


@dataclass(frozen=True, slots=True)
class VisitRule:
    after_first_infusion_days: int
    after_series_end_days: int
    source: str


@dataclass(frozen=True, slots=True)
class ResponseRule:
    """How the diary is compared with the baseline (docs/outcomes.md, *Response*)."""

    series_gap_days: int
    baseline_days: int
    window_days: int
    min_days: int
    minimal_percent: int
    moderate_percent: int
    substantial_percent: int
    points: int
    source: str


@dataclass(frozen=True, slots=True)
class ReliefRule:
    """When relief after an infusion starts and ends (docs/outcomes.md, *Relief*)."""

    onset_within_days: int
    return_percent: int
    confirm_days: int
    max_gap_days: int
    source: str


@dataclass(frozen=True, slots=True)
class BoosterRule:
    lead_days: int
    source: str


@dataclass(frozen=True, slots=True)
class FollowUpPolicy:
    id: str
    version: str
    description: str
    approved_by: str | None
    questionnaires: QuestionnaireSchedule
    visits: VisitRule
    response: ResponseRule
    relief: ReliefRule
    booster: BoosterRule


def _timepoint(item: object, where: str) -> TimePoint:
    t = _keys(
        item,
        where,
        {"id", "label", "anchor", "offset_days", "instruments", "every_days", "repeat"},
        frozenset({"every_days", "repeat"}),
    )
    anchors = ", ".join(a.value for a in Anchor)
    _require(t["anchor"] in set(Anchor), f"{where}.anchor", f"must be one of {anchors}")
    instruments = t["instruments"]
    _require(
        isinstance(instruments, list) and len(instruments) > 0,
        f"{where}.instruments",
        "must be a non-empty list",
    )
    for i, instrument in enumerate(instruments):
        _require(
            instrument in SCHEDULED_INSTRUMENTS,
            f"{where}.instruments[{i}]",
            f"must be one of {', '.join(SCHEDULED_INSTRUMENTS)}",
        )
    _require(len(set(instruments)) == len(instruments), f"{where}.instruments", "lists one twice")
    repeat = _whole(t.get("repeat", 0), f"{where}.repeat", 0, 120)
    every = _whole(t.get("every_days", 0), f"{where}.every_days", 0, 365)
    _require(repeat == 0 or every > 0, f"{where}.every_days", "must be set when repeat > 0")
    return TimePoint(
        id=_text(t, "id", where),
        label=_text(t, "label", where),
        anchor=Anchor(t["anchor"]),
        offset_days=_whole(t["offset_days"], f"{where}.offset_days", -30, 730),
        instruments=tuple(instruments),
        every_days=every,
        repeat=repeat,
    )


def _schedule(value: object) -> QuestionnaireSchedule:
    q = _keys(value, "questionnaires", {"open_days", "reminder_days", "timepoints", "source"})
    open_days = _whole(q["open_days"], "questionnaires.open_days", 1, 60)
    reminders = q["reminder_days"]
    _require(isinstance(reminders, list), "questionnaires.reminder_days", "must be a list")
    days = tuple(
        _whole(d, f"questionnaires.reminder_days[{i}]", 1, open_days)
        for i, d in enumerate(reminders)
    )
    _require(
        list(days) == sorted(set(days)),
        "questionnaires.reminder_days",
        "must be in increasing order, each day once",
    )
    raw = q["timepoints"]
    _require(isinstance(raw, list), "questionnaires.timepoints", "must be a list")
    points = tuple(_timepoint(t, f"questionnaires.timepoints[{i}]") for i, t in enumerate(raw))
    ids = [p.id for p in points]
    for i, pid in enumerate(ids):
        _require(
            ids.index(pid) == i, f"questionnaires.timepoints[{i}].id", f"{pid!r} is used twice"
        )
    return QuestionnaireSchedule(open_days, days, points, _text(q, "source", "questionnaires"))


def _response(value: object) -> ResponseRule:
    fields = {
        "series_gap_days",
        "baseline_days",
        "window_days",
        "min_days",
        "minimal_percent",
        "moderate_percent",
        "substantial_percent",
        "points",
        "source",
    }
    r = _keys(value, "response", fields)
    rule = ResponseRule(
        series_gap_days=_whole(r["series_gap_days"], "response.series_gap_days", 1, 365),
        baseline_days=_whole(r["baseline_days"], "response.baseline_days", 1, 60),
        window_days=_whole(r["window_days"], "response.window_days", 1, 60),
        min_days=_whole(r["min_days"], "response.min_days", 1, 60),
        minimal_percent=_whole(r["minimal_percent"], "response.minimal_percent", 1, 100),
        moderate_percent=_whole(r["moderate_percent"], "response.moderate_percent", 1, 100),
        substantial_percent=_whole(
            r["substantial_percent"], "response.substantial_percent", 1, 100
        ),
        points=_whole(r["points"], "response.points", 1, 10),
        source=_text(r, "source", "response"),
    )
    _require(
        rule.min_days <= min(rule.baseline_days, rule.window_days),
        "response.min_days",
        "must not exceed the baseline or window days",
    )
    _require(
        rule.minimal_percent < rule.moderate_percent < rule.substantial_percent,
        "response.moderate_percent",
        "must lie above minimal_percent and below substantial_percent",
    )
    return rule


def _relief(value: object, response: ResponseRule) -> ReliefRule:
    r = _keys(
        value,
        "relief",
        {"onset_within_days", "return_percent", "confirm_days", "max_gap_days", "source"},
    )
    rule = ReliefRule(
        onset_within_days=_whole(r["onset_within_days"], "relief.onset_within_days", 1, 60),
        return_percent=_whole(r["return_percent"], "relief.return_percent", 1, 100),
        confirm_days=_whole(r["confirm_days"], "relief.confirm_days", 1, 14),
        max_gap_days=_whole(r["max_gap_days"], "relief.max_gap_days", 0, 30),
        source=_text(r, "source", "relief"),
    )
    _require(
        rule.return_percent >= 100 - response.moderate_percent,
        "relief.return_percent",
        "must be at least 100 minus response.moderate_percent (relief cannot end before it starts)",
    )
    return rule


def load_follow_up_policy(document: Mapping[str, Any]) -> FollowUpPolicy:
    """Validate a follow-up policy document; raises InputError naming the field."""
    top = {
        "schema",
        "id",
        "version",
        "description",
        "approved_by",
        "questionnaires",
        "visits",
        "response",
        "relief",
        "booster",
    }
    data = _keys(document, "", top, frozenset({"approved_by"}))
    _require(data["schema"] == FOLLOW_UP_SCHEMA, "schema", f"must be {FOLLOW_UP_SCHEMA!r}")
    v = _keys(
        data["visits"], "visits", {"after_first_infusion_days", "after_series_end_days", "source"}
    )
    b = _keys(data["booster"], "booster", {"lead_days", "source"})
    approved = data.get("approved_by")
    _require(
        approved is None or isinstance(approved, str), "approved_by", "must be a string or null"
    )
    response = _response(data["response"])
    return FollowUpPolicy(
        id=_text(data, "id", ""),
        version=_text(data, "version", ""),
        description=_text(data, "description", ""),
        approved_by=approved,
        questionnaires=_schedule(data["questionnaires"]),
        visits=VisitRule(
            after_first_infusion_days=_whole(
                v["after_first_infusion_days"], "visits.after_first_infusion_days", 0, 90
            ),
            after_series_end_days=_whole(
                v["after_series_end_days"], "visits.after_series_end_days", 0, 180
            ),
            source=_text(v, "source", "visits"),
        ),
        response=response,
        relief=_relief(data["relief"], response),
        booster=BoosterRule(
            lead_days=_whole(b["lead_days"], "booster.lead_days", 0, 60),
            source=_text(b, "source", "booster"),
        ),
    )


def default_follow_up_document() -> dict[str, Any]:
    """The follow-up policy ketaclinic ships (a fresh copy), with a source for every value."""
    text = resources.files("ketacore.outcomes").joinpath("data/default_follow_up.json").read_text()
    document: dict[str, Any] = json.loads(text)
    return document
