"""One hash chain per clinic (and a system chain for records of no clinic).

Until 0004 every audit record was appended to one global chain under one locked head row.
This migration re-seals the existing records into per-clinic chains:

1. It drops the append-only trigger (it refuses the UPDATEs below; on SQLite a table
   rebuild would drop it anyway) and recreates it as the last step.
2. It verifies the global chain with the formula the records were written with. If a
   record is missing, changed or out of link, or the head row says the chain is longer
   than it is, it stops with an error and nothing is changed (the migration is one
   transaction on PostgreSQL and on SQLite).
3. Each record keeps its row id and its content; it gets its chain (its clinic's id, or 0),
   a sequence number within that chain, and a new prev_hash and hash, computed with the
   chain key inside the hashed record. The new numbers go to a temporary column first
   because ``seq`` stays unique (and indexed) until every record has been read in order.
4. One record is appended to each chain that says it was re-sealed from the global chain
   verified intact up to #N with head hash H; each chain gets its head row.
5. ``(chain, seq)`` becomes unique, the single head row goes.

Backwards, every per-clinic chain is verified and all records are re-sealed, in row-id
order, into one global chain (the note records stay, as records).

The hash functions are copied here on purpose: a later change to audit/chain.py must not
change what this migration verifies or writes.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import CommandError
from django.db import migrations, models
from django.utils import timezone

GENESIS = "0" * 64
SYSTEM_CHAIN = 0
BATCH = 2000
#: The hashed fields of the global chain (audit/chain.py up to 0004) ...
V1_FIELDS = (
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
#: ... and of the per-clinic chains: the chain key is hashed too.
V2_FIELDS = ("chain", *V1_FIELDS)

PG_DROP = "DROP TRIGGER IF EXISTS audit_append_only ON audit_auditevent;"
PG_CREATE = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS audit_append_only;"
SQLITE_CREATE = """
CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit_auditevent
BEGIN SELECT RAISE(ABORT, 'audit records are append-only (UPDATE refused)'); END;
"""


# ---------------------------------------------------------------- the trigger


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


def create_trigger(apps, schema_editor):
    drop_trigger(apps, schema_editor)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)


# ---------------------------------------------------------------- hashing (frozen)


def _hash(prev_hash, event, fields, **override):
    out = {}
    for name in fields:
        value = override[name] if name in override else getattr(event, name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        out[name] = value
    body = json.dumps(out, sort_keys=True, separators=(",", ":"), default=str).encode()
    key = settings.AUDIT_HMAC_KEY.encode()
    return hmac.new(key, prev_hash.encode() + body, hashlib.sha256).hexdigest()


def _batches(queryset, field):
    """Rows in order of a unique ``field``, a batch at a time (keyset pagination)."""
    last = 0
    while True:
        batch = list(queryset.filter(**{f"{field}__gt": last}).order_by(field)[:BATCH])
        if not batch:
            return
        yield batch
        last = getattr(batch[-1], field)


def _refuse(what, seq, row_id, reason):
    where = f"record #{seq}" + (f" (row id {row_id})" if row_id is not None else "")
    return CommandError(
        f"audit migration 0005 refused: {what} is broken at {where}: {reason}. "
        "Nothing was changed. Restore the audit table from a backup that verifies "
        "(`ketaclinic audit verify` on the release you are upgrading from), then migrate again."
    )


def _check(event, expected_seq, expected_prev, fields, what):
    if event.seq != expected_seq:
        raise _refuse(what, expected_seq, None, f"it is missing (next present is #{event.seq})")
    if event.prev_hash != expected_prev:
        raise _refuse(what, event.seq, event.pk, "its link to the previous record does not match")
    if not hmac.compare_digest(event.hash, _hash(event.prev_hash, event, fields)):
        raise _refuse(what, event.seq, event.pk, "its content does not match its hash")


# ---------------------------------------------------------------- forwards


def _verify_global_chain(Event, LegacyHead):
    """Walk the global chain; return its last sequence number and hash, or refuse."""
    what = "the global audit chain"
    prev, last = GENESIS, 0
    for batch in _batches(Event.objects.all(), "seq"):
        for event in batch:
            _check(event, last + 1, prev, V1_FIELDS, what)
            prev, last = event.hash, event.seq
    head = LegacyHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != last or head.hash != prev):
        raise _refuse(
            what,
            last + 1,
            None,
            f"the chain ends at #{last} but the head row says #{head.seq} "
            "(records were removed from the end)",
        )
    return last, prev


def _reseal_in_order(Event, connection):
    """Give every record its chain, seq and hashes; return each chain's end."""
    ends = {}
    table = connection.ops.quote_name(Event._meta.db_table)
    sql = (
        f"UPDATE {table} SET chain = %s, resealed_seq = %s, prev_hash = %s, hash = %s "
        "WHERE id = %s"
    )
    for batch in _batches(Event.objects.all(), "seq"):
        rows = []
        for event in batch:
            chain = SYSTEM_CHAIN if event.clinic_id is None else event.clinic_id
            seq, prev = ends.get(chain, (0, GENESIS))
            new_hash = _hash(prev, event, V2_FIELDS, chain=chain, seq=seq + 1)
            rows.append((chain, seq + 1, prev, new_hash, event.pk))
            ends[chain] = (seq + 1, new_hash)
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    return ends


def _append_notes(Event, ends, verified_seq, verified_hash):
    """Close each re-sealed chain with a record that says where it came from."""
    summary = (
        f"Re-sealed from the global audit chain, verified intact up to #{verified_seq} "
        f"with head hash {verified_hash}"
    )
    now = timezone.now()
    for offset, chain in enumerate(sorted(ends), start=1):
        seq, prev = ends[chain]
        note = Event(
            chain=chain,
            resealed_seq=seq + 1,
            seq=verified_seq + offset,  # unique until seq takes resealed_seq's values
            created_at=now,
            actor_id=None,
            actor_username="",
            actor_role="",
            clinic_id=None if chain == SYSTEM_CHAIN else chain,
            action="update",
            object_type="audit.chainhead",
            object_code="",
            patient_code="",
            summary=summary,
            changes={
                "resealed_from": "global chain",
                "verified_up_to_seq": verified_seq,
                "head_hash": verified_hash,
                "records_resealed": seq,
                "migration": "audit.0005_chain_per_clinic",
            },
            ip_address=None,
            prev_hash=prev,
        )
        note.hash = _hash(prev, note, V2_FIELDS, seq=seq + 1)
        note.save(force_insert=True)
        ends[chain] = (seq + 1, note.hash)


def reseal_into_clinic_chains(apps, schema_editor):
    Event = apps.get_model("audit", "AuditEvent")
    verified_seq, verified_hash = _verify_global_chain(
        Event, apps.get_model("audit", "AuditChainHead")
    )
    ends = _reseal_in_order(Event, schema_editor.connection)
    _append_notes(Event, ends, verified_seq, verified_hash)
    Head = apps.get_model("audit", "ChainHead")
    Head.objects.bulk_create(Head(chain=c, seq=s, hash=h) for c, (s, h) in ends.items())


def move_resealed_seq(apps, schema_editor):
    Event = apps.get_model("audit", "AuditEvent")
    Event.objects.update(seq=models.F("resealed_seq"))


# ---------------------------------------------------------------- backwards


def verify_clinic_chains(apps, schema_editor):
    Event = apps.get_model("audit", "AuditEvent")
    chains = Event.objects.values_list("chain", flat=True).distinct().order_by("chain")
    for chain in list(chains):
        prev, last = GENESIS, 0
        for batch in _batches(Event.objects.filter(chain=chain), "seq"):
            for event in batch:
                _check(event, last + 1, prev, V2_FIELDS, f"the audit chain of clinic id {chain}")
                prev, last = event.hash, event.seq


def reseal_into_global_chain(apps, schema_editor):
    Event = apps.get_model("audit", "AuditEvent")
    connection = schema_editor.connection
    table = connection.ops.quote_name(Event._meta.db_table)
    sql = f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s"
    prev, seq = GENESIS, 0
    for batch in _batches(Event.objects.all(), "id"):
        rows = []
        for event in batch:
            seq += 1
            new_hash = _hash(prev, event, V1_FIELDS, seq=seq)
            rows.append((seq, prev, new_hash, event.pk))
            prev = new_hash
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    LegacyHead = apps.get_model("audit", "AuditChainHead")
    LegacyHead.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": prev})


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_more_actions")]

    operations = [
        migrations.RunPython(drop_trigger, create_trigger),
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("chain", models.BigIntegerField(primary_key=True, serialize=False)),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(default=GENESIS, max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name="auditevent", name="chain", field=models.BigIntegerField(null=True)
        ),
        migrations.AddField(
            model_name="auditevent",
            name="resealed_seq",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.RunPython(reseal_into_clinic_chains, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent", name="seq", field=models.PositiveBigIntegerField()
        ),
        migrations.RunPython(move_resealed_seq, reseal_into_global_chain),
        migrations.RemoveField(model_name="auditevent", name="resealed_seq"),
        migrations.AlterField(
            model_name="auditevent", name="chain", field=models.BigIntegerField()
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "seq"), name="audit_chain_seq_uniq"
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, verify_clinic_chains),
        migrations.DeleteModel(name="AuditChainHead"),
        migrations.AlterModelOptions(
            name="auditevent", options={"ordering": ("-created_at", "-id")}
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
