"""Writing the diary: checked by ``ketacore.diary``, appended, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.services import Action, record
from ketaclinic.lib import clock
from ketaclinic.outcomes.models import DiaryEntry, DiaryVia
from ketaclinic.outcomes.tasks import enqueue_refresh
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import BoosterDue
from ketaclinic.scheduling.services.setup import mark_booster_due
from ketacore.diary import ITEMS, check_entry
from ketacore.errors import InputError

__all__ = ["clinic_today", "mark_estimated_booster", "record_day"]

_FIELDS = tuple(item.id for item in ITEMS)
#: Attempts at appending if a step is taken anyway (the patient lock should prevent it).
_ATTEMPTS = 3


def clinic_today() -> dt.date:
    """Today in the clinic's time zone, by the clinic's clock."""
    return timezone.localtime(clock.now()).date()


def record_day(
    actor: User | None,
    patient: Patient,
    day: dt.date,
    scores: Mapping[str, object],
    *,
    via: str,
) -> DiaryEntry:
    """Save one diary day: a first entry for the day, or an edit of it.

    An edit is a new row (the table is append-only) whose audit record holds the old and
    the new values. Saving the same values again changes nothing and returns the row.

    Raises:
        ValidationError: ``{field: rule}`` for a day in the future or too long ago, or a
            score outside 0-10; nothing is saved.
    """
    if via not in DiaryVia.values:
        raise ValidationError({"entered_via": f"Entered via: must be one of {DiaryVia.values}"})
    try:
        checked = check_entry(scores, day=day, today=clinic_today())
    except InputError as exc:
        raise ValidationError({exc.field: exc.rule}) from None
    values = {name: getattr(checked, name) for name in _FIELDS}
    for _ in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                return _append(actor, patient, day, values, via)
        except IntegrityError:
            continue  # another writer took this step; read it and append after it
    raise ValidationError({"day": "Date: too many saves at the same moment; try again"})


def _append(
    actor: User | None, patient: Patient, day: dt.date, values: dict[str, int], via: str
) -> DiaryEntry:
    # Writers to one patient's diary queue here (the unique step is the guard).
    Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()
    latest = DiaryEntry.objects.filter(patient=patient, day=day).order_by("-seq").first()
    before = {name: getattr(latest, name) for name in _FIELDS} if latest else {}
    if before == values:
        return latest  # type: ignore[return-value]  # before is {} when latest is None
    row = DiaryEntry(
        patient=patient,
        day=day,
        seq=(latest.seq if latest else 0) + 1,
        entered_by=actor,
        entered_via=via,
        entered_at=clock.now(),
        **values,
    )
    row.full_clean(validate_unique=False, validate_constraints=False)
    with transaction.atomic():  # a savepoint: a taken step rolls back this insert only
        row.save(force_insert=True)
    if latest is None:
        action, changes = Action.CREATE, {"day": day.isoformat(), **values}
    else:
        action = Action.UPDATE
        changes = {
            "day": day.isoformat(),
            **{k: [before[k], values[k]] for k in _FIELDS if before[k] != values[k]},
        }
    via_words = "entered via clinic" if via == DiaryVia.CLINIC else "patient, in the portal"
    record(
        actor,
        action,
        obj=row,
        patient_code=str(patient.code),
        summary=f"Diary day {'edited' if latest else 'recorded'} ({via_words})",
        changes=changes,
    )
    enqueue_refresh(patient)  # the clinic's outcome summary, once this commits
    return row


@transaction.atomic
def mark_estimated_booster(actor: User, patient: Patient, due_on: dt.date | None) -> BoosterDue:
    """Mark the booster due on the estimated day (the front desk's "Boosters to book").

    Writers for one patient queue on the patient's row, so two clicks at once mark one
    booster (the second is refused: one is already marked). Permission, the refusal of a
    second mark and the audit record are ``scheduling``'s ``mark_booster_due``.
    """
    if due_on is None:
        raise ValidationError({"due_on": "due_on: there is no booster estimate to mark"})
    Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()
    return mark_booster_due(actor, patient, due_on, note="From the booster estimate")
