"""The care team's progress page and the progress report (PDF) for referrers and the patient."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.lib.pain_charts import (
    PAIN_SIZE,
    PainChartData,
    ScoreTrend,
    pain_svg,
    trends_size,
    trends_svg,
)
from ketaclinic.outcomes import access, progress, services
from ketaclinic.outcomes.pdf import filename, progress_pdf
from ketaclinic.outcomes.progress import CHART_LABEL
from ketaclinic.outcomes.report import SCORES_LABEL, score_trends, staff_progress
from ketaclinic.patients.models import Patient

_C = Capability


@require_GET
@capability_required(_C.PATIENT_VIEW_CLINICAL)
def patient_progress(request: HttpRequest, code: str) -> HttpResponse:
    """Pain over time, questionnaire trends, responder status, relief and the booster estimate."""
    patient = access.diary_patient_for_staff(request.user, code, part="progress")
    report = staff_progress(patient)
    context = {
        "patient": patient,
        "report": report,
        "view": report.view,
        "outcome": report.view.outcome,
        "can_mark": acting_user(request).can(_C.BOOSTER_MARK),
        # The charts come as images beside the page (progress_chart), at their drawn size.
        "pain_label": CHART_LABEL,
        "pain_size": _pixels(PAIN_SIZE),
        "scores_label": SCORES_LABEL,
        "scores_size": _pixels(trends_size(len(report.trends))),
    }
    return render(request, "outcomes/patient_progress.html", context)


@require_POST
@capability_required(_C.BOOSTER_MARK)
def mark_booster(request: HttpRequest, code: str) -> HttpResponse:
    """Mark the booster due on the estimated day (worked out again here, not taken from the
    form): it goes on the front desk's "Boosters to book"."""
    patient = access.diary_patient_for_staff(
        request.user, code, _C.BOOSTER_MARK, part="progress (booster)"
    )
    outcome = staff_progress(patient).view.outcome
    due_on = outcome.booster.due_on if outcome is not None and outcome.booster else None
    try:
        marked = services.mark_estimated_booster(acting_user(request), patient, due_on)
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, _words(problem))
    else:
        messages.success(
            request,
            f"Booster marked due on {marked.due_on:%-d %B %Y}: the front desk will book it.",
        )
    return redirect("outcomes:patient_progress", code=patient.code)


@require_GET
@capability_required(_C.PATIENT_VIEW_CLINICAL)
def progress_chart(request: HttpRequest, code: str, chart: str) -> HttpResponse:
    """One chart of the progress page as an SVG image (the page asks for it with ``<img>``).

    The page answers without waiting for the drawing, and the browser fetches the charts
    beside it. The ETag is a digest of what the chart shows, known before drawing, so a
    chart already in the browser costs a 304 and no drawing. The image is a view of the
    patient's record and is audited as one.
    """
    patient = access.diary_patient_for_staff(request.user, code, part=f"progress chart ({chart})")
    # Only what this chart shows: the pain chart needs the diary's reading, the other the scores.
    data: PainChartData | tuple[ScoreTrend, ...]
    if chart == "pain":
        data = progress.patient_progress(patient, with_outcome=True).chart
    else:
        data = score_trends(patient)[1]
    tag = '"' + hashlib.sha256(repr(data).encode()).hexdigest()[:32] + '"'
    response: HttpResponse
    if tag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        svg = (
            pain_svg(data, CHART_LABEL)
            if isinstance(data, PainChartData)
            else trends_svg(data, SCORES_LABEL)
        )
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    # Nothing in the picture runs or loads: a chart opened on its own cannot do more.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _pixels(inches: tuple[float, float]) -> tuple[int, int]:
    return round(inches[0] * 100), round(inches[1] * 100)


def _words(problem: str) -> str:
    """The refusal in words ("a booster is already marked due…"), without the field key."""
    return "Booster: " + problem.split(": ", 1)[-1]


def _pdf(patient: Patient, *, for_patient: bool) -> HttpResponse:
    report = staff_progress(patient)
    response = HttpResponse(progress_pdf(patient, report, for_patient=for_patient))
    response["Content-Type"] = "application/pdf"
    # The date only: no name or other identifier in a file name that lands in Downloads.
    response["Content-Disposition"] = f'inline; filename="{filename(report)}"'
    return response


@require_GET
@capability_required(_C.PATIENT_VIEW_CLINICAL)
def progress_report_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The progress report for a referrer (A4 PDF)."""
    patient = access.diary_patient_for_staff(request.user, code, part="progress report (PDF)")
    return _pdf(patient, for_patient=False)


@require_GET
@capability_required(_C.PORTAL_OWN_RECORD)
def portal_progress_pdf(request: HttpRequest) -> HttpResponse:
    """The patient's own progress report (A4 PDF)."""
    patient = access.own_diary_patient(request.user, part="own progress report (PDF)")
    return _pdf(patient, for_patient=True)
