"""Inviting a patient to the portal, and the patient accepting.

Each write is atomic and audited. The email goes out after the transaction
commits (``transaction.on_commit``): a mail server that is slow or down never
holds the database's write lock, and never sends a link to an invitation that
was rolled back. If the mail server refuses the email, the invitation is marked
so (``email_failed_at``, audited) and the staff see "Invitation email not sent".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.accounts.services import create_user
from ketaclinic.audit.services import Action, record
from ketaclinic.invitations.models import Invitation
from ketaclinic.lib.tokens import new_secret
from ketaclinic.patients.models import Patient
from ketaclinic.patients.services import link_portal_account

__all__ = [
    "InvitationRefusedError",
    "LinkMaker",
    "accept",
    "invite",
    "open_invitation",
    "resend",
    "revoke",
]

log = logging.getLogger(__name__)

#: Builds the absolute address of the page that takes a token ("https://…/welcome/?token=…").
LinkMaker = Callable[[str], str]

#: What the patient is told of any link that does not work: never which case it is.
REFUSED = (
    "This link does not work: it may have expired, been used already, or been replaced by a "
    "newer one. Ask the clinic to send you a new invitation."
)


class InvitationRefusedError(Exception):
    """A token that is unknown, used, revoked or expired (the message never says which)."""

    def __init__(self) -> None:
        super().__init__(REFUSED)


def _new_token() -> str:
    return new_secret()  # shown once, in the email


def _lock_patient(patient: Patient) -> Patient:
    return Patient.objects.select_for_update().get(pk=patient.pk)


@transaction.atomic
def invite(actor: User, patient: Patient, *, link: LinkMaker) -> Invitation:
    """Invite ``patient`` to the portal: email them a link to set a password.

    Raises:
        ValidationError: The patient already has portal access or an open
            invitation (resend that instead), or has no email address.
    """
    patient = _lock_patient(patient)
    if patient.portal_user_id is not None:
        raise ValidationError(
            {"patient": "This patient already has a portal account; nothing was sent."}
        )
    if Invitation.objects.filter(patient=patient, accepted_at=None, revoked_at=None).exists():
        raise ValidationError(
            {
                "patient": "This patient has been invited already: send that invitation again, "
                "or revoke it first."
            }
        )
    if not patient.email:
        raise ValidationError(
            {"email": "Add the patient's email address to their details first; nothing was sent."}
        )
    now, token = timezone.now(), _new_token()
    invitation = Invitation(
        patient=patient,
        email=patient.email,
        token_hash=Invitation.hash_token(token),
        created_at=now,
        invited_by=actor,
        sent_at=now,
        sent_by=actor,
        expires_at=now + Invitation.lifetime(),
    )
    invitation.full_clean()
    invitation.save(force_insert=True)
    record(
        actor,
        Action.CREATE,
        obj=invitation,
        patient_code=str(patient.code),
        summary=f"Portal invitation sent, valid {settings.PORTAL_INVITATION_HOURS} h",
        changes={"expires_at": invitation.expires_at},
    )
    _send_after_commit(invitation, token, link)
    return invitation


@transaction.atomic
def resend(actor: User, invitation: Invitation, *, link: LinkMaker) -> Invitation:
    """Send an open invitation again with a new link; the old link stops working.

    It goes to the patient's email address as it is now, and is valid for the
    full lifetime from now.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    patient = invitation.patient
    if not invitation.is_open:
        raise ValidationError(
            {"invitation": "This invitation was accepted or revoked; nothing was sent."}
        )
    if not patient.email:
        raise ValidationError(
            {"email": "Add the patient's email address to their details first; nothing was sent."}
        )
    now, token = timezone.now(), _new_token()
    before = {"email": invitation.email, "expires_at": invitation.expires_at}
    invitation.email = patient.email
    invitation.token_hash = Invitation.hash_token(token)
    invitation.sent_at, invitation.sent_by = now, actor
    invitation.send_count += 1
    invitation.expires_at = now + Invitation.lifetime()
    invitation.email_failed_at = None
    invitation.save(
        update_fields=(
            "email",
            "token_hash",
            "sent_at",
            "sent_by",
            "send_count",
            "expires_at",
            "email_failed_at",
        )
    )
    record(
        actor,
        Action.UPDATE,
        obj=invitation,
        patient_code=str(patient.code),
        summary="Portal invitation sent again; the earlier link no longer works",
        changes={
            "expires_at": [before["expires_at"], invitation.expires_at],
            "email_changed": before["email"] != invitation.email,
            "send_count": invitation.send_count,
        },
    )
    _send_after_commit(invitation, token, link)
    return invitation


@transaction.atomic
def revoke(actor: User, invitation: Invitation) -> Invitation:
    """Stop an open invitation's link from working (again is harmless)."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(
            {"invitation": "The patient has already set up their portal account."}
        )
    if invitation.revoked_at is not None:
        return invitation
    invitation.revoked_at, invitation.revoked_by = timezone.now(), actor
    invitation.save(update_fields=("revoked_at", "revoked_by"))
    record(
        actor,
        Action.UPDATE,
        obj=invitation,
        patient_code=str(invitation.patient.code),
        summary="Portal invitation revoked",
        changes={"revoked_at": invitation.revoked_at},
    )
    return invitation


def open_invitation(token: str) -> Invitation:
    """The open, unexpired invitation of ``token``; reads only.

    Raises:
        InvitationRefusedError: Whatever is wrong with the token.
    """
    invitation = (
        Invitation.objects.select_related("patient", "patient__clinic")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    if invitation is None or not _usable(invitation):
        raise InvitationRefusedError
    return invitation


def _usable(invitation: Invitation) -> bool:
    return (
        invitation.is_open
        and timezone.now() < invitation.expires_at
        and invitation.patient.portal_user_id is None
    )


@transaction.atomic
def accept(token: str, *, username: str, password: str) -> User:
    """Make the patient's portal account from their invitation, once.

    The invitation and the patient are locked, so two acceptances at the same
    moment (a double click, two tabs) make one account: the second finds the
    invitation used and is refused like any used link. The account is created
    (``create_user``, role patient, Django's password validators), linked to
    the patient and the invitation closed in one transaction, each audited.

    Raises:
        InvitationRefusedError: The token is not (or no longer) usable.
        ValidationError: On ``username`` or ``password``; the link still works.
    """
    invitation = (
        Invitation.objects.select_for_update()
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationRefusedError
    patient = _lock_patient(invitation.patient)
    invitation.patient = patient
    if not _usable(invitation):
        raise InvitationRefusedError
    user = create_user(
        None,
        clinic=patient.clinic,
        username=username.strip(),
        role=Role.PATIENT,
        password=password,
        email=invitation.email,
        first_name=patient.given_name[:150],
        last_name=patient.family_name[:150],
    )
    link_portal_account(user, patient, user)
    invitation.accepted_at, invitation.account = timezone.now(), user
    invitation.save(update_fields=("accepted_at", "account"))
    record(
        user,
        Action.UPDATE,
        obj=invitation,
        patient_code=str(patient.code),
        summary="Portal invitation accepted: the patient set a password",
        changes={"accepted_at": invitation.accepted_at, "username": user.get_username()},
    )
    return user


def record_link_opened(invitation: Invitation) -> None:
    """Audit that a working invitation link was opened (the page greets the patient by name)."""
    record(
        None,
        Action.VIEW,
        obj=invitation,
        clinic_id=invitation.patient.clinic_id,
        patient_code=str(invitation.patient.code),
        summary="Portal invitation link opened",
    )


def record_link_refused() -> None:
    """Audit a link that did not work (no clinic or patient can be named: none is known)."""
    record(None, Action.LOGIN_FAILED, summary="Portal invitation link refused")


# ------------------------------------------------------------------ the email


def _send_after_commit(invitation: Invitation, token: str, link: LinkMaker) -> None:
    url = link(token)
    pk = invitation.pk
    transaction.on_commit(lambda: _deliver(pk, url))


def _deliver(pk: int, url: str) -> None:
    """Hand the email to the mail server; note a failure on the invitation (audited)."""
    invitation = Invitation.objects.select_related("patient", "patient__clinic").get(pk=pk)
    context: dict[str, Any] = {
        "patient": invitation.patient,
        "clinic": invitation.patient.clinic,
        "url": url,
        "hours": settings.PORTAL_INVITATION_HOURS,
        "expires_at": invitation.expires_at,
        "site_name": settings.SITE_NAME,
    }
    subject = render_to_string("invitations/email_subject.txt", context).strip()
    body = render_to_string("invitations/email.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except Exception:  # any failure of the mail server or the connection
        log.exception("Portal invitation %s: the email could not be sent", invitation.code)
        _mark_not_sent(pk)


@transaction.atomic
def _mark_not_sent(pk: int) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=pk)
    invitation.email_failed_at = timezone.now()
    invitation.save(update_fields=("email_failed_at",))
    record(
        None,
        Action.UPDATE,
        obj=invitation,
        clinic_id=invitation.patient.clinic_id,
        patient_code=str(invitation.patient.code),
        summary="Portal invitation email could not be sent",
    )
