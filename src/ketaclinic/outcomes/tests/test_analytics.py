"""The clinic analytics page and the CSV export: figures, refusals, permissions, Safe Harbor."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import login, make_patient, make_user
from ketaclinic.lib import clock
from ketaclinic.outcomes.export import age_group, keys_for
from ketaclinic.outcomes.models import ResearchKey, SeriesOutcome
from ketaclinic.patients.models import Patient

pytestmark = pytest.mark.django_db

URL = "outcomes:analytics"
EXPORT = "outcomes:analytics_export"


def _series(patient: Patient, number: int = 1, **values: Any) -> SeriesOutcome:
    first = values.pop("first_day", dt.date(2026, 3, 2))
    row: dict[str, Any] = {
        "clinic": patient.clinic,
        "patient": patient,
        "series_number": number,
        "first_day": first,
        "last_day": first + dt.timedelta(days=11),
        "infusions": 6,
        "condition_group": "crps",
        "protocol_id": "four-hour",
        "protocol_name": "Four-hour infusion",
        "duration_min": 240,
        "category": "unknown",
        "sessions": 6,
        "session_alerts": 0,
        "side_effects": 0,
        "policy_version": "2026.1",
        "computed_at": clock.now(),
    }
    row.update(values)
    return SeriesOutcome.objects.create(**row)


def _clinic_of(clinic, n: int, *, responders: int, **values: Any) -> list[Patient]:
    patients = []
    for i in range(n):
        patient = make_patient(clinic, given_name=f"P{i}", family_name="Series")
        responder = i < responders
        _series(
            patient,
            category="substantial" if responder else "none",
            responder=responder,
            meets_points=responder,
            baseline_pain=8.0,
            response_pain=3.0 if responder else 7.5,
            percent=62.5 if responder else 6.25,
            relief_onset_days=1 if responder else None,
            relief_days=(7 + 7 * i) if responder else None,
            relief_censored=(i % 3 == 2) if responder else None,
            phq9_before=16,
            phq9_after=16 - 2 * (i % 4),
            session_alerts=i % 2,
            side_effects=1,
            **values,
        )
        patients.append(patient)
    return patients


def _text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_shows_rates_with_their_intervals_curves_and_safety(rivera, clinic) -> None:
    _clinic_of(clinic, 10, responders=7)
    response = login(Client(), rivera).get(reverse(URL))
    assert response.status_code == 200
    text = _text(response)
    # 7 of 10 with Wilson's interval (ketacore's tests check the interval itself).
    assert "70% (7 of 10; 40%–89%)" in text
    assert "Complex regional pain syndrome" in text or "CRPS" in text
    html = response.content.decode()
    assert html.count('<svg role="img"') == 2  # the rate bars and the relief curves
    assert "Share of series still relieved" in text
    # Alerts: 5 of 60 sessions; side effects 10 of 60; PHQ-9 change mean -2.4 (hand-computed:
    # changes 0,-2,-4,-6,0,-2,-4,-6,0,-2).
    assert "0.08" in text
    assert "0.17" in text
    assert "-2.6" in text


def test_filters_narrow_the_rows_and_exact_intervals_are_on_request(rivera, clinic) -> None:
    _clinic_of(clinic, 4, responders=4)
    _clinic_of(clinic, 4, responders=0, protocol_id="custom", protocol_name="Custom dose")
    client = login(Client(), rivera)
    text = _text(client.get(reverse(URL), {"protocol": "custom", "breakdown": "protocol"}))
    assert "Custom dose" in text
    assert "0% (0 of 4" in text
    assert "Four-hour infusion" not in text.split("Response by")[1].split("How long")[0]
    exact = _text(client.get(reverse(URL), {"method": "exact", "breakdown": "protocol"}))
    assert "100% (4 of 4; 40%–100%)" in exact  # Clopper-Pearson: 0.398-1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"start": "2026-06-01", "end": "2026-01-01"},
            "Series begun until: must not be before Series begun from",
        ),
        ({"duration": "-40"}, "Infusion duration: must be between 1 and 1440 minutes"),
        ({"duration": "forty"}, "Infusion duration: give a whole number of minutes"),
        ({"protocol": "no-such-protocol"}, "Protocol: no series of the clinic used this protocol"),
        ({"start": "31/01/2026"}, "Series begun from: give a date like 2026-01-31"),
    ],
)
def test_an_impossible_filter_is_refused_by_name_and_nothing_computed(
    rivera, clinic, query, message
) -> None:
    _clinic_of(clinic, 3, responders=1)
    client = login(Client(), rivera)
    records = AuditEvent.objects.count()
    for name in (URL, EXPORT):
        response = client.get(reverse(name), query)
        assert response.status_code == 400
        text = _text(response)
        assert message in text
        assert "Response by" not in text
        assert "<svg" not in response.content.decode()
    assert AuditEvent.objects.count() == records  # no export was made or audited


def test_a_page_costs_the_same_few_queries_for_ten_or_sixty_patients(rivera, clinic) -> None:
    client = login(Client(), rivera)
    client.get(reverse(URL))  # the session and the user are read once before counting
    counts = []
    for n in (10, 50):
        _clinic_of(clinic, n, responders=n // 2)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(URL), {"breakdown": "year"}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 12


def test_who_may_see_the_clinic_outcomes(staff, clinic, charlie, other_clinic) -> None:
    _clinic_of(clinic, 2, responders=1)
    _clinic_of(other_clinic, 3, responders=3)
    for role, status in (
        (Role.ADMIN, 200),
        (Role.PHYSICIAN, 200),
        (Role.NURSE, 403),
        (Role.FRONT_DESK, 403),
    ):
        response = login(Client(), staff[role]).get(reverse(URL))
        assert response.status_code == status, role
    # Another clinic's series are never counted.
    text = _text(login(Client(), staff[Role.PHYSICIAN]).get(reverse(URL)))
    assert "50% (1 of 2" in text
    assert "of 5" not in text


# ------------------------------------------------------------------ export

DISTINCTIVE = [
    {
        "given_name": "Zebediah",
        "family_name": "Quackenbush",
        "date_of_birth": dt.date(1931, 2, 14),  # 95 at the series: shown as 90+
        "phone": "(602) 555-0199",
        "email": "zebediah.quackenbush@example.org",
        "address_line": "4417 Saguaro Blossom Lane",
        "city": "Tumbleweed Junction",
        "region": "Arizona",
        "postal_code": "85399",
    },
    {
        "given_name": "Philippa",
        "family_name": "Wrexham-Ogilvy",
        "date_of_birth": dt.date(1983, 7, 29),
        "phone": "(480) 555-0177",
        "email": "pwo83@example.net",
        "address_line": "12 Ocotillo Court",
        "city": "Cactus Flats",
        "region": "Arizona",
        "postal_code": "85288",
    },
]


def _export(client: Client, **query: str) -> tuple[Any, list[dict[str, str]]]:
    response = client.get(reverse(EXPORT), query)
    body = response.content.decode()
    return response, list(csv.DictReader(io.StringIO(body)))


#: The server's secret and the patients' codes are fixed so that the shifts are known: with
#: random ones a shifted date could, by chance, equal another real date of the test.
SECRET = "a fixed secret key for the export test, long enough to be one"
CODES = ("5d0b8f7e-2c44-4b0e-9a3e-0f1c2d3e4f50", "7a9c1e2b-3d4f-4a5b-8c6d-7e8f9a0b1c2d")


def test_the_deidentified_export_holds_none_of_the_safe_harbor_identifiers(
    alice, clinic, settings
) -> None:
    settings.SECRET_KEY = SECRET
    patients = [
        make_patient(clinic, code=uuid.UUID(code), **values)
        for code, values in zip(CODES, DISTINCTIVE, strict=True)
    ]
    real_days = set()
    for i, patient in enumerate(patients):
        first = dt.date(2026, 4, 6) + dt.timedelta(days=3 * i)
        _series(patient, 1, first_day=first)
        _series(patient, 2, first_day=first + dt.timedelta(days=70), booster=True)
        real_days |= {first, first + dt.timedelta(days=11)}
        real_days |= {first + dt.timedelta(days=70), first + dt.timedelta(days=81)}
    client = login(Client(), alice)
    response, rows = _export(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    forbidden = [str(p.code) for p in patients] + [p.chart_number for p in patients]
    for values in DISTINCTIVE:
        for key, value in values.items():
            if key == "region":
                continue  # a state is allowed by Safe Harbor; the export has no geography
            forbidden.append(value.isoformat() if isinstance(value, dt.date) else str(value))
        forbidden.append(re.sub(r"\D", "", str(values["phone"])))
    forbidden += ["Arizona", "Tumbleweed", "85399", "Saguaro"]
    # A shifted date may by chance fall on another series' real day (shifts are random, up
    # to a year either way): such a value is a shifted date, not a real one leaking.
    shifted = {v for row in rows for k, v in row.items() if k.endswith("_shifted")}
    forbidden += [d.isoformat() for d in real_days if d.isoformat() not in shifted]
    forbidden += [f"{d:%m/%d/%Y}" for d in real_days] + [f"{d:%d/%m/%Y}" for d in real_days]
    for value in forbidden:
        assert value not in body, value
    assert len(rows) == 4
    by_patient: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_patient.setdefault(row["pseudonym"], []).append(row)
    assert len(by_patient) == 2
    keys = {p.pk: ResearchKey.objects.get(patient=p) for p in patients}
    zeb = by_patient[keys[patients[0].pk].pseudonym]
    assert {r["age_at_start"] for r in zeb} == {"90+"}
    philippa = by_patient[keys[patients[1].pk].pseudonym]
    assert {r["age_at_start"] for r in philippa} == {"42"}
    # One consistent shift per patient: the 70 days between the series survive.
    for patient in patients:
        group = by_patient[keys[patient.pk].pseudonym]
        firsts = sorted(dt.date.fromisoformat(r["first_day_shifted"]) for r in group)
        assert (firsts[1] - firsts[0]).days == 70
        real = SeriesOutcome.objects.get(patient=patient, series_number=1).first_day
        assert firsts[0] == real + dt.timedelta(days=keys[patient.pk].shift_days)
        assert firsts[0] != real  # never the series' own real day (the shift is never 0)
    # The audit record: who, the filters, how many rows, de-identified.
    event = AuditEvent.objects.filter(action=Action.LIST).latest("pk")
    assert event.actor_username == "alice"
    assert event.changes["rows"] == 4
    assert event.changes["deidentified"] is True
    assert event.changes["filters"]["kind"] == "all"
    assert "patients" not in event.changes


def test_the_pseudonym_and_shift_are_random_kept_and_drawn_once(clinic) -> None:
    patients = [make_patient(clinic, family_name=f"Key{i}") for i in range(40)]
    ids = [p.pk for p in patients]
    first = keys_for(ids)
    again = keys_for(ids)
    assert {pk: (k.pseudonym, k.shift_days) for pk, k in first.items()} == {
        pk: (k.pseudonym, k.shift_days) for pk, k in again.items()
    }
    assert ResearchKey.objects.filter(patient_id__in=ids).count() == 40
    shifts = {k.shift_days for k in first.values()}
    assert 0 not in shifts
    assert all(-365 <= s <= 365 for s in shifts)
    assert len(shifts) > 20  # spread, not one offset for all
    assert len({k.pseudonym for k in first.values()}) == 40
    for patient in patients:  # nothing of the patient in their pseudonym
        pseudonym = first[patient.pk].pseudonym
        assert str(patient.code)[:8] not in pseudonym
        assert str(patient.pk) != pseudonym.removeprefix("P-")
    assert age_group(dt.date(1936, 5, 2), dt.date(2026, 5, 1)) == "89"
    assert age_group(dt.date(1936, 5, 2), dt.date(2026, 5, 2)) == "90+"


def test_only_clinicians_export_names_and_the_record_names_the_patients(
    alice, rivera, clinic
) -> None:
    patient = make_patient(clinic, **DISTINCTIVE[1])
    _series(patient)
    admin = login(Client(), alice)
    records = AuditEvent.objects.count()
    refused = admin.get(reverse(EXPORT), {"identified": "1"})
    assert refused.status_code == 403
    assert AuditEvent.objects.count() == records
    response, rows = _export(login(Client(), rivera), identified="1", group="crps")
    assert response.status_code == 200
    assert rows[0]["family_name"] == "Wrexham-Ogilvy"
    assert rows[0]["first_day"] == "2026-03-02"
    event = AuditEvent.objects.filter(action=Action.LIST).latest("pk")
    assert event.changes["deidentified"] is False
    assert event.changes["patients"] == [str(patient.code)]
    assert event.changes["filters"]["group"] == "crps"
    assert "identified, 1 series" in event.summary


def test_a_nurse_cannot_export(nina) -> None:
    assert login(Client(), nina).get(reverse(EXPORT)).status_code == 403


def test_other_clinics_rows_stay_out_of_the_export(rivera, other_clinic) -> None:
    stranger = make_patient(other_clinic, family_name="Elsewhere")
    _series(stranger)
    make_user(other_clinic, "otherdoc", Role.PHYSICIAN)
    _, rows = _export(login(Client(), rivera), identified="1")
    assert rows == []
    assert User.objects.filter(username="otherdoc").exists()
