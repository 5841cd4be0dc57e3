"""The per-series summary behind the clinic's analytics (``SeriesOutcome``), kept up to date.

Each row is one infusion series of a patient as the progress page reads it
(``outcomes.analysis.analyse`` over ``ketacore.outcomes``: the series, its response in the
window after it, the relief after its last infusion, a booster read against the baseline of
the series it boosts), by the rules of the clinic's follow-up policy in force. Around them:
the plan version's protocol and duration, the condition group of the patient's signed
screening decision, PHQ-9 and GAD-7 nearest before and after the series, and the sessions'
alerts and side effects. Beside them, each patient's booster estimate (``BoosterEstimate``),
which the front desk's "Boosters to book" reads.

The rows are derived data: :func:`refresh_patients` recomputes a batch of patients and
replaces their rows in one transaction (a reader sees the old rows or the new, never a
mix). A batch costs a fixed number of queries whatever its size, each reading the whole
batch; the reading of each patient's diary is then ``ketacore``'s, the one the progress page
uses, so the page and the clinic figures cannot disagree (docs/analytics.md). It writes no
audit record of its own: it adds no information, and every write that triggers it (a diary
day, a discharge, a signature, a questionnaire) is audited where it happens. The task queue
refreshes a patient after each of those writes commits (``outcomes.tasks``); nightly the
worker queues every patient in batches, which as many workers as run share, and
``ketaclinic outcomes refresh --all`` does the same on demand.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ketaclinic.accounts.models import Clinic
from ketaclinic.infusions.models import EntryKind, InfusionSession, SessionAlert, SessionEntry
from ketaclinic.lib import clock
from ketaclinic.outcomes import analysis
from ketaclinic.outcomes.models import BoosterEstimate, DiaryEntry, SeriesOutcome
from ketaclinic.patients.models import Patient
from ketaclinic.policies import services as policies
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.screening.models import ScreeningDecision
from ketacore.icd10 import condition_of
from ketacore.outcomes import FollowUpPolicy
from ketacore.outcomes.relief import Relief
from ketacore.outcomes.response import Category, PainDay, ResponderStatus

__all__ = [
    "BATCH",
    "MOOD_QUESTIONNAIRES",
    "UNKNOWN",
    "patient_batches",
    "refresh_all",
    "refresh_patient",
    "refresh_patients",
]

#: The category of a series whose response cannot be judged (too few diary days).
UNKNOWN = "unknown"
#: The questionnaires whose change the analytics show.
MOOD_QUESTIONNAIRES = ("phq9", "gad7")
#: Patients refreshed together: a fixed number of queries and one transaction per batch.
BATCH = 500


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
    return refresh_patients([patient.pk])


def refresh_patients(ids: Sequence[int]) -> int:
    """Recompute the series rows of these patients and replace them; returns the rows.

    Set-based: a fixed number of queries for the whole batch (each reads every patient of
    the batch at once), then ``analysis.analyse`` per patient (the progress page's own
    reading of the diary: one definition for patient and clinic), then one transaction
    that replaces the batch's rows.
    """
    if not ids:
        return 0
    clinics = dict(Patient.objects.filter(pk__in=ids).values_list("pk", "clinic_id"))
    versions = {
        clinic.pk: policies.in_force(clinic, "follow_up")
        for clinic in Clinic.objects.filter(pk__in=set(clinics.values()))
    }
    loaded: dict[int, FollowUpPolicy] = {pk: policies.loaded(v) for pk, v in versions.items()}
    sessions, diary = _sessions(clinics), _diary(clinics)
    mood, groups = _mood_scores(clinics), _condition_groups(clinics)
    today = timezone.localtime(clock.now()).date()
    now = clock.now()
    rows: list[SeriesOutcome] = []
    boosters: list[BoosterEstimate] = []
    for pk, clinic_id in clinics.items():
        mine = sessions.get(pk, [])
        per_series = {s.day: s.series_count for s in mine}
        outcome = analysis.analyse(
            diary.get(pk, ()), per_series, today=today, policy=loaded[clinic_id]
        )
        if outcome.booster is not None and outcome.booster.due_on is not None:
            boosters.append(
                BoosterEstimate(
                    patient_id=pk,
                    clinic_id=clinic_id,
                    due_on=outcome.booster.due_on,
                    computed_at=now,
                )
            )
        scores = mood.get(pk) or {q: [] for q in MOOD_QUESTIONNAIRES}
        for found, after in _with_next(outcome.series):
            row = _row(pk, clinic_id, found, after, mine, scores, groups.get(pk, ""))
            row.policy_version = versions[clinic_id].version
            row.computed_at = now
            rows.append(row)
    with transaction.atomic():
        # Writers for one patient queue on the patient row: the last refresh wins whole.
        list(Patient.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        SeriesOutcome.objects.filter(patient_id__in=ids).delete()
        SeriesOutcome.objects.bulk_create(rows, batch_size=2000)
        BoosterEstimate.objects.filter(patient_id__in=ids).delete()
        BoosterEstimate.objects.bulk_create(boosters, batch_size=2000)
    return len(rows)


def refresh_all(*, clinic_id: int | None = None, batch: int = BATCH) -> int:
    """Refresh every patient who has had an infusion (or has rows); returns the patients."""
    count = 0
    for ids in patient_batches(clinic_id=clinic_id, batch=batch):
        refresh_patients(ids)
        count += len(ids)
    return count


def patient_batches(*, clinic_id: int | None = None, batch: int = BATCH) -> Iterator[list[int]]:
    """The patients a full refresh covers (every one with a session or with rows), by id,
    in batches. Two DISTINCT scans, joined here: ``IN (…) OR IN (…)`` over a million
    sessions is not hashed by PostgreSQL's planner and took minutes at 100,000 patients."""
    where = {} if clinic_id is None else {"clinic_id": clinic_id}
    found: set[int] = set()
    for model in (InfusionSession, SeriesOutcome):
        rows = model.objects.filter(**where).order_by()
        found.update(rows.values_list("patient_id", flat=True).distinct())
    ids = sorted(found)
    for start in range(0, len(ids), batch):
        yield ids[start : start + batch]


def _condition_groups(ids: Iterable[int]) -> dict[int, str]:
    """Each patient's condition group from their current signed screening decision.

    The first diagnosis (in the order the decision kept them) that the clinic's table counts
    as neuropathic decides; failing that, the first with a group; none gives no entry.
    """
    decisions = (
        ScreeningDecision.objects.filter(patient_id__in=ids, superseded_by__isnull=True)
        .order_by("patient_id", "-signed_at", "-pk")
        .values_list("patient_id", "facts")
    )
    found: dict[int, str] = {}
    seen: set[int] = set()
    for pk, facts in decisions:
        if pk in seen:
            continue
        seen.add(pk)
        codes = facts.get("diagnoses") if isinstance(facts, dict) else None
        if isinstance(codes, list) and (group := _group_of(codes)):
            found[pk] = group
    return found


def _group_of(codes: list[Any]) -> str:
    rows = [condition_of(c) for c in codes if isinstance(c, str)]
    known = [r for r in rows if r is not None]
    chosen = [r for r in known if r.neuropathic] or known
    return chosen[0].group.value if chosen else ""


# ------------------------------------------------------------------ gathering


def _counted(model: Any, **where: Any) -> Coalesce:
    """How many rows of ``model`` belong to the outer session (a correlated COUNT)."""
    rows = model.objects.filter(session=OuterRef("pk"), **where).order_by()
    counted = rows.values("session").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def _sessions(ids: Iterable[int]) -> dict[int, list[_Session]]:
    """Each patient's signed-off sessions (an infusion day counts once signed, as on the
    progress page), with the plan version's protocol and counts, oldest first."""
    rows = (
        InfusionSession.objects.filter(patient_id__in=ids, sign_off__isnull=False)
        .annotate(
            n_alerts=_counted(SessionAlert),
            n_side=_counted(SessionEntry, kind=EntryKind.SIDE_EFFECT),
        )
        .order_by("patient_id", "opened_at")
        .values_list(
            "patient_id",
            "opened_at",
            "plan_version__protocol_id",
            "plan_version__protocol_name",
            "plan_version__duration_min",
            "plan_version__series_count",
            "n_alerts",
            "n_side",
        )
    )
    found: dict[int, list[_Session]] = defaultdict(list)
    for pk, opened, protocol_id, name, minutes, count, alerts, side in rows:
        day = timezone.localtime(opened).date()
        found[pk].append(_Session(day, protocol_id, name, minutes, count, alerts, side))
    return found


def _diary(ids: Iterable[int]) -> dict[int, list[PainDay]]:
    """Each patient's diary as it stands (pain only), oldest day first."""
    rows = (
        DiaryEntry.objects.current()
        .filter(patient_id__in=ids)
        .order_by("patient_id", "day")
        .values_list("patient_id", "day", "pain_nrs")
    )
    found: dict[int, list[PainDay]] = defaultdict(list)
    for pk, day, pain in rows:
        found[pk].append(PainDay(day, pain))
    return found


def _mood_scores(ids: Iterable[int]) -> dict[int, dict[str, list[tuple[dt.date, int]]]]:
    """Each patient's complete PHQ-9 and GAD-7 totals by clinic day, oldest first."""
    rows = (
        QuestionnaireResponse.objects.filter(
            patient_id__in=ids, questionnaire__in=MOOD_QUESTIONNAIRES, missing=[]
        )
        .exclude(score=None)
        .order_by("patient_id", "entered_at", "seq")
        .values_list("patient_id", "questionnaire", "entered_at", "score")
    )
    found: dict[int, dict[str, list[tuple[dt.date, int]]]] = {}
    for pk, questionnaire, at, score in rows:
        total = score.get("total") if isinstance(score, dict) else None
        if isinstance(total, int | float) and not isinstance(total, bool):
            mine = found.setdefault(pk, {q: [] for q in MOOD_QUESTIONNAIRES})
            mine[questionnaire].append((timezone.localtime(at).date(), round(total)))
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
    patient_id: int,
    clinic_id: int,
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
        clinic_id=clinic_id,
        patient_id=patient_id,
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
