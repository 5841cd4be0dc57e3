"""Personas and builders for the Django tests (healthchecks' hc/test.py, as pytest fixtures).

Alice is the clinic admin, Dr Rivera prescribes, Nina nurses, Desmond works the
front desk, Ada and Ben are patients with portal accounts. Charlie is a nurse at
*another* clinic and must never see anything of this one.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any, TypeVar

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Role
from ketaclinic.patients.models import Condition, Patient, Sex

C = TypeVar("C", bound=Client)

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


def login(client: C, user: User) -> C:
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


def at_once(*calls: Callable[[], object], timeout_s: float = 120) -> list[object]:
    """Run each call in its own thread, released together; return the results in order.

    Each thread has its own database connection (Django's are per thread), so
    the calls meet in the database exactly as concurrent requests do. Any
    exception in a thread fails the test with that exception.
    """
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=timeout_s)
            results[i] = call()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout_s)
    if errors:
        raise errors[0]
    return results


class _FormReader(HTMLParser):
    """Collect what a browser would submit from the first <form method=post> in <main>."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._in_main = self._in_form = self._done = False
        self._select: tuple[str, list[str]] | None = None  # name, its options' values
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self._in_main = self._in_main or tag == "main"
        if (
            tag == "form"
            and self._in_main
            and a.get("method", "").lower() == "post"
            and not self._done
        ):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "option" and self._select is not None:
            self._select[1].append(a.get("value", ""))
            if "selected" in a:
                self.values.setdefault(self._select[0], []).append(a.get("value", ""))
        elif tag == "select" and "name" in a:
            self._select = (a["name"], [])
        elif tag == "textarea" and "name" in a:
            self._textarea = a["name"]
            self.values.setdefault(a["name"], []).append("")
        elif tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.values.setdefault(a["name"], []).append(a.get("value", default))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            name, options = self._select
            if name not in self.values and options:  # nothing selected: the first option
                self.values[name] = [options[0]]
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            current = self.values[self._textarea][-1]
            # A browser drops the newline that opens a textarea's content.
            self.values[self._textarea][-1] = current + (
                data.removeprefix("\n") if not current else data
            )


def form_values(html: str) -> dict[str, Any]:
    """The fields of the page's main POST form as a browser would send them unchanged."""
    reader = _FormReader()
    reader.feed(html)
    return {k: v[0] if len(v) == 1 else v for k, v in reader.values.items()}


def submit(client: Client, url: str, changes: dict[str, Any], **extra: Any) -> Any:
    """Open a form page and send its form with ``changes``, as a person in a browser does.

    The page's hidden fields (the form token, the values an edit started from)
    go with it, as they would.
    """
    page = client.get(url)
    return client.post(url, form_values(page.content.decode()) | changes, **extra)


def new_key() -> dict[str, str]:
    """Headers for an API create: a fresh ``Idempotency-Key``."""
    return {"Idempotency-Key": uuid.uuid4().hex}
