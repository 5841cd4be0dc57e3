"""Personas and builders for the Django tests (healthchecks' hc/test.py, as pytest fixtures).

Alice is the clinic admin, Dr Rivera prescribes, Nina nurses, Desmond works the
front desk, Ada and Ben are patients with portal accounts. Charlie is a nurse at
*another* clinic and must never see anything of this one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Role
from ketaclinic.patients.models import Condition, Patient, Sex

PASSWORD = "correct horse battery staple"  # noqa: S105 (test persona)


@pytest.fixture(autouse=True, scope="session")
def _fast_hasher() -> None:
    # For speed: Argon2 is deliberately slow (healthchecks' CustomRunner does the same).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(clinic: Clinic, username: str, role: str, *, totp: bool = True) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role, clinic=clinic)
    if totp and role != Role.PATIENT:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def make_patient(clinic: Clinic, **overrides: Any) -> Patient:
    values: dict[str, Any] = {
        "clinic": clinic,
        "chart_number": f"KC-{Patient.objects.count() + 1:06d}",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": dt.date(1975, 12, 10),
        "sex": Sex.FEMALE,
        "phone": "(480) 555-0101",
    }
    values.update(overrides)
    patient = Patient(**values)
    patient.save()
    return patient


def login(client: Client, user: User) -> Client:
    """Sign ``user`` in; staff also count as having passed two-factor."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def token_client(user: User) -> APIClient:
    """An API client that sends a freshly issued token of ``user``."""
    from ketaclinic.accounts.services import issue_api_token

    _, key = issue_api_token(user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def clinic(db: None) -> Clinic:
    return Clinic.objects.create(name="Desert Sky")


@pytest.fixture
def other_clinic(db: None) -> Clinic:
    return Clinic.objects.create(name="Elsewhere")


@pytest.fixture
def alice(clinic: Clinic) -> User:
    return make_user(clinic, "alice", Role.ADMIN)


@pytest.fixture
def rivera(clinic: Clinic) -> User:
    return make_user(clinic, "rivera", Role.PHYSICIAN)


@pytest.fixture
def nina(clinic: Clinic) -> User:
    return make_user(clinic, "nina", Role.NURSE)


@pytest.fixture
def desmond(clinic: Clinic) -> User:
    return make_user(clinic, "desmond", Role.FRONT_DESK)


@pytest.fixture
def charlie(other_clinic: Clinic) -> User:
    return make_user(other_clinic, "charlie", Role.NURSE)


@pytest.fixture
def ada(clinic: Clinic) -> Patient:
    patient = make_patient(clinic)
    Condition.objects.create(patient=patient, icd10_code="G90.521", description="CRPS I, right leg")
    patient.portal_user = make_user(clinic, "ada", Role.PATIENT)
    patient.save()
    return patient


@pytest.fixture
def ben(clinic: Clinic) -> Patient:
    patient = make_patient(
        clinic,
        given_name="Ben",
        family_name="Okafor",
        sex=Sex.MALE,
        date_of_birth=dt.date(1962, 3, 4),
        phone="(480) 555-0199",
    )
    patient.portal_user = make_user(clinic, "ben", Role.PATIENT)
    patient.save()
    return patient


@pytest.fixture
def staff(alice: User, rivera: User, nina: User, desmond: User) -> dict[str, User]:
    return {Role.ADMIN: alice, Role.PHYSICIAN: rivera, Role.NURSE: nina, Role.FRONT_DESK: desmond}
