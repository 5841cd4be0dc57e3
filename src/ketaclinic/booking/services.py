"""Booking a free consultation from the public site, and the manage link's actions.

Each runs in one transaction: the visitor's details, the appointment and the emails
it owes are saved together or not at all. The scheduling services do the booking
itself (the same path as the staff calendar, so the same no-double-booking rules).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.audit.services import Action, record
from ketaclinic.booking.models import ManageAccess, PublicAttempt
from ketaclinic.lib import clock
from ketaclinic.patients import services as patients
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling import services as scheduling
from ketaclinic.scheduling.errors import SlotTakenError
from ketaclinic.scheduling.locking import lock_calendar
from ketaclinic.scheduling.models import Appointment, AppointmentKind, Prospect
from ketaclinic.scheduling.services.booking import book_locked

__all__ = [
    "RateLimitedError",
    "book_consultation",
    "cancel_by_link",
    "move_by_link",
    "register_prospect",
]

#: Scope → (requests, window) a visitor may make from one address.
LIMITS: dict[str, tuple[int, dt.timedelta]] = {
    "book": (5, dt.timedelta(hours=1)),
    "manage": (20, dt.timedelta(hours=1)),
}


class RateLimitedError(Exception):
    """Too many requests from one address; the page says when to try again."""

    def __init__(self, retry_after: dt.timedelta) -> None:
        super().__init__("too many requests")
        self.retry_after = retry_after


def _client(ip: str | None) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, (ip or "unknown").encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def throttle(scope: str, ip: str | None) -> None:
    """Count this request against its scope's limit, or refuse it (a committed count)."""
    allowed, window = LIMITS[scope]
    now = clock.now()
    client = _client(ip)
    PublicAttempt.objects.filter(at__lt=now - max(w for _, w in LIMITS.values())).delete()
    recent = list(
        PublicAttempt.objects.filter(scope=scope, client=client, at__gte=now - window)
        .order_by("at")
        .values_list("at", flat=True)
    )
    if len(recent) >= allowed:
        raise RateLimitedError(recent[0] + window - now)
    PublicAttempt.objects.create(scope=scope, client=client, at=now)


def book_consultation(
    clinic: Clinic, *, mode: str, starts_at: dt.datetime, contact: Mapping[str, Any]
) -> Appointment:
    """A visitor's free consultation: a prospective patient and their appointment.

    Raises:
        ValidationError: Naming each field (contact details, the time); a taken time
            comes with the nearest free ones (``SlotTakenError``), looked for after the
            transaction has rolled back and the calendar's lock is released, as
            ``scheduling.services.book`` does. Nothing is saved.
    """
    try:
        return _book_consultation(clinic, mode, starts_at, contact)
    except SlotTakenError as exc:
        raise exc.completed() from None


@transaction.atomic
def _book_consultation(
    clinic: Clinic, mode: str, starts_at: dt.datetime, contact: Mapping[str, Any]
) -> Appointment:
    prospect = scheduling.create_prospect(
        clinic,
        given_name=str(contact.get("given_name", "")),
        family_name=str(contact.get("family_name", "")),
        email=str(contact.get("email", "")),
        phone=str(contact.get("phone", "")),
        answers=dict(contact.get("answers") or {}),
    )
    booking = scheduling.Booking(
        kind=AppointmentKind.CONSULTATION, starts_at=starts_at, prospect=prospect, mode=mode
    )
    lock_calendar(clinic)
    return book_locked(None, booking)


@transaction.atomic
def cancel_by_link(appointment: Appointment, *, reason: str) -> Appointment:
    """The patient cancels through their link; the link is used up with it."""
    reason = reason.strip() or "cancelled by the patient through the emailed link"
    ended = scheduling.cancel(None, appointment, f"By the patient: {reason}"[:300])
    access = ManageAccess.objects.select_for_update().get(appointment=appointment)
    access.used_at = clock.now()
    access.save(update_fields=["used_at"])
    record(
        None,
        Action.UPDATE,
        obj=appointment,
        patient_code=str(appointment.patient.code) if appointment.patient else "",
        summary="Manage link used to cancel",
        clinic_id=appointment.clinic_id,
    )
    return ended


def move_by_link(
    appointment: Appointment, starts_at: dt.datetime, *, shown_starts_at: dt.datetime
) -> Appointment:
    """The patient chooses another time; a form older than the last change is refused."""
    if not isinstance(starts_at, dt.datetime):
        raise ValidationError({"starts_at": "starts_at: choose one of the times offered"})
    return scheduling.move(None, appointment, starts_at, expected_starts_at=shown_starts_at)


@transaction.atomic
def register_prospect(
    actor: User, prospect: Prospect, data: Mapping[str, Any], *, confirm_duplicate: bool = False
) -> Patient:
    """Register the person who booked online as a patient; their appointments become theirs.

    Raises:
        PossibleDuplicateError: As ``patients.services.create_patient``; nothing is saved.
        ValidationError: Naming the field, or ``prospect`` when already registered.
    """
    locked = Prospect.objects.select_for_update().get(pk=prospect.pk)
    if locked.patient_id is not None:
        raise ValidationError({"prospect": "prospect: this person is already registered"})
    patient = patients.create_patient(actor, dict(data), confirm_duplicate=confirm_duplicate)
    locked.patient = patient
    locked.save(update_fields=["patient"])
    moved = Appointment.objects.filter(prospect=locked).update(patient=patient, prospect=None)
    record(
        actor,
        Action.UPDATE,
        obj=locked,
        patient_code=str(patient.code),
        summary=f"Online booking registered as a patient ({moved} appointment(s))",
    )
    return patient
