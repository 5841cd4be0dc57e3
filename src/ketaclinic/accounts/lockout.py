"""What a locked-out account is told: a page for people, JSON for the API."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from ketaclinic.security import is_api_route


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: answer 429 in the caller's own format.

    A wrong password re-entered to sign through the API can lock the account
    (docs/security.md); the API then answers JSON like every other API error,
    not the sign-in page's HTML.
    """
    minutes = math.ceil(settings.AXES_COOLOFF_TIME * 60)
    match = request.resolver_match
    if match is not None and match.view_name == "invitations:welcome":
        from ketaclinic.invitations.views import locked_out  # a page for patients' links

        return locked_out(request)
    if match is not None and is_api_route(match.view_name):
        detail = (
            f"Too many wrong passwords: this account is locked for {minutes} minutes "
            "(signing and signing in). Nothing was signed."
        )
        return JsonResponse({"detail": detail}, status=429)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "accounts/locked_out.html", context, status=429)
