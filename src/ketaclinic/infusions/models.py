"""Infusion sessions at the chair: an append-only record with a per-session sequence.

Everything charted in a session is a :class:`SessionEntry`, never changed: the
check-in, each pump event (start, rate change, pause, resume, bolus, stop), vital
signs, scores, side effects, rescue medicines, notes, overrides, the discharge.
Each entry takes the session's next sequence number, allocated by one UPDATE of
the session row, so two tablets charting at once both keep their entries, in the
order the server received them. An entry also carries the ``client_ref`` the
tablet made for it: an entry sent twice (the network dropped after the server had
it) is stored once. A correction is a new entry that ``amends`` the one it
corrects, with the reason.

The database itself refuses a charted rate above the plan's hard ceiling, a bolus
above the bolus ceiling, and implausible vital signs (CHECK constraints).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketaclinic.accounts.models import Clinic
from ketaclinic.lib.signed import SignedRecord
from ketaclinic.patients.models import Patient
from ketaclinic.plans.models import PlanVersion
from ketaclinic.policies.models import PolicyVersion
from ketacore.infusion.care import PLAUSIBLE, Measure

__all__ = ["EntryKind", "InfusionSession", "SessionAlert", "SessionEntry", "SessionSignOff"]

_SLACK = 1.000001


class InfusionSession(models.Model):
    """One infusion of a plan, at a chair, on a day."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="infusion_sessions")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="sessions")
    care_policy = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    number_in_series = models.PositiveSmallIntegerField()
    chair = models.CharField(max_length=40, blank=True)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    #: The last sequence number given to an entry (the only field ever updated).
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-opened_at", "-pk")
        indexes = (models.Index(fields=("patient", "opened_at"), name="session_patient_idx"),)

    def __str__(self) -> str:
        return f"Infusion {self.number_in_series} of {self.patient}"


class EntryKind(models.TextChoices):
    CHECK_IN = "check_in", "Check-in"
    START = "start", "Infusion started"
    RATE_CHANGE = "rate_change", "Rate changed"
    PAUSE = "pause", "Infusion paused"
    RESUME = "resume", "Infusion resumed"
    BOLUS = "bolus", "Bolus"
    STOP = "stop", "Infusion stopped"
    VITALS = "vitals", "Vital signs"
    SCORE = "score", "Score"
    SIDE_EFFECT = "side_effect", "Side effect"
    RESCUE = "rescue", "Rescue medicine"
    NOTE = "note", "Note"
    OVERRIDE = "override", "Physician override"
    DISCHARGE = "discharge", "Discharged"
    AMENDMENT = "amendment", "Correction"


#: Entries that drive the pump (replayed into the delivered dose).
PUMP_KINDS = frozenset(
    {
        EntryKind.START,
        EntryKind.RATE_CHANGE,
        EntryKind.PAUSE,
        EntryKind.RESUME,
        EntryKind.BOLUS,
        EntryKind.STOP,
    }
)


def _plausible(measure: Measure) -> Q:
    low, high = PLAUSIBLE[measure]
    name = measure.value
    return Q(**{f"{name}__isnull": True}) | (
        Q(**{f"{name}__gte": low}) & Q(**{f"{name}__lte": high})
    )


class SessionEntry(models.Model):
    """One charted fact of a session (see the module docstring)."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    #: When it happened at the chair (the tablet's time of entry, kept when sent late).
    occurred_at = models.DateTimeField()
    #: When the server stored it.
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    #: The tablet's own id for the entry: the same entry sent twice is stored once.
    client_ref = models.UUIDField()
    data = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments"
    )
    # Pump figures, as columns so that the database can hold them to the ceilings.
    rate_mg_per_h = models.FloatField(null=True, blank=True)
    dose_mg = models.FloatField(null=True, blank=True)
    ceiling_rate_mg_per_h = models.FloatField(null=True, blank=True)
    ceiling_bolus_mg = models.FloatField(null=True, blank=True)
    # Vital signs, as columns for the charts and the plausibility checks.
    systolic_mmhg = models.FloatField(null=True, blank=True)
    diastolic_mmhg = models.FloatField(null=True, blank=True)
    heart_rate_bpm = models.FloatField(null=True, blank=True)
    spo2_percent = models.FloatField(null=True, blank=True)
    respiratory_rate_per_min = models.FloatField(null=True, blank=True)
    temperature_c = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ("session", "seq")
        constraints = (
            models.UniqueConstraint(fields=("session", "seq"), name="session_entry_seq_uniq"),
            models.UniqueConstraint(
                fields=("session", "client_ref"), name="session_entry_client_ref_uniq"
            ),
            models.CheckConstraint(
                condition=Q(rate_mg_per_h__isnull=True)
                | (
                    Q(rate_mg_per_h__gt=0)
                    & Q(ceiling_rate_mg_per_h__isnull=False)
                    & Q(rate_mg_per_h__lte=F("ceiling_rate_mg_per_h") * _SLACK)
                ),
                name="session_entry_rate_within_hard_limit",
            ),
            models.CheckConstraint(
                condition=Q(dose_mg__isnull=True)
                | (
                    Q(dose_mg__gt=0)
                    & Q(ceiling_bolus_mg__isnull=False)
                    & Q(dose_mg__lte=F("ceiling_bolus_mg") * _SLACK)
                ),
                name="session_entry_bolus_within_hard_limit",
            ),
            *(
                models.CheckConstraint(
                    condition=_plausible(m), name=f"session_entry_{m.value}_plausible"
                )
                for m in Measure
            ),
            models.CheckConstraint(
                condition=Q(systolic_mmhg__isnull=True)
                | Q(diastolic_mmhg__isnull=True)
                | Q(systolic_mmhg__gt=F("diastolic_mmhg")),
                name="session_entry_systolic_above_diastolic",
            ),
        )

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_kind_display()}"


class SessionAlert(models.Model):
    """A vital sign crossed a threshold of the care policy (never changed)."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="alerts")
    entry = models.ForeignKey(SessionEntry, on_delete=models.PROTECT, related_name="alerts")
    rule_id = models.CharField(max_length=64)
    message = models.CharField(max_length=300)
    value = models.FloatField()
    threshold = models.CharField(max_length=100)
    source = models.CharField(max_length=500)
    raised_at = models.DateTimeField()

    class Meta:
        ordering = ("-raised_at", "-pk")
        constraints = (
            models.UniqueConstraint(fields=("entry", "rule_id"), name="session_alert_uniq"),
        )

    def __str__(self) -> str:
        return self.message


class SessionAlertAck(models.Model):
    """What was done about an alert; the alert stays on screen until it has one."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    alert = models.OneToOneField(
        SessionAlert, on_delete=models.PROTECT, related_name="acknowledgement"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField()
    action_taken = models.TextField(max_length=2000)

    def __str__(self) -> str:
        return f"Acknowledged {self.acknowledged_at:%Y-%m-%d %H:%M}"


class SessionSignOff(SignedRecord):
    """The physician's signature that closes the record (after it, only corrections)."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    session = models.OneToOneField(
        InfusionSession, on_delete=models.PROTECT, related_name="sign_off"
    )
    delivered_mg = models.FloatField()
    summary = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Signed by {self.signed_by_name}"
