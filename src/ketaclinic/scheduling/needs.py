"""What an appointment needs (a chair or room, clinicians, minutes), what a booking asks
for by name, and a free slot: the plain values the calendar's checks pass around."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Role
from ketaclinic.scheduling.models import (
    AppointmentKind,
    ConsultationMode,
    Resource,
    ResourceKind,
    ScheduleSettings,
)
from ketacore.errors import InputError
from ketacore.schedule import clinic_zone, to_instant

__all__ = ["Choice", "Need", "Slot", "local_start", "settings_of"]


def settings_of(clinic: Clinic) -> ScheduleSettings:
    """The clinic's scheduling settings; the configured defaults until an admin sets them."""
    found = ScheduleSettings.objects.filter(clinic=clinic).first()
    return found or ScheduleSettings(
        clinic=clinic,
        recovery_min=settings.SCHEDULE_RECOVERY_MINUTES,
        consultation_min=settings.SCHEDULE_CONSULTATION_MINUTES,
        follow_up_min=settings.SCHEDULE_FOLLOW_UP_MINUTES,
        slot_step_min=settings.SCHEDULE_SLOT_STEP_MINUTES,
    )


def local_start(
    clinic: Clinic, day: dt.date, time: dt.time, *, field: str = "starts_at"
) -> dt.datetime:
    """The instant of a local date and time in the clinic's zone (the form's and API's input).

    Raises:
        ValidationError: On ``field`` for a time that does not exist (the spring-forward gap).
            An ambiguous fall-back time is the first of the two (ketacore.schedule).
    """
    try:
        return to_instant(day, time, clinic_zone(clinic.time_zone), field=field)
    except InputError as exc:
        raise ValidationError({exc.field: f"{exc.field}: {exc.rule}"}) from None


@dataclass(frozen=True, slots=True)
class Need:
    """What an appointment of one kind holds, and for how long."""

    kind: str
    minutes: int
    #: A chair or a room it holds, or None (a video or phone consultation).
    resource_kind: str | None
    #: Roles one of whom is held for the whole appointment.
    clinician_roles: tuple[str, ...]
    #: An infusion needs a physician on duty to cover it (not held).
    needs_cover: bool = False
    infusion_min: int | None = None
    recovery_min: int | None = None

    @classmethod
    def of(
        cls, clinic: Clinic, kind: str, *, mode: str = "", infusion_min: float | None = None
    ) -> Need:
        """The need of an appointment; ``infusion_min`` from the plan for infusions and boosters.

        Raises:
            ValidationError: On ``kind`` or ``mode`` when they are not ones we know.
        """
        conf = settings_of(clinic)
        if kind not in AppointmentKind.values:
            raise ValidationError(
                {"kind": f"kind: must be one of {', '.join(AppointmentKind.values)}"}
            )
        if kind in (AppointmentKind.INFUSION, AppointmentKind.BOOSTER):
            if infusion_min is None or infusion_min <= 0:
                raise ValidationError({"plan": "plan: an infusion needs a signed treatment plan"})
            minutes = math.ceil(infusion_min)
            return cls(
                kind,
                minutes + conf.recovery_min,
                ResourceKind.CHAIR,
                (Role.NURSE,),
                needs_cover=True,
                infusion_min=minutes,
                recovery_min=conf.recovery_min,
            )
        if mode not in ConsultationMode.values:
            raise ValidationError(
                {"mode": "mode: choose in person, video or phone for a consultation or follow-up"}
            )
        room = ResourceKind.ROOM if mode == ConsultationMode.IN_PERSON else None
        if kind == AppointmentKind.CONSULTATION:
            return cls(kind, conf.consultation_min, room, (Role.PHYSICIAN,))
        return cls(kind, conf.follow_up_min, room, (Role.PHYSICIAN, Role.NURSE))

    @property
    def label(self) -> str:
        return AppointmentKind(self.kind).label.lower()


@dataclass(frozen=True, slots=True)
class Choice:
    """What a booking asks for by name (None: any that is free)."""

    resource: Resource | None = None
    clinician: User | None = None
    physician: User | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    resource: Resource | None
    clinician: User | None
    physician: User | None

    def describe(self, zone: ZoneInfo) -> str:
        local = self.starts_at.astimezone(zone)
        where = f" in {self.resource.name}" if self.resource else ""
        return f"{local:%a %d %b %Y %H:%M}{where}"
