"""The calendar's write lock on SQLite (docs/scheduling.md, "No double booking").

Not a service: it changes no clinical data, and runs inside a booking service's
transaction, before its checks.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F

from ketaclinic.accounts.models import Clinic
from ketaclinic.scheduling.availability import settings_of
from ketaclinic.scheduling.models import ScheduleSettings

__all__ = ["lock_calendar"]


def lock_calendar(clinic: Clinic) -> None:
    """Serialise the clinic's bookings on SQLite; PostgreSQL relies on its constraint.

    An UPDATE of the clinic's settings row takes SQLite's write lock (with IMMEDIATE
    transactions it is held from BEGIN already; the UPDATE makes it so whatever the
    transaction mode), so the check that follows and the insert see every booking
    committed before and none can slip in between. Call inside a transaction.
    """
    if connection.vendor != "sqlite":
        return
    bumped = ScheduleSettings.objects.filter(clinic=clinic).update(
        lock_counter=F("lock_counter") + 1
    )
    if not bumped:
        conf = settings_of(clinic)
        conf.lock_counter = 1
        conf.save(force_insert=True)
