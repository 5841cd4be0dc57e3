"""Helpers for the audit tests: a witness file per test, and tampering as an attacker would."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def witness_path(settings: Settings, tmp_path: Path) -> Path:
    """Each test's own witness file: the default one is shared by the whole test run."""
    path = tmp_path / "audit-witness.log"
    settings.AUDIT_WITNESS_PATH = path
    return path


def tamper(sql: str, params: list[str | int]) -> None:
    """Run SQL as someone with database-owner rights would: around the append-only trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_append_only")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_append_only")
            cursor.execute(sql, params)


def cut_chain(chain: int, keep: int) -> None:
    """Delete a chain's records after #keep and point its head row at #keep, as an attacker."""
    tamper("DELETE FROM audit_auditevent WHERE chain = %s AND seq > %s", [chain, keep])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT hash FROM audit_auditevent WHERE chain = %s AND seq = %s", [chain, keep]
        )
        (last_hash,) = cursor.fetchone()
        cursor.execute(
            "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE chain = %s",
            [keep, last_hash, chain],
        )
