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


#: The chain of records that belong to no clinic (e.g. a failed sign-in with an unknown name).
SYSTEM_CHAIN = 0


class AuditEvent(models.Model):
    """One append-only audit record, linked to the one before it in its chain by a keyed hash.

    Each clinic has its own chain (``chain`` is the clinic's id; records of no clinic go to
    :data:`SYSTEM_CHAIN`), so appending locks one clinic's head row, never the whole trail.
    ``hash = HMAC-SHA256(AUDIT_HMAC_KEY, prev_hash || canonical(record))``, with the chain
    and the sequence number inside the record, so changing, inserting, removing or moving
    any row breaks every link after it, and nobody without the key can forge a consistent
    chain. Removing the newest rows of a chain is caught by the witness file (witness.py).
    The actor is stored as plain values (not a foreign key) so that no later change
    elsewhere rewrites a row. UPDATE is refused by a database trigger (and DELETE too on
    PostgreSQL); see migrations 0002 and 0005.
    """

    chain = models.BigIntegerField()
    seq = models.PositiveBigIntegerField()
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
        # Sequence numbers count within one chain; across chains, time is the order.
        ordering = ("-created_at", "-id")
        constraints = (
            models.UniqueConstraint(fields=("chain", "seq"), name="audit_chain_seq_uniq"),
        )
        indexes = (
            models.Index(fields=("created_at",), name="audit_created_idx"),
            models.Index(fields=("actor_id", "seq"), name="audit_actor_idx"),
            models.Index(fields=("action", "seq"), name="audit_action_idx"),
        )

    def __str__(self) -> str:
        return (
            f"#{self.seq} of chain {self.chain}: {self.action} {self.object_type} "
            f"by {self.actor_username or '-'}"
        )


class ChainHead(models.Model):
    """Where one chain ends: its last sequence number and hash. Locked while appending.

    One row per chain, so writers of different clinics never wait for each other.
    The row is created by the chain's first record (race-free: the primary key makes a
    second concurrent creation fail, and the loser then locks the winner's row).
    """

    chain = models.BigIntegerField(primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit chain {self.chain} head #{self.seq}"
