from __future__ import annotations

import datetime as dt

import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import PASSWORD, login
from ketaclinic.screening.models import ScreeningDecision


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_staff_must_pass_totp_before_seeing_patients(nina, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp delays retries after a wrong code
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "nina", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("patients:list"))["Location"] == reverse("accounts:two_factor")
    wrong = client.post(reverse("accounts:two_factor"), {"token": "000000"})
    assert "not right" in wrong.content.decode()
    device = TOTPDevice.objects.get(user=nina)
    client.post(reverse("accounts:two_factor"), {"token": _code(device)})
    assert client.get(reverse("patients:list")).status_code == 200


def test_staff_without_a_device_enrol_first(clinic) -> None:
    from ketaclinic.conftest import make_user

    make_user(clinic, "newbie", "nurse", totp=False)
    client = Client()
    client.post(reverse("accounts:login"), {"username": "newbie", "password": PASSWORD})
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "Set up your authenticator" in page
    assert "<svg" in page
    device = TOTPDevice.objects.get(user__username="newbie")
    client.post(reverse("accounts:two_factor"), {"token": _code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("patients:list")).status_code == 200


def test_it_locks_out_after_repeated_failures(nina) -> None:
    client = Client()
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "nina", "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": "nina", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    failed = AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor_username="nina")
    assert failed.count() >= 5
    assert not any("wrong" in str(e.changes) for e in failed)


def _expiry(client: Client) -> dt.datetime:
    return Session.objects.get(session_key=client.cookies["sessionid"].value).expire_date


def test_it_keeps_a_used_session_alive_writing_it_at_most_once_a_minute(nina) -> None:
    client = login(Client(), nina)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.get(reverse("patients:list")).status_code == 200
        first = _expiry(client)
    assert first == start + dt.timedelta(minutes=30)
    with time_machine.travel(start + dt.timedelta(seconds=40), tick=False):
        assert client.get(reverse("patients:list")).status_code == 200
    assert _expiry(client) == first  # not rewritten within the minute
    for minutes in range(1, 60, 20):  # used every 20 minutes for an hour: still signed in
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("patients:list")).status_code == 200
        assert _expiry(client) == start + dt.timedelta(minutes=minutes + 30)


def test_it_ends_a_session_idle_for_thirty_minutes(nina, settings) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client = login(Client(), nina)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.get(reverse("patients:list")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=29, seconds=50), tick=False):
        assert client.get(reverse("patients:list")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=60), tick=False):
        response = client.get(reverse("patients:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_stores_no_session_for_a_visitor_without_one(db) -> None:
    assert Client().get(reverse("accounts:login")).status_code == 200
    assert not Session.objects.exists()


def _password_only(user: User) -> Client:
    client = Client()
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    return client


def test_every_second_factor_attempt_is_audited(nina) -> None:
    client = _password_only(nina)
    device = TOTPDevice.objects.get(user=nina)
    client.post(reverse("accounts:two_factor"), {"token": "000000"})
    failed = AuditEvent.objects.get(action=Action.OTP_FAILED)
    assert (failed.actor_username, failed.summary) == (
        "nina",
        "Second factor refused: wrong or expired code",
    )
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        client.post(reverse("accounts:two_factor"), {"token": _code(device)})
    assert AuditEvent.objects.get(action=Action.OTP_OK).actor_username == "nina"


def test_a_right_code_during_the_back_off_is_told_to_wait(nina) -> None:
    client = _password_only(nina)
    device = TOTPDevice.objects.get(user=nina)
    client.post(reverse("accounts:two_factor"), {"token": "000000"})
    client.post(reverse("accounts:two_factor"), {"token": "000001"})  # back-off now 2 s
    page = client.post(reverse("accounts:two_factor"), {"token": _code(device)})
    text = page.content.decode()
    assert "Too many wrong codes. Wait" in text
    assert "not right" not in text
    assert AuditEvent.objects.filter(
        action=Action.OTP_FAILED, summary__contains="during the wait"
    ).exists()
    assert client.get(reverse("patients:list")).status_code == 302  # still not through


def test_wrong_signing_passwords_count_toward_the_lockout(ada, rivera) -> None:
    from ketaclinic.screening.tests.helpers import complete_intake

    complete_intake(ada)
    client = login(Client(), rivera)
    url = reverse("screening:sign", args=[ada.code])
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        page = client.post(url, {"decision": "not_a_candidate", "password": "guess"})
        assert "is not your password" in page.content.decode()
    last = client.post(url, {"decision": "not_a_candidate", "password": "guess"})
    assert last.status_code == 429  # the guess that reaches the limit locks the account
    refused = client.post(url, {"decision": "not_a_candidate", "password": PASSWORD})
    assert refused.status_code == 429  # even the right password, while locked
    assert not ScreeningDecision.objects.exists()
    assert AuditEvent.objects.filter(action=Action.SIGN_FAILED).count() == (
        settings.AXES_FAILURE_LIMIT + 1
    )
    assert not AuditEvent.objects.filter(action=Action.LOGIN_FAILED).exists()
    # The lockout covers signing in too.
    locked = Client().post(reverse("accounts:login"), {"username": "rivera", "password": PASSWORD})
    assert locked.status_code == 429
