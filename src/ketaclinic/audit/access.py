"""Permission-checked getters for the audit trail (the clinic admin's browser)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from ketaclinic.accounts.roles import Capability
from ketaclinic.audit.models import AuditEvent
from ketaclinic.lib.access import require


def events_for(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[AuditEvent]:
    """The records of the user's clinic, newest first, narrowed by the filter form's data.

    Args:
        filters: ``AuditFilterForm.cleaned_data`` (user, action, object_type, patient,
            date_from, date_to; an empty value leaves that filter off), or None for all.
    """
    admin = require(user, Capability.AUDIT_VIEW)
    events = AuditEvent.objects.filter(clinic_id=admin.clinic_id)
    data = filters or {}
    if data.get("user"):
        events = events.filter(actor_username__iexact=data["user"])
    if data.get("action"):
        events = events.filter(action=data["action"])
    if data.get("object_type"):
        events = events.filter(object_type__iexact=data["object_type"])
    if data.get("patient"):
        events = events.filter(patient_code=str(data["patient"]))
    if data.get("date_from"):
        events = events.filter(created_at__date__gte=data["date_from"])
    if data.get("date_to"):
        events = events.filter(created_at__date__lte=data["date_to"])
    return events.order_by("-seq")
