"""Writes that need only the write state: the same checks as the full state, at a fixed cost."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db.models.signals import post_init

from ketaclinic.accounts.models import User
from ketaclinic.infusions import services
from ketaclinic.infusions.models import EntryKind, InfusionSession, SessionEntry
from ketaclinic.infusions.services.state import write_state
from ketaclinic.infusions.tests.helpers import NORMAL, ago, checked_in, open_session

pytestmark = pytest.mark.django_db


def test_it_checks_vitals_and_notes_against_the_corrected_check_in(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina)
    check_in = checked_in(session, nina, minutes_ago=60)
    corrected = ago(20)
    services.amend(nina, check_in, reason="Clock of the tablet was wrong", occurred_at=corrected)
    light, full = write_state(session).check_in, services.session_state(session).check_in
    assert light is not None
    assert full is not None
    assert light.occurred_at == full.occurred_at == corrected
    with pytest.raises(ValidationError, match="before the check-in"):
        services.record_vitals(nina, session, NORMAL, occurred_at=ago(30))
    with pytest.raises(ValidationError, match="before the check-in"):
        services.record_note(nina, session, "Comfortable", occurred_at=ago(30))
    services.record_vitals(nina, session, NORMAL, occurred_at=ago(10))
    kinds = list(SessionEntry.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == [EntryKind.CHECK_IN, EntryKind.AMENDMENT, EntryKind.VITALS]


def test_it_refuses_vitals_once_the_check_in_is_withdrawn(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina)
    check_in = checked_in(session, nina, minutes_ago=30)
    services.amend(nina, check_in, reason="Wrong patient's chair", withdrawn=True)
    with pytest.raises(ValidationError, match="check the patient in first"):
        services.record_vitals(nina, session, NORMAL)
    assert not SessionEntry.objects.filter(session=session, kind=EntryKind.VITALS).exists()
    assert InfusionSession.objects.get(pk=session.pk).last_seq == 2  # nothing half-saved


def test_it_gives_back_the_number_of_an_entry_sent_again(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina)
    checked_in(session, nina, minutes_ago=30)
    ref = uuid.uuid4()
    first, _ = services.record_vitals(nina, session, NORMAL, client_ref=ref, occurred_at=ago(9))
    again, _ = services.record_vitals(nina, session, NORMAL, client_ref=ref, occurred_at=ago(9))
    services.record_note(nina, session, "Asleep", occurred_at=ago(5))
    assert first.pk == again.pk
    seqs = list(SessionEntry.objects.filter(session=session).values_list("seq", flat=True))
    assert sorted(seqs) == [1, 2, 3]  # no gap where the resend took a number
    assert InfusionSession.objects.get(pk=session.pk).last_seq == 3


def _entries_read_by_a_vitals_write(session: InfusionSession, nurse: User) -> int:
    """How many entry rows the write builds (each read row is one model instance)."""
    built = []

    def count(sender: type, instance: SessionEntry, **kwargs: object) -> None:
        built.append(instance)

    post_init.connect(count, sender=SessionEntry)
    try:
        services.record_vitals(nurse, session, NORMAL, occurred_at=ago(1))
    finally:
        post_init.disconnect(count, sender=SessionEntry)
    return len(built)


def test_it_writes_vitals_reading_the_same_rows_however_long_the_session(ada, rivera, nina) -> None:
    session = open_session(ada, rivera, nina)
    checked_in(session, nina, minutes_ago=200)
    services.record_pump_event(nina, session, "start", rate_mg_per_h=14, occurred_at=ago(190))
    short = _entries_read_by_a_vitals_write(session, nina)
    for minutes in range(180, 20, -1):
        services.record_vitals(nina, session, NORMAL, occurred_at=ago(minutes))
    assert SessionEntry.objects.filter(session=session).count() > 160
    assert _entries_read_by_a_vitals_write(session, nina) == short <= 3
    assert services.session_state(session).delivered.state.value == "running"
