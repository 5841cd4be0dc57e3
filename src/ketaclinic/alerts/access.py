"""Permission-checked reads of safety alerts (404 outside the user's clinic)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404

from ketaclinic.accounts.roles import Capability
from ketaclinic.alerts.models import AlertAcknowledgement, SafetyAlert
from ketaclinic.lib.access import require
from ketaclinic.patients import access as patient_access

__all__ = ["acknowledgement_of", "alert_for_staff", "open_alerts"]

#: Open alerts listed at most, oldest first (the longest waiting at the top).
OPEN_LIMIT = 100


def open_alerts(user: Any) -> list[SafetyAlert]:
    """The clinic's alerts nobody has acknowledged yet, oldest first.

    Unread: whoever shows them records the list (the worklist does).
    """
    staff = require(user, Capability.ALERT_ACKNOWLEDGE)
    return list(
        SafetyAlert.objects.filter(patient__clinic_id=staff.clinic_id, acknowledgement=None)
        .select_related("patient")
        .order_by("raised_at", "pk")[:OPEN_LIMIT]
    )


def alert_for_staff(user: Any, code: UUID | str) -> SafetyAlert:
    """One alert of the user's clinic, with its patient; the read of the patient is audited."""
    staff = require(user, Capability.ALERT_ACKNOWLEDGE)
    try:
        alert = SafetyAlert.objects.select_related("patient", "response").get(
            code=code, patient__clinic_id=staff.clinic_id
        )
    except (SafetyAlert.DoesNotExist, ValueError):
        raise Http404("No such alert") from None
    alert.patient = patient_access.get_patient_for_user(
        staff, alert.patient.code, Capability.PATIENT_VIEW_CLINICAL, part="safety alert"
    )
    return alert


def acknowledgement_of(alert: SafetyAlert) -> AlertAcknowledgement | None:
    """The alert's acknowledgement with who gave it, or None (``alert`` from a getter)."""
    return (
        AlertAcknowledgement.objects.select_related("acknowledged_by").filter(alert=alert).first()
    )
