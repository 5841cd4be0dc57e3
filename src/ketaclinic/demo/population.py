"""The synthetic patients: names, diagnoses and medicines weighted as clinics describe them."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    Medication,
    Patient,
    Sex,
)
from ketaclinic.patients.validation import search_key
from ketacore.icd10 import describe

__all__ = ["bulk_patients", "in_batches"]

# Primary diagnoses, weighted roughly as the seeds name them (diabetic neuropathy
# is "the most common cause", seed 002), with the meds typically tried first.
_PROFILES: tuple[tuple[int, str, str | None, tuple[str, ...]], ...] = (
    (20, "E11.42", None, ("metformin", "pregabalin", "duloxetine")),
    (5, "E10.42", None, ("insulin glargine", "gabapentin")),
    (10, "B02.29", "Postherpetic neuralgia", ("gabapentin", "lidocaine 5% patch")),
    (12, "G90.521", None, ("gabapentin", "amitriptyline")),
    (4, "G90.511", None, ("pregabalin", "nortriptyline")),
    (6, "G54.6", None, ("gabapentin", "tramadol")),
    (8, "G62.0", "Chemotherapy-induced peripheral neuropathy", ("duloxetine",)),
    (6, "M79.2", "Central neuropathic pain in multiple sclerosis", ("gabapentin", "baclofen")),
    (5, "G63", "HIV-associated sensory neuropathy", ("pregabalin", "dolutegravir")),
    (10, "M54.16", None, ("gabapentin", "ibuprofen", "cyclobenzaprine")),
    (4, "G56.00", None, ("ibuprofen", "gabapentin")),
    (5, "G60.9", "Idiopathic small-fibre neuropathy", ("nortriptyline",)),
    (5, "G50.0", None, ("carbamazepine",)),
)
_COMORBIDITIES = (
    ("I10", "lisinopril"),
    ("E03.9", "levothyroxine"),
    ("F32.A", "sertraline"),
    ("F41.1", "lorazepam"),
    ("I25.10", "atorvastatin"),
)
_ALLERGIES = (
    ("Penicillin", "Rash"),
    ("Sulfonamides", "Hives"),
    ("Latex", "Itching"),
    ("Codeine", "Nausea"),
)
_GIVEN_F = (
    "Ada",
    "Maria",
    "Grace",
    "Lucia",
    "Amara",
    "Hannah",
    "Priya",
    "Mei",
    "Olivia",
    "Rosa",
    "Fatima",
    "Ingrid",
    "Chloe",
    "Nadia",
    "Elise",
    "Yara",
    "June",
    "Leah",
    "Noor",
    "Irene",
)
_GIVEN_M = (
    "Ben",
    "Carlos",
    "David",
    "Ethan",
    "Farid",
    "George",
    "Hiro",
    "Isaac",
    "Jamal",
    "Kofi",
    "Liam",
    "Mateo",
    "Nikolai",
    "Omar",
    "Pavel",
    "Quentin",
    "Rafael",
    "Tomas",
    "Victor",
    "Wei",
)
_FAMILY = (
    "Abbott",
    "Baptiste",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fontaine",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Mensah",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quinn",
    "Romero",
    "Schultz",
    "Tanaka",
    "Usman",
    "Vasquez",
    "Whitfield",
    "Xu",
    "Yilmaz",
    "Zamora",
    "Novak",
    "Moreau",
    "Byrne",
    "Ahmadi",
)


def in_batches(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size


def bulk_patients(
    clinic: Clinic, nurse: User, rng: random.Random, *, start: int, count: int
) -> None:
    today = timezone.localdate()
    weights = [p[0] for p in _PROFILES]
    rows: list[tuple[Patient, tuple[int, str, str | None, tuple[str, ...]]]] = []
    for i in range(start, start + count):
        female = rng.random() < 0.55
        given = rng.choice(_GIVEN_F if female else _GIVEN_M)
        family = rng.choice(_FAMILY)
        if start == 0 and i < 2:  # the two portal patients get memorable names
            given, family, female = (
                ("Ada", "Lovelace", True) if i == 0 else ("Ben", "Okafor", False)
            )
        age = rng.randint(24, 82)
        born = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        phone = f"(480) 555-{rng.randint(0, 9999):04d}"
        patient = Patient(
            clinic=clinic,
            chart_number=f"KC-{i + 1:06d}",
            given_name=given,
            family_name=family,
            date_of_birth=born,
            sex=Sex.FEMALE if female else Sex.MALE,
            phone=phone,
            email=f"{search_key(given)}.{search_key(family)}{i}@example.org",
            city=rng.choice(("Scottsdale", "Phoenix", "Tempe", "Mesa", "Chandler")),
            region="AZ",
            pain_onset_date=today - dt.timedelta(days=rng.randint(120, 3650)),
        )
        patient.refresh_search_columns()  # bulk_create skips save()
        rows.append((patient, rng.choices(_PROFILES, weights)[0]))
    Patient.objects.bulk_create([p for p, _ in rows])
    conditions, medications, allergies, measurements = [], [], [], []
    for patient, (_, code, description, meds) in rows:
        conditions.append(
            Condition(
                patient=patient,
                recorded_by=nurse,
                icd10_code=code,
                description=description or describe(code) or "",
                is_primary_pain_diagnosis=True,
                onset_date=patient.pain_onset_date,
            )
        )
        medications += [Medication(patient=patient, recorded_by=nurse, name=m) for m in meds]
        if rng.random() < 0.45:
            extra_code, extra_med = rng.choice(_COMORBIDITIES)
            conditions.append(
                Condition(
                    patient=patient,
                    recorded_by=nurse,
                    icd10_code=extra_code,
                    description=describe(extra_code) or "",
                )
            )
            medications.append(Medication(patient=patient, recorded_by=nurse, name=extra_med))
        if rng.random() < 0.3:
            substance, reaction = rng.choice(_ALLERGIES)
            allergies.append(
                Allergy(
                    patient=patient,
                    recorded_by=nurse,
                    substance=substance,
                    reaction=reaction,
                    severity=Allergy.Severity.MODERATE,
                )
            )
        height = Decimal(
            rng.randint(152, 193) if patient.sex == Sex.MALE else rng.randint(147, 180)
        )
        measurements.append(
            BodyMeasurement(
                patient=patient,
                recorded_by=nurse,
                weight_kg=Decimal(rng.randint(500, 1200)) / 10,
                height_cm=height,
                measured_on=today - dt.timedelta(days=rng.randint(0, 60)),
            )
        )
    Condition.objects.bulk_create(conditions)
    Medication.objects.bulk_create(medications)
    Allergy.objects.bulk_create(allergies)
    BodyMeasurement.objects.bulk_create(measurements)
