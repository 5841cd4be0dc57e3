"""The response so far and the side effects since the last visit, computed from the data.

The visit form shows these and :func:`ketaclinic.visits.services.sign_visit` stores them as
the visit's snapshot, computed again at signing: nothing here is typed in by anyone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from ketaclinic.infusions.describe import describe
from ketaclinic.infusions.models import EntryKind, InfusionSession, SessionEntry
from ketaclinic.outcomes import access as diary_access
from ketaclinic.patients.models import Patient
from ketaclinic.plans.models import PlanVersion
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.visits.models import FollowUpVisit
from ketacore.diary import DiaryDay, progress

__all__ = ["last_visit", "response_so_far", "side_effects_since"]

#: The questionnaires whose newest score the visit shows.
MOOD_INSTRUMENTS = {"phq9": "PHQ-9 (depression)", "gad7": "GAD-7 (anxiety)"}


def last_visit(patient: Patient, *, excluding: FollowUpVisit | None = None) -> FollowUpVisit | None:
    """The patient's newest current (not corrected) visit."""
    rows = FollowUpVisit.objects.filter(patient=patient, superseded_by__isnull=True)
    if excluding is not None:
        rows = rows.exclude(pk=excluding.pk)
    return rows.order_by("-visit_date", "-signed_at", "-pk").first()


def response_so_far(patient: Patient, version: PlanVersion, *, on: dt.date) -> dict[str, Any]:
    """The diary against the baseline, the newest PHQ-9 and GAD-7, the sessions so far."""
    entries = [e for e in diary_access.diary_days(patient) if e.day <= on]
    infusions = [d for d in diary_access.infusion_days(patient) if d <= on]
    first = infusions[0] if infusions else None
    intake = diary_access.intake_pain_average(patient, before=first or on + dt.timedelta(days=1))
    days = [DiaryDay(e.day, e.pain_nrs, e.function_nrs, e.mood_nrs) for e in entries]
    result = progress(days, today=on, infusion_days=infusions, intake_average=intake)
    base = result.baseline
    change = None
    if base is not None and result.week_average is not None and base.pain > 0:
        change = round(100 * (base.pain - result.week_average) / base.pain, 1)
    return {
        "as_of": on.isoformat(),
        "diary": {
            "week_average": _one(result.week_average),
            "week_days": result.week_days,
            "baseline": _one(base.pain) if base else None,
            "baseline_source": base.source if base else None,
            "baseline_days": base.days if base else 0,
            "reduction_percent": change,
            "increase_percent": -change if change is not None and change < 0 else None,
            "first_infusion": first.isoformat() if first else None,
        },
        "questionnaires": _mood_scores(patient, on),
        "sessions": _sessions(version, on),
    }


def _one(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _mood_scores(patient: Patient, on: dt.date) -> dict[str, Any]:
    end = timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time()))
    out: dict[str, Any] = {}
    for instrument, label in MOOD_INSTRUMENTS.items():
        row = (
            QuestionnaireResponse.objects.filter(
                patient=patient, questionnaire=instrument, score__isnull=False, entered_at__lt=end
            )
            .order_by("-entered_at", "-seq")
            .only("score", "entered_at")
            .first()
        )
        score = row.score if row is not None else None
        out[instrument] = (
            None
            if row is None or not score
            else {
                "label": label,
                "total": score.get("total"),
                "band": (score.get("band") or {}).get("label"),
                "on": timezone.localtime(row.entered_at).date().isoformat(),
            }
        )
    return out


def _sessions(version: PlanVersion, on: dt.date) -> dict[str, Any]:
    end = timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time()))
    rows = InfusionSession.objects.filter(plan_version__plan_id=version.plan_id, opened_at__lt=end)
    days = sorted(timezone.localtime(at).date() for at in rows.values_list("opened_at", flat=True))
    return {
        "opened": len(days),
        "signed_off": rows.filter(sign_off__isnull=False).count(),
        "planned": version.series_count,
        "first": days[0].isoformat() if days else None,
        "last": days[-1].isoformat() if days else None,
    }


def side_effects_since(patient: Patient, since: dt.datetime | None) -> list[dict[str, Any]]:
    """The side effects charted in the patient's sessions after ``since``, oldest first."""
    rows = SessionEntry.objects.filter(session__patient=patient, kind=EntryKind.SIDE_EFFECT)
    if since is not None:
        rows = rows.filter(occurred_at__gt=since)
    corrected = set(
        SessionEntry.objects.filter(
            session__patient=patient, kind=EntryKind.AMENDMENT, amends__in=rows
        ).values_list("amends_id", flat=True)
    )
    return [
        {
            "at": timezone.localtime(e.occurred_at).strftime("%Y-%m-%d %H:%M"),
            "infusion": e.session.number_in_series,
            "text": describe(e),
            "corrected": e.pk in corrected,
        }
        for e in rows.select_related("session").order_by("occurred_at", "pk")
    ]
