"""Rows into the real tables, fast: COPY on PostgreSQL, executemany on SQLite.

The bulk generator hands rows (tuples in a table's column order) to a :class:`Tables`
buffer; ``flush`` writes every table in foreign-key order inside the caller's
transaction, then forgets them, so memory stays bounded by one chunk of patients.

Primary keys are given by the generator (``Ids``: the next free id of each table, read
once before the load), so that rows of one chunk can point at each other without a
round trip; afterwards :func:`reset_sequences` moves PostgreSQL's identity sequences past
them. Every index, unique and CHECK constraint and trigger stays in place: each row is
checked by the database as it is written (the append-only triggers refuse only UPDATE
and DELETE).

Values are converted here, once per vendor: datetimes to UTC text, UUIDs to hex, JSON to
text, booleans to what the column takes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

__all__ = ["Ids", "Table", "Tables", "reset_sequences"]


class Table:
    """A table's name and the columns the generator fills, in order."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        self.name: str = model._meta.db_table
        self.columns = tuple(columns)
        fields = {f.column: f for f in model._meta.concrete_fields}
        kinds = [_kind(fields[c]) for c in self.columns]
        # psycopg writes datetimes, dates, booleans and UUIDs itself; JSON is ours to write.
        self._pg = tuple((i, k) for i, k in enumerate(kinds) if k == "json")
        self._sqlite = tuple((i, k) for i, k in enumerate(kinds) if k)

    def convert(self, row: Sequence[Any], vendor: str) -> Sequence[Any]:
        wanted = self._pg if vendor == "postgresql" else self._sqlite
        if not wanted:
            return row
        values = list(row)
        for i, kind in wanted:
            values[i] = _convert(values[i], kind, vendor)
        return values


def _kind(field: models.Field[Any, Any]) -> str:
    if isinstance(field, models.JSONField):
        return "json"
    if isinstance(field, models.UUIDField):
        return "uuid"
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.BooleanField):
        return "bool"
    if isinstance(field, models.DateField):
        return "date"
    return ""


def _convert(value: Any, kind: str, vendor: str) -> Any:
    if value is None or not kind:
        return value
    if kind == "json":  # a str is JSON already (the generator's constants)
        return value if isinstance(value, str) else json.dumps(value, separators=(", ", ": "))
    if kind == "uuid":
        return value.hex if isinstance(value, uuid.UUID) else value
    if kind == "datetime":
        utc = value.astimezone(dt.UTC)
        if vendor == "sqlite":  # Django's SQLite backend stores naive UTC text
            return utc.replace(tzinfo=None).isoformat(" ")
        return utc.isoformat(" ")
    if kind == "date":
        return value.isoformat()
    if kind == "bool":
        return int(value) if vendor == "sqlite" else ("t" if value else "f")
    return value


class Ids:
    """The next free primary key of each table, handed out in order.

    ``base``: start at this id at least, for a second loader writing at the same time as a
    first (each then owns its own range; the keys are 64-bit).
    """

    def __init__(self, tables: Sequence[Table], *, base: int = 0) -> None:
        self._next: dict[str, int] = {}
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}")  # noqa: S608 (a model's table)
                self._next[table.name] = max(int(cursor.fetchone()[0]) + 1, base)

    def take(self, table: Table) -> int:
        value = self._next[table.name]
        self._next[table.name] = value + 1
        return value


class Tables:
    """Rows buffered per table until ``flush``; ``counts`` adds up what was written."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.order = tuple(tables)  # foreign-key order: a row's targets come first
        self.rows: dict[str, list[Sequence[Any]]] = {t.name: [] for t in tables}
        self.counts: dict[str, int] = {t.name: 0 for t in tables}

    def add(self, table: Table, row: Sequence[Any]) -> None:
        self.rows[table.name].append(row)

    def pending(self) -> int:
        return sum(len(r) for r in self.rows.values())

    def flush(self) -> None:
        """Write every buffered row (in the caller's transaction) and forget them."""
        vendor = connection.vendor
        with connection.cursor() as cursor:
            for table in self.order:
                rows = self.rows[table.name]
                if not rows:
                    continue
                if vendor == "postgresql":
                    _copy(cursor, table, rows)
                else:
                    _insert(cursor, table, rows, vendor)
                self.counts[table.name] += len(rows)
                rows.clear()


def _copy(cursor: Any, table: Table, rows: list[Sequence[Any]]) -> None:
    columns = ", ".join(table.columns)
    raw = cursor.cursor  # psycopg's own cursor under Django's wrapper
    with raw.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(table.convert(row, "postgresql"))


def _insert(cursor: Any, table: Table, rows: list[Sequence[Any]], vendor: str) -> None:
    columns = ", ".join(table.columns)
    marks = ", ".join(["%s"] * len(table.columns))
    cursor.executemany(
        f"INSERT INTO {table.name} ({columns}) VALUES ({marks})",  # noqa: S608 (model table)
        [table.convert(row, vendor) for row in rows],
    )


def reset_sequences(tables: Sequence[Table]) -> None:
    """Move each table's id sequence past the ids given (PostgreSQL; SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
