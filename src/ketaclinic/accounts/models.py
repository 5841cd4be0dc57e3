from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models

from ketaclinic.accounts.roles import STAFF_ROLES, Capability, Role, role_can


class Clinic(models.Model):
    """One clinic site. Staff and patients belong to exactly one; data never crosses."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="America/Phoenix")
    #: Synthetic demo data: lets `ketaclinic demo totp` print codes for its accounts only.
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    role = models.CharField(max_length=16, choices=Role.choices)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="users")

    REQUIRED_FIELDS = ["email"]  # noqa: RUF012 (Django's own attribute)

    def __str__(self) -> str:
        return self.get_username()

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def requires_two_factor(self) -> bool:
        """Every staff account must pass TOTP before it sees anything."""
        return self.is_staff_member

    def can(self, capability: Capability) -> bool:
        return self.is_active and role_can(self.role, capability)

    def is_verified(self) -> bool:  # replaced per request by django_otp's middleware
        return False
