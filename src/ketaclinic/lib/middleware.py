"""Request-scoped context that service functions read when writing audit records."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True, slots=True)
class RequestContext:
    ip_address: str | None
    user_agent: str
    #: The HTTP method: a GET shows records (audited as views); other methods
    #: change them (audited by the change itself).
    method: str = "GET"
    #: Patient codes whose view this request has already recorded, so a page
    #: that reaches a record through two getters writes one view record.
    viewed: set[str] = field(default_factory=set)
    #: The request itself, for the few services that need it (a password
    #: re-entered to sign counts toward the sign-in lockout, which is keyed on it).
    request: HttpRequest | None = None

    @property
    def reads(self) -> bool:
        return self.method in ("GET", "HEAD")


_current: ContextVar[RequestContext | None] = ContextVar("ketaclinic_request", default=None)


def current_request_context() -> RequestContext | None:
    """Return the context of the request being served, or None outside a request (CLI)."""
    return _current.get()


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's address as resolved by django-axes (proxy-aware, see settings)."""
    ip = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    return str(ip) if ip else None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(
            RequestContext(
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
                method=request.method or "GET",
                request=request,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        # Clinical pages must not be cached by browsers or proxies (ASVS 4.0 V8.2.1).
        response.headers.setdefault("Cache-Control", "no-store")
        return response
