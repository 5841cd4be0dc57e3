"""Recording answers: checked and scored by ``ketacore``, appended, audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ketaclinic.accounts.models import User
from ketaclinic.alerts.services import raise_for_response
from ketaclinic.audit.services import Action, record
from ketaclinic.lib import clock
from ketaclinic.outcomes.tasks import MOOD_QUESTIONNAIRES, enqueue_refresh
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import NO_ENCOUNTER, QuestionnaireResponse
from ketacore.errors import InputError
from ketacore.questionnaires import check_response, title_of

__all__ = ["Encounter", "record_answers"]

#: (type, code) of the encounter a response belongs to; ("", NO_ENCOUNTER) for none.
Encounter = tuple[str, UUID]

#: Attempts at appending if a step is taken anyway (the patient lock should prevent it).
_ATTEMPTS = 3


def record_answers(
    actor: User | None,
    patient: Patient,
    questionnaire: str,
    answers: Mapping[str, Any],
    *,
    via: str,
    encounter: Encounter = ("", NO_ENCOUNTER),
    options: Mapping[str, Any] | None = None,
    merge: bool = True,
) -> QuestionnaireResponse:
    """Save answers to a questionnaire as the patient's newest response to it.

    Args:
        answers: Item id -> answer; ``None`` clears an answer.
        via: Who entered them (``EnteredVia``).
        encounter: What the response belongs to (a screening).
        options: An instrument's options (those of the last response, or its
            defaults, when None).
        merge: Add to the answers already saved (True) or replace them.

    Returns:
        The new response; or the newest one, unchanged, when nothing differs.

    Raises:
        ValidationError: Naming the item and the rule (``ketacore`` checks
            every answer); nothing is saved.
    """
    for _ in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                return _append(
                    actor, patient, questionnaire, answers, via, encounter, options, merge
                )
        except IntegrityError:
            continue  # another writer took this step; read its answers and merge again
    raise ValidationError(
        {"answers": "answers: too many saves at the same moment; nothing was saved, try again"}
    )


def _append(
    actor: User | None,
    patient: Patient,
    questionnaire: str,
    answers: Mapping[str, Any],
    via: str,
    encounter: Encounter,
    options: Mapping[str, Any] | None,
    merge: bool,
) -> QuestionnaireResponse:
    # Writers to one patient's answers queue here: each reads the answers the
    # one before it saved and merges with them (the unique step is the guard).
    Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()
    latest = QuestionnaireResponse.objects.newest(patient, questionnaire, encounter)
    before = dict(latest.answers) if latest else {}
    given = {**before, **answers} if merge else dict(answers)
    given = {k: v for k, v in given.items() if v is not None}
    if options is None and latest is not None and latest.options:
        options = latest.options
    try:
        checked = check_response(questionnaire, given, options)
    except InputError as exc:
        raise ValidationError({exc.field: f"{exc.field}: {exc.rule}"}) from None
    if latest is not None and (latest.answers, latest.options) == (
        checked.answers,
        checked.options,
    ):
        return latest
    row = QuestionnaireResponse(
        patient=patient,
        questionnaire=questionnaire,
        encounter_type=encounter[0],
        encounter_code=encounter[1],
        seq=(latest.seq if latest else 0) + 1,
        answers=checked.answers,
        options=checked.options,
        missing=list(checked.missing),
        score=checked.score,
        entered_by=actor,
        entered_via=via,
        entered_at=clock.now(),
    )
    with transaction.atomic():  # a savepoint: a taken step rolls back this insert only
        row.save(force_insert=True)
    changed = {
        k: [before.get(k), checked.answers.get(k)]
        for k in {*before, *checked.answers}
        if before.get(k) != checked.answers.get(k)
    }
    state = "complete" if checked.complete else "in progress"
    raise_for_response(actor, row)  # a PHQ-9 item 9 answer above 0 alerts the care team
    record(
        actor,
        Action.UPDATE if latest else Action.CREATE,
        obj=row,
        patient_code=str(patient.code),
        summary=f"{title_of(questionnaire)}: answers saved ({via}, {state})"[:200],
        changes=changed,
    )
    if questionnaire in MOOD_QUESTIONNAIRES:  # the clinic's outcome summary, once this commits
        enqueue_refresh(patient)
    return row
