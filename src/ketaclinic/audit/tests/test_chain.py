from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.audit import verify
from ketaclinic.audit.chain import SYSTEM_CHAIN
from ketaclinic.audit.models import Action, AuditEvent, ChainHead
from ketaclinic.audit.services import record
from ketaclinic.audit.tests.conftest import tamper
from ketaclinic.audit.verify import verify_chain, verify_chains
from ketaclinic.cli import main


@pytest.fixture
def chains(nina: User, charlie: User) -> dict[int, list[AuditEvent]]:
    """Five records of Nina's clinic and three of Charlie's, interleaved."""
    for i in range(5):
        record(nina, Action.VIEW, summary=f"Viewed chart {i}", patient_code="p")
        if i < 3:
            record(charlie, Action.VIEW, summary=f"Viewed chart {i}", patient_code="q")
    return {
        user.clinic_id: list(AuditEvent.objects.filter(chain=user.clinic_id).order_by("seq"))
        for user in (nina, charlie)
    }


def test_it_gives_each_clinic_its_own_chain(chains, nina, charlie) -> None:
    mine, theirs = chains[nina.clinic_id], chains[charlie.clinic_id]
    assert [e.seq for e in mine] == [1, 2, 3, 4, 5]
    assert [e.seq for e in theirs] == [1, 2, 3]
    head = ChainHead.objects.get(chain=nina.clinic_id)
    assert (head.seq, head.hash) == (5, mine[-1].hash)


def test_it_links_each_record_to_the_one_before(chains) -> None:
    for events in chains.values():
        assert events[0].prev_hash == "0" * 64
        for before, after in itertools.pairwise(events):
            assert after.prev_hash == before.hash
    assert all(report.ok for report in verify_chains())


def test_it_keeps_records_of_no_clinic_in_the_system_chain(db) -> None:
    record(None, Action.LOGIN_FAILED, username="nobody", summary="Failed sign-in")
    event = AuditEvent.objects.get()
    assert (event.chain, event.seq, event.clinic_id) == (SYSTEM_CHAIN, 1, None)
    assert verify_chain(SYSTEM_CHAIN).ok


def test_it_refuses_updates_in_the_database(chains, nina) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=chains[nina.clinic_id][2].pk).update(summary="nothing")


def test_it_names_the_tampered_row_and_still_verifies_the_other_clinic(
    chains, nina, charlie, capsys
) -> None:
    victim = chains[nina.clinic_id][2]
    tamper("UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["edited", victim.pk])
    report = verify_chain(nina.clinic_id)
    assert not report.ok
    assert (report.broken_seq, report.broken_id) == (victim.seq, victim.pk)
    assert verify_chain(charlie.clinic_id).ok
    assert main(["audit", "verify"]) == 1
    out, err = capsys.readouterr()
    assert f'clinic "Desert Sky" ({nina.clinic.code}): audit chain BROKEN' in err
    assert f"at record #{victim.seq} (row id {victim.pk})" in err
    assert "the row was changed" in err
    assert f'clinic "Elsewhere" ({charlie.clinic.code}): OK, 3 records verified' in out


def test_it_notices_a_removed_row(chains, nina) -> None:
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [chains[nina.clinic_id][1].pk])
    report = verify_chain(nina.clinic_id)
    assert not report.ok
    assert report.broken_seq == 2
    assert "missing" in report.reason


def test_it_notices_rows_removed_from_the_end_when_the_head_is_left(chains, nina) -> None:
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [chains[nina.clinic_id][-1].pk])
    report = verify_chain(nina.clinic_id)
    assert not report.ok
    assert "removed from the end" in report.reason


def test_it_notices_a_record_moved_to_another_clinic(chains, nina, charlie) -> None:
    # Same content, other chain: the chain key is hashed, so the move shows.
    moved = chains[charlie.clinic_id][-1]
    tamper(
        "UPDATE audit_auditevent SET chain = %s, seq = 6, prev_hash = %s WHERE id = %s",
        [nina.clinic_id, chains[nina.clinic_id][-1].hash, moved.pk],
    )
    report = verify_chain(nina.clinic_id)
    assert not report.ok
    assert (report.broken_seq, report.broken_id) == (6, moved.pk)


def test_it_says_ok_on_intact_chains(chains, capsys) -> None:
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "audit chains OK: 8 records verified in 2 chains." in out


def test_it_checks_one_clinic_named_by_code_or_name(chains, nina, charlie, capsys) -> None:
    tamper(
        "UPDATE audit_auditevent SET summary = 'x' WHERE id = %s", [chains[nina.clinic_id][0].pk]
    )
    assert main(["audit", "verify", "--clinic", str(charlie.clinic.code)]) == 0
    assert main(["audit", "verify", "--clinic", "Elsewhere"]) == 0
    assert main(["audit", "verify", "--clinic", "Desert Sky"]) == 1
    out = capsys.readouterr().out
    assert "Desert Sky" not in out
    assert "audit chains OK: 3 records verified in 1 chain." in out


def test_it_refuses_an_unknown_or_ambiguous_clinic(chains, capsys) -> None:
    assert main(["audit", "verify", "--clinic", "Nowhere"]) == 2
    Clinic.objects.create(name="Elsewhere")
    assert main(["audit", "verify", "--clinic", "Elsewhere"]) == 2
    err = capsys.readouterr().err
    assert "no clinic with the code or name 'Nowhere'" in err
    assert "2 clinics are named 'Elsewhere'; give its code" in err


def test_it_lists_the_clinic_trail_in_chain_order(chains, alice, client) -> None:
    from ketaclinic.conftest import login

    response = login(client, alice).get("/audit/")
    assert response.status_code == 200
    rows = [e.seq for e in response.context["page"].object_list]
    # Nina's five views and Alice's own sign-in-free session: newest first, one clinic only.
    assert rows == sorted(rows, reverse=True)
    assert all(e.chain == alice.clinic_id for e in response.context["page"].object_list)
    assert {"Viewed chart 4", "Viewed chart 0"} <= {
        e.summary for e in response.context["page"].object_list
    }


def test_it_notices_a_rewritten_head_row(chains, nina) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_chainhead SET hash = %s WHERE chain = %s", ["f" * 64, nina.clinic_id]
        )
    report = verify_chain(nina.clinic_id)
    assert (report.ok, report.broken_seq) == (False, 5)
    assert "the head row was rewritten" in report.reason


def test_it_does_not_take_a_record_written_during_the_walk_for_a_cut(
    chains, nina, monkeypatch
) -> None:
    # verify runs on a live system: the head row must be read before the walk.
    walk = verify._iter_events

    def walk_then_write(chain: int, batch_size: int) -> Iterator[AuditEvent]:
        yield from walk(chain, batch_size)
        record(nina, Action.VIEW, summary="Meanwhile")

    monkeypatch.setattr(verify, "_iter_events", walk_then_write)
    assert verify.verify_chain(nina.clinic_id).ok


def test_it_lists_the_chains_with_one_row_each(chains) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert verify.all_chains() == sorted(chains)
    distinct = next(q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"])
    assert "created_at" not in distinct


def test_the_trail_page_names_record_types_and_patients_in_words(alice, ada, nina) -> None:
    from django.test import Client
    from django.urls import reverse

    from ketaclinic.conftest import login
    from ketaclinic.patients import access

    access.get_patient_for_user(nina, ada.code, part="chart")  # a view record about Ada
    page = login(Client(), alice).get(reverse("audit:list"))
    text = page.content.decode()
    assert "Ada Lovelace" in text
    assert "<td>Patient</td>" in text
    assert "<td>patients.patient</td>" not in text
    listed = page.context["rows"]
    assert any(r.patient_name == "Ada Lovelace" for r in listed)
