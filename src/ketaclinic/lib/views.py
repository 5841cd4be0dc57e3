from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to where its work starts."""
    user = acting_user(request)
    if user.can(Capability.PORTAL_OWN_RECORD):
        return redirect("portal:home")
    return redirect("patients:list")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: the process is up (no database, no PHI)."""
    return HttpResponse("ok", content_type="text/plain")
