"""Raising safety alerts from a patient's answers, and acknowledging them; audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.alerts.models import AlertAcknowledgement, AlertKind, SafetyAlert
from ketaclinic.audit.services import Action, record
from ketaclinic.lib import clock
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketacore.scoring.phq9 import self_harm_reported

__all__ = ["ITEM9", "acknowledge", "raise_for_response"]

#: PHQ-9 item 9's id in ketacore.scoring.phq9.
ITEM9 = "q9_self_harm_thoughts"


def raise_for_response(actor: User | None, response: QuestionnaireResponse) -> SafetyAlert | None:
    """Raise an alert if this new response reports thoughts of death or self-harm.

    Called in the transaction that saves the response (questionnaires.services),
    as soon as item 9 is answered above 0, complete or not: the care team is
    told before the other items are in, or the questionnaire sent. A later
    response of the same encounter raises a new alert only when the answer is
    higher than one already alerted, so each save does not add another.
    """
    if response.questionnaire != "phq9" or not self_harm_reported(response.answers):
        return None
    value = int(response.answers[ITEM9])
    alerted = SafetyAlert.objects.filter(
        patient_id=response.patient_id,
        kind=AlertKind.PHQ9_ITEM9,
        encounter_type=response.encounter_type,
        encounter_code=response.encounter_code,
    ).aggregate(highest=Max("value"))["highest"]
    if alerted is not None and value <= alerted:
        return None
    with transaction.atomic(savepoint=False):  # part of the response's own transaction
        return _raise(actor, response, value)


def _raise(actor: User | None, response: QuestionnaireResponse, value: int) -> SafetyAlert:
    alert = SafetyAlert(
        patient_id=response.patient_id,
        kind=AlertKind.PHQ9_ITEM9,
        response=response,
        encounter_type=response.encounter_type,
        encounter_code=response.encounter_code,
        value=value,
        raised_at=clock.now(),
    )
    alert.save(force_insert=True)
    record(
        actor,
        Action.CREATE,
        obj=alert,
        clinic_id=response.patient.clinic_id,
        patient_code=str(response.patient.code),
        summary="Safety alert raised: PHQ-9 item 9 answered above 0",
        changes={"kind": alert.kind, "value": value, "response": str(response.code)},
    )
    return alert


@transaction.atomic
def acknowledge(actor: User, alert: SafetyAlert, *, action_taken: str) -> AlertAcknowledgement:
    """Record that a nurse or physician followed the alert up, and what they did.

    Raises:
        PermissionDenied: The actor's role may not acknowledge alerts.
        ValidationError: On ``action_taken`` when it is empty; on ``alert`` when
            someone acknowledged it already (the first acknowledgement stands).
    """
    if not actor.can(Capability.ALERT_ACKNOWLEDGE):
        raise PermissionDenied("Only a nurse or a physician acknowledges safety alerts.")
    text = action_taken.strip()
    if not text:
        raise ValidationError(
            {"action_taken": "Say what was done: who spoke with the patient, and the outcome."}
        )
    entry = AlertAcknowledgement(
        alert=alert, acknowledged_by=actor, acknowledged_at=clock.now(), action_taken=text
    )
    entry.full_clean(exclude=["alert"])
    try:
        with transaction.atomic():  # the one-to-one refuses a second acknowledgement
            entry.save(force_insert=True)
    except IntegrityError:
        first = AlertAcknowledgement.objects.select_related("acknowledged_by").get(alert=alert)
        raise ValidationError(
            {
                "alert": f"{first.acknowledged_by} acknowledged this alert already, at "
                f"{timezone.localtime(first.acknowledged_at):%Y-%m-%d %H:%M}."
            }
        ) from None
    record(
        actor,
        Action.CREATE,
        obj=entry,
        patient_code=str(alert.patient.code),
        summary="Safety alert acknowledged: PHQ-9 item 9 followed up",
        changes={"alert": str(alert.code), "action_taken": text},
    )
    return entry
