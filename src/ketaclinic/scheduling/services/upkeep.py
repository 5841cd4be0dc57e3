"""Keeping the calendar current: a chair or room out of use or back, a closure removed, and a
paused or stopped treatment's booked infusions cancelled."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.audit.services import Action, record
from ketaclinic.lib import clock
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.errors import refuse
from ketaclinic.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    BoosterDue,
    BoosterStatus,
    Closure,
    Resource,
)
from ketaclinic.scheduling.services.booking import end_booked

__all__ = ["cancel_treatment_bookings", "remove_closure", "set_resource_active"]

#: What a paused or stopped plan cancels: the infusions still to come, boosters included.
TREATMENT_KINDS = (AppointmentKind.INFUSION, AppointmentKind.BOOSTER)


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


@transaction.atomic
def cancel_treatment_bookings(actor: User | None, patient: Patient, reason: str) -> int:
    """Cancel the patient's booked infusions and boosters still to come, and set aside a
    booster marked due; returns how many appointments were cancelled.

    For a plan paused or stopped (at a follow-up visit): an infusion the physician has
    stopped must not stay in the calendar for the patient to come to. Each cancellation is
    audited and tells the patient as any cancellation does (``booking.notices``); the
    caller's transaction holds it all, so the plan's new status and the calendar agree.
    """
    booked = (
        Appointment.objects.select_for_update()
        .filter(
            patient=patient,
            kind__in=TREATMENT_KINDS,
            status=AppointmentStatus.BOOKED,
            starts_at__gte=clock.now(),
        )
        .select_related("patient", "clinic")
        .order_by("starts_at")
    )
    rows = list(booked)
    for row in rows:
        end_booked(actor, row, AppointmentStatus.CANCELLED, reason[:300], "Appointment cancelled")
    for due in BoosterDue.objects.select_for_update().filter(
        patient=patient, status=BoosterStatus.DUE
    ):
        due.status = BoosterStatus.DISMISSED
        due.save(update_fields=["status"])
        record(
            actor,
            Action.UPDATE,
            obj=due,
            clinic_id=due.clinic_id,
            patient_code=str(patient.code),
            summary="Booster set aside: treatment plan paused or stopped",
            changes={"status": [BoosterStatus.DUE, BoosterStatus.DISMISSED], "reason": reason},
        )
    return len(rows)
