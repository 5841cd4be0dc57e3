from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """One create request, by its key: what it asked for and what it answered.

    Unique per user and key, so of two requests with one key only one can
    insert this row; the other waits for it (PostgreSQL) or runs after it
    (SQLite) and replays ``result``.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    #: What was created where, e.g. "api:patient-list" or "patients:create".
    scope = models.CharField(max_length=100)
    #: SHA-256 of the request body: the same key with another body is a mistake.
    fingerprint = models.CharField(max_length=64)
    #: The first answer, replayed to a repeat: {"status", "body"} or {"location"}.
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("user", "key"), name="idempotency_user_key_uniq"),
        )

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
