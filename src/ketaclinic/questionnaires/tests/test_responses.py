"""Responses are appended, scored by ketacore, and never lost to a writer at the same moment."""

from __future__ import annotations

from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from ketaclinic.audit.models import AuditEvent
from ketaclinic.conftest import at_once
from ketaclinic.questionnaires.models import NO_ENCOUNTER, QuestionnaireResponse
from ketaclinic.questionnaires.services import record_answers
from ketacore.scoring import get_instrument

NONE = ("", NO_ENCOUNTER)
HEALTH = {
    "hypertension": "controlled",
    "cardiac": "stable",
    "pregnant": "no",
    "breastfeeding": "no",
    "psychosis": "none",
    "active_substance_use": "no",
    "liver_function": "no",
    "raised_icp": "no",
    "raised_iop": "no",
}


def test_each_save_is_a_new_step_scored_when_complete(ada, nina) -> None:
    items = [item.id for item in get_instrument("gad7").items]
    first = record_answers(nina, ada, "gad7", {items[0]: 2}, via="staff")
    assert (first.seq, first.score, first.missing[0]) == (1, None, items[1])
    done = record_answers(nina, ada, "gad7", dict.fromkeys(items[1:], 1), via="staff")
    assert done.seq == 2
    assert done.score is not None
    assert done.score["total"] == 8
    assert QuestionnaireResponse.objects.filter(patient=ada).count() == 2
    assert AuditEvent.objects.filter(object_code=str(done.code)).count() == 1


def test_saving_the_same_answers_again_writes_nothing(ada, nina) -> None:
    first = record_answers(nina, ada, "pain", {"pain_duration_months": 5}, via="staff")
    again = record_answers(nina, ada, "pain", {"pain_duration_months": 5}, via="staff")
    assert again == first
    assert QuestionnaireResponse.objects.count() == 1


def test_a_bad_answer_is_refused_by_its_field_and_nothing_is_stored(ada, nina) -> None:
    with pytest.raises(ValidationError) as exc:
        record_answers(nina, ada, "pain", {"pain_duration_months": 5000}, via="staff")
    assert "pain.pain_duration_months" in str(exc.value)
    assert not QuestionnaireResponse.objects.exists()


def test_a_response_is_never_changed_in_place(ada, nina) -> None:
    row = record_answers(nina, ada, "pain", {"pain_duration_months": 5}, via="staff")
    with pytest.raises(DatabaseError), transaction.atomic():
        QuestionnaireResponse.objects.filter(pk=row.pk).update(answers={})


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_without_an_encounter_lock_keep_every_answer(ada, nina) -> None:
    """No screening row serialises these writers: the unique step does, with a retry."""
    calls = [
        partial(record_answers, nina, ada, "health", {question: answer}, via="staff")
        for question, answer in HEALTH.items()
    ]
    at_once(*calls)
    newest = QuestionnaireResponse.objects.newest(ada, "health", NONE)
    assert newest is not None
    assert newest.answers == HEALTH
    steps = list(QuestionnaireResponse.objects.filter(patient=ada).values_list("seq", flat=True))
    assert sorted(steps) == list(range(1, len(HEALTH) + 1))
    assert QuestionnaireResponse.objects.newest_each(ada, NONE)["health"].pk == newest.pk
