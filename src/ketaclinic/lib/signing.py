"""Signatures: one way to sign a record with the password, for every kind of record.

A signature is a password re-entered at the moment of signing, the signer and
the time, what the signature *means* ("signed as the physician's decision",
"as approved for clinical use", next "as administered"), and for a revision the
reason and the record it replaces. Screening decisions and policy approvals
use it; treatment plans, infusion session records and follow-up notes will.

* The password goes through the sign-in machinery (``verify_password``): a
  wrong one is audited as a failed signature and counts toward the lockout.
* The signed record, its revision link and its ``sign`` audit record are
  written in one transaction; the record's table is append-only
  (``lib.append_only``), so a signed record is never edited: a revision is a
  new row that names the one it replaces and why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.services import verify_password
from ketaclinic.audit.services import Action, record
from ketaclinic.lib import clock
from ketaclinic.lib.signed import Meaning, SignedRecord

__all__ = ["Meaning", "Signature", "SignedRecord", "sign"]

R = TypeVar("R", bound=models.Model)


@dataclass(frozen=True, slots=True)
class Signature:
    """Who signs, when, meaning what; :meth:`fields` fills a :class:`SignedRecord`."""

    user: User
    name: str
    at: datetime
    meaning: Meaning
    reason: str = ""

    def fields(self) -> dict[str, Any]:
        return {
            "signed_by": self.user,
            "signed_by_name": self.name,
            "signed_at": self.at,
            "meaning": self.meaning,
            "revision_reason": self.reason,
        }


def sign(
    actor: User,
    password: str,
    *,
    meaning: Meaning,
    write: Callable[[Signature], R],
    summary: str,
    attempted_on: models.Model | None = None,
    patient_code: str = "",
    revises: models.Model | None = None,
    reason: str = "",
    changes: Callable[[R], dict[str, Any]] | None = None,
) -> R:
    """Check the password, then write the signed record and its audit record together.

    Args:
        actor: The signer.
        password: Re-entered now.
        meaning: What the signature attests.
        write: Creates the record from the signature (inside the transaction;
            it may lock rows and refuse with a ValidationError).
        summary: The audit summary ("Screening decision signed").
        attempted_on: The record a failed attempt is audited against.
        patient_code: The patient the record belongs to, if any.
        revises: The signed record this one replaces; it must be current and
            ``reason`` must say why.
        changes: Extra values for the audit record, from the signed record.

    Raises:
        ValidationError: ``password`` wrong or the account locked (audited as
            a failed signature), ``reason`` missing for a revision, ``revises``
            already replaced, or whatever ``write`` refuses. Nothing is saved.
    """
    try:
        verify_password(actor, password, purpose="signature")
    except ValidationError:
        # Its own transaction: the attempt is kept though nothing is signed.
        record(
            actor,
            Action.SIGN_FAILED,
            obj=attempted_on,
            patient_code=patient_code,
            summary=f"Not signed, wrong password: {summary}"[:200],
        )
        raise
    if revises is not None:
        if not reason.strip():
            raise ValidationError({"reason": "reason: say why the record is revised"})
        if hasattr(revises, "superseded_by"):
            what = getattr(revises, "signed_kind", "record")
            raise ValidationError({"revises": f"revises: only the current {what} can be revised"})
    signature = Signature(
        actor,
        actor.get_full_name() or actor.get_username(),
        clock.now(),
        meaning,
        reason.strip()[:500],
    )
    with transaction.atomic():
        signed = write(signature)
        record(
            actor,
            Action.SIGN,
            obj=signed,
            patient_code=patient_code,
            summary=summary,
            changes={
                "meaning": str(meaning.label),
                "supersedes": str(getattr(revises, "code", "")) or None,
                "reason": signature.reason,
                **(changes(signed) if changes else {}),
            },
        )
    return signed
