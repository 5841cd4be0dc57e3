"""Permission-checked reads of portal invitations (404 outside the user's clinic)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404

from ketaclinic.accounts.roles import Capability
from ketaclinic.invitations import services
from ketaclinic.invitations.models import Invitation, PortalAccess
from ketaclinic.lib.access import require
from ketaclinic.lib.middleware import current_request_context
from ketaclinic.patients import access as patient_access
from ketaclinic.patients.models import Patient

__all__ = [
    "invitation_for_link",
    "invitation_for_staff",
    "invitations_of",
    "patient_for_invitations",
    "pending_invitations",
    "portal_access",
    "with_portal_access",
]

#: Pending invitations listed at most, oldest link first.
PENDING_LIMIT = 50


def patient_for_invitations(user: Any, code: UUID | str, *, part: str) -> Patient:
    """A patient of the user's clinic, for inviting (the read is audited)."""
    return patient_access.get_patient_for_user(user, code, Capability.PATIENT_INVITE, part=part)


def invitations_of(patient: Patient) -> list[Invitation]:
    """Every invitation of a patient from a getter, newest first."""
    return list(
        Invitation.objects.filter(patient=patient).select_related(
            "invited_by", "sent_by", "revoked_by", "account"
        )
    )


def invitation_for_staff(
    user: Any, patient_code: UUID | str, invitation_code: UUID | str, *, part: str
) -> tuple[Patient, Invitation]:
    patient = patient_for_invitations(user, patient_code, part=part)
    try:
        invitation = Invitation.objects.select_related("patient").get(
            code=invitation_code, patient=patient
        )
    except (Invitation.DoesNotExist, ValueError):
        raise Http404("No such invitation") from None
    return patient, invitation


def pending_invitations(user: Any) -> list[Invitation]:
    """The clinic's open invitations (waiting, expired, or not sent), oldest link first.

    Unread: whoever shows them records the list (the worklist does).
    """
    staff = require(user, Capability.PATIENT_INVITE)
    return list(
        Invitation.objects.filter(
            patient__clinic_id=staff.clinic_id,
            accepted_at=None,
            revoked_at=None,
            patient__portal_user=None,
        )
        .select_related("patient", "sent_by")
        .order_by("sent_at", "pk")[:PENDING_LIMIT]
    )


def invitation_for_link(token: str) -> Invitation:
    """The invitation a patient's link opens, for the public welcome page.

    In a request that reads (GET), a working link's opening is audited; a link
    that does not work raises :class:`services.InvitationRefusedError` and the
    page says nothing about whose it might have been.
    """
    invitation = services.open_invitation(token)
    context = current_request_context()
    if context is not None and context.reads:
        services.record_link_opened(invitation)
    return invitation


# ------------------------------------------------------------------ portal access


def with_portal_access(rows: QuerySet[Patient]) -> QuerySet[Patient]:
    """``rows`` with what :func:`portal_access` needs, in the same query (no N+1)."""
    open_invitations = Invitation.objects.filter(
        patient=OuterRef("pk"), accepted_at=None, revoked_at=None
    )
    return rows.annotate(
        invitation_expires_at=Subquery(open_invitations.values("expires_at")[:1]),
        invitation_not_sent=Exists(open_invitations.filter(email_failed_at__isnull=False)),
    )


def portal_access(patient: Patient, now: Any) -> PortalAccess:
    """What the patient can do with the portal (``patient`` from :func:`with_portal_access`)."""
    if patient.portal_user_id is not None:
        return PortalAccess.ACTIVE
    expires = getattr(patient, "invitation_expires_at", None)
    if expires is None:
        return PortalAccess.NONE
    if getattr(patient, "invitation_not_sent", False):
        return PortalAccess.NOT_SENT
    return PortalAccess.EXPIRED if now >= expires else PortalAccess.INVITED
