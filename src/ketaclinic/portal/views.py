"""The patient portal: the patient's own record and their intake questionnaire."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.patients import access
from ketaclinic.qschedule import access as qschedule_access
from ketaclinic.questionnaires.models import EnteredVia
from ketaclinic.screening import access as screening_access
from ketaclinic.screening import services as screening_services
from ketaclinic.screening.intake_views import intake_page, intake_parts
from ketacore.scoring.phq9 import self_harm_reported

_C = Capability


@require_GET
@capability_required(Capability.PORTAL_OWN_RECORD)
def portal_home(request: HttpRequest) -> HttpResponse:
    """What a patient sees: their own record, read-only."""
    patient = access.get_own_patient(request.user, part="own record (portal)")
    context = {
        "patient": patient,
        **access.clinical_summary(patient),
        "follow_ups": qschedule_access.open_for_patient(patient),
    }
    return render(request, "portal/home.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(_C.PORTAL_OWN_RECORD)
def portal_intake(request: HttpRequest) -> HttpResponse:
    """The patient's questionnaire overview; POST sends it to the clinic."""
    patient, screening = screening_access.own_screening(request.user)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, "Not sent: tick the box to confirm you have finished.")
            return redirect("portal:intake")
        try:
            screening_services.submit_intake(acting_user(request), screening)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, "Thank you. Your answers were sent to the clinic.")
        return redirect("portal:intake")
    parts = intake_parts(screening, screening_services.intake_instruments())
    phq9 = next((p["response"] for p in parts if p["id"] == "phq9" and p.get("response")), None)
    context = {
        "patient": patient,
        "screening": screening,
        "parts": parts,
        "all_done": all(p["done"] for p in parts),
        "phq9_item9": bool(phq9 and self_harm_reported(phq9.answers)),
    }
    return render(request, "portal/intake.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(_C.PORTAL_OWN_RECORD)
def portal_intake_section(request: HttpRequest, section: str) -> HttpResponse:
    patient, screening = screening_access.own_screening(request.user)
    return intake_page(
        request,
        screening=screening,
        patient=patient,
        section_id=section,
        via=EnteredVia.PORTAL,
        instruments=screening_services.intake_instruments(),
        base="base.html",
        back_url=reverse("portal:intake"),
        section_url=lambda s: reverse("portal:intake_section", args=[s]),
    )
