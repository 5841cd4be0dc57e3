"""A clinician's calendar feed: their appointments as one .ics, for their calendar app.

The feed leaves the clinic (calendar apps fetch it from their own servers), so it carries
no patient's name or detail: each event says what and where ("Infusion · Chair 2") and
links to the appointment in ketaclinic, which needs a signed-in account to open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from icalendar import Calendar, Event

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.audit.services import Action, record
from ketaclinic.booking.calendar_files import PRODID
from ketaclinic.booking.models import CalendarFeed
from ketaclinic.lib import clock
from ketaclinic.lib.access import require
from ketaclinic.scheduling.models import Appointment, AppointmentStatus

__all__ = ["WINDOW_AFTER", "WINDOW_BEFORE", "feed_for_token", "feed_ics", "issue", "revoke"]

#: The feed holds appointments from this long ago to this far ahead.
WINDOW_BEFORE, WINDOW_AFTER = dt.timedelta(days=30), dt.timedelta(days=120)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue(actor: User) -> str:
    """A new feed address token for the actor (their older one stops working)."""
    require(actor, Capability.SCHEDULE_VIEW)
    now = clock.now()
    CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user=actor, token_hash=_hash(token), created_at=now)
    feed.save(force_insert=True)
    record(actor, Action.TOKEN_ISSUE, obj=feed, summary="Calendar feed address made")
    return token


@transaction.atomic
def revoke(actor: User) -> int:
    """Stop the actor's feed address; returns how many were stopped."""
    require(actor, Capability.SCHEDULE_VIEW)
    stopped = CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    if stopped:
        record(actor, Action.TOKEN_REVOKE, obj=None, summary="Calendar feed address stopped")
    return stopped


def feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed this token opens (a revoked, unknown or inactive user's: None)."""
    feed = (
        CalendarFeed.objects.select_related("user", "user__clinic")
        .filter(token_hash=_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None or not feed.user.can(Capability.SCHEDULE_VIEW):
        return None
    # Calendar apps poll every few minutes: note the use at most once a minute, as API
    # tokens do, rather than a write on every poll.
    now = clock.now()
    if feed.last_used_at is None or now - feed.last_used_at >= dt.timedelta(minutes=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed


def _title(appointment: Appointment) -> str:
    kind = appointment.get_kind_display()
    where = appointment.resource.name if appointment.resource else appointment.get_mode_display()
    return f"{kind} · {where}" if where else kind


def feed_ics(feed: CalendarFeed, url_for: Callable[[uuid.UUID], str]) -> str:
    """The clinician's booked appointments in the window, without patient details."""
    now = clock.now()
    user = feed.user
    rows = (
        Appointment.objects.select_related("resource")
        .filter(clinic=user.clinic, status=AppointmentStatus.BOOKED)
        .filter(starts_at__gte=now - WINDOW_BEFORE, starts_at__lte=now + WINDOW_AFTER)
        .filter(Q(clinician=user) | Q(physician=user))
        .order_by("starts_at")
    )
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{user.clinic.name}: {user.get_full_name() or user.username}")
    for appointment in rows:
        event = Event()
        event.add("uid", f"{appointment.code}@ketaclinic")
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("dtstart", appointment.starts_at.astimezone(dt.UTC))
        event.add("dtend", appointment.ends_at.astimezone(dt.UTC))
        event.add("sequence", int(appointment.changed_at.timestamp()))
        event.add("summary", _title(appointment))
        event.add("url", url_for(appointment.code))
        calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics.decode()
