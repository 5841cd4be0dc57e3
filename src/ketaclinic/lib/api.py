"""API glue shared by the apps: authentication that honours 2FA, and error shape."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ketacore.errors import InputError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn domain validation errors into 400 responses that name the field."""
    if isinstance(exc, InputError):
        return Response({exc.field: [exc.rule]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


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
