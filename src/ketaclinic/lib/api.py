"""API glue shared by the apps: authentication that honours 2FA, and error shape."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError as DrfValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ketacore.errors import InputError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn validation errors into 400 ``{"field": ["rule"]}`` responses that name the field.

    A nested field's errors (an object inside the body, a list of objects) are named by
    their dotted path (``care.other.note``, ``items[2].dose``), so every 400 has the one
    documented shape (docs/security.md, "API errors").
    """
    if isinstance(exc, InputError):
        return Response({exc.field: [exc.rule]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, DrfValidationError) and response is not None:
        response.data = flat_errors(response.data)
    return response


def flat_errors(detail: Any, path: str = "") -> dict[str, list[Any]]:
    """DRF's error detail as one level of ``{"dotted.path": [messages]}``."""
    if isinstance(detail, dict):
        out: dict[str, list[Any]] = {}
        for key, value in detail.items():
            out.update(flat_errors(value, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        out = {}
        for i, item in enumerate(detail):
            if item:
                out.update(flat_errors(item, f"{path}[{i}]"))
        return out
    return {path or "non_field_errors": detail if isinstance(detail, list) else [detail]}


class Pagination(LimitOffsetPagination):
    """DRF's limit/offset pages (``count``, ``next``, ``previous``, ``results``), capped.

    ``limit`` defaults to ``PAGE_SIZE`` (50) and is cut to :attr:`max_limit`, so no
    request reads a whole registry in one response.
    """

    max_limit = 100

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["description"] = (
                    f"Rows per page: {self.default_limit} unless asked, at most "
                    f"{self.max_limit} (a larger limit is cut to {self.max_limit})."
                )
        return parameters


class HasCapability(BasePermission):
    """DRF permission: the view declares ``capabilities = {"GET": Capability..., ...}``.

    A method the view does not list is refused: deny by default (ASVS 4.0 V4.1.5).
    """

    message = "Your role may not do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        capability = getattr(view, "capabilities", {}).get(request.method)
        user = request.user
        return bool(
            capability is not None
            and user is not None
            and user.is_authenticated
            and user.can(capability)
        )

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return True  # object scoping is done by the access getters
