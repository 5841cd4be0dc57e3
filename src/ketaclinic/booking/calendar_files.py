"""An appointment as an iCalendar file (RFC 5545), with the ``icalendar`` library.

One event per appointment, its UID the appointment's code, so a calendar app that
imported the confirmation updates the same event when the time changes (a higher
SEQUENCE) and removes it on a cancellation (METHOD:CANCEL, STATUS:CANCELLED).
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from ketaclinic.scheduling.models import Appointment, AppointmentStatus

__all__ = ["appointment_ics", "describe_place", "title_of"]

PRODID = "-//ketaclinic//appointments//EN"


def title_of(appointment: Appointment) -> str:
    kind = {
        "consultation": "Free consultation",
        "infusion": "Ketamine infusion",
        "follow_up": "Follow-up visit",
        "booster": "Booster infusion",
    }.get(appointment.kind, "Appointment")
    return f"{kind} at {appointment.clinic.name}"


def describe_place(appointment: Appointment, address: list[str]) -> str:
    if appointment.mode == "video":
        return "Video call (the clinic sends the link before the appointment)"
    if appointment.mode == "phone":
        return "Phone call (the clinic calls you)"
    return ", ".join([appointment.clinic.name, *address])


def appointment_ics(appointment: Appointment, *, address: list[str], note: str = "") -> str:
    cancelled = appointment.status == AppointmentStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment.code}@ketaclinic")
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("dtstart", appointment.starts_at.astimezone(dt.UTC))
    event.add("dtend", appointment.ends_at.astimezone(dt.UTC))
    # Every change moves changed_at forward: a later version has a higher sequence.
    event.add("sequence", int(appointment.changed_at.timestamp()))
    event.add("summary", title_of(appointment))
    event.add("location", describe_place(appointment, address))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if note:
        event.add("description", note)
    calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics.decode()
