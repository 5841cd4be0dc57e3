"""One vitals row and one audit row, as a plain Django app would store them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class Reading(models.Model):
    # Declared: django-stubs knows only the apps of ketaclinic.settings, which omit this one.
    objects: ClassVar[models.Manager[Reading]] = models.Manager()
    client_ref = models.UUIDField(unique=True)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    systolic_mmhg = models.FloatField(null=True)
    diastolic_mmhg = models.FloatField(null=True)
    heart_rate_bpm = models.FloatField(null=True)
    spo2_percent = models.FloatField(null=True)
    respiratory_rate_per_min = models.FloatField(null=True)
    temperature_c = models.FloatField(null=True)

    def __str__(self) -> str:
        return f"Reading {self.client_ref}"


class AuditRow(models.Model):
    objects: ClassVar[models.Manager[AuditRow]] = models.Manager()
    created_at = models.DateTimeField()
    action = models.CharField(max_length=32)
    object_type = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    ip_address = models.GenericIPAddressField(null=True)
    changes = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"
