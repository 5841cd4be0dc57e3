"""A synthetic demo clinic: one account per role and N patients whose conditions,
histories and medications reflect clinic practice as described on public clinic websites.
No real person."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Role
from ketaclinic.accounts.services import create_user
from ketaclinic.audit.services import Action, record
from ketaclinic.lib.db import refresh_planner_statistics
from ketaclinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    Medication,
    Patient,
    Sex,
)
from ketaclinic.patients.services import link_portal_account
from ketaclinic.patients.validation import search_key
from ketacore.icd10 import describe

DEMO_PASSWORD = "demo-ketaclinic-2026"  # noqa: S105 (printed on purpose: synthetic demo only)


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    role: str
    first_name: str
    last_name: str
    totp_secret_hex: str  # fixed so the printed key works on every fresh demo


DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.ADMIN, "Alex", "Morgan", "3132333435363738393031323334353637383930"),
    DemoAccount("dr.rivera", Role.PHYSICIAN, "Elena", "Rivera", "4a4b4c4d4e4f50515253545556575859"),
    DemoAccount("nurse.kim", Role.NURSE, "Jordan", "Kim", "5a5b5c5d5e5f60616263646566676869"),
    DemoAccount("desk.lee", Role.FRONT_DESK, "Sam", "Lee", "6a6b6c6d6e6f70717273747576777879"),
)
DEMO_PATIENT_LOGINS = ("patient.ada", "patient.ben")

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


def clinic_is_empty() -> bool:
    return not Clinic.objects.exists()


def load_demo(
    patients: int, *, seed: int = 2026, progress: Callable[[int], None] | None = None
) -> Clinic:
    """Create the demo clinic, its accounts and ``patients`` synthetic patients."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    with transaction.atomic():
        clinic = Clinic.objects.create(name="Desert Sky Ketamine Clinic (demo)", is_demo=True)
        accounts = {a.username: _demo_account(clinic, a) for a in DEMO_ACCOUNTS}
    nurse = accounts["nurse.kim"]
    created = 0
    for batch in _batches(patients, 2000):
        with transaction.atomic():
            _bulk_patients(clinic, nurse, rng, start=created, count=batch)
        created += batch
        if progress:
            progress(batch)
    with transaction.atomic():
        _portal_accounts(clinic, accounts["admin"])
        _demo_screening(clinic, nurse)
        record(
            None,
            Action.BULK_LOAD,
            clinic_id=clinic.pk,
            summary=f"Demo clinic loaded with {patients} synthetic patients",
        )
    refresh_planner_statistics()
    return clinic


def _demo_account(clinic: Clinic, account: DemoAccount) -> User:
    user = create_user(
        None,
        clinic=clinic,
        username=account.username,
        role=account.role,
        password=DEMO_PASSWORD,
        first_name=account.first_name,
        last_name=account.last_name,
        validate=False,
    )
    TOTPDevice.objects.create(
        user=user, name="Demo authenticator", confirmed=True, key=account.totp_secret_hex
    )
    return user


def _portal_accounts(clinic: Clinic, admin: User) -> None:
    for username, patient in zip(
        DEMO_PATIENT_LOGINS, clinic.patients.order_by("pk")[:2], strict=False
    ):
        user = create_user(
            admin,
            clinic=clinic,
            username=username,
            role=Role.PATIENT,
            password=DEMO_PASSWORD,
            first_name=patient.given_name,
            last_name=patient.family_name,
            validate=False,
        )
        link_portal_account(admin, patient, user)


#: A complete intake questionnaire, as the second demo portal patient sent it
#: (their first screening is ready for the physician; the first portal patient
#: starts with an empty one). The tests reuse it.
DEMO_INTAKE: dict[str, dict[str, Any]] = {
    "pain": {"pain_duration_months": 14, "pain_location": "both feet"},
    "treatments": {
        "gabapentinoid": "inadequate_relief",
        "tca_snri": "not_tolerated",
        "opioid": "not_tried",
        "nsaid": "helped",
        "topical": "not_tried",
        "physical_therapy": "inadequate_relief",
        "interventional": "not_tried",
    },
    "health": {
        "hypertension": "none",
        "cardiac": "none",
        "pregnant": "no",
        "breastfeeding": "no",
        "psychosis": "none",
        "active_substance_use": "no",
        "liver_function": "no",
        "raised_icp": "no",
        "raised_iop": "no",
    },
    "medicines": {"no_medications": "yes"},
}
DEMO_INSTRUMENT_ANSWERS: dict[str, dict[str, int]] = {
    "s-lanss": {
        "q1_pins_and_needles": 1,
        "q2_colour_change": 1,
        "q3_sensitive_to_touch": 1,
        "q4_sudden_bursts": 1,
        "q5_hot_burning": 1,
        "q6_rubbing_unpleasant": 1,
        "q7_pressing_numb_tender": 0,
    },
    "bpi-sf": {"q1_worst": 9, "q2_least": 4, "q3_average": 7, "q4_now": 6},
    "phq9": {
        "q1_little_interest": 1,
        "q2_feeling_down": 1,
        "q3_sleep": 1,
        "q4_tired": 1,
        "q5_appetite": 1,
        "q6_feeling_bad_about_self": 1,
        "q7_concentration": 1,
        "q8_slow_or_restless": 1,
        "q9_self_harm_thoughts": 0,
    },
    "gad7": {
        "q1_nervous": 1,
        "q2_cannot_stop_worrying": 0,
        "q3_worrying_too_much": 1,
        "q4_trouble_relaxing": 2,
        "q5_restless": 0,
        "q6_irritable": 1,
        "q7_afraid": 0,
    },
}


def _demo_screening(clinic: Clinic, nurse: User) -> None:
    from ketaclinic.screening import services as screening
    from ketaclinic.screening.models import EnteredVia

    patients = list(clinic.patients.filter(portal_user__isnull=False).order_by("pk")[:2])
    if len(patients) < 2:
        return
    patient = patients[1]
    assert patient.portal_user is not None
    current = screening.start_screening(patient.portal_user, patient)
    for section, answers in DEMO_INTAKE.items():
        screening.save_intake_section(
            patient.portal_user, current, section, answers, via=EnteredVia.PORTAL
        )
    for instrument, answers in DEMO_INSTRUMENT_ANSWERS.items():
        screening.save_instrument_answers(
            patient.portal_user, current, instrument, answers, via=EnteredVia.PORTAL
        )
    screening.submit_intake(patient.portal_user, current)
    screening.add_bp_reading(nurse, current, 132, 84)


def _batches(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size


def _bulk_patients(
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
