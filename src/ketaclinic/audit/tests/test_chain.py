from __future__ import annotations

import itertools

import pytest
from django.db import DatabaseError, connection, transaction

from ketaclinic.audit.chain import verify_chain
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.audit.services import record
from ketaclinic.cli import main


def _tamper(sql: str, params: list[str | int]) -> None:
    """Change a row as someone with database-owner rights would: around the trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_append_only")
            cursor.execute(sql, params)


@pytest.fixture
def chain(nina):
    for i in range(5):
        record(nina, Action.VIEW, summary=f"Viewed chart {i}", patient_code="p")
    return list(AuditEvent.objects.order_by("seq"))


def test_it_links_each_record_to_the_one_before(chain) -> None:
    assert [e.seq for e in chain][-5:] == list(range(chain[-5].seq, chain[-5].seq + 5))
    for before, after in itertools.pairwise(chain):
        assert after.prev_hash == before.hash
    assert verify_chain().ok


def test_it_refuses_updates_in_the_database(chain) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=chain[2].pk).update(summary="nothing to see")


def test_it_names_the_tampered_row(chain, capsys) -> None:
    victim = chain[2]
    _tamper("UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["edited", victim.pk])
    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == victim.seq
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"record #{victim.seq} (row id {victim.pk})" in err
    assert "changed" in err


def test_it_notices_a_removed_row(chain) -> None:
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [chain[1].pk])
    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == chain[1].seq


def test_it_notices_rows_removed_from_the_end(chain) -> None:
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [chain[-1].pk])
    report = verify_chain()
    assert not report.ok
    assert "removed from the end" in report.reason


def test_it_says_ok_on_an_intact_chain(chain, capsys) -> None:
    assert main(["audit", "verify"]) == 0
    assert "records verified" in capsys.readouterr().out
