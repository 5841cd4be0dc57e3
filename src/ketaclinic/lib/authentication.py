"""API authentication. Kept apart from ketaclinic.lib.api: DRF imports it while loading.

Token authentication comes first in ``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``:
DRF answers 401 with its ``WWW-Authenticate`` header when the *first* class has one,
and 403 otherwise. So a request without credentials gets 401, and an authenticated
user whose role may not do something gets 403 (docs/security.md, "API errors").
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.request import Request

#: The header keeps DRF's format, ``Authorization: Token <key>``, so clients keep working.
KEYWORD = "Token"


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>`` against :class:`ketaclinic.accounts.models.ApiToken`.

    The key is looked up by its SHA-256, never compared as text. Revoked, expired,
    idle-expired keys and keys of inactive users are refused with 401.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        # Imported here: DRF loads this module while Django is still setting up.
        from ketaclinic.accounts.services import TokenRefusedError, use_api_token

        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                f"Send the header as `Authorization: {KEYWORD} <key>`, with no spaces in the key."
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        try:
            token = use_api_token(key)
        except TokenRefusedError as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from None
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'


class VerifiedSessionAuthentication(SessionAuthentication):
    """Session authentication that refuses staff sessions which have not passed 2FA.

    The refusal is a 401 (the sign-in is not finished) whose message says what to do.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, auth = result
        if user.requires_two_factor and not user.is_verified():
            raise exceptions.AuthenticationFailed(
                "Two-factor verification is required: finish signing in with the code "
                "from your authenticator app, then try again."
            )
        return user, auth


def is_token_request(request: Request) -> bool:
    """Whether the request was authenticated with an API token (not a browser session)."""
    return isinstance(request.successful_authenticator, ApiTokenAuthentication)
