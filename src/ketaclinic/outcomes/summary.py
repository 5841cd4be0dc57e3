"""The per-series summary behind the clinic's analytics (``SeriesOutcome``), kept up to date.

Each row is one infusion series of a patient as the progress page reads it
(``outcomes.analysis.analyse`` over ``ketacore.outcomes``: the series, its response in the
window after it, the relief after its last infusion, a booster read against the baseline of
the series it boosts), by the rules of the clinic's follow-up policy in force. Around them:
the plan version's protocol and duration, the condition group of the patient's signed
screening decision, PHQ-9 and GAD-7 nearest before and after the series, and the sessions'
alerts and side effects.

The rows are derived data: :func:`refresh_patient` recomputes a patient's rows and replaces
them in one transaction (a reader sees the old rows or the new, never a mix). It writes no
audit record of its own: it adds no information, and every write that triggers it (a diary
day, a discharge, a signature, a questionnaire) is audited where it happens. The task queue
refreshes a patient after each of those writes commits (``outcomes.tasks``); the worker
rebuilds everything nightly, and ``ketaclinic outcomes refresh --all`` on demand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ketaclinic.infusions.models import EntryKind, InfusionSession
from ketaclinic.lib import clock
from ketaclinic.outcomes import analysis
from ketaclinic.outcomes.models import DiaryEntry, SeriesOutcome
from ketaclinic.patients.models import Patient
from ketaclinic.policies import services as policies
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.screening.models import ScreeningDecision
from ketacore.icd10 import condition_of
from ketacore.outcomes import FollowUpPolicy
from ketacore.outcomes.relief import Relief
from ketacore.outcomes.response import Category, PainDay, ResponderStatus

__all__ = ["MOOD_QUESTIONNAIRES", "UNKNOWN", "condition_group", "refresh_all", "refresh_patient"]

#: The category of a series whose response cannot be judged (too few diary days).
UNKNOWN = "unknown"
#: The questionnaires whose change the analytics show.
MOOD_QUESTIONNAIRES = ("phq9", "gad7")


@dataclass(frozen=True, slots=True)
class _Session:
    day: dt.date
    protocol_id: str
    protocol_name: str
    duration_min: float
    series_count: int
    alerts: int
    side_effects: int


def refresh_patient(patient: Patient) -> int:
    """Recompute the patient's series rows and replace them; returns how many there are."""
    version = policies.in_force(patient.clinic, "follow_up")
    policy: FollowUpPolicy = policies.loaded(version)
    sessions = _sessions(patient)
    diary = tuple(
        PainDay(day, pain)
        for day, pain in DiaryEntry.objects.current()
        .filter(patient=patient)
        .order_by("day")
        .values_list("day", "pain_nrs")
    )
    today = timezone.localtime(clock.now()).date()
    # The progress page's own reading of the diary: one definition for patient and clinic.
    per_series = {s.day: s.series_count for s in sessions}
    outcome = analysis.analyse(diary, per_series, today=today, policy=policy)
    mood = _mood_scores(patient)
    group = condition_group(patient)
    now = clock.now()
    rows = [
        _row(patient, found, after, sessions, mood, group)
        for found, after in _with_next(outcome.series)
    ]
    for row in rows:
        row.policy_version = version.version
        row.computed_at = now
    with transaction.atomic():
        # Writers for one patient queue on the patient row: the last refresh wins whole.
        Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()
        SeriesOutcome.objects.filter(patient=patient).delete()
        SeriesOutcome.objects.bulk_create(rows)
    return len(rows)


def refresh_all(*, clinic_id: int | None = None) -> int:
    """Refresh every patient who has had an infusion (or has rows); returns the patients."""
    treated = InfusionSession.objects.values("patient_id")
    summarised = SeriesOutcome.objects.values("patient_id")
    patients = Patient.objects.filter(Q(pk__in=treated) | Q(pk__in=summarised))
    if clinic_id is not None:
        patients = patients.filter(clinic_id=clinic_id)
    count = 0
    for patient in patients.select_related("clinic").order_by("pk").iterator(chunk_size=500):
        refresh_patient(patient)
        count += 1
    return count


def condition_group(patient: Patient) -> str:
    """The condition group of the patient's current signed screening decision ("" if none).

    The first diagnosis (in the order the decision kept them) that the clinic's table counts
    as neuropathic decides; failing that, the first with a group.
    """
    decision = (
        ScreeningDecision.objects.filter(patient=patient, superseded_by__isnull=True)
        .order_by("-signed_at", "-pk")
        .only("facts")
        .first()
    )
    codes = decision.facts.get("diagnoses") if decision is not None else None
    if not isinstance(codes, list):
        return ""
    rows = [condition_of(c) for c in codes if isinstance(c, str)]
    found = [r for r in rows if r is not None]
    neuropathic = [r for r in found if r.neuropathic]
    chosen = neuropathic or found
    return chosen[0].group.value if chosen else ""


# ------------------------------------------------------------------ gathering


def _sessions(patient: Patient) -> list[_Session]:
    """The patient's signed-off sessions (an infusion day counts once signed, as on the
    progress page), with the plan version's protocol and counts, oldest first."""
    rows = (
        InfusionSession.objects.filter(patient=patient, sign_off__isnull=False)
        .annotate(
            n_alerts=Count("alerts", distinct=True),
            n_side=Count("entries", filter=Q(entries__kind=EntryKind.SIDE_EFFECT), distinct=True),
        )
        .order_by("opened_at")
        .values(
            "opened_at",
            "plan_version__protocol_id",
            "plan_version__protocol_name",
            "plan_version__duration_min",
            "plan_version__series_count",
            "n_alerts",
            "n_side",
        )
    )
    return [
        _Session(
            day=timezone.localtime(r["opened_at"]).date(),
            protocol_id=r["plan_version__protocol_id"],
            protocol_name=r["plan_version__protocol_name"],
            duration_min=r["plan_version__duration_min"],
            series_count=r["plan_version__series_count"],
            alerts=r["n_alerts"],
            side_effects=r["n_side"],
        )
        for r in rows
    ]


def _mood_scores(patient: Patient) -> dict[str, list[tuple[dt.date, int]]]:
    """Complete PHQ-9 and GAD-7 totals by clinic day, oldest first."""
    found: dict[str, list[tuple[dt.date, int]]] = {q: [] for q in MOOD_QUESTIONNAIRES}
    rows = (
        QuestionnaireResponse.objects.filter(
            patient=patient, questionnaire__in=MOOD_QUESTIONNAIRES, missing=[]
        )
        .exclude(score=None)
        .order_by("entered_at", "seq")
        .values_list("questionnaire", "entered_at", "score")
    )
    for questionnaire, at, score in rows:
        total = score.get("total") if isinstance(score, dict) else None
        if isinstance(total, int | float) and not isinstance(total, bool):
            found[questionnaire].append((timezone.localtime(at).date(), round(total)))
    return found


def _with_next(
    series: Sequence[analysis.SeriesOutcome],
) -> Iterator[tuple[analysis.SeriesOutcome, dt.date | None]]:
    """Each series and the first day of the next."""
    for i, s in enumerate(series):
        yield s, series[i + 1].series.first if i + 1 < len(series) else None


def _before(scores: Iterable[tuple[dt.date, int]], day: dt.date) -> int | None:
    earlier = [v for d, v in scores if d < day]
    return earlier[-1] if earlier else None


def _after(
    scores: Iterable[tuple[dt.date, int]], day: dt.date, until: dt.date | None
) -> int | None:
    later = [v for d, v in scores if d > day and (until is None or d < until)]
    return later[0] if later else None


def _row(
    patient: Patient,
    found: analysis.SeriesOutcome,
    next_first: dt.date | None,
    sessions: list[_Session],
    mood: dict[str, list[tuple[dt.date, int]]],
    group: str,
) -> SeriesOutcome:
    series = found.series
    mine = [s for s in sessions if series.first <= s.day <= series.last]
    plan = mine[-1]
    fields: dict[str, Any] = {"category": UNKNOWN}
    status = found.response
    # Judged once the window after the series is over (the page shows it sooner, as so far).
    if isinstance(status, ResponderStatus) and found.window_complete:
        fields = {
            "response_pain": status.current.value,
            "percent": status.percent,
            "category": status.category.value,
            "responder": status.category in (Category.MODERATE, Category.SUBSTANTIAL),
            "meets_points": status.meets_points,
        }
    relief = found.relief
    if isinstance(relief, Relief) and relief.onset is not None:
        fields["relief_onset_days"] = (relief.onset - relief.start).days
        fields["relief_days"] = relief.duration_days
        fields["relief_censored"] = relief.censored
    return SeriesOutcome(
        clinic_id=patient.clinic_id,
        patient=patient,
        series_number=series.number,
        first_day=series.first,
        last_day=series.last,
        infusions=len(series.days),
        booster=series.booster,
        condition_group=group,
        protocol_id=plan.protocol_id,
        protocol_name=plan.protocol_name,
        duration_min=round(plan.duration_min),
        baseline_pain=found.baseline.value if found.baseline is not None else None,
        phq9_before=_before(mood["phq9"], series.first),
        phq9_after=_after(mood["phq9"], series.last, next_first),
        gad7_before=_before(mood["gad7"], series.first),
        gad7_after=_after(mood["gad7"], series.last, next_first),
        sessions=len(mine),
        session_alerts=sum(s.alerts for s in mine),
        side_effects=sum(s.side_effects for s in mine),
        **fields,
    )
