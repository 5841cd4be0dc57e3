"""The OpenAPI schema: error responses on every operation, and our authentication schemes.

(DRF imports this module while loading drf_spectacular.views, so the schema view
itself lives in ketaclinic.lib.views.)

Every operation documents the errors it can really answer, each pointing to a shared
component: 400 (writes: a body that breaks a rule, field by field, as
:func:`ketaclinic.lib.api.exception_handler` writes it), 401 (every operation needs
credentials), 403 (a role check, a token refusal, or a browser session's CSRF check),
404 (a record named in the path, or a portal account without a patient record).
docs/security.md ("API errors") says the same in words.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import ComponentRegistry, ResolvedComponent
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated

from ketaclinic.accounts.roles import Capability

_DETAIL: dict[str, Any] = {
    "type": "object",
    "description": "What went wrong, in words.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS: dict[str, Any] = {
    "type": "object",
    "description": (
        "Each key names a field (`non_field_errors` for the request as a whole; a dotted "
        "name such as `answers.q1_burning` for a part of one), each value lists the rules "
        'it breaks. A body that is not valid JSON answers `{"detail": ...}` instead (a '
        "string; a list when a sent field was itself named `detail`)."
    ),
    "properties": {
        "detail": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    },
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"date_of_birth": ["Date of birth cannot be in the future."]},
}
_RESPONSES: dict[str, tuple[str, str, dict[str, Any]]] = {
    # status: (component name, description, extra fields of the response object)
    "400": ("ValidationFailed", "The request breaks a rule; the body names the field.", {}),
    "401": (
        "NotAuthenticated",
        "No credentials, or refused ones: an unknown, expired, idle-expired or revoked "
        "token, or a staff session that has not passed two-factor.",
        {"headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
    ),
    "403": (
        "Forbidden",
        "Signed in, but not allowed: the role may not do this, an API token asked for "
        "another token, or a browser session sent no CSRF token.",
        {},
    ),
    "404": (
        "NotFound",
        "No such record for this user: another clinic's record answers the same.",
        {},
    ),
    "429": (
        "Locked",
        "Too many wrong passwords (signing in, or re-entered to sign): the account is "
        "locked for a while; the body says how long.",
        {},
    ),
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, plus the error responses each operation can give."""

    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: ComponentRegistry,
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in self._error_statuses(path):
            responses.setdefault(status, self._error_response(status, registry))
        return operation

    def _error_statuses(self, path: str) -> list[str]:
        view: Any = self.view
        statuses = []
        # The methods that carry a body, and reads whose query parameters are checked.
        if self.method in ("POST", "PUT", "PATCH") or self.method in getattr(
            view, "query_checked", ()
        ):
            statuses.append("400")
        permissions = view.get_permissions()
        if permissions:
            statuses.append("401")
        role_checked = any(not isinstance(p, IsAuthenticated) for p in permissions)
        if role_checked or self.method not in SAFE_METHODS:
            statuses.append("403")
        capability = getattr(view, "capabilities", {}).get(self.method)
        if "{" in path or capability == Capability.PORTAL_OWN_RECORD:
            statuses.append("404")
        if self.method in getattr(view, "password_checked", ()):
            statuses.append("429")
        return statuses

    @staticmethod
    def _error_response(status: str, registry: ComponentRegistry) -> dict[str, Any]:
        name, description, extra = _RESPONSES[status]
        body = _register(
            registry,
            ResolvedComponent.SCHEMA,
            "FieldErrors" if status == "400" else "Error",
            _FIELD_ERRORS if status == "400" else _DETAIL,
        )
        content = {"application/json": {"schema": body}}
        response = {"description": description, "content": content, **extra}
        return _register(registry, ResolvedComponent.RESPONSE, name, response)


def _register(
    registry: ComponentRegistry, kind: str, name: str, definition: dict[str, Any]
) -> dict[str, Any]:
    """Add a component (once) and return a reference to it."""
    component = ResolvedComponent(name, kind, schema=definition, object=name)  # type: ignore[no-untyped-call]  # reason: drf-spectacular is untyped here
    registry.register_on_missing(component)
    ref: dict[str, Any] = component.ref
    return ref


class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # reason: drf-spectacular's base is untyped
    target_class = "ketaclinic.lib.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <key>`, with a key from POST /api/auth/token/. A key lapses after "
                f"{settings.API_TOKEN_MAX_HOURS} h, after {settings.SESSION_IDLE_MINUTES} "
                "min without use, at sign-out and on a password change."
            ),
        }


class SessionScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # reason: as above
    target_class = "ketaclinic.lib.authentication.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "A browser session; staff must have passed two-factor. "
            "Writes also need the CSRF token in the X-CSRFToken header.",
        }
