"""Account write operations: users, two-factor devices. Each writes its audit record."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.services import Action, record
from ketaclinic.lib.middleware import current_request_context


@transaction.atomic
def create_user(
    actor: User | None,
    *,
    clinic: Clinic,
    username: str,
    role: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    validate: bool = True,
) -> User:
    """Create a user account; the role must be one of :class:`Role`."""
    if role not in Role.values:
        raise ValidationError({"role": f"unknown role {role!r}; choose one of {Role.values}"})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "this username is taken"})
    user = User(
        username=username,
        role=role,
        clinic=clinic,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    if validate:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    record(
        actor,
        Action.CREATE,
        obj=user,
        clinic_id=clinic.pk,
        summary=f"User account created ({role})",
        changes={"username": username, "role": role},
    )
    return user


@transaction.atomic
def start_totp_enrolment(user: User) -> TOTPDevice:
    """Return the user's unconfirmed TOTP device, creating one if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def confirm_totp(user: User, device: TOTPDevice) -> None:
    """Mark a verified device confirmed and remove any other device of the user."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=("confirmed",))
    record(user, Action.TWO_FACTOR, summary="Authenticator app enrolled")


@transaction.atomic
def reset_two_factor(actor: User, user: User) -> None:
    """Remove a user's TOTP devices (lost phone); they enrol again at next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    record(actor, Action.TWO_FACTOR, obj=user, summary="Two-factor reset by admin")


def verify_password(user: User, password: str, *, purpose: str) -> None:
    """Check a password re-entered to confirm an action (a signature).

    In a request, the check goes through the sign-in machinery, so a wrong
    password counts toward the same lockout as a wrong sign-in (django-axes,
    issue 8 #14) and a locked-out account cannot sign either. Outside a request
    (the command line) it is a plain check.

    Raises:
        ValidationError: On ``password``, saying whether it was wrong or the
            account is locked.
    """
    context = current_request_context()
    request = context.request if context is not None else None
    if request is None:
        if password and user.check_password(password):
            return
        raise ValidationError({"password": "password: is not your password; nothing was signed"})
    username = user.get_username()
    if password and authenticate(request, username=username, password=password, purpose=purpose):
        return
    if not AxesProxyHandler.is_allowed(request, {"username": username}):
        minutes = round(settings.AXES_COOLOFF_TIME * 60)
        raise ValidationError(
            {
                "password": "password: too many wrong passwords; this account is locked for "
                f"{minutes} minutes (signing and signing in). Nothing was signed."
            }
        )
    raise ValidationError({"password": "password: is not your password; nothing was signed"})


def record_second_factor(user: User, *, passed: bool, why: str = "") -> None:
    """Audit a second-factor attempt (issue 8 #13: it left no trace either way)."""
    if passed:
        record(user, Action.OTP_OK, summary="Second factor passed")
    else:
        record(user, Action.OTP_FAILED, summary=f"Second factor refused: {why}"[:200])
