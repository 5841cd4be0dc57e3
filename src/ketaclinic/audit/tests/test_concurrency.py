"""Many writers at once, with real threads and a connection each, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from ketaclinic.accounts.models import Clinic
from ketaclinic.audit.models import Action, AuditEvent, ChainHead
from ketaclinic.audit.services import record
from ketaclinic.audit.verify import verify_chains
from ketaclinic.audit.witness import read_witness

pytestmark = pytest.mark.django_db(transaction=True)


def _run_at_once(jobs: list[Callable[[], None]]) -> list[BaseException]:
    """Start every job together, each in its own thread with its own connection."""
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            start.wait()
            job()
        except BaseException as exc:  # every failure is the test's result
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _append(clinic_id: int, count: int) -> Callable[[], None]:
    def job() -> None:
        for i in range(count):
            record(None, Action.VIEW, clinic_id=clinic_id, summary=f"Vitals {i}")

    return job


def _assert_sound(witness_path, expected: Counter[int]) -> None:
    events = list(AuditEvent.objects.values_list("chain", "seq", "hash"))
    assert Counter(chain for chain, _, _ in events) == expected
    assert len({(chain, seq) for chain, seq, _ in events}) == len(events)  # no duplicate seq
    witness = read_witness([witness_path])
    reports = verify_chains(witness=witness)
    assert [r.ok for r in reports] == [True] * len(expected)
    assert not witness.problems
    assert all(not r.witness_behind for r in reports)
    witnessed = {(c, s, h) for c, seqs in witness.seen.items() for s, h in seqs.items()}
    assert witnessed == set(events)  # every record has its checkpoint


def test_it_appends_from_twenty_threads_to_two_clinics(witness_path) -> None:
    first, second = Clinic.objects.create(name="North"), Clinic.objects.create(name="South")
    jobs = [_append(clinic.pk, 5) for clinic in (first, second) for _ in range(10)]
    assert _run_at_once(jobs) == []
    _assert_sound(witness_path, Counter({first.pk: 50, second.pk: 50}))
    assert ChainHead.objects.get(chain=first.pk).seq == 50


def test_it_starts_a_new_clinic_chain_from_many_threads_at_once(witness_path) -> None:
    clinic = Clinic.objects.create(name="Brand new")
    assert not ChainHead.objects.filter(chain=clinic.pk).exists()
    assert _run_at_once([_append(clinic.pk, 1) for _ in range(8)]) == []
    _assert_sound(witness_path, Counter({clinic.pk: 8}))
    assert ChainHead.objects.filter(chain=clinic.pk).count() == 1
