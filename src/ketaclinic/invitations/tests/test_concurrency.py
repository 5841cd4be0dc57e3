"""One invitation accepted twice at the same moment makes one account (issue 10 #8).

Real threads, each with its own connection, against the real database (SQLite
in WAL mode, or PostgreSQL with DATABASE_URL), as two browser tabs or a double
click meet in the database under several gunicorn workers.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditEvent
from ketaclinic.conftest import at_once, form_values, make_patient
from ketaclinic.invitations import services
from ketaclinic.invitations.models import Invitation
from ketaclinic.patients.models import Patient

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long and quiet river at dusk"


def _invitation(patient: Patient, token: str) -> Invitation:
    now = timezone.now()
    return Invitation.objects.create(
        patient=patient,
        email="grace@example.org",
        token_hash=Invitation.hash_token(token),
        created_at=now,
        sent_at=now,
        expires_at=now + Invitation.lifetime(),
    )


@pytest.fixture
def grace(clinic: Any) -> Patient:
    return make_patient(clinic, given_name="Grace", family_name="Hopper", phone="")


def test_two_acceptances_at_once_make_one_account(grace: Patient) -> None:
    _invitation(grace, "the-token")

    def accept(username: str) -> str:
        try:
            services.accept("the-token", username=username, password=PASSWORD)
        except services.InvitationRefusedError:
            return "refused"
        return "accepted"

    outcomes = at_once(lambda: accept("grace.one"), lambda: accept("grace.two"))
    assert sorted(outcomes) == ["accepted", "refused"]  # type: ignore[type-var]
    assert User.objects.filter(role=Role.PATIENT).count() == 1
    grace.refresh_from_db()
    invitation = Invitation.objects.get()
    assert grace.portal_user is not None
    assert invitation.account == grace.portal_user
    accepted = AuditEvent.objects.filter(
        summary="Portal invitation accepted: the patient set a password"
    )
    assert accepted.count() == 1


def test_two_tabs_sending_the_welcome_form_at_once_make_one_account(grace: Patient) -> None:
    _invitation(grace, "the-token")
    url = reverse("invitations:welcome")
    tabs = []
    for name in ("grace.one", "grace.two"):
        client = Client()
        client.get(f"{url}?token=the-token")
        values = form_values(client.get(url).content.decode())
        values |= {"username": name, "password": PASSWORD, "password_again": PASSWORD}
        tabs.append((client, values))

    def send(client: Client, values: dict[str, Any]) -> int:
        return client.post(url, values).status_code

    statuses = at_once(*[(lambda c=c, v=v: send(c, v)) for c, v in tabs])
    assert sorted(statuses) == [200, 302]  # type: ignore[type-var]
    assert User.objects.filter(role=Role.PATIENT).count() == 1
    grace.refresh_from_db()
    assert grace.portal_user is not None
