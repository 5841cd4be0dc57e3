"""Permission-checked getters for a user's own account records (API tokens, TOTP device).

Tokens are only ever fetched for their owner: someone else's token answers 404,
exactly like a token that does not exist, so codes cannot be probed.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.models import ApiToken, User


def own_active_tokens(user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first (lapsed and revoked ones are left out)."""
    return ApiToken.objects.active().filter(user=user).order_by("-created_at", "-pk")


def get_own_active_token(user: User, code: UUID | str) -> ApiToken:
    try:
        return own_active_tokens(user).get(code=code)
    except (ApiToken.DoesNotExist, ValueError):
        raise Http404("No such token") from None


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    """The user's own confirmed authenticator (TOTP device), if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()
