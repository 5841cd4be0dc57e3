"""Portal invitations (issue 10 #8): invite, resend, revoke, accept; audited, single use."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import login, make_patient, new_key, submit
from ketaclinic.invitations import services
from ketaclinic.invitations.models import Invitation
from ketaclinic.patients.models import Patient

NEW_PASSWORD = "a long and quiet river at dusk"


@pytest.fixture
def grace(clinic: Any) -> Patient:
    return make_patient(
        clinic,
        given_name="Grace",
        family_name="Hopper",
        phone="(602) 555-0123",
        email="grace@example.org",
    )


def _main(html: str) -> str:
    return html[html.index("<main") :]


def _link(token: str) -> str:
    return f"http://testserver{reverse('invitations:welcome')}?token={token}"


def _invite(actor: User, patient: Patient, capture: Any) -> str:
    """Invite through the service; return the link in the email."""
    with capture(execute=True):
        services.invite(actor, patient, link=_link)
    return _link_in(mail.outbox[-1].body)


def _link_in(body: Any) -> str:
    found = re.search(r"http://testserver(/welcome/\?token=[\w-]+)", str(body))
    assert found, body
    return found.group(1)


def _accept(client: Client, link: str, **changes: str) -> Any:
    client.get(link)  # the token moves into the session
    page = client.get(reverse("invitations:welcome"))
    assert page.status_code == 200
    values = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD} | changes
    return submit(client, reverse("invitations:welcome"), values)


# ------------------------------------------------------------------ staff invite


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.NURSE, Role.PHYSICIAN, Role.ADMIN])
def test_every_staff_role_invites_from_the_page_and_it_is_audited(
    role, staff, grace, django_capture_on_commit_callbacks
) -> None:
    user = staff[role]
    client = login(Client(), user)
    url = reverse("invitations:portal_access", args=[grace.code])
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, url, {})
    assert response.status_code == 302
    invitation = Invitation.objects.get(patient=grace)
    assert (invitation.email, invitation.invited_by, invitation.send_count) == (
        "grace@example.org",
        user,
        1,
    )
    assert invitation.expires_at - invitation.created_at == Invitation.lifetime()
    (email,) = mail.outbox
    assert email.to == ["grace@example.org"]
    token = _link_in(email.body).split("token=")[1]
    assert Invitation.hash_token(token) == invitation.token_hash
    assert token not in str(Invitation.objects.values().get()), "only the hash is stored"
    event = AuditEvent.objects.get(action=Action.CREATE, object_code=str(invitation.code))
    assert (event.actor_username, event.patient_code) == (user.username, str(grace.code))
    assert token not in str(event.changes)
    page = client.get(url).content.decode()
    assert "Invited, not yet set up" in page
    assert "Invitation emailed to grace@example.org" in page


def test_the_invitation_form_is_sent_once(desmond, grace, django_capture_on_commit_callbacks):
    client = login(Client(), desmond)
    url = reverse("invitations:portal_access", args=[grace.code])
    from ketaclinic.conftest import form_values

    values = form_values(client.get(url).content.decode())
    assert values["form_token"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, values)
        client.post(url, values)  # a double click
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_no_invitation_without_an_email_or_for_an_active_account(desmond, ada, clinic) -> None:
    nobody = make_patient(clinic, given_name="No", family_name="Mail", email="")
    client = login(Client(), desmond)
    page = submit(client, reverse("invitations:portal_access", args=[nobody.code]), {})
    assert "There is no email address" in page.content.decode()
    assert not Invitation.objects.exists()
    with pytest.raises(Exception, match="already has a portal account"):
        services.invite(desmond, ada, link=_link)


def test_a_second_open_invitation_is_refused(desmond, grace, django_capture_on_commit_callbacks):
    _invite(desmond, grace, django_capture_on_commit_callbacks)
    with pytest.raises(Exception, match="invited already"):
        services.invite(desmond, grace, link=_link)


def test_resend_replaces_the_link_and_revoke_stops_it(
    desmond, nina, grace, django_capture_on_commit_callbacks
) -> None:
    first = _invite(desmond, grace, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    client = login(Client(), nina)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invitations:resend", args=[grace.code, invitation.code]))
    assert response.status_code == 302
    second = _link_in(mail.outbox[-1].body)
    assert second != first
    invitation.refresh_from_db()
    assert (invitation.send_count, invitation.sent_by) == (2, nina)
    assert "This link does not work" in _accept(Client(), first).content.decode()
    client.post(reverse("invitations:revoke", args=[grace.code, invitation.code]))
    invitation.refresh_from_db()
    assert invitation.revoked_by == nina
    assert "This link does not work" in _accept(Client(), second).content.decode()
    summaries = list(
        AuditEvent.objects.filter(object_code=str(invitation.code))
        .order_by("pk")
        .values_list("summary", flat=True)
    )
    assert summaries[0].startswith("Portal invitation sent")
    assert "Portal invitation sent again; the earlier link no longer works" in summaries
    assert "Portal invitation revoked" in summaries
    assert not User.objects.filter(role=Role.PATIENT).exists()


def test_a_failed_email_is_marked_and_audited(
    desmond, grace, settings, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_BACKEND = "ketaclinic.invitations.tests.failing_mail.Backend"
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(desmond, grace, link=_link)
    invitation = Invitation.objects.get()
    assert invitation.email_failed_at is not None
    assert invitation.state() == "not_sent"
    assert AuditEvent.objects.filter(
        object_code=str(invitation.code), summary="Portal invitation email could not be sent"
    ).exists()
    page = login(Client(), desmond).get(reverse("invitations:portal_access", args=[grace.code]))
    assert "Invitation email not sent" in page.content.decode()


# ------------------------------------------------------------------ the patient accepts


def test_the_patient_sets_a_password_and_lands_in_the_portal(
    desmond, grace, django_capture_on_commit_callbacks
) -> None:
    link = _invite(desmond, grace, django_capture_on_commit_callbacks)
    client = Client()
    opened = client.get(link)
    assert opened.status_code == 302
    assert opened["Location"] == reverse("invitations:welcome"), "the token leaves the address"
    page = client.get(reverse("invitations:welcome")).content.decode()
    assert "Welcome, Grace" in page
    assert "Hopper" not in page
    response = _accept(client, link, username="grace.h")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:intake")
    grace.refresh_from_db()
    user = grace.portal_user
    assert user is not None
    assert (user.username, user.role, user.clinic_id, user.email) == (
        "grace.h",
        Role.PATIENT,
        grace.clinic_id,
        "grace@example.org",
    )
    assert user.check_password(NEW_PASSWORD)
    invitation = Invitation.objects.get()
    assert (invitation.account, invitation.accepted_at is not None) == (user, True)
    assert client.get(reverse("portal:intake")).status_code == 200, "signed in"
    trail = set(
        AuditEvent.objects.filter(patient_code=str(grace.code)).values_list("summary", flat=True)
    )
    assert {
        "Portal invitation link opened",
        "Portal account linked",
        "Portal invitation accepted: the patient set a password",
    } <= trail
    assert AuditEvent.objects.filter(action=Action.CREATE, object_code=str(user.code)).exists()
    # Single use: the same link again does nothing.
    again = _accept(Client(), link, username="grace.again")
    assert "This link does not work" in again.content.decode()
    assert User.objects.filter(role=Role.PATIENT).count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password": "short", "password_again": "short"}, "password", "too short"),
        (
            {"password": "grace.hopper.example", "password_again": "grace.hopper.example"},
            "password",
            "too similar",
        ),
        ({"password_again": "something else entirely"}, "password_again", "differ"),
        ({"username": "desmond"}, "username", "taken"),
    ],
)
def test_a_weak_password_or_a_taken_username_keeps_the_link_working(
    desmond, grace, django_capture_on_commit_callbacks, changes, field, message
) -> None:
    link = _invite(desmond, grace, django_capture_on_commit_callbacks)
    client = Client()
    response = _accept(client, link, **({"username": "grace"} | changes))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in html, html
    assert message in html
    grace.refresh_from_db()
    assert grace.portal_user is None
    ok = submit(
        client,
        reverse("invitations:welcome"),
        {"username": "grace"} | {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert ok.status_code == 302


def test_an_expired_link_reveals_nothing(desmond, grace, django_capture_on_commit_callbacks):
    link = _invite(desmond, grace, django_capture_on_commit_callbacks)
    later = timezone.now() + Invitation.lifetime()
    with time_machine.travel(later, tick=False):
        client = Client()
        client.get(link)
        html = client.get(reverse("invitations:welcome")).content.decode()
    assert "This link does not work" in html
    assert "Grace" not in html
    assert "Hopper" not in html
    unknown = Client()
    unknown.get(f"{reverse('invitations:welcome')}?token=nonsense")
    # The same page, whatever was wrong with the link (but for the CSRF token).
    same = unknown.get(reverse("invitations:welcome")).content.decode()
    assert _main(same) == _main(html)
    assert AuditEvent.objects.filter(summary="Portal invitation link refused").count() == 2


def test_wrong_links_lock_out_the_address_not_the_patient(
    desmond, grace, settings, django_capture_on_commit_callbacks
) -> None:
    link = _invite(desmond, grace, django_capture_on_commit_callbacks)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(settings.AXES_FAILURE_LIMIT):
        attacker.get(f"{reverse('invitations:welcome')}?token=guess{n}")
        response = attacker.get(reverse("invitations:welcome"))
    assert response.status_code == 429
    assert "Too many links that did not work" in response.content.decode()
    # Even the right link is refused from that address for a while…
    attacker.get(link)
    assert attacker.get(reverse("invitations:welcome")).status_code == 429
    assert AccessAttempt.objects.filter(ip_address="203.0.113.9").exists()
    # …but the patient, elsewhere, is not locked out, and their invitation still works.
    patient = Client(REMOTE_ADDR="198.51.100.7")
    assert _accept(patient, link, username="grace").status_code == 302


def test_a_signed_in_user_is_asked_to_sign_out_first(
    nina, grace, django_capture_on_commit_callbacks
) -> None:
    link = _invite(nina, grace, django_capture_on_commit_callbacks)
    client = login(Client(), nina)
    client.get(link)
    page = client.get(reverse("invitations:welcome")).content.decode()
    assert "sign out first" in page
    assert "Grace" not in page


# ------------------------------------------------------------------ the API


def test_the_api_invites_resends_and_revokes(
    nina, grace, django_capture_on_commit_callbacks
) -> None:
    client = login(APIClient(), nina)
    url = reverse("api:patient-invitations", args=[grace.code])
    refused = client.post(url, {}, format="json")
    assert refused.status_code == 400
    assert "Idempotency-Key" in refused.json()
    key = new_key()
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(url, {}, format="json", headers=key)
        replayed = client.post(url, {}, format="json", headers=key)
    assert created.status_code == 201, created.json()
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert len(mail.outbox) == 1
    body = created.json()
    assert (body["state"], body["email"], body["invited_by"]) == (
        "invited",
        "grace@example.org",
        "nina",
    )
    assert "token" not in str(body)
    assert "token_hash" not in body
    code = body["code"]
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(
            reverse("api:patient-invitation-resend", args=[grace.code, code]), {}, format="json"
        )
    assert (resent.status_code, resent.json()["send_count"]) == (200, 2)
    assert len(mail.outbox) == 2
    revoked = client.delete(reverse("api:patient-invitation", args=[grace.code, code]))
    assert (revoked.status_code, revoked.json()["state"]) == (200, "revoked")
    listed = client.get(url).json()
    assert [i["state"] for i in listed] == ["revoked"]
    again = client.post(
        reverse("api:patient-invitation-resend", args=[grace.code, code]), {}, format="json"
    )
    assert again.status_code == 400


def test_another_clinic_cannot_see_or_touch_invitations(
    charlie, desmond, grace, django_capture_on_commit_callbacks
) -> None:
    _invite(desmond, grace, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    client = login(APIClient(), charlie)
    assert client.get(reverse("api:patient-invitations", args=[grace.code])).status_code == 404
    response = client.delete(reverse("api:patient-invitation", args=[grace.code, invitation.code]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_open


def test_patients_cannot_invite(ada, grace) -> None:
    client = login(APIClient(), ada.portal_user)
    url = reverse("api:patient-invitations", args=[grace.code])
    assert client.post(url, {}, format="json", headers=new_key()).status_code == 403
