"""The calendar API's request serializers and the shapes of its answers (for the schema)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from ketaclinic.accounts.models import User
from ketaclinic.lib.serializers import StrictSerializer
from ketaclinic.scheduling import access, availability
from ketaclinic.scheduling.models import Appointment, AppointmentKind, ConsultationMode
from ketacore.schedule import clinic_zone

__all__ = [
    "APPOINTMENTS_DOC",
    "APPOINTMENT_DOC",
    "SLOTS_DOC",
    "TAKEN_DOC",
    "BookSerializer",
    "BoosterSerializer",
    "CancelSerializer",
    "MoveSerializer",
    "SeriesSerializer",
    "appointment_dict",
]

S = serializers


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def appointment_dict(a: Appointment) -> dict[str, Any]:
    zone = clinic_zone(a.clinic.time_zone)
    return {
        "code": str(a.code),
        "kind": a.kind,
        "mode": a.mode,
        "status": a.status,
        "starts_at": a.starts_at.isoformat(),
        "ends_at": a.ends_at.isoformat(),
        "local_start": a.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "local_end": a.ends_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "patient": str(a.patient.code) if a.patient else None,
        "prospect": str(a.prospect.code) if a.prospect else None,
        "name": str(a.who),
        "resource": a.resource.name if a.resource else "",
        "clinician": _name(a.clinician),
        "physician": _name(a.physician),
        "number_in_series": a.number_in_series,
        "cancel_reason": a.cancel_reason,
        "note": a.note,
    }


APPOINTMENT_DOC = inline_serializer(
    "Appointment",
    {
        "code": S.UUIDField(),
        "kind": S.ChoiceField(choices=AppointmentKind.choices),
        "mode": S.CharField(),
        "status": S.CharField(),
        "starts_at": S.DateTimeField(),
        "ends_at": S.DateTimeField(),
        "local_start": S.CharField(help_text="In the clinic's time zone."),
        "local_end": S.CharField(),
        "patient": S.UUIDField(allow_null=True),
        "prospect": S.UUIDField(allow_null=True),
        "name": S.CharField(),
        "resource": S.CharField(),
        "clinician": S.CharField(),
        "physician": S.CharField(help_text="The physician covering an infusion."),
        "number_in_series": S.IntegerField(allow_null=True),
        "cancel_reason": S.CharField(),
        "note": S.CharField(),
    },
)
APPOINTMENTS_DOC: S.ListSerializer[Any] = S.ListSerializer(child=APPOINTMENT_DOC)
_SLOT_DOC = inline_serializer(
    "FreeSlot",
    {
        "starts_at": S.DateTimeField(),
        "ends_at": S.DateTimeField(),
        "local_start": S.CharField(),
        "resource": S.UUIDField(allow_null=True),
        "resource_name": S.CharField(),
        "clinician": S.UUIDField(allow_null=True),
        "physician": S.UUIDField(allow_null=True),
    },
)
SLOTS_DOC: S.ListSerializer[Any] = S.ListSerializer(child=_SLOT_DOC)


TAKEN_DOC = OpenApiResponse(
    inline_serializer(
        "SlotTakenError",
        {
            "alternatives": S.JSONField(
                help_text="The nearest free slots (a series: for each session number)."
            )
        },
    ),
    description="The time is taken (a chair, room or clinician is booked then): the body "
    "names the field and offers the nearest free slots; nothing was booked or moved.",
)


class _Choice(StrictSerializer):
    resource = S.UUIDField(required=False, allow_null=True, default=None)
    clinician = S.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The nurse at the chair, or the clinician seen.",
    )
    physician = S.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The physician covering an infusion.",
    )

    def choice(self, user: User) -> availability.Choice:
        data = self.validated_data
        return availability.Choice(
            resource=access.resource_for(user, data["resource"]),
            clinician=access.clinician_for(user, data["clinician"], field="clinician"),
            physician=access.clinician_for(user, data["physician"], field="physician"),
        )


class BookSerializer(_Choice):
    patient = S.UUIDField()
    kind = S.ChoiceField(choices=AppointmentKind.choices)
    mode = S.ChoiceField(choices=[*ConsultationMode.values, ""], required=False, default="")
    date = S.DateField(help_text="The clinic's local date.")
    time = S.TimeField(help_text="The clinic's local time (HH:MM).")
    note = S.CharField(required=False, allow_blank=True, default="", max_length=300)


class MoveSerializer(_Choice):
    date = S.DateField()
    time = S.TimeField()
    expected_starts_at = S.DateTimeField(
        help_text="The start the client showed: a move of an appointment moved since is refused."
    )


class CancelSerializer(StrictSerializer):
    reason = S.CharField(max_length=300)


class SeriesSerializer(_Choice):
    first_day = S.DateField()
    time = S.TimeField()
    overrides = S.DictField(
        child=S.DateTimeField(),
        required=False,
        default=dict,
        help_text="Session number -> a start chosen from the alternatives offered.",
    )


class BoosterSerializer(StrictSerializer):
    due_on = S.DateField()
    note = S.CharField(required=False, allow_blank=True, default="", max_length=300)
