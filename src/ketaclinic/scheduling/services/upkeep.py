"""Keeping the calendar's set-up current: a chair or room out of use or back, a closure removed."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.audit.services import Action, record
from ketaclinic.lib import clock
from ketaclinic.scheduling.errors import refuse
from ketaclinic.scheduling.models import Appointment, AppointmentStatus, Closure, Resource

__all__ = ["remove_closure", "set_resource_active"]


def _manager(actor: User | None) -> None:
    if actor is not None and not actor.can(Capability.SCHEDULE_MANAGE):
        raise PermissionDenied("Only the clinic admin sets up the calendar.")


@transaction.atomic
def set_resource_active(actor: User | None, resource: Resource, active: bool) -> Resource:
    """Take a chair or room out of use (no new bookings) or back into use.

    Refused while appointments from now on still hold it: the front desk moves them
    first (or, for a short stop, the admin adds a closure of the chair instead).
    """
    _manager(actor)
    if actor is not None and actor.clinic_id != resource.clinic_id:
        refuse("resource", "not a chair or room of this clinic")
    if resource.active == active:
        return resource
    if not active:
        ahead = Appointment.objects.filter(
            resource=resource, status=AppointmentStatus.BOOKED, ends_at__gt=clock.now()
        ).count()
        if ahead:
            refuse(
                "resource",
                f"{resource.name} still has {ahead} booked appointment{'s' * (ahead != 1)} "
                "from now on; move them first, or close it for a while instead",
            )
    resource.active = active
    resource.save(update_fields=["active"])
    record(
        actor,
        Action.UPDATE,
        obj=resource,
        summary=f"{resource.get_kind_display()} {'back in use' if active else 'taken out of use'}",
        changes={"name": resource.name, "active": active},
        clinic_id=resource.clinic_id,
    )
    return resource


@transaction.atomic
def remove_closure(actor: User | None, closure: Closure) -> None:
    """Remove a closure entered by mistake or no longer needed; one that has ended stays."""
    _manager(actor)
    if actor is not None and actor.clinic_id != closure.clinic_id:
        refuse("closure", "not a closure of this clinic")
    if closure.ends_at <= clock.now():
        refuse("closure", "this closure is over; past closures stay on record")
    record(
        actor,
        Action.DELETE,
        obj=closure,
        summary="Closure removed",
        changes={
            "starts_at": closure.starts_at.isoformat(),
            "ends_at": closure.ends_at.isoformat(),
            "reason": closure.reason,
            "resource": closure.resource.name if closure.resource else "whole clinic",
        },
        clinic_id=closure.clinic_id,
    )
    closure.delete()
