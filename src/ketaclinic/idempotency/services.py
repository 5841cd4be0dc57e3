"""Run a create once per key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from ketaclinic.accounts.models import User
from ketaclinic.idempotency.models import IdempotencyRecord

__all__ = ["KEY_HEADER", "Outcome", "check_key", "fingerprint", "once"]

#: The API's header (the IETF httpapi draft's name, as Stripe and others use).
KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Outcome:
    result: dict[str, Any]
    #: True when this request repeated an earlier one and nothing was created.
    replayed: bool


def fingerprint(data: Any) -> str:
    """A stable hash of a request body."""
    text = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def check_key(key: str | None, *, field: str) -> str:
    """The key, if it is usable; otherwise a ValidationError naming ``field``."""
    if not key:
        raise ValidationError(
            {
                field: f"{field}: required; send a new unique value (a UUID) with each new record, "
                "and the same value again when you retry it"
            }
        )
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationError(
            {field: f"{field}: must be 1 to {MAX_KEY_LENGTH} printable ASCII characters"}
        )
    return key


@transaction.atomic
def once(
    user: User,
    key: str,
    *,
    scope: str,
    body_fingerprint: str,
    create: Callable[[], dict[str, Any]],
    strict: bool = True,
) -> Outcome:
    """Run ``create`` unless ``key`` was used before; return its (first) result.

    The key is claimed in the same transaction as the record ``create`` writes:
    if ``create`` fails, nothing is kept and the key can be used again.

    Args:
        create: Makes the record and returns the result to keep (JSON).
        strict: A key reused for another scope or body is an error (the API);
            otherwise (a page's form token) the first result is replayed.

    Raises:
        ValidationError: (strict) The key was used for a different request.
    """
    try:
        with transaction.atomic():
            claim = IdempotencyRecord.objects.create(
                user=user, key=key, scope=scope, fingerprint=body_fingerprint
            )
    except IntegrityError:
        earlier = IdempotencyRecord.objects.get(user=user, key=key)
        if strict and (earlier.scope != scope or earlier.fingerprint != body_fingerprint):
            raise ValidationError(
                {
                    KEY_HEADER: f"{KEY_HEADER}: already used for a different request; "
                    "use a new key for a new record"
                }
            ) from None
        return Outcome(earlier.result, replayed=True)
    claim.result = create()  # audited by: create (the caller's service records its create)
    claim.save(update_fields=("result",))
    return Outcome(claim.result, replayed=False)
