"""Create-once for the two adapters: API endpoints (a header) and pages (a form token)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.idempotency.services import KEY_HEADER, Outcome, check_key, fingerprint, once
from ketaclinic.lib.access import acting_user

__all__ = ["KEY_HEADER", "KEY_PARAMETER", "FormToken", "api_create_once", "page_create_once"]

REPLAYED_HEADER = "Idempotent-Replayed"

#: The header in the OpenAPI schema of every API create.
KEY_PARAMETER = OpenApiParameter(
    KEY_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "A new unique value (a UUID) for each new record, 1 to 100 printable ASCII characters. "
        "Sending the same request again with the same key creates nothing and answers the "
        "first response again, marked `Idempotent-Replayed: true`; the same key with another "
        "body is refused (400)."
    ),
)


def api_create_once(request: Request, *, scope: str, create: Callable[[], Response]) -> Response:
    """Answer a create with ``create()``, or with its first answer if the key was seen.

    The request must carry an ``Idempotency-Key`` header (400 naming it
    otherwise); the same key with the same body answers the first response
    again, marked ``Idempotent-Replayed: true``; with another body, 400.
    """
    key = check_key(request.headers.get(KEY_HEADER), field=KEY_HEADER)

    def make() -> dict[str, Any]:
        response = create()
        body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
        return {"status": response.status_code, "body": body}

    outcome = once(
        acting_user(request),
        key,
        scope=scope,
        body_fingerprint=fingerprint(request.data),
        create=make,
    )
    headers = {REPLAYED_HEADER: "true"} if outcome.replayed else {}
    return Response(outcome.result["body"], status=outcome.result["status"], headers=headers)


def page_create_once(
    request: Any, form: forms.BaseForm, *, scope: str, create: Callable[[], str]
) -> Outcome:
    """Run a page's create once per form token.

    Args:
        create: Makes the record and returns the URL to show next; a form sent
            again goes to that URL (``result["location"]``) and creates nothing.
    """
    return once(
        acting_user(request),
        form.cleaned_data[FormToken.NAME],
        scope=scope,
        body_fingerprint="",
        strict=False,  # a resubmitted page goes to what it created the first time
        create=lambda: {"location": create()},
    )


def _new_token() -> str:
    return uuid.uuid4().hex


class FormToken:
    """Adds a hidden one-time token to a create form (given a new value each time it is shown)."""

    NAME = "form_token"

    @classmethod
    def add_to(cls, form: forms.BaseForm) -> None:
        form.fields[cls.NAME] = forms.CharField(
            widget=forms.HiddenInput,
            initial=_new_token,
            max_length=100,
            error_messages={
                "required": "This form is out of date: reload the page and enter the details "
                "again.",
            },
        )
