"""Shared permission checks. Every view and API endpoint goes through these."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability

P = ParamSpec("P")


def require(user: Any, capability: Capability) -> User:
    """Return ``user`` if it may do ``capability``; raise PermissionDenied otherwise."""
    if not isinstance(user, User) or not user.is_authenticated or not user.can(capability):
        raise PermissionDenied(f"Your role may not do this ({capability}).")
    return user


def capability_required(
    capability: Capability,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: sign-in required, then the capability (403 without it)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, capability)
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability  # type: ignore[attr-defined]  # reason: read by the route-matrix test
        return wrapped

    return decorator


def verified_login_required(view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """View decorator: signed in, and for staff past the two-factor step.

    For pages under /accounts/, which the two-factor middleware lets unverified
    sessions reach (sign-in, the code itself): a password alone must not change the
    password or see the account's API tokens.
    """

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request = args[0]
        assert isinstance(request, HttpRequest)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(user, "requires_two_factor", False) and not user.is_verified():
            return redirect_to_login(request.get_full_path(), reverse("accounts:two_factor"))
        return view(*args, **kwargs)

    return wrapped


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a request that a decorator has already checked."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user
