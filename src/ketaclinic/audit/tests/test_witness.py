from __future__ import annotations

import logging
import select
from pathlib import Path

import pytest
from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.audit.services import record
from ketaclinic.audit.tests.conftest import cut_chain
from ketaclinic.audit.verify import verify_chain
from ketaclinic.audit.witness import read_witness
from ketaclinic.cli import main


@pytest.fixture
def witnessed(nina: User, charlie: User, django_capture_on_commit_callbacks) -> None:
    """Six records of Nina's clinic and four of Charlie's, each witnessed after its commit."""
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(6):
            record(nina, Action.VIEW, summary=f"Viewed chart {i}", patient_code="p")
            if i < 4:
                record(charlie, Action.VIEW, summary=f"Viewed chart {i}", patient_code="q")


def _last_hash(chain: int, seq: int) -> str:
    return AuditEvent.objects.get(chain=chain, seq=seq).hash


def test_it_writes_one_short_keyed_line_per_record(witnessed, witness_path, nina) -> None:
    lines = witness_path.read_text().splitlines()
    assert len(lines) == 10
    first = lines[0]
    assert first.startswith(f"w1 chain={nina.clinic_id} seq=1 hash={_last_hash(nina.clinic_id, 1)}")
    assert " mac=" in first
    # One write() under PIPE_BUF: appended whole even with several writers.
    assert max(len(line) + 1 for line in lines) < min(select.PIPE_BUF, 256)
    log = read_witness([witness_path])
    assert not log.problems
    assert log.newest(nina.clinic_id) == 6


def test_it_detects_records_removed_from_the_end(
    witnessed, witness_path, nina, charlie, capsys
) -> None:
    witnessed_hash = _last_hash(nina.clinic_id, 6)
    cut_chain(nina.clinic_id, keep=4)
    # Without the witness the cut is invisible: the chain and its head agree.
    assert verify_chain(nina.clinic_id).ok
    log = read_witness([witness_path])
    report = verify_chain(nina.clinic_id, log)
    assert not report.ok
    assert report.reason == (
        f'the witness saw record #6 of clinic "Desert Sky" ({nina.clinic.code}) with hash '
        f"{witnessed_hash}, but the chain ends at #4 (records were removed from the end)"
    )
    assert verify_chain(charlie.clinic_id, log).ok
    assert main(["audit", "verify"]) == 1
    out, err = capsys.readouterr()
    assert f'clinic "Desert Sky" ({nina.clinic.code}): audit chain BROKEN at record #5' in err
    assert "(records were removed from the end)" in err
    assert f'clinic "Elsewhere" ({charlie.clinic.code}): OK, 4 records verified' in out
    assert "witnessed to the end" in out
    assert "audit chains BROKEN: 1 of 2 chains" in err


def test_it_detects_a_chain_rewritten_with_the_key(witnessed, witness_path, nina) -> None:
    # Someone with the database and the key cuts the chain and writes it on consistently,
    # but cannot take back what the witness saw.
    cut_chain(nina.clinic_id, keep=3)
    with transaction.atomic():  # no commit callbacks here: the witness never sees these
        for _ in range(3):
            record(nina, Action.VIEW, summary="Nothing happened")
    assert verify_chain(nina.clinic_id).ok
    report = verify_chain(nina.clinic_id, read_witness([witness_path]))
    replaced = AuditEvent.objects.get(chain=nina.clinic_id, seq=4)
    assert (report.ok, report.broken_seq, report.broken_id) == (False, 4, replaced.pk)
    assert "rewritten" in report.reason


def test_it_reports_a_witness_line_whose_mac_does_not_verify(
    witnessed, witness_path, capsys
) -> None:
    lines = witness_path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace("seq=2", "seq=9")
    witness_path.write_text("".join(lines))
    log = read_witness([witness_path])
    assert [(p.line, "MAC does not verify" in p.reason) for p in log.problems] == [(3, True)]
    assert main(["audit", "verify", "--witness", str(witness_path)]) == 1
    err = capsys.readouterr().err
    assert f"audit witness BROKEN: witness {witness_path} line 3: its MAC does not verify" in err


def test_it_reports_a_line_cut_short(witnessed, witness_path) -> None:
    with witness_path.open("a") as stream:
        stream.write("w1 chain=1 seq=7 hash=abc\n")
    log = read_witness([witness_path])
    assert [p.reason for p in log.problems] == ["not a witness line (cut short?)"]


def test_it_combines_the_witness_files_of_several_servers(
    witnessed, witness_path, tmp_path, nina, capsys
) -> None:
    lines = witness_path.read_text().splitlines(keepends=True)
    first, second = tmp_path / "server-a.log", tmp_path / "server-b.log"
    first.write_text("".join(lines[0::2]))
    # A remote log's export: a syslog prefix on every line is fine.
    second.write_text("".join(f"Nov 27 15:30:00 app2 ketaclinic: {x}" for x in lines[1::2]))
    log = read_witness([first, second])
    assert not log.problems
    assert log.newest(nina.clinic_id) == 6
    cut_chain(nina.clinic_id, keep=5)
    assert main(["audit", "verify", "--witness", str(first), "--witness", str(second)]) == 1
    assert "removed from the end" in capsys.readouterr().err


def test_it_says_witness_behind_when_the_file_cannot_be_written(
    witnessed,
    settings,
    tmp_path,
    witness_path,
    nina,
    caplog,
    capsys,
    django_capture_on_commit_callbacks,
) -> None:
    settings.AUDIT_WITNESS_PATH = tmp_path / "missing-directory" / "audit-witness.log"
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        event = record(nina, Action.VIEW, summary="Viewed chart")
    # The clinical write stands; the failure is logged and verify shows the gap.
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert "could not append record #7" in caplog.text
    report = verify_chain(nina.clinic_id, read_witness([witness_path]))
    assert report.ok
    assert report.witness_behind
    assert report.witnessed_seq == 6
    assert main(["audit", "verify", "--witness", str(witness_path)]) == 0
    assert (
        "OK, 7 records verified; witness behind: last witnessed #6 of 7" in capsys.readouterr().out
    )


def test_it_never_witnesses_a_record_that_rolled_back(
    nina, witness_path, django_capture_on_commit_callbacks
) -> None:
    def failing_write() -> None:
        with transaction.atomic():
            record(nina, Action.VIEW, summary="Viewed chart")
            raise RuntimeError("the clinical write failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        failing_write()
    assert callbacks == []
    assert not Path(witness_path).exists()
    assert not AuditEvent.objects.exists()


def test_it_refuses_an_unreadable_witness_file(witnessed, tmp_path, capsys) -> None:
    assert main(["audit", "verify", "--witness", str(tmp_path / "nothing.log")]) == 2
    assert "--witness: cannot read" in capsys.readouterr().err


def test_it_warns_at_start_up_when_the_witness_cannot_be_written(settings, tmp_path) -> None:
    from ketaclinic.audit.apps import check_witness_path

    assert check_witness_path() == []
    settings.AUDIT_WITNESS_PATH = tmp_path / "missing-directory" / "audit-witness.log"
    assert [m.id for m in check_witness_path()] == ["ketaclinic.audit.W001"]


def test_it_checkpoints_the_end_of_every_verified_chain(
    nina, charlie, witness_path, capsys
) -> None:
    # Records whose commit callbacks never ran: nothing witnessed them (an idle clinic
    # since the upgrade, or since the witness file was rotated).
    for user in (nina, charlie):
        record(user, Action.VIEW, summary="Viewed chart")
        record(user, Action.VIEW, summary="Viewed chart")
    assert main(["audit", "verify", "--checkpoint"]) == 0
    assert "audit witness: 2 of 2 chain ends checkpointed" in capsys.readouterr().out
    assert read_witness([witness_path]).newest(nina.clinic_id) == 2
    cut_chain(nina.clinic_id, keep=1)
    assert main(["audit", "verify"]) == 1
    assert "removed from the end" in capsys.readouterr().err


@pytest.fixture
def chains_with_a_cut(witnessed, nina) -> None:
    cut_chain(nina.clinic_id, keep=2)


def test_it_checkpoints_nothing_when_a_chain_is_broken(chains_with_a_cut, witness_path) -> None:
    lines_before = witness_path.read_text()
    assert main(["audit", "verify", "--checkpoint"]) == 1
    assert witness_path.read_text() == lines_before
