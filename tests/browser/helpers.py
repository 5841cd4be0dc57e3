"""Shared steps of the browser tests."""

from __future__ import annotations

from typing import Any

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.conftest import PASSWORD


def current_code(username: str) -> str:
    """The user's current TOTP code, as their authenticator app would show it."""
    device = TOTPDevice.objects.get(user__username=username)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(page: Any, base: str, username: str, *, two_factor: bool = True) -> None:
    """Sign in through the login page; staff then give their TOTP code."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if not two_factor:
        return
    page.wait_for_url("**/accounts/two-factor/**")
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(username))
    page.get_by_role("button", name="Verify").click()


def crps_clinic() -> tuple[Any, Any, Any]:
    """A clinic with physician ``rivera``, nurse ``nina`` and a patient with CRPS of the
    right leg who has a portal account (``ada``): (physician, nurse, patient)."""
    from ketaclinic.accounts.models import Clinic
    from ketaclinic.accounts.roles import Role
    from ketaclinic.conftest import make_patient, make_user
    from ketaclinic.patients.models import Condition

    clinic = Clinic.objects.create(name="Desert Sky")
    physician = make_user(clinic, "rivera", Role.PHYSICIAN)
    nurse = make_user(clinic, "nina", Role.NURSE)
    patient = make_patient(clinic)
    Condition.objects.create(patient=patient, icd10_code="G90.521", description="CRPS I, right leg")
    patient.portal_user = make_user(clinic, "ada", Role.PATIENT)
    patient.save()
    return physician, nurse, patient
