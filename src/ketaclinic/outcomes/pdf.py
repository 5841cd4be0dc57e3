"""The progress report as a PDF (WeasyPrint, from ``outcomes/progress_pdf.html``).

A4, printable, self-contained like the session record (``infusions/pdf.py``): nothing is
fetched; the chart is the progress page's figure, drawn by the same function
(``lib.pain_charts.pain_figure``) and embedded as a ``data:`` image. The words, the
responder status and the relief table are the page's. Who may read it and the audit
record of the read are the view's access getter's business.
"""

from __future__ import annotations

import base64

from django.template.loader import render_to_string

from ketaclinic.lib.charts import svg_text
from ketaclinic.lib.pain_charts import pain_figure
from ketaclinic.outcomes.report import StaffProgress
from ketaclinic.patients.models import Patient

__all__ = ["filename", "progress_pdf"]

_TEMPLATE = "outcomes/progress_pdf.html"


def progress_pdf(patient: Patient, report: StaffProgress, *, for_patient: bool) -> bytes:
    """The progress report as PDF bytes (A4): the words, the chart, responder status, relief."""
    view = report.view
    chart = ""
    if view.chart is not None:
        svg = svg_text(pain_figure(view.chart)).encode()
        chart = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    context = {
        "patient": patient,
        "clinic": patient.clinic.name,
        "report": report,
        "view": view,
        "outcome": view.outcome,
        "chart": chart,
        "for_patient": for_patient,
    }
    html = render_to_string(_TEMPLATE, context)
    # Imported here: WeasyPrint takes a second to load Pango, which only this needs.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf


def filename(report: StaffProgress) -> str:
    """``progress-report-<date>.pdf``: the day it was made, never the patient's name."""
    return f"progress-report-{report.view.today:%Y-%m-%d}.pdf"
