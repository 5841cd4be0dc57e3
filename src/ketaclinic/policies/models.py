"""Policy versions and the physicians' approvals that put them in force.

Both tables are append-only (the database refuses UPDATE, and DELETE on
PostgreSQL): a version is never edited, an edit is a new version that names
the one it was based on; an approval is a signed record.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from ketaclinic.accounts.models import Clinic
from ketaclinic.lib.signed import SignedRecord


class PolicyKind(models.TextChoices):
    ELIGIBILITY = "eligibility", "Eligibility rules"
    PROTOCOLS = "protocols", "Infusion protocol library"
    INFUSION_CARE = "infusion_care", "Infusion monitoring and discharge"
    FOLLOW_UP = "follow_up", "Follow-up and outcomes"


class PolicyVersion(models.Model):
    """One version of a clinic's policy of one kind (never changed).

    ``document`` is the policy in its kind's format (for eligibility, the rule
    set of docs/screening.md §1), validated by the kind's loader before it is
    stored. ``changes`` lists what differs from ``based_on``, each with the
    reason the editor gave.
    """

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="policy_versions")
    kind = models.CharField(max_length=32, choices=PolicyKind.choices)
    version = models.CharField(max_length=50)
    document = models.JSONField()
    change_note = models.CharField(max_length=500)
    changes = models.JSONField(default=list, blank=True)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The default shipped with ketaclinic, stored as the clinic's first version.
    is_shipped_default = models.BooleanField(default=False)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-drafted_at", "-pk")
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "kind", "version"), name="policy_version_uniq"
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"

    @property
    def approval_record(self) -> PolicyApproval | None:
        """The physician's approval, or None (a draft, or the unreviewed default)."""
        if self._state.adding:
            return None
        try:
            return self.approval
        except PolicyApproval.DoesNotExist:
            return None


class PolicyApproval(SignedRecord):
    """A physician's signature that puts a version in force (one per version)."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    version = models.OneToOneField(PolicyVersion, on_delete=models.PROTECT, related_name="approval")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-signed_at", "-pk")

    def __str__(self) -> str:
        return f"{self.version} approved by {self.signed_by_name}"
