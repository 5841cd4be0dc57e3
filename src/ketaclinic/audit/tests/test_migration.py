"""Migration 0005 on a populated database: the global chain re-sealed into per-clinic chains."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from ketaclinic.accounts.models import Clinic
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.audit.services import record
from ketaclinic.audit.tests.conftest import tamper
from ketaclinic.audit.verify import verify_chains

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("audit", "0004_more_actions")]
OLD_FIELDS = (
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
#: Everything the re-seal must leave alone.
KEPT = tuple(f for f in OLD_FIELDS if f != "seq")


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _latest() -> list[tuple[str, str]]:
    return list(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _old_hash(prev_hash: str, values: dict[str, Any]) -> str:
    """The hash of the global chain as audit/chain.py computed it up to migration 0004."""
    out = {
        name: values[name].astimezone(dt.UTC).isoformat(timespec="microseconds")
        if isinstance(values[name], dt.datetime)
        else values[name]
        for name in OLD_FIELDS
    }
    body = json.dumps(out, sort_keys=True, separators=(",", ":"), default=str).encode()
    key = settings.AUDIT_HMAC_KEY.encode()
    return hmac.new(key, prev_hash.encode() + body, hashlib.sha256).hexdigest()


def _append_old(apps: Any, clinic_id: int | None, i: int) -> None:
    """What the old ``record()`` did: lock the one head row, append, move the head."""
    event_model, head_model = (apps.get_model("audit", n) for n in ("AuditEvent", "AuditChainHead"))
    head = head_model.objects.select_for_update().get(pk=1)
    values = {
        "seq": head.seq + 1,
        "created_at": dt.datetime(2026, 11, 20, 9, i, 30, 123456 + i, tzinfo=dt.UTC),
        "actor_id": 40 + i,
        "actor_username": f"nurse{i}",
        "actor_role": "nurse",
        "clinic_id": clinic_id,
        "action": ["view", "update", "create", "login_failed"][i % 4],
        "object_type": "patients.bodymeasurement",
        "object_code": f"00000000-0000-0000-0000-{i:012d}",
        "patient_code": f"10000000-0000-0000-0000-{i:012d}",
        "summary": f"Weight recorded é {i}",
        "changes": {"weight_kg": [70 + i, 71.5], "note": ["", "ok"], "nested": {"a": [1, None]}},
        "ip_address": "2001:db8::1" if i % 2 else "192.0.2.7",
    }
    event = event_model.objects.create(
        **values, prev_hash=head.hash, hash=_old_hash(head.hash, values)
    )
    head_model.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)


@pytest.fixture
def before() -> Iterator[Any]:
    """The database as it was before 0005; put back to the latest state afterwards."""
    apps = _migrate(BEFORE)
    try:
        yield apps
    finally:
        if ("audit", "0005_chain_per_clinic") not in _applied():
            _empty_old_tables()
            _migrate(_latest())


def _applied() -> set[tuple[str, str]]:
    return set(MigrationRecorder(connection).applied_migrations())


def _empty_old_tables() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # its trigger refuses DELETE, not TRUNCATE
            cursor.execute("TRUNCATE audit_auditevent")
        else:
            cursor.execute("DELETE FROM audit_auditevent")
        cursor.execute("UPDATE audit_auditchainhead SET seq = 0, hash = %s", ["0" * 64])


def _populate(apps: Any, clinics: list[int | None]) -> dict[int, dict[str, Any]]:
    with transaction.atomic():
        for i, clinic_id in enumerate(clinics):
            _append_old(apps, clinic_id, i)
    return {
        row["id"]: row for row in apps.get_model("audit", "AuditEvent").objects.values("id", *KEPT)
    }


def test_it_reseals_the_global_chain_into_one_chain_per_clinic(before) -> None:
    north, south = Clinic.objects.create(name="North"), Clinic.objects.create(name="South")
    order = [north.pk, south.pk, None, north.pk, north.pk, south.pk, None, north.pk, south.pk]
    old = _populate(before, order)
    old_head = before.get_model("audit", "AuditChainHead").objects.get(pk=1)

    _migrate(_latest())

    assert {r["id"]: r for r in AuditEvent.objects.values("id", *KEPT) if r["id"] in old} == old
    reports = {r.chain: r for r in verify_chains()}
    assert [(c, r.ok, r.checked) for c, r in sorted(reports.items())] == [
        (0, True, 3),  # two records of no clinic, and the note
        (north.pk, True, 5),
        (south.pk, True, 4),
    ]
    for chain, report in reports.items():
        note = AuditEvent.objects.get(chain=chain, seq=report.checked)
        assert note.pk not in old
        assert note.summary == (
            "Re-sealed from the global audit chain, verified intact up to #9 "
            f"with head hash {old_head.hash}"
        )
    # Row ids keep the old order within each chain, and the chain goes on from its note.
    north_ids = list(
        AuditEvent.objects.filter(chain=north.pk).order_by("seq").values_list("id", flat=True)
    )
    assert north_ids == sorted(north_ids)
    event = record(None, Action.VIEW, clinic_id=north.pk, summary="After the upgrade")
    assert event.seq == 6
    assert all(r.ok for r in verify_chains())
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="the trigger is back")


def test_it_refuses_to_migrate_a_broken_global_chain(before) -> None:
    clinic = Clinic.objects.create(name="North")
    old = _populate(before, [clinic.pk, None, clinic.pk])
    victim = sorted(old)[1]
    tamper("UPDATE audit_auditevent SET summary = 'edited' WHERE id = %s", [victim])

    with pytest.raises(CommandError) as refused:
        _migrate(_latest())

    assert "the global audit chain is broken at record #2" in str(refused.value)
    assert f"(row id {victim})" in str(refused.value)
    assert "Nothing was changed" in str(refused.value)
    assert ("audit", "0005_chain_per_clinic") not in _applied()
    events = before.get_model("audit", "AuditEvent").objects.order_by("seq")
    assert list(events.values_list("seq", flat=True)) == [1, 2, 3]


def test_it_migrates_back_into_one_global_chain(before) -> None:
    clinic = Clinic.objects.create(name="North")
    _populate(before, [clinic.pk, None, clinic.pk, clinic.pk])
    _migrate(_latest())
    record(None, Action.VIEW, clinic_id=clinic.pk, summary="After the upgrade")

    apps = _migrate(BEFORE)

    events = list(apps.get_model("audit", "AuditEvent").objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, 8))  # 4 + 2 notes + 1
    prev = "0" * 64
    for event in events:
        values = {name: getattr(event, name) for name in OLD_FIELDS}
        assert (event.prev_hash, event.hash) == (prev, _old_hash(prev, values))
        prev = event.hash
    head = apps.get_model("audit", "AuditChainHead").objects.get(pk=1)
    assert (head.seq, head.hash) == (7, prev)
