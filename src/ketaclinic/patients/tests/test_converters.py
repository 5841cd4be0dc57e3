"""The chart becomes the PK engine's typed patient: the latest dated weight, with its date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ketaclinic.patients import services
from ketaclinic.patients.converters import age_on, dosing_patient
from ketaclinic.patients.models import BodyMeasurement, EntryStatus
from ketacore import pk


def _weigh(nina, patient, kg: str, on: dt.date) -> BodyMeasurement:
    return services.record_measurement(nina, patient, {"weight_kg": Decimal(kg), "measured_on": on})


def test_the_latest_dated_weight_is_used_with_its_date(ada, nina) -> None:
    _weigh(nina, ada, "70.0", dt.date(2026, 1, 5))
    newest = _weigh(nina, ada, "72.5", dt.date(2026, 6, 1))
    _weigh(nina, ada, "68.0", dt.date(2026, 3, 1))  # recorded last, measured earlier
    patient = dosing_patient(ada, on=dt.date(2026, 11, 27))
    assert patient == pk.Patient(
        weight_kg=72.5, age_years=50.0, weight_measured_on=newest.measured_on
    )
    # The PK engine takes it as it is.
    assert pk.get_model("domino").parameters(patient).v1_l > 0


def test_a_weight_entered_in_error_is_never_used(ada, nina) -> None:
    _weigh(nina, ada, "70.0", dt.date(2026, 1, 5))
    wrong = _weigh(nina, ada, "170.0", dt.date(2026, 6, 1))
    services.retire_entry(nina, wrong, status=EntryStatus.ENTERED_IN_ERROR, reason="typo")
    assert dosing_patient(ada, on=dt.date(2026, 11, 27)).weight_kg == 70.0


def test_no_weight_is_refused_by_name(ada) -> None:
    with pytest.raises(ValidationError, match="weight_kg"):
        dosing_patient(ada, on=dt.date(2026, 11, 27))


def test_age_counts_completed_years(ada) -> None:  # born 1975-12-10
    assert age_on(ada, dt.date(2026, 12, 9)) == 50
    assert age_on(ada, dt.date(2026, 12, 10)) == 51
