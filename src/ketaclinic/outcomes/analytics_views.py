"""The clinic analytics page and its CSV export (clinic admin and physicians)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib import clock
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.lib.outcome_charts import Curve, RateBar, rates_figure, relief_figure
from ketaclinic.lib.session_charts import inline_svg
from ketaclinic.outcomes import analytics, export
from ketaclinic.outcomes.analytics_forms import AnalyticsFilterForm
from ketacore.outcomes.statistics import KaplanMeier, MeanChange, Rate

#: Curves drawn on one chart (more would not be readable; the table has every group).
MAX_CURVES = 6
#: Days at which the relief table reads each curve.
RELIEF_DAYS = (7, 14, 28, 56)


def _percent(r: Rate) -> str:
    if r.proportion is None:
        return "no series judged"
    return f"{r.proportion:.0%} ({r.k} of {r.n}; {r.low:.0%}–{r.high:.0%})"


def _per_session(value: float | None) -> str:
    return "no sessions" if value is None else f"{value:.2f}"


def _change(m: MeanChange) -> str:
    if m.mean is None:
        return "no pairs"
    if m.low is None:
        return f"{m.mean:+.1f} (1 series)"
    return f"{m.mean:+.1f} ({m.low:+.1f} to {m.high:+.1f}; {m.n} series)"


def _at(curve: KaplanMeier, day: int) -> str:
    """S(day) with its band, from the step function (— before the first or past the last)."""
    if not curve.times or day > curve.times[-1]:
        return "—"
    index = max((i for i, t in enumerate(curve.times) if t <= day), default=None)
    if index is None:
        return "100%"
    return f"{curve.survival[index]:.0%} ({curve.low[index]:.0%}–{curve.high[index]:.0%})"


def _curve(label: str, km: KaplanMeier) -> Curve:
    return Curve(label, km.times, km.survival, km.low, km.high)


def _context(report: analytics.Report, options: analytics.Options) -> dict[str, Any]:
    rows = [*report.groups, *([report.total] if report.total else [])]
    labels = {g.key: g.label for g in report.groups}
    curves = [
        (labels.get(key, key), km)
        for key, km in sorted(report.curves.items(), key=lambda kv: -kv[1].n)
    ]
    if report.curve is not None:
        curves = [("All series", report.curve), *curves]
    bars = [
        RateBar(g.label, g.responders.proportion, g.responders.low, g.responders.high) for g in rows
    ]
    return {
        "rows": [
            {
                "label": g.label,
                "series": g.series,
                "judged": g.judged,
                "responders": _percent(g.responders),
                "substantial": _percent(g.substantial),
                "points": _percent(g.points),
                "sessions": g.sessions,
                "alerts": _per_session(g.alerts_per_session),
                "side_effects": _per_session(g.side_effects_per_session),
                "phq9": _change(g.phq9),
                "gad7": _change(g.gad7),
            }
            for g in rows
        ],
        "rates_chart": inline_svg(
            rates_figure(bars, title="Responders: pain down 30 % or more"),
            label="Responder rate with its 95 % confidence interval, per group",
        )
        if rows
        else "",
        "relief_chart": inline_svg(
            relief_figure([_curve(label, km) for label, km in curves[:MAX_CURVES]]),
            label="Share of series still relieved by days since the last infusion",
        )
        if curves
        else "",
        "relief_rows": [
            {
                "label": label,
                "n": km.n,
                "ended": km.events_total,
                "median": "not reached" if km.median is None else f"{km.median:.0f} days",
                "at": [_at(km, d) for d in RELIEF_DAYS],
            }
            for label, km in curves
        ],
        "relief_days": RELIEF_DAYS,
        "breakdown_label": analytics.BREAKDOWNS[report.filters.breakdown],
    }


def _today() -> dt.date:
    return clock.today()


@require_GET
@capability_required(Capability.OUTCOMES_ANALYTICS)
def clinic_analytics(request: HttpRequest) -> HttpResponse:
    """Responder rates, relief curves, session safety and mood change, by breakdown."""
    user = acting_user(request)
    options = analytics.options(user)
    form = AnalyticsFilterForm(request.GET or None, options=options)
    context: dict[str, Any] = {"form": form, "query": request.GET.urlencode()}
    context["may_export_identified"] = user.can(Capability.PATIENT_VIEW_CLINICAL)
    context["may_see_utilisation"] = user.can(Capability.SCHEDULE_MANAGE)
    if form.is_bound and not form.is_valid():
        return render(request, "outcomes/analytics.html", context, status=400)
    filters = form.filters() if form.is_bound else analytics.Filters()
    report = analytics.report(user, filters, options.protocols, method=form.interval_method())
    context |= _context(report, options) | {"report": report}
    return render(request, "outcomes/analytics.html", context)


@require_GET
@capability_required(Capability.OUTCOMES_ANALYTICS)
def analytics_export(request: HttpRequest) -> HttpResponse:
    """The filtered series as CSV: de-identified unless ``identified=1`` (clinicians)."""
    user = acting_user(request)
    options = analytics.options(user)
    form = AnalyticsFilterForm(request.GET or None, options=options)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "query": request.GET.urlencode()}
        return render(request, "outcomes/analytics.html", context, status=400)
    filters = form.filters() if form.is_bound else analytics.Filters()
    deidentified = request.GET.get("identified") != "1"
    text, _rows = export.export_csv(user, filters, deidentified=deidentified)
    kind = "deidentified" if deidentified else "identified"
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    name = f"outcomes-{kind}-{_today().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
