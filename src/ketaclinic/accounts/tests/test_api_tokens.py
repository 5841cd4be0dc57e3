"""API tokens: issued only to a verified session, stored hashed, short-lived, revocable.

Each test reads the outcome back from the database (token rows, audit records),
not only the status code.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from ketaclinic.accounts.models import ApiToken, RevokeReason, User
from ketaclinic.accounts.services import issue_api_token
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db

ME = "/api/me/"


def _key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _revocations(token: ApiToken) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.TOKEN_REVOKE, object_code=token.code))


def test_it_issues_a_token_to_a_verified_session_and_keeps_only_its_hash(nina: User) -> None:
    session = login(Client(), nina)
    response = session.post(
        reverse("api:token"), {"name": "lab integration"}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    key = body["key"]
    token = ApiToken.objects.get(code=body["id"])
    assert token.user == nina
    assert token.name == "lab integration"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(v) for v in ApiToken.objects.values().get(pk=token.pk).values()}
    assert token.expires_at - token.created_at == dt.timedelta(hours=8)
    assert dt.datetime.fromisoformat(body["expires_at"]) == token.expires_at
    issued = AuditEvent.objects.get(action=Action.TOKEN_ISSUE, object_code=token.code)
    assert issued.actor_username == "nina"
    assert key not in str(issued.changes) + issued.summary
    assert _key_client(key).get(ME).json()["username"] == "nina"


def test_asking_again_issues_a_second_token_and_both_work(nina: User) -> None:
    session = login(Client(), nina)
    first = session.post(reverse("api:token")).json()["key"]
    second = session.post(reverse("api:token")).json()["key"]
    assert first != second
    assert ApiToken.objects.active().filter(user=nina).count() == 2
    assert _key_client(first).get(ME).status_code == 200
    assert _key_client(second).get(ME).status_code == 200


def test_a_token_cannot_mint_a_token(nina: User) -> None:
    _, key = issue_api_token(nina)
    response = _key_client(key).post(reverse("api:token"))
    assert response.status_code == 403
    assert "cannot be used to get another token" in response.json()["detail"]
    # Not even with a verified session alongside: the token is what authenticated.
    both = login(Client(), nina)
    assert both.post(reverse("api:token"), HTTP_AUTHORIZATION=f"Token {key}").status_code == 403
    assert ApiToken.objects.filter(user=nina).count() == 1
    assert AuditEvent.objects.filter(action=Action.TOKEN_ISSUE).count() == 1


def test_it_refuses_a_token_after_its_absolute_lifetime_even_in_steady_use(
    nina: User, settings
) -> None:
    settings.API_TOKEN_MAX_HOURS = 2
    start = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        token, key = issue_api_token(nina)
        client = _key_client(key)
        for _ in range(2 * 60 // 20 - 1):  # used every 20 minutes: never idle
            clock.shift(dt.timedelta(minutes=20))
            assert client.get(ME).status_code == 200
        clock.move_to(start + dt.timedelta(hours=2))
        refused = client.get(ME)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This token has expired."
    token.refresh_from_db()
    assert token.expires_at == start + dt.timedelta(hours=2)
    assert token.last_used_at == start + dt.timedelta(minutes=100)
    assert not ApiToken.objects.active(start + dt.timedelta(hours=2)).exists()


def test_it_refuses_a_token_left_idle_for_the_session_idle_time(nina: User) -> None:
    start = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        token, key = issue_api_token(nina)
        client = _key_client(key)
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(ME).status_code == 200  # 29 minutes idle: still fine
        clock.shift(dt.timedelta(minutes=29, seconds=59))
        assert client.get(ME).status_code == 200  # idle time counts from the last use
        clock.shift(dt.timedelta(minutes=30))
        refused = client.get(ME)
    assert refused.status_code == 401
    assert "not used for too long" in refused.json()["detail"]
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(minutes=58, seconds=59)
    assert token.revoked_at is None  # lapsed, not revoked


def test_it_notes_a_use_at_most_once_a_minute_and_still_lapses_on_time(nina: User) -> None:
    start = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        token, key = issue_api_token(nina)
        client = _key_client(key)
        assert client.get(ME).status_code == 200
        clock.shift(dt.timedelta(seconds=50))
        assert client.get(ME).status_code == 200  # not written: within a minute of the last
        token.refresh_from_db()
        assert token.last_used_at == start
        clock.shift(dt.timedelta(seconds=10))
        assert client.get(ME).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == start + dt.timedelta(seconds=60)
        # Idle time counts from the last *noted* use: at most a minute early, never late.
        clock.move_to(start + dt.timedelta(seconds=60 + 50))
        assert client.get(ME).status_code == 200
        clock.move_to(start + dt.timedelta(seconds=60, minutes=30))
        assert client.get(ME).status_code == 401


def test_signing_out_revokes_every_token_of_the_user(nina: User, rivera: User) -> None:
    session = login(Client(), nina)
    keys = [session.post(reverse("api:token")).json()["key"] for _ in range(2)]
    _, riveras = issue_api_token(rivera)
    assert session.post(reverse("accounts:logout")).status_code == 302
    for key in keys:
        refused = _key_client(key).get(ME)
        assert refused.status_code == 401
        assert refused.json()["detail"] == "This token has been revoked."
    tokens = list(ApiToken.objects.filter(user=nina))
    assert {t.revoked_reason for t in tokens} == {RevokeReason.SIGN_OUT}
    assert all(len(_revocations(t)) == 1 for t in tokens)
    assert _key_client(riveras).get(ME).status_code == 200  # another user's stay


def test_revoking_through_the_api_stops_that_token_only(nina: User) -> None:
    token, key = issue_api_token(nina, name="lab")
    other, other_key = issue_api_token(nina, name="script")
    client = _key_client(other_key)
    response = client.delete(reverse("api:token-revoke", kwargs={"code": token.code}))
    assert response.status_code == 204
    assert _key_client(key).get(ME).status_code == 401
    assert client.get(ME).status_code == 200
    token.refresh_from_db()
    assert token.revoked_reason == RevokeReason.BY_USER
    assert token.revoked_at is not None
    [event] = _revocations(token)
    assert event.actor_username == "nina"
    assert _revocations(other) == []
    # Once revoked it is no longer listed, so a second revoke finds nothing.
    again = client.delete(reverse("api:token-revoke", kwargs={"code": token.code}))
    assert again.status_code == 404
    assert len(_revocations(token)) == 1


def test_revoking_someone_elses_token_answers_404_and_changes_nothing(
    nina: User, rivera: User, charlie: User
) -> None:
    riveras, key = issue_api_token(rivera)
    for intruder in (nina, charlie):
        api = _key_client(issue_api_token(intruder)[1])
        url = reverse("api:token-revoke", kwargs={"code": riveras.code})
        assert api.delete(url).status_code == 404
        page = login(Client(), intruder)
        url = reverse("accounts:token_revoke", kwargs={"code": riveras.code})
        assert page.post(url).status_code == 404
    riveras.refresh_from_db()
    assert riveras.revoked_at is None
    assert _revocations(riveras) == []
    assert _key_client(key).get(ME).status_code == 200


def test_the_list_shows_only_ones_own_tokens_that_still_work(nina: User, rivera: User) -> None:
    live, key = issue_api_token(nina, name="lab integration")
    revoked, _ = issue_api_token(nina, name="old")
    expired, _ = issue_api_token(nina, name="expired")
    issue_api_token(rivera, name="riveras")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    listing = _key_client(key).get(reverse("api:tokens"))
    assert listing.status_code == 200
    assert [t["id"] for t in listing.json()] == [str(live.code)]
    [row] = listing.json()
    assert row["name"] == "lab integration"
    assert row["prefix"] == key[:8]
    assert "key" not in row
    assert key not in listing.content.decode()


def test_the_tokens_page_lists_and_revokes(nina: User) -> None:
    token, key = issue_api_token(nina, name="lab integration")
    client = login(Client(), nina)
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert "<h2>lab integration</h2>" in page
    assert "Stop this token" in page
    assert str(token.code) in page  # in the form's address only
    assert token.key_hash not in page
    response = client.post(reverse("accounts:token_revoke", kwargs={"code": token.code}))
    assert response.status_code == 302
    assert _key_client(key).get(ME).status_code == 401
    token.refresh_from_db()
    assert token.revoked_reason == RevokeReason.BY_USER
    assert len(_revocations(token)) == 1
    after = client.get(reverse("accounts:tokens")).content.decode()
    assert "<h2>lab integration</h2>" not in after
    assert "no API tokens that still work" in after


def test_the_tokens_page_needs_the_second_factor(nina: User) -> None:
    token, _ = issue_api_token(nina)
    client = Client()
    client.post(reverse("accounts:login"), {"username": "nina", "password": PASSWORD})
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor"))
    revoke = client.post(reverse("accounts:token_revoke", kwargs={"code": token.code}))
    assert revoke.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_of_a_deactivated_user_is_refused(nina: User) -> None:
    _, key = issue_api_token(nina)
    User.objects.filter(pk=nina.pk).update(is_active=False)
    refused = _key_client(key).get(ME)
    assert refused.status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Token nonsense", "Token", "Token a b", "token " + "x" * 43],
)
def test_a_bad_token_header_is_a_401(nina: User, header: str) -> None:
    issue_api_token(nina)
    response = APIClient().get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'
