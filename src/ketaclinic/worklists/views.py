"""Each role's home page: what is waiting for it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user
from ketaclinic.public.views import public_home
from ketaclinic.worklists import access


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Visitors see the clinic's public site; patients, the portal; staff, their worklist."""
    if not request.user.is_authenticated:
        return public_home(request)
    user = acting_user(request)
    if user.can(Capability.PORTAL_OWN_RECORD):
        return redirect("portal:home")
    if not user.can(Capability.PATIENT_SEARCH):  # an inactive account
        return redirect("accounts:login")
    sections = access.worklist(user)
    context = {
        "sections": sections,
        "waiting": sum(s.count for s in sections),
        "can_register": user.can(Capability.PATIENT_CREATE),
    }
    return render(request, "worklists/home.html", context)
