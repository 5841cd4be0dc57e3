"""API authentication. Kept apart from ketaclinic.lib.api: DRF imports it while loading."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request


class VerifiedSessionAuthentication(SessionAuthentication):
    """Session authentication that refuses staff sessions which have not passed 2FA."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, auth = result
        if user.requires_two_factor and not user.is_verified():
            raise exceptions.AuthenticationFailed("Two-factor verification is required.")
        return user, auth
