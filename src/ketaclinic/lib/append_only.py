"""Tables whose rows are never changed in place, guarded by the database itself.

Signed records (screening decisions, policy approvals, and next session
records and follow-up notes) and versioned documents (policy versions) are
facts: a correction is a new row that names the old one. A trigger refuses
UPDATE of such a table (and DELETE too on PostgreSQL). SQLite keeps DELETE
possible because Django's test runner empties tables with it; a removed row
still leaves its audit record.

The trigger is a guard rail, not proof: a database owner can drop it. The
keyed audit chain is what makes tampering evident.

Use :class:`AppendOnly` in a migration after creating the table, and again
after any operation that rebuilds the table (on SQLite, most ``AlterField``
and ``AddField`` operations copy the table into a new one, which drops its
triggers): it drops and re-creates the trigger, so running it twice is safe.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

__all__ = ["AppendOnly", "LiftAppendOnly"]

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ketaclinic_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%% rows are never changed in place (%% refused)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def _create(schema_editor: Any, table: str) -> None:
    vendor = schema_editor.connection.vendor
    _drop(schema_editor, table)
    if vendor == "postgresql":
        schema_editor.execute(_PG_FUNCTION)
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ketaclinic_refuse_change();"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are never changed in place'); END;"
        )


def _drop(schema_editor: Any, table: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")


class AppendOnly(migrations.RunPython):
    """(Re-)create the append-only trigger of ``table``; reversing drops it."""

    def __init__(self, table: str, *, reverse: bool = True) -> None:
        self.table = table

        def forward(apps: Any, schema_editor: Any) -> None:
            _create(schema_editor, table)

        def backward(apps: Any, schema_editor: Any) -> None:
            if reverse:
                _drop(schema_editor, table)

        super().__init__(forward, backward)

    def describe(self) -> str:
        return f"Make {self.table} append-only"


class LiftAppendOnly(migrations.RunPython):
    """Drop ``table``'s trigger for the following operations (re-create it after them)."""

    def __init__(self, table: str) -> None:
        self.table = table
        super().__init__(
            lambda apps, schema_editor: _drop(schema_editor, table),
            lambda apps, schema_editor: _create(schema_editor, table),
        )

    def describe(self) -> str:
        return f"Lift the append-only trigger of {self.table}"
