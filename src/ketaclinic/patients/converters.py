"""Typed converters at the edge of the core: chart rows in, ``ketacore`` objects out.

No ``dict`` crosses from the ORM into the core: a patient's covariates become
``ketacore.pk.Patient`` here, with the date the weight was measured.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from ketaclinic.patients.models import BodyMeasurement, EntryStatus, Patient
from ketacore import pk

__all__ = ["age_on", "dosing_patient", "latest_weight"]


def latest_weight(patient: Patient, *, on: dt.date) -> BodyMeasurement | None:
    """The patient's newest weight measured on or before ``on`` (entries in error ignored)."""
    return (
        BodyMeasurement.objects.filter(
            patient=patient, weight_kg__isnull=False, measured_on__lte=on
        )
        .exclude(status=EntryStatus.ENTERED_IN_ERROR)
        .order_by("-measured_on", "-recorded_at", "-pk")
        .first()
    )


def age_on(patient: Patient, on: dt.date) -> int:
    """Completed years of age on ``on``."""
    born = patient.date_of_birth
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def dosing_patient(patient: Patient, *, on: dt.date) -> pk.Patient:
    """The PK engine's patient: the latest dated weight, the age, the weight's date.

    Raises:
        ValidationError: On ``weight_kg`` when no weight is recorded by ``on``.
    """
    weight = latest_weight(patient, on=on)
    if weight is None or weight.weight_kg is None:
        raise ValidationError({"weight_kg": "weight_kg: no weight is recorded; weigh the patient"})
    return pk.Patient(
        weight_kg=float(weight.weight_kg),
        age_years=float(age_on(patient, on)),
        weight_measured_on=weight.measured_on,
    )
