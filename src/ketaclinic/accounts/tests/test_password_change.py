"""Changing one's own password: current one first (counted by the lockout), tokens revoked."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from ketaclinic.accounts.models import ApiToken, RevokeReason, User
from ketaclinic.accounts.services import issue_api_token
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db

URL = "/accounts/password/"
NEW = "a new and quite long passphrase"


def _form(current: str, new: str = NEW, again: str | None = None) -> dict[str, str]:
    return {"current_password": current, "new_password": new, "new_password_again": again or new}


def _failures(username: str) -> int:
    return sum(a.failures_since_start for a in AccessAttempt.objects.filter(username=username))


def test_it_changes_the_password_revokes_tokens_and_keeps_this_session(nina: User) -> None:
    client = login(Client(), nina)
    _, key = issue_api_token(nina, name="lab")
    other_session = login(Client(), nina)
    assert reverse("accounts:password") == URL
    response = client.post(URL, _form(PASSWORD))
    assert response.status_code == 302
    nina.refresh_from_db()
    assert nina.check_password(NEW)
    assert not nina.check_password(PASSWORD)
    token = ApiToken.objects.get(user=nina)
    assert token.revoked_reason == RevokeReason.PASSWORD_CHANGE
    assert AuditEvent.objects.filter(action=Action.TOKEN_REVOKE, object_code=token.code).exists()
    changed = AuditEvent.objects.get(action=Action.PASSWORD_CHANGE)
    assert changed.actor_username == "nina"
    assert changed.changes == {"api_tokens_revoked": 1}
    assert NEW not in str(changed.changes) + changed.summary
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/me/").status_code == 401
    # This session stays signed in (and verified); the other one has ended.
    page = client.get(reverse("patients:list"))
    assert page.status_code == 200
    assert "Your password has been changed. 1 API token stopped working." in page.content.decode()
    assert other_session.get(reverse("patients:list")).status_code == 302


def test_a_wrong_current_password_is_refused_and_counted_by_the_lockout(nina: User) -> None:
    client = login(Client(), nina)
    issue_api_token(nina)
    response = client.post(URL, _form("not my password"))
    assert response.status_code == 200
    assert "That is not your current password." in response.content.decode()
    nina.refresh_from_db()
    assert nina.check_password(PASSWORD)
    assert _failures("nina") == 1
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor_username="nina").exists()
    assert not AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE).exists()
    assert ApiToken.objects.active().filter(user=nina).count() == 1
    for _ in range(4):
        client.post(URL, _form("still not it"))
    assert _failures("nina") == 5
    locked = client.post(URL, _form(PASSWORD))  # even the right one, once locked out
    assert locked.status_code == 429
    nina.refresh_from_db()
    assert nina.check_password(PASSWORD)
    fresh = Client().post(reverse("accounts:login"), {"username": "nina", "password": PASSWORD})
    assert fresh.status_code == 429


@pytest.mark.parametrize(
    ("new", "again", "field", "message"),
    [
        (NEW, NEW + "x", "new_password_again", "The two new passwords differ"),
        ("short1", "short1", "new_password", "too short"),
        ("password1234", "password1234", "new_password", "too common"),
        (PASSWORD, PASSWORD, "new_password", "not the current one"),
    ],
)
def test_it_refuses_a_new_password_that_breaks_a_rule(
    nina: User, new: str, again: str, field: str, message: str
) -> None:
    client = login(Client(), nina)
    response = client.post(URL, _form(PASSWORD, new, again))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    nina.refresh_from_db()
    assert nina.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE).exists()


def test_a_patient_changes_their_password_too(ada) -> None:
    client = login(Client(), ada.portal_user)
    assert client.get(URL).status_code == 200
    assert client.post(URL, _form(PASSWORD)).status_code == 302
    ada.portal_user.refresh_from_db()
    assert ada.portal_user.check_password(NEW)


def test_a_password_alone_cannot_change_the_password(nina: User) -> None:
    client = Client()
    client.post(reverse("accounts:login"), {"username": "nina", "password": PASSWORD})
    response = client.post(URL, _form(PASSWORD))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor"))
    nina.refresh_from_db()
    assert nina.check_password(PASSWORD)
