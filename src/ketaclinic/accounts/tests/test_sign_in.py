from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import PASSWORD


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


def test_sessions_expire_when_idle(settings) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
