"""The diary's services: the rules, edits kept with their audit record, read back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.outcomes import access, services
from ketaclinic.outcomes.models import DiaryEntry, DiaryVia

pytestmark = pytest.mark.django_db

GOOD = {"pain_nrs": 6, "function_nrs": 4, "mood_nrs": 3}


def _today() -> dt.date:
    return services.clinic_today()


def test_it_records_today_and_a_missed_day(ada) -> None:
    services.record_day(ada.portal_user, ada, _today(), GOOD, via=DiaryVia.PORTAL)
    missed = _today() - dt.timedelta(days=3)
    services.record_day(ada.portal_user, ada, missed, {**GOOD, "pain_nrs": 8}, via="portal")
    rows = list(DiaryEntry.objects.filter(patient=ada).order_by("day"))
    assert [(r.day, r.pain_nrs, r.seq, r.entered_via) for r in rows] == [
        (missed, 8, 1, "portal"),
        (_today(), 6, 1, "portal"),
    ]
    assert rows[0].entered_by == ada.portal_user
    event = AuditEvent.objects.filter(object_code=str(rows[1].code)).get()
    assert (event.action, event.patient_code) == (Action.CREATE, str(ada.code))
    assert event.changes == {"day": _today().isoformat(), **GOOD}


@pytest.mark.parametrize(
    ("day_offset", "scores", "field", "words"),
    [
        (1, GOOD, "day", "Date: must not be in the future"),
        (-31, GOOD, "day", "Date: must be within the last 30 days"),
        (0, {**GOOD, "pain_nrs": 11}, "pain_nrs", "Pain: must be a whole number from 0 to 10"),
        (0, {**GOOD, "mood_nrs": -1}, "mood_nrs", "Mood: must be a whole number from 0 to 10"),
        (0, {**GOOD, "function_nrs": None}, "function_nrs", "Daily activities: choose a number"),
    ],
)
def test_it_refuses_bad_input_naming_the_field_and_saves_nothing(
    ada, day_offset, scores, field, words
) -> None:
    day = _today() + dt.timedelta(days=day_offset)
    with pytest.raises(ValidationError) as caught:
        services.record_day(ada.portal_user, ada, day, scores, via=DiaryVia.PORTAL)
    assert list(caught.value.message_dict) == [field]
    assert caught.value.message_dict[field][0].startswith(words)
    assert not DiaryEntry.objects.filter(patient=ada).exists()
    assert not AuditEvent.objects.filter(object_type="outcomes.diaryentry").exists()


def test_a_second_entry_for_a_day_is_an_edit_that_keeps_the_first(ada, nina) -> None:
    first = services.record_day(ada.portal_user, ada, _today(), GOOD, via=DiaryVia.PORTAL)
    edit = services.record_day(nina, ada, _today(), {**GOOD, "pain_nrs": 2}, via=DiaryVia.CLINIC)
    same = services.record_day(nina, ada, _today(), {**GOOD, "pain_nrs": 2}, via=DiaryVia.CLINIC)
    assert same.pk == edit.pk  # the same values again change nothing
    rows = list(DiaryEntry.objects.filter(patient=ada).order_by("seq"))
    assert [(r.seq, r.pain_nrs, r.entered_via, r.entered_by) for r in rows] == [
        (1, 6, "portal", ada.portal_user),
        (2, 2, "clinic", nina),
    ]
    assert [e.pain_nrs for e in access.diary_days(ada)] == [2]
    audit = AuditEvent.objects.get(object_code=str(edit.code))
    assert audit.action == Action.UPDATE
    assert audit.actor_username == "nina"
    assert "entered via clinic" in audit.summary
    assert audit.changes == {"day": _today().isoformat(), "pain_nrs": [6, 2]}
    assert AuditEvent.objects.filter(object_type="outcomes.diaryentry").count() == 2
    assert first.pk != edit.pk


def test_the_database_refuses_changing_a_row_or_a_score_out_of_range(ada) -> None:
    entry = services.record_day(ada.portal_user, ada, _today(), GOOD, via=DiaryVia.PORTAL)
    with pytest.raises(Exception, match="never changed in place"), transaction.atomic():
        DiaryEntry.objects.filter(pk=entry.pk).update(pain_nrs=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DiaryEntry.objects.create(
            patient=ada,
            day=_today() - dt.timedelta(days=1),
            seq=1,
            pain_nrs=12,
            function_nrs=0,
            mood_nrs=0,
            entered_via="portal",
            entered_at=entry.entered_at,
        )
