"""The keyed hash chains: which chain a record belongs to, and how its hash is computed.

Checking the chains is in ``verify.py``; the witness outside the database in ``witness.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from ketaclinic.audit.models import SYSTEM_CHAIN, AuditEvent

__all__ = [
    "GENESIS_HASH",
    "HASHED_FIELDS",
    "SYSTEM_CHAIN",
    "canonical",
    "chain_for",
    "event_values",
    "link_hash",
]

#: The ``prev_hash`` of every chain's first record. The chain key is inside the hashed
#: record, so chains that start alike still cannot be swapped for one another.
GENESIS_HASH = "0" * 64

#: Fields covered by the hash (serialised with sorted keys, so this order is cosmetic).
HASHED_FIELDS = (
    "chain",
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "clinic_id",
    "action",
    "object_type",
    "object_code",
    "patient_code",
    "summary",
    "changes",
    "ip_address",
)


def chain_for(clinic_id: int | None) -> int:
    """The chain a record of ``clinic_id`` goes to: the clinic's own, or the system chain."""
    return SYSTEM_CHAIN if clinic_id is None else clinic_id


def canonical(values: dict[str, Any]) -> bytes:
    """Serialise the hashed fields deterministically (sorted keys, UTC ISO times)."""
    out: dict[str, Any] = {}
    for name in HASHED_FIELDS:
        value = values[name]
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        out[name] = value
    return json.dumps(out, sort_keys=True, separators=(",", ":"), default=str).encode()


def link_hash(prev_hash: str, values: dict[str, Any]) -> str:
    """``HMAC-SHA256(AUDIT_HMAC_KEY, prev_hash || canonical(values))``, in hex.

    Source: RFC 2104 [RFC2104], docs/references.md.
    """
    key = settings.AUDIT_HMAC_KEY.encode()
    return hmac.new(key, prev_hash.encode() + canonical(values), hashlib.sha256).hexdigest()


def event_values(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in HASHED_FIELDS}
