"""The keyed hash chain: how a record's hash is computed, and how the chain is checked."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from ketaclinic.audit.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64

#: Fields covered by the hash, in a fixed order.
HASHED_FIELDS = (
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
    key = settings.AUDIT_HMAC_KEY.encode()
    return hmac.new(key, prev_hash.encode() + canonical(values), hashlib.sha256).hexdigest()


def event_values(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the whole chain in order and return where it first breaks, if anywhere."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in _iter_events(batch_size):
        if event.seq != expected_seq:
            return ChainReport(
                False,
                checked,
                expected_seq,
                None,
                f"record #{expected_seq} is missing (next present is #{event.seq})",
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                False,
                checked,
                event.seq,
                event.pk,
                "its link to the previous record does not match",
            )
        if not hmac.compare_digest(event.hash, link_hash(event.prev_hash, event_values(event))):
            return ChainReport(
                False,
                checked,
                event.seq,
                event.pk,
                "its content does not match its hash (the row was changed)",
            )
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.hash != expected_prev):
        return ChainReport(
            False,
            checked,
            checked + 1,
            None,
            f"the chain ends at #{checked} but the head says #{head.seq} "
            "(records were removed from the end)",
        )
    return ChainReport(True, checked)


def _iter_events(batch_size: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq
