"""The session record as a PDF: a real file through the view, read back as text and pixels."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pypdfium2 as pdfium
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import PASSWORD, login
from ketaclinic.infusions import services
from ketaclinic.infusions.models import EntryKind, InfusionSession, SessionEntry
from ketaclinic.infusions.tests.helpers import ALDRETE_10, checked_in, open_session
from ketaclinic.patients.models import Patient
from ketacore.infusion.care import VitalSigns

pytestmark = pytest.mark.django_db

A4_POINTS = (595.28, 841.89)


def _url(session: InfusionSession) -> str:
    return reverse(
        "infusions:pdf", kwargs={"code": session.patient.code, "session_code": session.code}
    )


def _full_session(ada: Patient, rivera: User, nina: User) -> InfusionSession:
    """Check-in, start, an alert acknowledged, a rate change, a side effect with rescue,
    a bolus, a pause, the stop, the Aldrete score, discharge, sign-off and a correction."""
    session = open_session(ada, rivera, nina, kg=70)  # 0.2 mg/kg/h -> 14 mg/h
    now = timezone.now()

    def ago(minutes: float) -> dt.datetime:
        return now - dt.timedelta(minutes=minutes)

    checked_in(session, nina, minutes_ago=130)
    services.record_pump_event(nina, session, "start", rate_mg_per_h=14, occurred_at=ago(120))
    _, alerts = services.record_vitals(
        nina,
        session,
        VitalSigns(systolic_mmhg=186, diastolic_mmhg=96, heart_rate_bpm=88, spo2_percent=97),
        occurred_at=ago(100),
    )
    services.acknowledge(nina, alerts[0], action_taken="Rate held; repeat BP 168/92 at 10 min")
    services.record_pump_event(
        nina,
        session,
        "rate_change",
        rate_mg_per_h=28,
        reason="Pain still 7/10",
        occurred_at=ago(90),
    )
    services.record_vitals(nina, session, VitalSigns(132, 80, 76, 96), occurred_at=ago(85))
    services.record_side_effect(
        nina,
        session,
        effect="nausea",
        severity="mild",
        interventions=["rescue"],
        occurred_at=ago(80),
    )
    services.record_rescue(
        nina,
        session,
        drug="Ondansetron",
        dose="4 mg",
        route="IV",
        indication="nausea",
        occurred_at=ago(79),
    )
    services.record_pump_event(nina, session, "bolus", dose_mg=5, occurred_at=ago(70))
    services.record_pump_event(nina, session, "pause", occurred_at=ago(60))
    services.record_pump_event(nina, session, "resume", occurred_at=ago(50))
    services.record_pump_event(nina, session, "stop", occurred_at=ago(30))
    services.record_vitals(nina, session, VitalSigns(126, 78, 70, 98), occurred_at=ago(20))
    services.record_score(nina, session, "aldrete", ALDRETE_10, occurred_at=ago(10))
    services.discharge(nina, session, escort_present=True, occurred_at=ago(5))
    services.sign_off(rivera, session, password=PASSWORD)
    vitals = SessionEntry.objects.filter(session=session, kind=EntryKind.VITALS).first()
    assert vitals is not None
    services.amend(nina, vitals, reason="Wrong arm cuff size", fields={"systolic_mmhg": 176})
    return session


def _text(pdf: bytes) -> str:
    """The PDF's text, each run of white space (a wrapped line) as one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_signed_record_says_everything_that_was_charted(ada, rivera, nina) -> None:
    session = _full_session(ada, rivera, nina)
    response = login(Client(), rivera).get(_url(session))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    day = timezone.localdate(session.entries.get(kind=EntryKind.CHECK_IN).occurred_at)
    assert response["Content-Disposition"] == f'inline; filename="infusion-record-{day}.pdf"'
    assert "Lovelace" not in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    # 14 mg/h x 30 min + 28 mg/h x (30 + 20) min + a 5 mg bolus = 7 + 23.33 + 5 mg
    assert f"{14 * 30 / 60 + 28 * 50 / 60 + 5:.1f} mg" == "35.3 mg"
    assert "35.3 mg" in text
    for expected in (
        "Desert Sky",
        "Ada Lovelace",
        "1975-12-10",
        ada.chart_number,
        "4-hour infusion",
        "Systolic blood pressure above 180 mmHg",
        "Rate held; repeat BP 168/92 at 10 min",
        "Ondansetron 4 mg IV for nausea",
        "Nausea, mild",
        "Modified Aldrete score",
        "Signed as reviewed",
        "rivera",
        "Correction of #3",
        "Corrected by #",
        "Wrong arm cuff size",
        "1 correction added after signing",
        "Negative pregnancy test today",
    ):
        assert expected in text, expected
    assert "Not signed yet" not in text


def test_the_first_page_is_a4_with_the_chart_drawn(ada, rivera, nina) -> None:
    session = _full_session(ada, rivera, nina)
    pdf = login(Client(), rivera).get(_url(session)).content
    document = pdfium.PdfDocument(pdf)
    page = document[0]
    width, height = page.get_size()
    assert (width, height) == pytest.approx(A4_POINTS, abs=0.5)
    pixels = page.render(scale=1).to_numpy()
    gray = pixels[..., :3].mean(axis=2)
    assert gray.shape[0] / gray.shape[1] == pytest.approx(297 / 210, rel=0.01)
    # The chart fills the lower part of the first page: lines, markers and labels.
    chart_area = gray[int(gray.shape[0] * 0.35) : int(gray.shape[0] * 0.92)]
    assert np.count_nonzero(chart_area < 128) > 3000
    # ... in colour (the curves), not only text.
    rgb = pixels[..., :3].astype(int)
    coloured = np.abs(rgb[..., 0] - rgb[..., 2]) > 60
    assert np.count_nonzero(coloured) > 500
    page.close()
    document.close()


def test_an_unsigned_record_says_so(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina)
    checked_in(session, nina, minutes_ago=20)
    services.record_pump_event(nina, session, "start", rate_mg_per_h=14, occurred_at=timezone.now())
    text = _text(login(Client(), nina).get(_url(session)).content)
    assert "Not signed yet" in text
    assert "so far" in text


def test_who_may_read_the_record_and_the_one_audit_record_of_it(
    ada, rivera, nina, desmond, charlie
) -> None:
    session = open_session(ada, rivera, nina)
    checked_in(session, nina)
    url = _url(session)

    client = login(Client(), nina)
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.get(url)
    assert response.status_code == 200
    written = list(AuditEvent.objects.filter(pk__gt=last))
    assert [(e.action, e.summary, e.actor_username) for e in written] == [
        (Action.VIEW, "Viewed infusion session record", "nina")
    ]

    assert login(Client(), desmond).get(url).status_code == 403
    assert login(Client(), charlie).get(url).status_code == 404
    other = reverse(
        "infusions:pdf",
        kwargs={"code": ada.code, "session_code": "00000000-0000-4000-8000-000000000000"},
    )
    assert login(Client(), nina).get(other).status_code == 404
    assert login(Client(), nina).post(url).status_code == 405
