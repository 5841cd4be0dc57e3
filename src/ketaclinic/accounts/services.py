"""Account write operations: users, two-factor devices. Each writes its audit record."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.services import Action, record


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
