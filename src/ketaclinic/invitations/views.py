"""Portal invitations: the staff's page for one patient, and the patient's welcome page."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from uuid import UUID

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ketaclinic.accounts.roles import Capability
from ketaclinic.idempotency.http import page_create_once
from ketaclinic.invitations import access, services
from ketaclinic.invitations.forms import InviteForm, WelcomeForm
from ketaclinic.invitations.links import link_maker
from ketaclinic.lib.access import acting_user, capability_required

_C = Capability

#: Where the welcome page keeps the token once it has left the address bar.
SESSION_KEY = "portal_invitation_token"
#: The lockout counts wrong links per client address under this name, which no
#: account can have (usernames have no spaces): a wrong link locks out only the
#: address that tried it, never a patient or their invitation.
LOCKOUT_CREDENTIALS = {"username": "portal invitation link", "purpose": "portal invitation"}


# ------------------------------------------------------------------ staff


@require_http_methods(["GET", "POST"])
@capability_required(_C.PATIENT_INVITE)
def portal_access(request: HttpRequest, code: UUID) -> HttpResponse:
    """A patient's portal access: invite them, or see, resend or revoke the invitation."""
    patient = access.patient_for_invitations(request.user, code, part="portal access")
    form = InviteForm(request.POST or None)
    here = reverse("invitations:portal_access", args=[patient.code])
    if request.method == "POST" and form.is_valid():
        user = acting_user(request)

        def create() -> str:
            services.invite(user, patient, link=link_maker(request))
            return here

        outcome = _apply(
            form,
            lambda: page_create_once(request, form, scope="invitations:invite", create=create),
        )
        if outcome is not None:
            _say_how_it_went(request, patient, replayed=outcome.replayed)
            return redirect(outcome.result["location"])
    invitations = access.invitations_of(patient)
    current = next((i for i in invitations if i.is_open), None)
    context: dict[str, Any] = {
        "patient": patient,
        "form": form,
        "current": current,
        "history": [i for i in invitations if i is not current],
        "hours": settings.PORTAL_INVITATION_HOURS,
        "now": timezone.now(),
    }
    return render(request, "invitations/portal_access.html", context)


def _say_how_it_went(request: HttpRequest, patient: Any, *, replayed: bool) -> None:
    if replayed:
        messages.info(request, "This form had already been sent; the invitation was sent once.")
        return
    current = next((i for i in access.invitations_of(patient) if i.is_open), None)
    if current is not None and current.email_failed_at is not None:
        messages.error(
            request,
            f"The invitation could not be emailed to {current.email}. Check the address, "
            "then send it again.",
        )
    elif current is not None:
        messages.success(request, f"Invitation emailed to {current.email}.")


@require_POST
@capability_required(_C.PATIENT_INVITE)
def resend_invitation(request: HttpRequest, code: UUID, invitation: UUID) -> HttpResponse:
    patient, found = access.invitation_for_staff(
        request.user, code, invitation, part="portal invitation"
    )
    try:
        services.resend(acting_user(request), found, link=link_maker(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        _say_how_it_went(request, patient, replayed=False)
    return redirect("invitations:portal_access", patient.code)


@require_POST
@capability_required(_C.PATIENT_INVITE)
def revoke_invitation(request: HttpRequest, code: UUID, invitation: UUID) -> HttpResponse:
    patient, found = access.invitation_for_staff(
        request.user, code, invitation, part="portal invitation"
    )
    try:
        services.revoke(acting_user(request), found)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The invitation was revoked: its link no longer works.")
    return redirect("invitations:portal_access", patient.code)


def _apply(form: forms.BaseForm, action: Callable[[], Any]) -> Any:
    try:
        return action()
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None


# ------------------------------------------------------------------ the patient


@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest) -> HttpResponse:
    """The invitation link's page: the patient chooses a password (no sign-in needed).

    The token arrives in the query string, moves into the session and leaves
    the address at once (a redirect), so it is not kept in the browser's
    history or sent on as a referrer. A link that does not work gets one answer
    whatever the reason, and counts toward a lockout of the client's address.
    """
    if request.user.is_authenticated:
        return render(request, "invitations/signed_in.html", status=200)
    if not AxesProxyHandler.is_allowed(request, LOCKOUT_CREDENTIALS):
        return locked_out(request)
    if request.method == "GET" and "token" in request.GET:
        request.session[SESSION_KEY] = request.GET["token"][:200]
        return redirect("invitations:welcome")
    token = str(request.session.get(SESSION_KEY, ""))
    if not token:
        return _refused(request, counted=False)
    try:
        invitation = access.invitation_for_link(token)
    except services.InvitationRefusedError:
        return _refused(request)
    form = WelcomeForm(request.POST or None, initial={"username": invitation.email.lower()})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept(
                token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except services.InvitationRefusedError:
            return _refused(request)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            request.session.pop(SESSION_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Your portal account is ready. Welcome.")
            return redirect("portal:intake")
    context = {
        "form": form,
        "given_name": invitation.patient.given_name,
        "clinic": invitation.patient.clinic.name,
        "expires_at": invitation.expires_at,
    }
    return render(request, "invitations/welcome.html", context)


def _refused(request: HttpRequest, *, counted: bool = True) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    if counted:
        services.record_link_refused()
        user_login_failed.send(__name__, credentials=LOCKOUT_CREDENTIALS, request=request)
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
    return render(request, "invitations/refused.html", {"reason": services.REFUSED})


def locked_out(request: HttpRequest) -> HttpResponse:
    """Too many links that did not work from this address (also django-axes' lockout page)."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "invitations/locked_out.html", {"minutes": minutes}, status=429)
