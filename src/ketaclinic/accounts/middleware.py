from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

#: Paths an authenticated but not-yet-verified staff member may reach.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/api/", "/healthz")


class RequireTwoFactorMiddleware:
    """Send staff who signed in with a password to the TOTP step before anything else.

    API requests are not redirected: the API's session authentication refuses
    unverified staff sessions itself (ketaclinic.lib.api).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.requires_two_factor
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            return redirect(reverse("accounts:two_factor"))
        return self.get_response(request)
