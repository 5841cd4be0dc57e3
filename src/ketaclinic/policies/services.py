"""Policy life cycle: draft → approved by a physician → in force.

* A **draft** is a new :class:`PolicyVersion`: validated by its kind's loader
  (errors name the field), with a change note, and for each changed value the
  editor's reason. A draft is never in force.
* A physician **approves** a version by signing it (password re-entered,
  :func:`ketaclinic.lib.signing.sign`); the newest approval of a clinic's kind
  is **in force** from that moment.
* Until a physician approves one, the **shipped default** is in force, marked
  "clinic default, not yet reviewed" on every page that uses it. It is stored
  as the clinic's version when a record first depends on it (a signed
  decision must point at the exact document), never by a page view.

Every decision stores the version it used.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.audit.services import Action, record
from ketaclinic.lib.signing import Meaning, Signature, sign
from ketaclinic.policies.kinds import kind_spec
from ketaclinic.policies.models import PolicyApproval, PolicyVersion
from ketacore.errors import InputError

__all__ = [
    "Change",
    "Status",
    "approve",
    "approved_by",
    "draft",
    "draft_and_approve",
    "in_force",
    "loaded",
    "status_of",
    "store_in_force",
]


class Status(StrEnum):
    IN_FORCE = "in_force"
    DEFAULT_UNREVIEWED = "default_unreviewed"
    DRAFT = "draft"
    SUPERSEDED = "superseded"


STATUS_LABELS = {
    Status.IN_FORCE: "In force",
    Status.DEFAULT_UNREVIEWED: "In force: clinic default, not yet reviewed by a physician",
    Status.DRAFT: "Draft: not in force until a physician approves it",
    Status.SUPERSEDED: "Approved earlier; replaced by a newer approval",
}


@dataclass(frozen=True, slots=True)
class Change:
    """One value changed in a draft: where, from what, to what, and why."""

    path: str
    label: str
    old: Any
    new: Any
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "label": self.label,
            "from": self.old,
            "to": self.new,
            "reason": self.reason,
        }


# ------------------------------------------------------------------ reading


def in_force(clinic: Clinic, kind: str) -> PolicyVersion:
    """The version in force; reads only.

    The version with the newest approval; with none, the shipped default (the
    clinic's stored copy of it if one exists, else an unsaved one built from
    the document ketaclinic ships).
    """
    approval = (
        PolicyApproval.objects.filter(version__clinic=clinic, version__kind=kind)
        .select_related("version", "version__approval")
        .order_by("-signed_at", "-pk")
        .first()
    )
    if approval is not None:
        return approval.version
    document = kind_spec(kind).default_document()
    stored = PolicyVersion.objects.filter(
        clinic=clinic, kind=kind, version=kind_spec(kind).version_of(document)
    ).first()
    return stored or _shipped_default(clinic, kind, document)


def store_in_force(actor: User | None, clinic: Clinic, kind: str) -> PolicyVersion:
    """The version in force, stored (for a record that must point at it)."""
    version = in_force(clinic, kind)
    if not version._state.adding:
        return version
    try:
        with transaction.atomic():
            version.save(force_insert=True)
            record(
                actor,
                Action.CREATE,
                obj=version,
                clinic_id=clinic.pk,
                summary=f"{kind_spec(kind).label}: shipped default stored (not yet reviewed)",
                changes={"kind": kind, "version": version.version},
            )
    except IntegrityError:  # another request stored it first
        return PolicyVersion.objects.get(clinic=clinic, kind=kind, version=version.version)
    return version


#: Namespace of the shipped defaults' codes: the same clinic, kind and version
#: always get the same code, stored or not, so a page can link to it.
_DEFAULT_CODES = uuid.UUID("6f0d1f8e-5b2a-4c11-9a55-6b2f1d7c9e01")


def _shipped_default(clinic: Clinic, kind: str, document: dict[str, Any]) -> PolicyVersion:
    version = kind_spec(kind).version_of(document)
    return PolicyVersion(
        code=uuid.uuid5(_DEFAULT_CODES, f"{clinic.code}:{kind}:{version}"),
        clinic=clinic,
        kind=kind,
        version=version,
        document=document,
        change_note="The default shipped with ketaclinic.",
        is_shipped_default=True,
    )


def approval_of(version: PolicyVersion) -> PolicyApproval | None:
    return version.approval_record


def approved_by(version: PolicyVersion) -> str | None:
    """ "Name, date" of the physician who approved the version, or None."""
    approval = approval_of(version)
    if approval is None:
        return None
    return f"{approval.signed_by_name}, {timezone.localdate(approval.signed_at).isoformat()}"


def loaded(version: PolicyVersion) -> Any:
    """The core's validated object for a version, carrying its approval.

    Loading validates the whole document (for eligibility, every rule), and pages
    such as the chart need it on every view; the result is a pure function of the
    kind and the document with its approval, and immutable (frozen dataclasses), so
    it is kept by those: a stored version's code (stored versions are never changed) or
    an unstored shipped default's canonical JSON, with the approval.
    """
    document = dict(version.document)
    document["approved_by"] = approved_by(version)
    if version._state.adding:  # the shipped default, not stored: by its content
        key = (version.kind, json.dumps(document, sort_keys=True, default=str))
    else:  # a stored version never changes (the table is append-only): by its code
        key = (version.kind, f"{version.code}:{document['approved_by']}")
    policy = _LOADED.get(key)
    if policy is None:
        policy = kind_spec(version.kind).load(document)
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.clear()  # rare: a clinic has a handful of versions in use
        _LOADED[key] = policy
    return policy


#: Loaded policies by (kind, canonical document); a clinic has a handful in use.
_LOADED: dict[tuple[str, str], Any] = {}
_LOADED_MAX = 32


def status_of(version: PolicyVersion, current: PolicyVersion) -> Status:
    """Where ``version`` stands, given the version in force (``current``)."""
    is_current = version.code == current.code
    if is_current:
        return Status.IN_FORCE if approval_of(version) else Status.DEFAULT_UNREVIEWED
    return Status.SUPERSEDED if approval_of(version) else Status.DRAFT


# ------------------------------------------------------------------ writing


@transaction.atomic
def draft(
    actor: User,
    kind: str,
    document: Mapping[str, Any],
    *,
    change_note: str,
    changes: Sequence[Change] = (),
    based_on: PolicyVersion | None = None,
) -> PolicyVersion:
    """Validate ``document`` and store it as a new, not yet approved version.

    Args:
        document: The whole policy in its kind's format.
        change_note: What changed and why (required).
        changes: The values changed from ``based_on``, each with its reason
            (required for every change).
        based_on: The version edited (default: the one in force).

    Raises:
        ValidationError: Naming the field: a document error, a version number
            already used, a missing change note or reason. Nothing is stored.
    """
    spec = kind_spec(kind)
    _may_manage(actor, spec.manage, "drafts")
    if not change_note.strip():
        raise ValidationError({"change_note": "change_note: say what changed and why"})
    for change in changes:
        if not change.reason.strip():
            raise ValidationError({change.path: f"{change.label}: give the reason for this change"})
    clean = dict(document)
    clean["approved_by"] = None  # approval is a signature, never a field typed in
    try:
        spec.load(clean)
    except InputError as exc:
        raise ValidationError({"document": f"document.{exc.field}: {exc.rule}"}) from None
    based_on = based_on or store_in_force(actor, actor.clinic, kind)
    version = spec.version_of(clean)
    taken = ValidationError(
        {"version": f"version: {version!r} is already used; give every edit a new version"}
    )
    if PolicyVersion.objects.filter(clinic_id=actor.clinic_id, kind=kind, version=version).exists():
        raise taken
    try:
        with transaction.atomic():
            stored = PolicyVersion.objects.create(
                clinic_id=actor.clinic_id,
                kind=kind,
                version=version,
                document=json.loads(json.dumps(clean)),
                change_note=change_note.strip()[:500],
                changes=[c.as_dict() for c in changes],
                based_on=based_on,
                drafted_by=actor,
            )
    except IntegrityError:  # the same version drafted at the same moment
        raise taken from None
    record(
        actor,
        Action.CREATE,
        obj=stored,
        summary=f"{spec.label} {version} drafted",
        changes={
            "kind": kind,
            "version": version,
            "based_on": based_on.version,
            "change_note": stored.change_note,
            "changes": stored.changes,
        },
    )
    return stored


def approve(
    actor: User, version: PolicyVersion, *, password: str, note: str = ""
) -> PolicyApproval:
    """A physician signs ``version`` as approved for clinical use: it is in force from now.

    Raises:
        ValidationError: Wrong password (audited, counts toward the lockout),
            a version already approved, or a role that may not approve.
    """
    spec = kind_spec(version.kind)
    _may_manage(actor, spec.manage, "approves")
    if approval_of(version) is not None:
        raise ValidationError({"version": "version: already approved"})

    def write(signature: Signature) -> PolicyApproval:
        stored = version
        if stored._state.adding:
            stored = store_in_force(actor, actor.clinic, version.kind)
        return _store_approval(stored, signature, note)

    return sign(
        actor,
        password,
        meaning=Meaning.APPROVED,
        write=write,
        summary=f"{spec.label} {version.version} approved: in force from now",
        attempted_on=None if version._state.adding else version,
        changes=lambda approval: {"kind": version.kind, "version": version.version},
    )


def draft_and_approve(
    actor: User,
    kind: str,
    document: Mapping[str, Any],
    *,
    change_note: str,
    password: str,
    note: str = "",
) -> PolicyApproval:
    """Store a new version and sign it as approved, all or nothing.

    The password is checked first; a document error then stores nothing.
    """
    spec = kind_spec(kind)
    _may_manage(actor, spec.manage, "approves")
    version = spec.version_of(document)

    def write(signature: Signature) -> PolicyApproval:
        stored = draft(actor, kind, document, change_note=change_note)
        return _store_approval(stored, signature, note)

    return sign(
        actor,
        password,
        meaning=Meaning.APPROVED,
        write=write,
        summary=f"{spec.label} {version} drafted and approved: in force from now",
        changes=lambda approval: {"kind": kind, "version": version},
    )


def _store_approval(version: PolicyVersion, signature: Signature, note: str) -> PolicyApproval:
    try:
        with transaction.atomic():
            return PolicyApproval.objects.create(
                version=version, note=note.strip()[:500], **signature.fields()
            )
    except IntegrityError:  # approved by someone else at the same moment
        raise ValidationError({"version": "version: already approved"}) from None


def _may_manage(actor: User, capability: Any, verb: str) -> None:
    if not actor.can(capability):
        raise ValidationError({"__all__": f"Only a physician {verb} this policy."})
