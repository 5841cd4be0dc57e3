"""No double booking, enforced by the database (docs/scheduling.md, "No double booking").

PostgreSQL: an exclusion constraint over (holder, [starts_at, ends_at)) of active rows;
btree_gist lets a GiST index compare the holder with ``=``. Two transactions inserting
overlapping rows at once: the second waits for the first and fails when it commits.

SQLite: triggers refusing an active row of a holder that overlaps another active row.
SQLite admits one writer at a time, so the check and the insert cannot interleave with
another writer's. A later migration that rebuilds the table (most AlterField/AddField on
SQLite) drops the triggers: run ``NoOverlap()`` again after it.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TABLE = "scheduling_allocation"
_OVERLAP = (
    f"EXISTS (SELECT 1 FROM {TABLE} a WHERE a.holder = NEW.holder AND a.active "
    "AND a.starts_at < NEW.ends_at AND NEW.starts_at < a.ends_at{other})"
)
_MESSAGE = "allocation_no_overlap: the holder is already booked at that time"


def _create(schema_editor: Any) -> None:
    _drop(schema_editor)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist;")
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT allocation_no_overlap EXCLUDE USING gist "
            "(holder WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (active);"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER allocation_no_overlap_insert BEFORE INSERT ON {TABLE} "
            f"WHEN NEW.active AND {_OVERLAP.format(other='')} "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END;"
        )
        schema_editor.execute(
            f"CREATE TRIGGER allocation_no_overlap_update BEFORE UPDATE ON {TABLE} "
            f"WHEN NEW.active AND {_OVERLAP.format(other=' AND a.id != NEW.id')} "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END;"
        )


def _drop(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS allocation_no_overlap;")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS allocation_no_overlap_insert;")
        schema_editor.execute("DROP TRIGGER IF EXISTS allocation_no_overlap_update;")


class NoOverlap(migrations.RunPython):
    def __init__(self) -> None:
        super().__init__(
            lambda apps, schema_editor: _create(schema_editor),
            lambda apps, schema_editor: _drop(schema_editor),
        )

    def describe(self) -> str:
        return "Refuse overlapping active allocations of one holder"


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]
    operations = [NoOverlap()]
