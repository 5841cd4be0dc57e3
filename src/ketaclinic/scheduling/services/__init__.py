"""Scheduling services: every write to the calendar (docs/scheduling.md)."""

from ketaclinic.scheduling.services.booking import (
    Booking,
    book,
    cancel,
    move,
    need_for,
    plan_for,
    record_no_show,
)
from ketaclinic.scheduling.services.series import book_series, series_times
from ketaclinic.scheduling.services.setup import (
    add_closure,
    add_resource,
    configure,
    create_prospect,
    mark_booster_due,
    set_opening_hours,
    set_working_hours,
    set_working_week,
)
from ketaclinic.scheduling.services.upkeep import (
    cancel_treatment_bookings,
    remove_closure,
    set_resource_active,
)

__all__ = [
    "Booking",
    "add_closure",
    "add_resource",
    "book",
    "book_series",
    "cancel",
    "cancel_treatment_bookings",
    "configure",
    "create_prospect",
    "mark_booster_due",
    "move",
    "need_for",
    "plan_for",
    "record_no_show",
    "remove_closure",
    "series_times",
    "set_opening_hours",
    "set_resource_active",
    "set_working_hours",
    "set_working_week",
]
