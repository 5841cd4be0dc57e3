from __future__ import annotations

from django.db import models


class Action(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    VIEW = "view", "View"
    SEARCH = "search", "Search"
    LOGIN = "login", "Sign-in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOGOUT = "logout", "Sign-out"
    TWO_FACTOR = "two_factor", "Two-factor change"
    BULK_LOAD = "bulk_load", "Bulk load"
    SIGN = "sign", "Signature"
    SIGN_FAILED = "sign_failed", "Failed signature"
    LIST = "list", "List of patients"
    OTP_OK = "otp_ok", "Second factor passed"
    OTP_FAILED = "otp_failed", "Failed second factor"
    TOKEN_ISSUE = "token_issue", "API token issued"
    TOKEN_REVOKE = "token_revoke", "API token revoked"
    PASSWORD_CHANGE = "password_change", "Password changed"


class AuditEvent(models.Model):
    """One append-only audit record, linked to the one before by a keyed hash.

    ``hash = HMAC-SHA256(AUDIT_HMAC_KEY, prev_hash || canonical(record))``, so
    changing, inserting or removing any row breaks every link after it, and
    nobody without the key can forge a consistent chain. The actor is stored as
    plain values (not a foreign key) so that no later change elsewhere rewrites
    a row. UPDATE is refused by a database trigger (and DELETE too on
    PostgreSQL); see the migration.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=16, blank=True)
    clinic_id = models.BigIntegerField(null=True, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_code = models.CharField(max_length=36, blank=True)
    patient_code = models.CharField(max_length=36, blank=True, db_index=True)
    summary = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ("-seq",)
        indexes = (
            models.Index(fields=("created_at",), name="audit_created_idx"),
            models.Index(fields=("actor_id", "seq"), name="audit_actor_idx"),
            models.Index(fields=("action", "seq"), name="audit_action_idx"),
        )

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type} by {self.actor_username or '-'}"


class AuditChainHead(models.Model):
    """The single row that says where the chain ends; locked while appending."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"
