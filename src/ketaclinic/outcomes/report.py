"""The care team's view of a patient's progress, for the page and the PDF report.

Everything is read once through ``outcomes.access`` (a bounded number of queries, whatever
the length of the diary): the diary and the infusion days with the response, relief and
booster estimate (``outcomes.progress`` with ``outcomes.analysis``), the questionnaire
scores over time, and a booster already marked due. The front desk's booster estimates
(:func:`estimated_boosters`) are the same estimates, kept with the series summary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import require
from ketaclinic.lib.pain_charts import ScoreTrend, trends_svg
from ketaclinic.outcomes import access
from ketaclinic.outcomes.analysis import Outcome
from ketaclinic.outcomes.progress import PatientProgress, patient_progress
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling import access as scheduling_access
from ketaclinic.scheduling.models import BoosterDue
from ketacore.outcomes.booster import BoosterEstimate
from ketacore.outcomes.relief import Relief
from ketacore.outcomes.response import Unknown, day_words

__all__ = [
    "SCORES_LABEL",
    "ReliefRow",
    "ScoreRow",
    "StaffProgress",
    "booster_estimate_of",
    "boosters_to_book",
    "estimated_boosters",
    "score_trends",
    "staff_progress",
]

#: The questionnaire chart's accessible name.
SCORES_LABEL = "Questionnaire scores over time (the numbers are in the table)"
#: Questionnaire -> (title on the page, scale bottom, scale top, what is charted).
_TRENDS: dict[str, tuple[str, float, float, str]] = {
    "phq9": ("PHQ-9 (depression, 0–27)", 0, 27, "total"),
    "gad7": ("GAD-7 (anxiety, 0–21)", 0, 21, "total"),
    "bpi-sf": ("BPI interference (0–10)", 0, 10, "interference"),
    "pgic": ("PGIC (−3 worse to +3 improved)", -3, 3, "improvement"),
}


@dataclass(frozen=True, slots=True)
class ScoreRow:
    day: dt.date
    title: str
    value: float
    band: str  # the instrument's own words for the score ("moderate"), or ""


@dataclass(frozen=True, slots=True)
class ReliefRow:
    """One line of the relief table, in words."""

    what: str  # "Infusion 3 Mar 2026" or "Series 1 (3 infusions, 1 Mar 2026 to 5 Mar 2026)"
    start: dt.date
    onset: str
    duration: str  # "14 days (ended 15 Mar 2026)" or "at least 19 days (censored: …)"


@dataclass(frozen=True, slots=True)
class StaffProgress:
    view: PatientProgress
    scores: list[ScoreRow]
    trends: tuple[ScoreTrend, ...]
    booster_marked: BoosterDue | None
    series_relief: list[ReliefRow]
    infusion_relief: list[ReliefRow]

    @property
    def scores_svg(self) -> str:
        """The questionnaire trends, drawn when first asked for (as ``view.chart_svg``)."""
        return trends_svg(self.trends, SCORES_LABEL)


def _days(n: int | None) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def _relief_row(what: str, start: dt.date, relief: Relief | Unknown) -> ReliefRow:
    if isinstance(relief, Unknown):
        return ReliefRow(what, start, "—", relief.reason)
    if relief.onset is None:
        return ReliefRow(what, start, "none", relief.reason)
    onset = day_words(relief.onset)
    if relief.censored or relief.end is None:
        return ReliefRow(
            what,
            start,
            onset,
            f"at least {_days(relief.duration_days)} (censored: {relief.reason})",
        )
    return ReliefRow(
        what, start, onset, f"{_days(relief.duration_days)} (ended {day_words(relief.end)})"
    )


def relief_rows(outcome: Outcome | None) -> tuple[list[ReliefRow], list[ReliefRow]]:
    """The relief after each series and after each infusion, as table rows."""
    if outcome is None:
        return [], []
    series = []
    for o in outcome.series:
        s = o.series
        kind = "Booster" if s.booster else f"Series {s.number}"
        span = (
            day_words(s.first)
            if s.first == s.last
            else f"{len(s.days)} infusions, {day_words(s.first)} to {day_words(s.last)}"
        )
        series.append(_relief_row(f"{kind} ({span})", s.last, o.relief))
    boosters = {o.series.number for o in outcome.series if o.series.booster}
    infusions = [
        _relief_row(
            f"Infusion {day_words(i.day)} "
            + ("(booster)" if i.series in boosters else f"(series {i.series})"),
            i.day,
            i.relief,
        )
        for i in outcome.infusions
    ]
    return series, infusions


def _value(score: dict[str, Any], key: str) -> float | None:
    value = score.get(key) if key == "total" else (score.get("subscales") or {}).get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def staff_progress(patient: Patient) -> StaffProgress:
    """The patient's progress for the care team (the read is audited by the caller's getter)."""
    view = patient_progress(patient, with_outcome=True)
    scores, trends = score_trends(patient)
    series, infusions = relief_rows(view.outcome)
    return StaffProgress(view, scores, trends, access.booster_marked(patient), series, infusions)


def score_trends(patient: Patient) -> tuple[list[ScoreRow], tuple[ScoreTrend, ...]]:
    """The questionnaire scores by date, and the same as one trend per questionnaire."""
    scores = [
        ScoreRow(timezone.localtime(r.entered_at).date(), *rest)
        for r in access.questionnaire_rows(patient)
        for rest in [_row(r.questionnaire, r.score or {})]
        if rest is not None
    ]
    trends = tuple(
        ScoreTrend(
            title,
            top,
            tuple((s.day, s.value) for s in scores if s.title == title.split(" (")[0]),
            bottom,
        )
        for title, bottom, top, _ in _TRENDS.values()
    )
    return scores, trends


def _row(questionnaire: str, score: dict[str, Any]) -> tuple[str, float, str] | None:
    title, _, _, key = _TRENDS[questionnaire]
    value = _value(score, key)
    if value is None:
        return None
    band = score.get("band") or {}
    return title.split(" (")[0], value, str(band.get("label") or "")


def booster_estimate_of(patient: Patient) -> tuple[BoosterEstimate | None, BoosterDue | None]:
    """The patient's booster estimate (None before any infusion) and a booster already
    marked due, for the chart's line."""
    view = patient_progress(patient, with_outcome=True)
    estimate = view.outcome.booster if view.outcome is not None else None
    return estimate, access.booster_marked(patient)


def estimated_boosters(user: Any, *, limit: int) -> tuple[int, list[tuple[Patient, dt.date]]]:
    """Patients of the user's clinic with a booster estimate and nothing marked or booked
    yet: how many, and the ``limit`` due soonest. For whoever books appointments.

    Only the date: the front desk sees no clinical numbers. The estimates are the ones the
    progress page shows, kept with the series summary (``outcomes.summary``), so the list
    reads rows instead of working out every patient's diary. The list is not audited here:
    whoever shows it records it (the worklist does).
    """
    staff = require(user, Capability.SCHEDULE_BOOK)
    return access.booster_estimates(staff.clinic_id, limit=limit)


def boosters_to_book(
    user: Any, *, limit: int
) -> tuple[int, list[tuple[Patient, str, dt.datetime | None]]]:
    """The front desk's boosters: those a clinician marked due (when marked), then the
    estimates no one marked yet, each as (patient, what, when) with the date only; how many
    in all, and the first ``limit``."""
    marked = [
        (
            d.patient,
            f"Booster due {d.due_on:%Y-%m-%d}" + (f": {d.note}" if d.note else ""),
            d.marked_at,
        )
        for d in scheduling_access.boosters_due(user)
    ]
    count, soonest = estimated_boosters(user, limit=max(0, limit - len(marked)))
    estimated: list[tuple[Patient, str, dt.datetime | None]] = [
        (p, f"Booster estimate: due {on:%Y-%m-%d}", None) for p, on in soonest
    ]
    return len(marked) + count, (marked + estimated)[:limit]
