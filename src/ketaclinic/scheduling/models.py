"""The clinic's calendar: resources, hours, closures, appointments (docs/scheduling.md).

Times of day (opening hours, working hours, breaks) are wall-clock times in the
clinic's zone (``Clinic.time_zone``); instants (appointments, closures) are aware
datetimes stored in UTC.

No double booking: every chair, room or clinician an appointment holds is one
:class:`Allocation` row with the appointment's range. On PostgreSQL an exclusion
constraint (btree_gist, ``tstzrange`` overlap) refuses two active rows of one holder
that overlap; on SQLite a trigger refuses the same, race-free because SQLite lets
one writer in at a time (migration 0002).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketaclinic.accounts.models import Clinic
from ketaclinic.patients.models import Patient
from ketaclinic.plans.models import PlanVersion

__all__ = [
    "Allocation",
    "Appointment",
    "AppointmentKind",
    "AppointmentStatus",
    "BoosterDue",
    "BoosterStatus",
    "Closure",
    "ConsultationMode",
    "OpeningHours",
    "Prospect",
    "Resource",
    "ResourceKind",
    "ScheduleSettings",
    "WorkingHours",
]

_USER = settings.AUTH_USER_MODEL
WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday")]
WEEKDAYS += [(4, "Friday"), (5, "Saturday"), (6, "Sunday")]


class ScheduleSettings(models.Model):
    """A clinic's scheduling settings, and the row a SQLite booking locks first."""

    clinic = models.OneToOneField(Clinic, on_delete=models.PROTECT, related_name="+")
    #: Minutes in the chair after an infusion ends, before the chair is free.
    recovery_min = models.PositiveSmallIntegerField()
    consultation_min = models.PositiveSmallIntegerField()
    follow_up_min = models.PositiveSmallIntegerField()
    #: Free slots start on this grid (minutes past the opening time).
    slot_step_min = models.PositiveSmallIntegerField()
    #: Bumped by every booking write: on SQLite the UPDATE takes the write lock first.
    lock_counter = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=Q(consultation_min__gt=0)
                & Q(follow_up_min__gt=0)
                & Q(slot_step_min__gt=0),
                name="schedule_settings_positive",
            ),
        )

    def __str__(self) -> str:
        return f"Scheduling settings of {self.clinic}"


class ResourceKind(models.TextChoices):
    CHAIR = "chair", "Infusion chair"
    ROOM = "room", "Consulting room"


class Resource(models.Model):
    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=ResourceKind.choices)
    name = models.CharField(max_length=60)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("kind", "name", "pk")
        constraints = (
            models.UniqueConstraint(fields=("clinic", "name"), name="resource_name_uniq"),
        )

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """The clinic is open from ``opens`` to ``closes`` (local time) on ``weekday``."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ("weekday", "opens")
        constraints = (
            models.CheckConstraint(condition=Q(opens__lt=F("closes")), name="opening_hours_order"),
        )

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class WorkingHours(models.Model):
    """A clinician works (or, with ``is_break``, pauses) from ``starts`` to ``ends`` locally."""

    clinician = models.ForeignKey(_USER, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    starts = models.TimeField()
    ends = models.TimeField()
    is_break = models.BooleanField(default=False)

    class Meta:
        ordering = ("clinician", "weekday", "starts")
        constraints = (
            models.CheckConstraint(condition=Q(starts__lt=F("ends")), name="working_hours_order"),
        )

    def __str__(self) -> str:
        what = "break" if self.is_break else "work"
        return f"{self.get_weekday_display()} {what} {self.starts:%H:%M}-{self.ends:%H:%M}"


class Closure(models.Model):
    """The whole clinic (no resource) or one chair or room is closed over a range of instants."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.PROTECT)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ("starts_at", "pk")
        constraints = (
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="closure_order"),
        )

    def __str__(self) -> str:
        return f"Closed: {self.reason}"


class Prospect(models.Model):
    """Someone who booked a consultation before being registered (the public flow)."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = models.CharField(max_length=40)
    phone_e164 = models.CharField(max_length=20)
    #: The pre-screen questions' answers, as the public form sent them.
    answers = models.JSONField(default=dict, blank=True)
    #: The registered patient the front desk made of this prospect.
    patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class AppointmentKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    INFUSION = "infusion", "Infusion"
    FOLLOW_UP = "follow_up", "Follow-up"
    BOOSTER = "booster", "Booster infusion"


class ConsultationMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"
    PHONE = "phone", "Phone"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "Did not attend"
    DONE = "done", "Done"


class Appointment(models.Model):
    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    prospect = models.ForeignKey(
        Prospect, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    kind = models.CharField(max_length=16, choices=AppointmentKind.choices)
    mode = models.CharField(max_length=16, choices=ConsultationMode.choices, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    #: For infusions: the infusion's minutes and the recovery after it (ends_at includes both).
    infusion_min = models.PositiveSmallIntegerField(null=True, blank=True)
    recovery_min = models.PositiveSmallIntegerField(null=True, blank=True)
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.PROTECT)
    #: The nurse at the chair (infusions) or the clinician seen (other kinds).
    clinician = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The physician covering an infusion (on duty, not held: one covers several chairs).
    physician = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan_version = models.ForeignKey(
        PlanVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number_in_series = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    cancel_reason = models.CharField(max_length=300, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("starts_at", "pk")
        indexes = (models.Index(fields=("clinic", "starts_at"), name="appointment_clinic_start"),)
        constraints = (
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="appointment_order"
            ),
            models.CheckConstraint(
                condition=(Q(patient__isnull=False) & Q(prospect__isnull=True))
                | (Q(patient__isnull=True) & Q(prospect__isnull=False)),
                name="appointment_patient_or_prospect",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="appointment_cancel_has_reason",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def who(self) -> Patient | Prospect:
        person = self.patient or self.prospect
        assert person is not None
        return person


class Allocation(models.Model):
    """One chair, room or clinician held by an appointment over its range.

    ``holder`` is "resource:<id>" or "user:<id>", so one database rule covers every
    kind: two *active* rows of one holder never overlap ([start, end) ranges).
    A cancelled appointment's rows stop being active, which frees the time.
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="holds")
    holder = models.CharField(max_length=40)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        indexes = (models.Index(fields=("holder", "starts_at"), name="allocation_holder_start"),)
        constraints = (
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="allocation_order"
            ),
            models.UniqueConstraint(fields=("appointment", "holder"), name="allocation_once"),
        )

    def __str__(self) -> str:
        return f"{self.holder} {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%H:%M} UTC"


class BoosterStatus(models.TextChoices):
    DUE = "due", "Due"
    BOOKED = "booked", "Booked"
    DISMISSED = "dismissed", "Dismissed"


class BoosterDue(models.Model):
    """A clinician's mark that a patient is due a booster: a suggestion to the front desk."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="boosters_due")
    due_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=16, choices=BoosterStatus.choices, default=BoosterStatus.DUE
    )
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField()
    marked_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("due_on", "pk")

    def __str__(self) -> str:
        return f"Booster due {self.due_on:%Y-%m-%d}"
