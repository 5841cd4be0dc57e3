"""Access decided on the resolved route, never on the request path.

``request.path`` includes the script-name prefix a proxy may set (gunicorn
takes a ``SCRIPT_NAME`` header from trusted proxies), while Django routes on
``path_info``. A decision on a path prefix can therefore be fooled into
letting a UI page through as if it were an API call (issue 8 #1). This
middleware runs after URL resolution (``process_view``) and decides on the
route's name, looked up in the permission matrix of :mod:`ketaclinic.security`:

1. a route that is not in the matrix is refused (404), so nothing is served
   without an access decision;
2. a method the matrix does not declare for the route is refused (405), deny
   by default for every method (ASVS 4.0 V4.1.5);
3. a staff member who signed in with a password but has not passed two-factor
   reaches only the named :data:`TWO_FACTOR_EXEMPT` routes; elsewhere pages
   redirect to the two-factor step and API calls get a JSON 401;
4. pages (not the API, which authenticates tokens itself) check the route's
   requirement here too, before the view's own check (defence in depth).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from ketaclinic.security import PUBLIC, ROUTE_ACCESS, TWO_FACTOR_EXEMPT, allowed, is_api_route

__all__ = ["RouteAccessMiddleware", "SessionIdleMiddleware"]


class SessionIdleMiddleware:
    """Keep a signed-in session alive while it is used, writing it at most once a minute.

    Sessions expire after ``SESSION_IDLE_MINUTES`` without a request (ASVS 4.0 V3.3.2):
    the stored session's expiry is moved on each time it is saved. Django's
    ``SESSION_SAVE_EVERY_REQUEST`` would rewrite the session row on every request (a
    write transaction for every page view); instead, a request saves it only when the
    last save is ``TOUCH_EVERY`` or more ago. As for API tokens' ``last_used_at``, a
    session may so lapse up to a minute early, never late. A request without a stored
    session (no cookie, an expired one, an API token) creates none.
    """

    TOUCH_EVERY_S = 60
    KEY = "_touched_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if session.session_key is not None:
            touched = session.get(self.KEY)  # loads it: a missing or lapsed one has no key
            now = int(time.time())
            if session.session_key is not None and (
                not isinstance(touched, int) or now - touched >= self.TOUCH_EVERY_S
            ):
                session[self.KEY] = now  # modified: SessionMiddleware saves it, expiry moved
        return self.get_response(request)


class RouteAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        methods = ROUTE_ACCESS.get(name)
        if methods is None:
            raise Http404("No such page")
        if request.method not in methods:
            return HttpResponseNotAllowed(sorted(methods))
        api = is_api_route(name)
        user = request.user
        if (
            user.is_authenticated
            and user.requires_two_factor
            and not user.is_verified()
            and name not in TWO_FACTOR_EXEMPT
        ):
            if not api:
                return redirect(reverse("accounts:two_factor"))
            if "HTTP_AUTHORIZATION" not in request.META:
                return JsonResponse(
                    {"detail": "Two-factor verification is required."},
                    status=401,
                    headers={"WWW-Authenticate": "Token"},
                )
        requirement = methods[request.method]
        if api or requirement == PUBLIC:
            return None  # the API authenticates (session or token) and checks itself
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not allowed(getattr(user, "role", None), requirement) or not user.is_active:
            raise PermissionDenied("Your role may not do this.")
        return None
