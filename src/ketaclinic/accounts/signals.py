"""Sign-in, sign-out and failed sign-in go to the audit trail (ASVS 4.0 V7.2.1).

Signing out also revokes the user's API tokens.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from ketaclinic.accounts import services
from ketaclinic.accounts.models import RevokeReason
from ketaclinic.audit.services import Action, record


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(user, Action.LOGIN, summary="Signed in with password")


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(user, Action.LOGOUT, summary="Signed out")
        # Signing out ends the user's API access too (docs/security.md, "API tokens").
        services.revoke_api_tokens(user, reason=RevokeReason.SIGN_OUT)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    if credentials.get("purpose"):
        return  # a password re-entered to confirm an action: its service audits it
    # Only the username is kept; credentials also hold the password.
    username = str(credentials.get("username", ""))[:150]
    clinic_id = (
        get_user_model()
        .objects.filter(username=username)
        .values_list("clinic_id", flat=True)
        .first()
    )
    record(
        None, Action.LOGIN_FAILED, username=username, clinic_id=clinic_id, summary="Failed sign-in"
    )
