"""Intake pages, shared by the portal (the patient) and the desk (staff entering answers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.lib.form_errors import errors_text
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.screening import access, services
from ketaclinic.screening import forms as sforms
from ketaclinic.screening.models import EnteredVia, Screening
from ketacore import intake
from ketacore.questionnaires import is_instrument, title_of
from ketacore.scoring import get_instrument
from ketacore.scoring.phq9 import self_harm_reported

_C = Capability


# ------------------------------------------------------------------ the intake


def section_answers(screening: Screening, questionnaire: str) -> dict[str, Any]:
    response = services.answers_of(screening).get(questionnaire)
    return dict(response.answers) if response else {}


def intake_parts(screening: Screening, instruments: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every part of the intake with its progress, in order."""
    responses = services.answers_of(screening)
    parts: list[dict[str, Any]] = []
    for name in (*intake.FACT_SECTIONS, *instruments):
        response = responses.get(name)
        parts.append(
            {
                "id": name,
                "title": title_of(name),
                "done": bool(response and response.complete),
                "started": response is not None,
                "response": response if is_instrument(name) else None,
            }
        )
    return parts


def _crisis(section_id: str, response: QuestionnaireResponse | None) -> bool:
    """Whether the patient's PHQ-9 answers report thoughts of self-harm (item 9 above 0)."""
    return section_id == "phq9" and response is not None and self_harm_reported(response.answers)


def intake_page(
    request: HttpRequest,
    *,
    screening: Screening,
    patient: Patient,
    section_id: str,
    via: str,
    instruments: tuple[str, ...],
    base: str,
    back_url: str,
    section_url: Callable[[str], str],
) -> HttpResponse:
    """One intake page (a question section or an instrument), for portal or desk.

    A change to any answer is saved at once (htmx posts the form and the page
    shows the saving status and, for staff, the running score); the button
    saves the page and goes back to the overview.
    """
    actor = acting_user(request)
    read_only = via == EnteredVia.PORTAL and screening.submitted_at is not None
    section = intake.FACT_SECTIONS.get(section_id)
    response: QuestionnaireResponse | None = None
    answers = services.answers_of(screening)
    if section is not None:
        stored = answers[section.id].answers if section.id in answers else {}
        form = sforms.section_form(
            section,
            request.POST if request.method == "POST" else None,
            initial=sforms.section_initial(section, stored),
        )
        title, intro = section.title, section.intro
    elif section_id in instruments:
        instrument = get_instrument(section_id)
        response = answers.get(instrument.id)
        options = dict(response.options) if response else dict(instrument.resolve_options())
        form = sforms.instrument_form(
            instrument,
            options,
            request.POST if request.method == "POST" else None,
            initial=dict(response.answers) if response else None,
        )
        title, intro = instrument.name, instrument.summary
        if instrument.recall:
            intro = f"{intro} Think about: {instrument.recall}."
    else:
        raise Http404("No such part of the questionnaire")

    error = ""
    if request.method == "POST":
        if read_only:
            error = "The questionnaire was already sent. Tell the clinic what to change."
        elif form.is_valid():
            try:
                if section is not None:
                    raw = sforms.section_raw(section, form)
                    services.save_intake_section(actor, screening, section.id, raw, via=via)
                else:
                    # Merged: a radio cannot be un-chosen, so nothing is lost
                    # if a slow request arrives after a newer one.
                    response = services.save_instrument_answers(
                        actor, screening, section_id, dict(form.cleaned_data), via=via
                    )
            except ValidationError as exc:
                error = "; ".join(exc.messages)
            else:
                if "save" in request.POST:
                    messages.success(request, f"Saved: {title}.")
                    if request.htmx:  # type: ignore[attr-defined]  # reason: django-htmx
                        return HttpResponseClientRedirect(back_url)
                    return redirect(back_url)
        else:
            error = errors_text(form)
        if request.htmx:  # type: ignore[attr-defined]  # reason: django-htmx
            # Every change is posted (queued in order by hx-sync) and answered
            # with the saving status; 200 even for an error, so htmx shows it.
            status = {
                "error": error,
                "response": response,
                "staff": via != EnteredVia.PORTAL,
                "crisis": _crisis(section_id, response),
            }
            return render(request, "screening/_save_status.html", status)
    parts = intake_parts(screening, instruments)
    ids = [p["id"] for p in parts]
    position = ids.index(section_id)
    context: dict[str, Any] = {
        "base": base,
        "patient": patient,
        "screening": screening,
        "form": form,
        "title": title,
        "intro": intro,
        "error": error,
        "read_only": read_only,
        "response": response,
        "staff": via != EnteredVia.PORTAL,
        "crisis": via == EnteredVia.PORTAL and _crisis(section_id, response),
        "back_url": back_url,
        "action": section_url(section_id),
        "next_url": section_url(ids[position + 1]) if position + 1 < len(ids) else back_url,
        "step": position + 1,
        "steps": len(ids),
    }
    return render(request, "screening/section.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(_C.PATIENT_EDIT_CLINICAL)
def desk_intake_section(request: HttpRequest, code: UUID, section: str) -> HttpResponse:
    """Staff enter the questionnaire for the patient (at the desk, or from paper)."""
    patient, screening = access.screening_for_staff(request.user, code, _C.PATIENT_EDIT_CLINICAL)
    return intake_page(
        request,
        screening=screening,
        patient=patient,
        section_id=section,
        via=EnteredVia.STAFF,
        instruments=services.clinician_instruments(),
        base="base.html",
        back_url=reverse("screening:summary", args=[patient.code]),
        section_url=lambda s: reverse("screening:intake_section", args=[patient.code, s]),
    )


@require_POST
@capability_required(_C.PATIENT_EDIT_CLINICAL)
def desk_intake_submit(request: HttpRequest, code: UUID) -> HttpResponse:
    patient, screening = access.screening_for_staff(request.user, code, _C.PATIENT_EDIT_CLINICAL)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request, "Not marked as sent: tick the box to confirm the patient has finished."
        )
        return redirect("screening:summary", patient.code)
    try:
        services.submit_intake(acting_user(request), screening)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, "Questionnaire marked as sent.")
    return redirect("screening:summary", patient.code)
