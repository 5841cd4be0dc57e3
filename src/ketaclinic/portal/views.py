from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import capability_required
from ketaclinic.patients import access


@require_GET
@capability_required(Capability.PORTAL_OWN_RECORD)
def portal_home(request: HttpRequest) -> HttpResponse:
    """What a patient sees: their own record, read-only."""
    patient = access.get_own_patient(request.user, part="own record (portal)")
    context = {"patient": patient, **access.clinical_summary(patient)}
    return render(request, "portal/home.html", context)
