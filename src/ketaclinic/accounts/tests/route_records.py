"""Records the route matrix needs to exist (an invitation, alerts), made once per patient."""

from __future__ import annotations

import uuid
from typing import Any

from ketaclinic.accounts.models import User
from ketaclinic.alerts.models import SafetyAlert
from ketaclinic.infusions import services as infusions
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.invitations.models import Invitation
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.services import record_answers
from ketaclinic.visits.tests.helpers import visit_routes
from ketacore.infusion.care import VitalSigns

__all__ = ["open_invitation", "safety_alert", "session_alert", "visit_routes"]


def session_alert(session: InfusionSession, nurse: User) -> Any:
    """An alert of ``session``, raised by a high blood pressure at check-in."""
    found = session.alerts.first()
    if found is not None:
        return found
    high = VitalSigns(systolic_mmhg=190, diastolic_mmhg=95)
    infusions.check_in(
        nurse,
        session,
        consent=True,
        fasted=True,
        escort=True,
        pregnancy="",
        weight_kg=None,
        vitals=high,
    )
    return session.alerts.get()


def open_invitation(patient: Patient) -> Invitation:
    """An open invitation of ``patient`` (made directly: Ada has a portal account already)."""
    from django.utils import timezone

    found = Invitation.objects.filter(patient=patient).first()
    if found is not None:
        return found
    now = timezone.now()
    return Invitation.objects.create(
        patient=patient,
        email="ada@example.org",
        token_hash=Invitation.hash_token(uuid.uuid4().hex),
        created_at=now,
        sent_at=now,
        expires_at=now + Invitation.lifetime(),
    )


def safety_alert(patient: Patient) -> SafetyAlert:
    """A PHQ-9 item 9 alert of ``patient``, raised by the answer itself."""
    found = SafetyAlert.objects.filter(patient=patient).first()
    if found is not None:
        return found
    record_answers(None, patient, "phq9", {"q9_self_harm_thoughts": 1}, via="staff")
    return SafetyAlert.objects.get(patient=patient)
