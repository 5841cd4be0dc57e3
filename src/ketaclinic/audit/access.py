"""Permission-checked getters for the audit trail (the clinic admin's browser)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.db.models import QuerySet

from ketaclinic.accounts.roles import Capability
from ketaclinic.audit.models import AuditEvent
from ketaclinic.lib.access import require
from ketaclinic.patients import access as patient_access


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


#: Record types in words where the model's own name would not do.
_TYPE_NAMES = {"otp_totp.totpdevice": "Authenticator app", "accounts.user": "User account"}


def record_types() -> dict[str, str]:
    """Every record type the trail can name: label -> words."""
    labels = [
        m._meta.label_lower
        for m in apps.get_models()
        if m._meta.app_label not in ("admin", "contenttypes", "sessions", "axes")
    ]
    return {label: record_type_name(label) for label in labels}


@cache
def record_type_name(label: str) -> str:
    """A record type (``patients.patient``) in words (``Patient``)."""
    if not label:
        return ""
    if label in _TYPE_NAMES:
        return _TYPE_NAMES[label]
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    return str(model._meta.verbose_name).capitalize()


def _is_code(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One record of the trail as the page shows it: readable type, the patient's name."""

    event: AuditEvent
    record_type: str
    patient_name: str


def readable(user: Any, events: Iterable[AuditEvent]) -> list[AuditRow]:
    """The page's records with their record types in words and, for a user who may see
    them, the names of the patients they concern (that listing is audited too)."""
    rows = list(events)
    names: dict[str, str] = {}
    codes = {e.patient_code for e in rows if _is_code(e.patient_code)}
    if codes and user.can(Capability.PATIENT_VIEW_DEMOGRAPHICS):
        shown = patient_access.listed(
            user, patient_access.patients_for(user).filter(code__in=codes)
        )
        names = {str(p.code): p.display_name for p in shown}
    return [
        AuditRow(e, record_type_name(e.object_type), names.get(e.patient_code, "")) for e in rows
    ]
