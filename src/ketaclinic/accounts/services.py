"""Account write operations: users, two-factor devices, passwords and API tokens.

Each writes its audit record in the same transaction as the change.
"""

from __future__ import annotations

import datetime

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.models import ApiToken, Clinic, RevokeReason, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.services import Action, record
from ketaclinic.lib.middleware import current_request_context
from ketaclinic.lib.tokens import new_secret


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
        record(user, Action.TWO_FACTOR, summary="Authenticator app enrolment started")
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


# ------------------------------------------------------------------ passwords


def change_password(
    request: HttpRequest, user: User, *, current_password: str, new_password: str
) -> int:
    """Change ``user``'s password, revoke their API tokens; return how many were revoked.

    The current password is checked through ``authenticate`` (django-axes' backend),
    so a wrong one counts toward the lockout and is audited as a failed sign-in. That
    check happens outside the change's transaction on purpose: refusing the change
    must not roll the failure record back. The session making the change stays signed
    in (``update_session_auth_hash``); every other session of the user ends, because
    Django ties a session to a hash of the password.

    Raises:
        ValidationError: ``current_password`` when it is wrong (or the account is
            locked out), ``new_password`` when a password validator refuses it.
    """
    checked = authenticate(request, username=user.get_username(), password=current_password)
    if checked is None or checked.pk != user.pk:
        raise ValidationError({"current_password": "That is not your current password."})
    revoked = _set_password(user, current_password, new_password)
    update_session_auth_hash(request, user)
    return revoked


@transaction.atomic
def _set_password(user: User, current_password: str, new_password: str) -> int:
    if new_password == current_password:
        raise ValidationError({"new_password": "Choose a new password, not the current one."})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from None
    user.set_password(new_password)
    user.save(update_fields=("password",))
    revoked = revoke_api_tokens(user, reason=RevokeReason.PASSWORD_CHANGE)
    record(
        user,
        Action.PASSWORD_CHANGE,
        obj=user,
        summary="Password changed by the user",
        changes={"api_tokens_revoked": revoked},
    )
    return revoked


# ------------------------------------------------------------------ API tokens


class TokenRefusedError(Exception):
    """An API key that does not (or no longer) authenticates; the message says why."""


@transaction.atomic
def issue_api_token(user: User, *, name: str = "") -> tuple[ApiToken, str]:
    """Issue a new API token; return it and its key, which is shown once and never stored.

    Several tokens per user may be live at once (one per integration); each
    lapses on its own (docs/security.md, "API tokens").
    """
    key = new_secret()
    now = timezone.now()
    token = ApiToken(
        user=user,
        name=name.strip(),
        key_hash=ApiToken.hash_key(key),
        prefix=key[:8],
        created_at=now,
        expires_at=now + datetime.timedelta(hours=settings.API_TOKEN_MAX_HOURS),
    )
    token.full_clean()
    token.save(force_insert=True)
    record(
        user,
        Action.TOKEN_ISSUE,
        obj=token,
        summary=f"API token issued, valid {settings.API_TOKEN_MAX_HOURS} h",
        changes={"name": token.name, "expires_at": token.expires_at},
    )
    return token, key


@transaction.atomic
def revoke_api_token(actor: User, token: ApiToken, *, reason: str = RevokeReason.BY_USER) -> None:
    """Revoke one token (again is harmless: it stays revoked with its first reason)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.revoked_reason = reason
    token.save(update_fields=("revoked_at", "revoked_reason"))
    _record_revoke(actor, token)


@transaction.atomic
def revoke_api_tokens(user: User, *, reason: str, actor: User | None = None) -> int:
    """Revoke every live token of ``user``; one audit record per token. Return the count.

    ``actor`` is who did it when not the user themself (e.g. a clinic admin).

    Tokens that have already lapsed (expired, idle) cannot come back and are left as they are.
    """
    now = timezone.now()
    tokens = list(ApiToken.objects.active(now).filter(user=user).select_for_update(of=("self",)))
    for token in tokens:
        token.revoked_at = now
        token.revoked_reason = reason
        token.save(update_fields=("revoked_at", "revoked_reason"))
        _record_revoke(actor or user, token)
    return len(tokens)


def _record_revoke(actor: User, token: ApiToken) -> None:
    record(
        actor,
        Action.TOKEN_REVOKE,
        obj=token,
        summary=f"API token revoked: {token.get_revoked_reason_display().lower()}",
        changes={"name": token.name, "reason": token.revoked_reason},
    )


def use_api_token(key: str) -> ApiToken:
    """Return the live token of ``key`` (with its user), noting its use at most once a minute.

    Raises:
        TokenRefusedError: Unknown, revoked, expired or idle-expired key, or an inactive user.
    """
    now = timezone.now()
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None:
        raise TokenRefusedError("Invalid token.")
    refusal = token.refusal(now)
    if refusal is not None:
        raise TokenRefusedError(refusal)
    if token.needs_touch(now):
        # No audit record: a use is not a change, and the request itself is audited.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
