"""A patient's progress from their diary: the words, the chart and the table.

Reads through ``outcomes.access`` and hands plain values to ``ketacore.diary`` (the
comparison) and ``lib.pain_charts`` (the drawing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ketaclinic.lib.pain_charts import PainChartData, pain_svg
from ketaclinic.outcomes import access
from ketaclinic.outcomes.analysis import Outcome, analyse
from ketaclinic.outcomes.models import DiaryEntry
from ketaclinic.outcomes.services import clinic_today
from ketaclinic.patients.models import Patient
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind
from ketacore.diary import DiaryDay, Progress, progress
from ketacore.outcomes.policy import FollowUpPolicy
from ketacore.outcomes.response import PainDay

__all__ = ["CHART_DAYS", "CHART_LABEL", "PatientProgress", "follow_up_policy", "patient_progress"]

#: The chart shows this many days back from today at most (the progress page).
CHART_DAYS = 90
#: The chart's accessible name.
CHART_LABEL = "Pain over time (the numbers are in the table)"


@dataclass(frozen=True, slots=True)
class PatientProgress:
    today: dt.date
    entries: list[DiaryEntry]  # the diary as it stands, oldest day first
    infusion_days: list[dt.date]
    progress: Progress
    chart: PainChartData  # what the chart shows
    outcome: Outcome | None = None  # response, relief and booster (asked for)

    @property
    def chart_svg(self) -> str:
        """The chart, drawn when a page or PDF first asks for it (drawing is most of the
        cost of a progress page; the care team's page fetches it as an image instead)."""
        return pain_svg(self.chart, CHART_LABEL)


def follow_up_policy(patient: Patient) -> FollowUpPolicy:
    """The clinic's follow-up policy in force (response, relief and booster rules)."""
    policy: FollowUpPolicy = policies.loaded(
        policies.in_force(patient.clinic, PolicyKind.FOLLOW_UP)
    )
    return policy


def patient_progress(
    patient: Patient, *, chart_days: int = CHART_DAYS, with_outcome: bool = False
) -> PatientProgress:
    """The patient's diary compared with before treatment, and its chart (4 queries);
    ``with_outcome``: also the response, relief and booster estimate by the clinic's
    follow-up policy (a few more), with each series' relief shaded on the chart."""
    today = clinic_today()
    entries = access.diary_days(patient)
    per_series = access.infusion_plan_days(patient)
    infusions = list(per_series)
    outcome = None
    if with_outcome:
        pains = [PainDay(e.day, e.pain_nrs) for e in entries]
        outcome = analyse(pains, per_series, today=today, policy=follow_up_policy(patient))
    first = infusions[0] if infusions else None
    intake = access.intake_pain_average(patient, before=first or today + dt.timedelta(days=1))
    days = [DiaryDay(e.day, e.pain_nrs, e.function_nrs, e.mood_nrs) for e in entries]
    result = progress(days, today=today, infusion_days=infusions, intake_average=intake)
    # From the first diary day or infusion (two weeks at least), but no further back.
    earliest = min([e.day for e in entries[:1]] + infusions[:1], default=today)
    shortest = today - dt.timedelta(days=13)
    start = max(today - dt.timedelta(days=chart_days - 1), min(earliest, shortest))
    baseline = result.baseline.pain if result.baseline else None
    chart = PainChartData(
        start=start,
        end=today,
        pain=tuple((e.day, e.pain_nrs) for e in entries if e.day >= start),
        infusion_days=tuple(infusions),
        baseline=baseline,
        relief=outcome.relief_spans if outcome is not None else (),
    )
    return PatientProgress(today, entries, infusions, result, chart, outcome)
