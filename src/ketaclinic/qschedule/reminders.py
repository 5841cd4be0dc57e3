"""Reminder emails of a follow-up questionnaire, owed through the outbox.

A reminder says only that there is a questionnaire to fill in, and where: no instrument,
no score, no treatment (an email can be read by anyone who sees the patient's inbox).
It goes out at ``REMINDER_TIME`` clinic time on each of the policy's reminder days, and
is cancelled when the questionnaire is completed or closes.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.lib import clock
from ketaclinic.lib.middleware import current_request_context
from ketaclinic.outbox import services as outbox
from ketaclinic.qschedule.models import FollowUpQuestionnaire
from ketacore.outcomes.policy import QuestionnaireSchedule
from ketacore.outcomes.schedule import reminder_dates
from ketacore.schedule import clinic_zone, to_instant

__all__ = ["REMINDER_TIME", "cancel_reminders", "key_prefix", "schedule_reminders"]

#: The clinic's local time of day a reminder goes out (a morning, not a clinical value).
REMINDER_TIME = dt.time(9, 0)

SUBJECT = "You have a questionnaire to fill in"


def key_prefix(assignment: FollowUpQuestionnaire) -> str:
    return f"followup-q:{assignment.code}:reminder:"


def _portal_link() -> str:
    path = reverse("portal:home")
    if settings.SITE_URL:
        return settings.SITE_URL + path
    context = current_request_context()
    if context is not None and context.request is not None:
        return context.request.build_absolute_uri(path)
    return path


def body(name: str, clinic_name: str, closes_on: dt.date) -> str:
    """The whole text of a reminder: nothing clinical in it."""
    greeting = f"Dear {name}," if name else "Hello,"
    return "\n".join(
        [
            greeting,
            "",
            "You have a questionnaire to fill in. Please sign in to your patient portal:",
            _portal_link(),
            "",
            f"It stays open until {closes_on:%A %-d %B}.",
            "",
            clinic_name,
        ]
    )


def schedule_reminders(
    actor: User | None, assignment: FollowUpQuestionnaire, schedule: QuestionnaireSchedule
) -> int:
    """Owe the reminders still ahead (inside the caller's transaction); returns how many."""
    patient = assignment.patient
    if not patient.email:
        return 0
    zone = clinic_zone(assignment.clinic.time_zone)
    # An email is sent in real time: when the demo loader replays the past on the clinic's
    # clock, a reminder that was due then is not owed now (the audit log does the same).
    now = max(clock.now(), timezone.now())
    owed = 0
    for day in reminder_dates(schedule, assignment.opens_on):
        at = to_instant(day, REMINDER_TIME, zone)
        if at <= now or day > assignment.closes_on:
            continue
        outbox.schedule(
            actor,
            clinic=assignment.clinic,
            key=f"{key_prefix(assignment)}{day.isoformat()}",
            to_email=patient.email,
            subject=SUBJECT,
            body=body(
                patient.preferred_name or patient.given_name,
                assignment.clinic.name,
                assignment.closes_on,
            ),
            send_after=at,
            patient_code=str(patient.code),
        )
        owed += 1
    return owed


def cancel_reminders(actor: User | None, assignment: FollowUpQuestionnaire, reason: str) -> int:
    return outbox.cancel_matching(actor, key_prefix(assignment), reason=reason)
