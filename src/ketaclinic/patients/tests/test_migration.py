"""Phones stored before numbers were checked are brought to the new form (migration 0003)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ketaclinic.patients import access
from ketaclinic.patients.models import Patient

LAST_BEFORE = ("patients", "0002_unicode_search")


@pytest.fixture
def before_e164() -> Iterator[Any]:
    executor = MigrationExecutor(connection)
    executor.migrate([LAST_BEFORE])
    try:
        yield executor.loader.project_state([LAST_BEFORE]).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_stored_phones_get_e164_and_stay_searchable(before_e164: Any, nina: Any) -> None:
    old = before_e164
    clinic = old.get_model("accounts", "Clinic").objects.get(pk=nina.clinic_id)
    old_patient = old.get_model("patients", "Patient")
    for n, (phone, emergency) in enumerate(
        [
            ("480.555.0101", "602 555 0188"),
            ("+44 20 7946 0958", ""),
            ("ask her daughter 555-12", "none"),
            ("", ""),
        ]
    ):
        old_patient.objects.create(
            clinic=clinic,
            code=uuid.uuid4(),
            chart_number=f"KC-{n + 1:06d}",
            given_name=f"Given{n}",
            family_name=f"Family{n}",
            date_of_birth=dt.date(1970, 1, 1),
            sex="female",
            phone=phone,
            emergency_contact_phone=emergency,
            phone_digits="".join(c for c in phone if c.isdigit()),
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = {
        p.chart_number: (p.phone, p.phone_e164, p.phone_digits, p.emergency_contact_phone)
        for p in Patient.objects.all()
    }
    assert rows == {
        "KC-000001": ("(480) 555-0101", "+14805550101", "4805550101", "(602) 555-0188"),
        "KC-000002": ("+44 20 7946 0958", "+442079460958", "2079460958", ""),
        # Kept as typed, digits still searchable, no E.164: nothing is lost.
        "KC-000003": ("ask her daughter 555-12", "", "55512", "none"),
        "KC-000004": ("", "", "", ""),
    }
    assert [p.chart_number for p in access.search_patients(nina, "480 555")] == ["KC-000001"]
    assert [p.chart_number for p in access.search_patients(nina, "55512")] == ["KC-000003"]
