"""The emails an appointment sends, scheduled in the outbox when it is booked, moved or
ended (docs/booking.md): a confirmation, a change notice or a cancellation at once, and a
reminder at each of ``APPOINTMENT_REMINDER_HOURS`` before it, each with its calendar file
and the patient's manage link.

:func:`appointment_changed` is called by the scheduling services inside their
transaction, so the emails are owed exactly when the change is committed, whoever made
it: the public site, the staff calendar or the API.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.booking import links
from ketaclinic.booking.calendar_files import appointment_ics, describe_place, title_of
from ketaclinic.booking.models import ManageAccess
from ketaclinic.lib import clock
from ketaclinic.lib.middleware import current_request_context
from ketaclinic.outbox import services as outbox
from ketaclinic.public.models import ClinicProfile
from ketaclinic.scheduling.models import Appointment
from ketacore.schedule import clinic_zone

__all__ = ["BOOKED", "CANCELLED", "ENDED", "MOVED", "appointment_changed", "reminder_hours"]

BOOKED, MOVED, CANCELLED, ENDED = "booked", "moved", "cancelled", "ended"


def reminder_hours() -> list[int]:
    return sorted({int(h) for h in settings.APPOINTMENT_REMINDER_HOURS}, reverse=True)


def _recipient(appointment: Appointment) -> tuple[str, str]:
    """The email address and the name to greet, of the patient or the prospective one."""
    if appointment.prospect is not None:
        return appointment.prospect.email, appointment.prospect.given_name
    if appointment.patient is not None:
        return appointment.patient.email, appointment.patient.given_name
    return "", ""


def _site(path: str) -> str:
    if settings.SITE_URL:
        return settings.SITE_URL + path
    context = current_request_context()
    if context is not None and context.request is not None:
        return context.request.build_absolute_uri(path)
    return ""


def manage_url(access: ManageAccess) -> str:
    """The link, with its token in the query string (the access log leaves it out)."""
    return _site(f"{reverse('booking:manage')}?{urlencode({'token': links.make(access)})}")


def _when(appointment: Appointment) -> str:
    zone = clinic_zone(appointment.clinic.time_zone)
    local = appointment.starts_at.astimezone(zone)
    return f"{local:%A %-d %B %Y} at {local:%-I:%M %p} ({zone.key.replace('_', ' ')} time)"


def _body(
    appointment: Appointment, name: str, opening: str, link: str, profile: ClinicProfile | None
) -> str:
    address = profile.address_lines if profile is not None else []
    lines = [
        f"Dear {name}," if name else "Hello,",
        "",
        opening,
        "",
        f"{title_of(appointment)}",
        f"When: {_when(appointment)}",
        f"Where: {describe_place(appointment, address)}",
        "",
    ]
    if link:
        lines += ["To cancel or choose another time, use this link:", link, ""]
    if profile is not None and profile.phone:
        lines += [f"Or call us on {profile.phone}.", ""]
    lines += [appointment.clinic.name]
    return "\n".join(lines)


def appointment_changed(actor: User | None, appointment: Appointment, what: str) -> None:
    """Owe the emails this change calls for (inside the caller's transaction)."""
    prefix = f"appointment:{appointment.code}:"
    outbox.cancel_matching(actor, f"{prefix}reminder:", reason=f"appointment {what}")
    to, name = _recipient(appointment)
    if not to:
        return
    access, _ = ManageAccess.objects.get_or_create(appointment=appointment)
    profile = ClinicProfile.objects.filter(clinic=appointment.clinic).first()
    address = profile.address_lines if profile is not None else []
    now = clock.now()
    patient_code = str(appointment.patient.code) if appointment.patient else ""
    stamp = f"{appointment.changed_at:%Y%m%dT%H%M%S%f}"
    ics = appointment_ics(appointment, address=address)
    if what == CANCELLED:
        outbox.schedule(
            actor,
            clinic=appointment.clinic,
            key=f"{prefix}cancelled",
            to_email=to,
            subject=f"Cancelled: {title_of(appointment)}",
            body=_body(appointment, name, "Your appointment has been cancelled.", "", profile),
            send_after=now,
            ics=ics,
            ics_name="cancelled.ics",
            patient_code=patient_code,
        )
        return
    if what == ENDED:
        return
    link = manage_url(access)
    opening = {
        BOOKED: "Your appointment is booked.",
        MOVED: "Your appointment has a new time.",
    }[what]
    subject = "Booked" if what == BOOKED else "New time"
    outbox.schedule(
        actor,
        clinic=appointment.clinic,
        key=f"{prefix}{what}:{stamp}",
        to_email=to,
        subject=f"{subject}: {title_of(appointment)}, {_when(appointment)}"[:200],
        body=_body(appointment, name, opening, link, profile),
        send_after=now,
        ics=ics,
        ics_name="appointment.ics",
        patient_code=patient_code,
    )
    for hours in reminder_hours():
        at = appointment.starts_at - dt.timedelta(hours=hours)
        if at <= now:
            continue
        outbox.schedule(
            actor,
            clinic=appointment.clinic,
            key=f"{prefix}reminder:{hours}h:{stamp}",
            to_email=to,
            subject=f"Reminder: {title_of(appointment)}, {_when(appointment)}"[:200],
            body=_body(appointment, name, "A reminder of your appointment.", link, profile),
            send_after=at,
            ics=ics,
            ics_name="appointment.ics",
            patient_code=patient_code,
        )
