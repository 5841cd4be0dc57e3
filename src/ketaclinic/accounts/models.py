from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone

from ketaclinic.accounts.roles import STAFF_ROLES, Capability, Role, role_can
from ketaclinic.lib.tokens import digest


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


class RevokeReason(models.TextChoices):
    SIGN_OUT = "sign_out", "Signed out"
    PASSWORD_CHANGE = "password_change", "Password changed"
    BY_USER = "by_user", "Revoked by the user"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self, now: datetime.datetime | None = None) -> ApiTokenQuerySet:
        """Tokens that would be accepted at ``now``: not revoked, not expired, not idle."""
        now = now or timezone.now()
        return self.alias(idle_from=Coalesce("last_used_at", "created_at")).filter(
            revoked_at__isnull=True,
            expires_at__gt=now,
            idle_from__gt=now - ApiToken.idle_timeout(),
            user__is_active=True,
        )


class ApiToken(models.Model):
    """An API key for ``Authorization: Token <key>``: short-lived, revocable, stored hashed.

    The key (``lib.tokens.new_secret``, 256 random bits) is shown once when
    issued; the database keeps only its SHA-256, so a copy of the database or a
    backup gives nobody a working key. A fast unsalted hash is enough for a
    random 256-bit key (nothing to brute-force), and looking the key up by its
    hash means no secret is ever compared byte by byte.

    A token stops working at ``expires_at`` (``API_TOKEN_MAX_HOURS`` after it was
    issued), after ``SESSION_IDLE_MINUTES`` without use, when revoked (sign-out,
    password change, or by hand), or when its user is deactivated.
    """

    #: ``last_used_at`` is written at most this often, not on every request.
    TOUCH_EVERY = datetime.timedelta(seconds=60)

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    #: The key's first characters, so a person can tell their tokens apart (not enough to use one).
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=16, choices=RevokeReason.choices, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=("user", "revoked_at"), name="apitoken_user_idx"),)

    def __str__(self) -> str:
        return f"{self.name or 'API token'} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return digest(key)

    @staticmethod
    def idle_timeout() -> datetime.timedelta:
        return datetime.timedelta(minutes=settings.SESSION_IDLE_MINUTES)

    @property
    def idle_since(self) -> datetime.datetime:
        return self.last_used_at or self.created_at

    @property
    def idle_expires_at(self) -> datetime.datetime:
        """When the token lapses if it is not used again (never after ``expires_at``)."""
        return min(self.idle_since + self.idle_timeout(), self.expires_at)

    def refusal(self, now: datetime.datetime) -> str | None:
        """Why the token may not be used at ``now``, in words; None when it may."""
        if self.revoked_at is not None:
            return "This token has been revoked."
        if now >= self.expires_at:
            return "This token has expired."
        # last_used_at may lag the real last use by up to TOUCH_EVERY, so a token
        # lapses at most that much early, never late.
        if now >= self.idle_since + self.idle_timeout():
            return "This token has expired: it was not used for too long."
        if not self.user.is_active:
            return "This account is inactive."
        return None

    def needs_touch(self, now: datetime.datetime) -> bool:
        return self.last_used_at is None or now - self.last_used_at >= self.TOUCH_EVERY
