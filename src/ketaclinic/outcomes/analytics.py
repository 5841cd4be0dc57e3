"""The clinic's outcomes in aggregate, computed in the database over ``SeriesOutcome``.

Permission-checked (``OUTCOMES_ANALYTICS``) and scoped to the user's clinic, like the other
access getters. Every figure is an aggregate the database computes (GROUP BY with COUNT
FILTER, SUM, AVG); the relief curves fetch only grouped ``(group, days, censored, count)``
rows, which ``ketacore.outcomes.statistics.kaplan_meier`` expands with ``numpy.repeat``. A
page costs a fixed number of queries whatever the number of patients (a test counts them).
No patient is named, so the page writes no view record; an export does (``export.py``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Count, ExpressionWrapper, F, FloatField, Q, QuerySet, Sum
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import ExtractYear

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import require
from ketaclinic.outcomes.models import SeriesOutcome
from ketacore.icd10 import GROUP_LABELS, ConditionGroup
from ketacore.outcomes.statistics import (
    KaplanMeier,
    MeanChange,
    Rate,
    kaplan_meier,
    mean_change,
    rate,
)

__all__ = [
    "BREAKDOWNS",
    "KINDS",
    "Breakdown",
    "Filters",
    "Group",
    "Options",
    "Report",
    "group_label",
    "options",
    "report",
    "series_rows",
]

Breakdown = Literal["group", "protocol", "duration", "year"]
#: What the rows of the page may be broken down by, in the page's words.
BREAKDOWNS: dict[str, str] = {
    "group": "Condition group",
    "protocol": "Protocol",
    "duration": "Infusion duration",
    "year": "Year the series began",
}
#: Which series count: all, first and repeat series only, or boosters only.
KINDS: dict[str, str] = {"all": "Series and boosters", "series": "Series", "booster": "Boosters"}
_COLUMN = {"group": "condition_group", "protocol": "protocol_id", "duration": "duration_min"}


@dataclass(frozen=True, slots=True)
class Filters:
    """What the page or export is limited to (checked by ``AnalyticsFilterForm``)."""

    group: str = ""
    protocol: str = ""
    duration: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    kind: str = "all"
    breakdown: Breakdown = "group"

    def as_audit(self) -> dict[str, Any]:
        """The filters as an audit record keeps them (no patient data in them)."""
        return {
            "group": self.group,
            "protocol": self.protocol,
            "duration_min": self.duration,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "kind": self.kind,
        }


@dataclass(frozen=True, slots=True)
class Options:
    """The protocols and durations the clinic's series have (for the filter's choices)."""

    protocols: dict[str, str]  # protocol id -> name
    durations: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Group:
    """One row of the breakdown."""

    key: str
    label: str
    series: int
    judged: int  # series whose response could be judged
    responders: Rate  # at least the moderate reduction (30 %)
    substantial: Rate  # at least the substantial reduction (50 %)
    points: Rate  # at least the 2-point fall
    sessions: int
    alerts: int
    side_effects: int
    phq9: MeanChange
    gad7: MeanChange
    relief_started: int

    @property
    def alerts_per_session(self) -> float | None:
        return self.alerts / self.sessions if self.sessions else None

    @property
    def side_effects_per_session(self) -> float | None:
        return self.side_effects / self.sessions if self.sessions else None


@dataclass(frozen=True, slots=True)
class Report:
    filters: Filters
    groups: list[Group]
    total: Group | None
    curves: dict[str, KaplanMeier]  # group key -> curve
    curve: KaplanMeier | None  # all the series the filters keep


def group_label(breakdown: str, key: str, protocols: dict[str, str]) -> str:
    """A breakdown key in the page's words."""
    if breakdown == "group":
        try:
            return GROUP_LABELS[ConditionGroup(key)]
        except ValueError:
            return "No signed screening diagnosis"
    if breakdown == "protocol":
        return protocols.get(key, key) or "Unknown protocol"
    if breakdown == "duration":
        return f"{key} minutes" if key else "Unknown duration"
    return key or "All"


def _scoped(user: Any) -> QuerySet[SeriesOutcome]:
    require(user, Capability.OUTCOMES_ANALYTICS)
    return SeriesOutcome.objects.filter(clinic_id=user.clinic_id)


def options(user: Any) -> Options:
    """The clinic's protocols and durations among its series (one query)."""
    rows = (
        _scoped(user)
        .order_by()
        .values_list("protocol_id", "protocol_name", "duration_min")
        .distinct()
    )
    protocols: dict[str, str] = {}
    durations: set[int] = set()
    for protocol_id, name, minutes in rows:
        protocols.setdefault(protocol_id, name)
        if minutes is not None:
            durations.add(minutes)
    return Options(dict(sorted(protocols.items(), key=lambda p: p[1])), tuple(sorted(durations)))


def series_rows(user: Any, filters: Filters) -> QuerySet[SeriesOutcome]:
    """The clinic's series rows the filters keep (for the page's aggregates and the export)."""
    rows = _scoped(user)
    if filters.group:
        rows = rows.filter(condition_group=filters.group)
    if filters.protocol:
        rows = rows.filter(protocol_id=filters.protocol)
    if filters.duration is not None:
        rows = rows.filter(duration_min=filters.duration)
    if filters.start is not None:
        rows = rows.filter(first_day__gte=filters.start)
    if filters.end is not None:
        rows = rows.filter(first_day__lte=filters.end)
    if filters.kind == "series":
        rows = rows.filter(booster=False)
    elif filters.kind == "booster":
        rows = rows.filter(booster=True)
    return rows


def _change(before: str, after: str) -> ExpressionWrapper[CombinedExpression]:
    return ExpressionWrapper(F(after) - F(before), output_field=FloatField())


def _aggregates() -> dict[str, Any]:
    judged = ~Q(category="unknown")
    aggregates: dict[str, Any] = {
        "series": Count("pk"),
        "judged": Count("pk", filter=judged),
        "responders": Count("pk", filter=Q(responder=True)),
        "substantial": Count("pk", filter=Q(category="substantial")),
        "points": Count("pk", filter=Q(meets_points=True)),
        "sessions_sum": Sum("sessions"),
        "alerts": Sum("session_alerts"),
        "side_effects": Sum("side_effects"),
        "relief_started": Count("pk", filter=Q(relief_days__isnull=False)),
    }
    for name in ("phq9", "gad7"):
        both = Q(**{f"{name}_before__isnull": False, f"{name}_after__isnull": False})
        change = _change(f"{name}_before", f"{name}_after")
        aggregates[f"{name}_n"] = Count("pk", filter=both)
        aggregates[f"{name}_sum"] = Sum(change, filter=both)
        aggregates[f"{name}_sq"] = Sum(change * change, filter=both)
    return aggregates


def _group(key: str, label: str, row: dict[str, Any], method: Any) -> Group:
    judged = row["judged"]
    return Group(
        key=key,
        label=label,
        series=row["series"],
        judged=judged,
        responders=rate(row["responders"], judged, method=method),
        substantial=rate(row["substantial"], judged, method=method),
        points=rate(row["points"], judged, method=method),
        sessions=row["sessions_sum"] or 0,
        alerts=row["alerts"] or 0,
        side_effects=row["side_effects"] or 0,
        phq9=mean_change(row["phq9_n"], row["phq9_sum"] or 0.0, row["phq9_sq"] or 0.0),
        gad7=mean_change(row["gad7_n"], row["gad7_sum"] or 0.0, row["gad7_sq"] or 0.0),
        relief_started=row["relief_started"],
    )


def _key_column(rows: QuerySet[SeriesOutcome], breakdown: str) -> tuple[QuerySet[Any], str]:
    if breakdown == "year":
        return rows.annotate(key=ExtractYear("first_day")), "key"
    return rows, _COLUMN[breakdown]


def report(
    user: Any, filters: Filters, protocols: dict[str, str], *, method: str = "wilson"
) -> Report:
    """The breakdown, the total and the relief curves (three queries)."""
    rows = series_rows(user, filters)
    keyed, column = _key_column(rows, filters.breakdown)
    per_group = keyed.order_by().values(column).annotate(**_aggregates()).order_by(column)
    groups = [
        _group(
            str(r[column] if r[column] is not None else ""),
            group_label(filters.breakdown, str(r[column] or ""), protocols),
            r,
            method,
        )
        for r in per_group
    ]
    overall = rows.order_by().aggregate(**_aggregates())
    total = _group("", "All series", overall, method) if overall["series"] else None
    relief = (
        keyed.filter(relief_days__isnull=False)
        .order_by()
        .values_list(column, "relief_days", "relief_censored")
        .annotate(n=Count("pk"))
    )
    grouped: dict[str, list[tuple[float, bool, int]]] = defaultdict(list)
    everyone: list[tuple[float, bool, int]] = []
    for key, days, censored, n in relief:
        grouped[str(key if key is not None else "")].append((days, bool(censored), n))
        everyone.append((days, bool(censored), n))
    curves = {k: c for k, v in grouped.items() if (c := kaplan_meier(v)) is not None}
    return Report(filters, groups, total, curves, kaplan_meier(everyone))
