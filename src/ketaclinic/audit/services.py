"""Writing audit records. Every service that changes or shows clinical data calls
:func:`record` inside its own transaction, so the record and the change commit
together or not at all.

Each clinic's records form their own hash chain, so appending locks that clinic's head
row only: writers of different clinics never queue behind one another. Once the
transaction commits, the record's checkpoint goes to the witness file (witness.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from ketaclinic.audit.chain import GENESIS_HASH, chain_for, event_values, link_hash
from ketaclinic.audit.models import Action, AuditEvent, ChainHead
from ketaclinic.audit.witness import witness_on_commit
from ketaclinic.lib.middleware import current_request_context

if TYPE_CHECKING:
    from ketaclinic.accounts.models import User

__all__ = ["Action", "diff", "last_writes", "record"]


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
    """Append one record to its clinic's chain (atomic with the caller's transaction).

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
    clinic = clinic_id if clinic_id is not None else (actor.clinic_id if actor else None)
    # Everything that does not need the chain is prepared before its head row is locked:
    # the lock is held until the caller's transaction commits.
    event = AuditEvent(
        chain=chain_for(clinic),
        actor_id=actor.pk if actor else None,
        actor_username=actor.get_username() if actor else username,
        actor_role=actor.role if actor else "",
        clinic_id=clinic,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_code=str(getattr(obj, "code", "") or ""),
        patient_code=patient_code,
        summary=summary[:200],
        # Round-trip the JSON so the hash covers exactly what the database stores.
        changes=_jsonable(changes or {}),
        ip_address=context.ip_address if context else None,
    )
    # No savepoint: the record is part of the caller's transaction, and if it fails the
    # caller's change must not commit without it (a savepoint per record also cost two
    # statements on every audited service call).
    with transaction.atomic(savepoint=False):
        event.seq, event.prev_hash = _advance_head(event.chain)
        # Taken under the lock, so times never go backwards along a chain.
        event.created_at = timezone.now()
        event.hash = link_hash(event.prev_hash, event_values(event))
        event.save(force_insert=True)
        _execute(_SET_HEAD_HASH, [event.hash, event.chain])
        witness_on_commit(event.chain, event.seq, event.hash)
    return event


# Raw SQL on purpose: this runs for every audited read and write, and building the
# equivalent querysets cost several times the statements themselves (docs/performance.md).
# UPDATE ... RETURNING (PostgreSQL; SQLite >= 3.35) locks the head row, moves it on and
# reads the previous hash in one round trip.
_ADVANCE_HEAD = "UPDATE audit_chainhead SET seq = seq + 1 WHERE chain = %s RETURNING seq, hash"
_SET_HEAD_HASH = "UPDATE audit_chainhead SET hash = %s WHERE chain = %s"


def _advance_head(chain: int) -> tuple[int, str]:
    """Lock the chain's head row until the transaction ends, move it on by one, and
    return the new record's seq and the hash it links to.

    A new chain's head row is created on its first record. Two first records at once
    (PostgreSQL) both try to insert it: the primary key makes the second insert wait for
    the first transaction and then fail inside its savepoint, and that writer then takes
    the row the other created. (SQLite writers take the whole database at BEGIN IMMEDIATE.)
    """
    row = _execute(_ADVANCE_HEAD, [chain])
    if row is None:
        try:
            with transaction.atomic():
                ChainHead.objects.create(chain=chain, seq=0, hash=GENESIS_HASH)
        except IntegrityError:
            pass  # created by a concurrent first record; take that one
        row = _execute(_ADVANCE_HEAD, [chain])
        assert row is not None
    return int(row[0]), str(row[1])


def _execute(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


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


def last_writes(
    clinic_id: int,
    *,
    since: dt.datetime,
    patient_codes: Iterable[str] | None = None,
    object_types: Iterable[str] | None = None,
) -> dict[str, dt.datetime]:
    """Per patient of the clinic, when something was last created, changed or retired
    after ``since`` (every patient, or those of ``patient_codes``).

    One query over the trail (every write to a patient's record is recorded
    with the patient's code): the cheap first look of "has anything changed
    since?" questions, which their owners then answer exactly.
    """
    # A write by the system (no actor) has no clinic: included, the codes decide.
    rows = AuditEvent.objects.filter(
        models.Q(clinic_id=clinic_id) | models.Q(clinic_id__isnull=True),
        created_at__gt=since,
        action__in=(Action.CREATE, Action.UPDATE, Action.DELETE),
    ).exclude(patient_code="")
    if patient_codes is not None:
        rows = rows.filter(patient_code__in=list(patient_codes))
    if object_types is not None:  # only writes to these records (``app_label.model``)
        rows = rows.filter(object_type__in=list(object_types))
    grouped = rows.values("patient_code").annotate(last=models.Max("created_at"))
    return {row["patient_code"]: row["last"] for row in grouped}
