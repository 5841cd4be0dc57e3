"""Writing audit records. Every service that changes or shows clinical data calls
:func:`record` inside its own transaction, so the record and the change commit
together or not at all."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from ketaclinic.audit.chain import HASHED_FIELDS, link_hash
from ketaclinic.audit.models import Action, AuditChainHead, AuditEvent
from ketaclinic.lib.middleware import current_request_context

if TYPE_CHECKING:
    from ketaclinic.accounts.models import User

__all__ = ["Action", "diff", "record"]


def record(
    actor: User | None,
    action: Action,
    *,
    obj: models.Model | None = None,
    patient_code: str = "",
    summary: str = "",
    changes: dict[str, Any] | None = None,
    username: str = "",
    clinic_id: int | None = None,
) -> AuditEvent:
    """Append one record to the chain (atomic with the caller's transaction).

    Args:
        actor: Who did it; None for the system (CLI, demo loader) or an anonymous attempt.
        action: What was done.
        obj: The record it was done to; its ``code`` (UUID) identifies it.
        patient_code: The patient the record belongs to, for the per-patient trail.
        summary: A short description without clinical values, e.g. "Weight recorded".
        changes: ``{field: [old, new]}`` for updates, or the new values for creates.
        username: For failed sign-ins, the name that was tried.
        clinic_id: Overrides the actor's clinic (e.g. for system actions).
    """
    context = current_request_context()
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditChainHead.objects.create(pk=1)
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            created_at=timezone.now(),
            actor_id=actor.pk if actor else None,
            actor_username=actor.get_username() if actor else username,
            actor_role=actor.role if actor else "",
            clinic_id=clinic_id if clinic_id is not None else (actor.clinic_id if actor else None),
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_code=str(getattr(obj, "code", "") or ""),
            patient_code=patient_code,
            summary=summary[:200],
            changes=changes or {},
            ip_address=context.ip_address if context else None,
            prev_hash=head.hash,
        )
        # Round-trip the JSON so the hash covers exactly what the database stores.
        event.changes = _jsonable(event.changes)
        event.hash = link_hash(event.prev_hash, {f: getattr(event, f) for f in HASHED_FIELDS})
        event.save(force_insert=True)
        head.seq = event.seq
        head.hash = event.hash
        head.save(update_fields=("seq", "hash"))
    return event


def diff(instance: models.Model, before: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Return ``{field: [old, new]}`` for the fields that changed."""
    changed = {}
    for name in fields:
        old, new = before.get(name), getattr(instance, name)
        if old != new:
            changed[name] = [old, new]
    result: dict[str, Any] = _jsonable(changed)
    return result


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
