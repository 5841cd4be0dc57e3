"""The infusion session record as a PDF (WeasyPrint, from ``infusions/record_pdf.html``).

A4, printable, self-contained: the page fetches nothing (no stylesheet, font or image
from a URL). The chart is the SVG the chair page shows, drawn by the same function
(``lib.session_charts.session_figure``), embedded in the page as a ``data:`` image.
Who may read it and the audit record of the read are the view's access getter's
business; this module only renders what it is given.
"""

from __future__ import annotations

import base64

import numpy as np
from django.template.loader import render_to_string
from django.utils import timezone

from ketaclinic.infusions.charts import session_chart_data
from ketaclinic.infusions.record import record_context
from ketaclinic.infusions.services.state import SessionState, minutes
from ketaclinic.lib.charts import svg_text
from ketaclinic.lib.session_charts import SessionChartData, session_figure
from ketaclinic.patients.models import Patient

__all__ = ["filename", "session_pdf"]

_TEMPLATE = "infusions/record_pdf.html"


def session_pdf(state: SessionState, patient: Patient) -> bytes:
    """The session record as PDF bytes (A4): everything charted, the chart, the signature."""
    data = session_chart_data(state)
    context = record_context(state, patient)
    # The chair page's SVG, as an image: WeasyPrint draws it with its SVG renderer alone,
    # so the SVG's own styles never meet the page's stylesheet.
    svg = svg_text(session_figure(data)).encode()
    context["chart"] = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    context["discharge_prediction"] = _at_discharge(state, data)
    html = render_to_string(_TEMPLATE, context)
    # Imported here: WeasyPrint takes a second to load Pango, which only this needs.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Nothing is fetched: any URL but the chart's own data is refused.
    fetcher = URLFetcher(allowed_protocols={"data"})
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf


def filename(state: SessionState) -> str:
    """``infusion-record-<date>.pdf``: the session's date, never the patient's name."""
    when = state.t0 or state.session.opened_at
    return f"infusion-record-{timezone.localtime(when):%Y-%m-%d}.pdf"


def _at_discharge(state: SessionState, data: SessionChartData) -> float | None:
    """The predicted plasma level when the patient went home (information only)."""
    if state.discharge is None or state.t0 is None or not data.conc_times_min:
        return None
    at = minutes(state.t0, state.discharge.occurred_at)
    return float(np.interp(at, data.conc_times_min, data.plasma_ng_per_ml))
