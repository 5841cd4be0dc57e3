"""Plan pages: choose a protocol, see every figure computed, sign; a plan and its versions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.roles import Capability
from ketaclinic.infusions import services as infusion_services
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.lib.preview_chart import preview_svg
from ketaclinic.patients.models import Patient
from ketaclinic.plans import access, services
from ketaclinic.plans.forms import PlanForm, reason_field
from ketaclinic.plans.models import PlanVersion
from ketaclinic.plans.preview import plan_preview, preview_summary
from ketaclinic.screening import services as screening_services
from ketaclinic.screening.access import current_screening
from ketacore.errors import InputError

_C = Capability


@require_http_methods(["GET", "POST"])
@capability_required(_C.PLAN_SIGN)
def plan_new(request: HttpRequest, code: UUID) -> HttpResponse:
    patient = access.patient_for_plans(request.user, code, _C.PLAN_SIGN)
    return _plan_page(request, patient, None)


@require_http_methods(["GET", "POST"])
@capability_required(_C.PLAN_SIGN)
def plan_revise(request: HttpRequest, code: UUID, plan_code: UUID) -> HttpResponse:
    patient, plan = access.plan_for_staff(request.user, code, plan_code, _C.PLAN_SIGN)
    return _plan_page(request, patient, services.history(plan)[0])


@require_GET
@capability_required(_C.PATIENT_VIEW_CLINICAL)
def plan_detail(request: HttpRequest, code: UUID, plan_code: UUID) -> HttpResponse:
    patient, plan = access.plan_for_staff(request.user, code, plan_code, _C.PATIENT_VIEW_CLINICAL)
    versions = services.history(plan)
    context = {
        "patient": patient,
        "plan": plan,
        "current": versions[0],
        "versions": versions,
        "can_sign": acting_user(request).can(_C.PLAN_SIGN),
        "can_chart": acting_user(request).can(_C.PATIENT_EDIT_CLINICAL),
        "sessions": infusion_services.sessions_of_plan(plan),
    }
    return render(request, "plans/detail.html", context)


def _errors_to_form(form: PlanForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _plan_page(request: HttpRequest, patient: Patient, revises: PlanVersion | None) -> HttpResponse:
    auth = screening_services.authorisation(current_screening(patient))
    version, library = services.library_in_force(patient.clinic)
    chosen = request.POST.get("protocol") or request.GET.get("protocol")
    if not chosen and revises is not None:
        chosen = revises.protocol_id
    context: dict[str, Any] = {
        "patient": patient,
        "revises": revises,
        "authorisation": auth,
        "library_version": version,
        "library": library,
    }
    if not chosen:
        return render(request, "plans/choose.html", context)
    try:
        protocol = library.get(chosen)
    except InputError:
        context["error"] = "That protocol is not in the clinic's library; choose another."
        return render(request, "plans/choose.html", context, status=400)
    start = services.PlanChoices(protocol.id)
    if revises is not None and revises.protocol_id == protocol.id:
        start = services.PlanChoices(
            protocol.id,
            dose=revises.dose,
            duration_min=revises.duration_min,
            dose_basis=revises.dose_basis,
            concentration_mg_per_ml=revises.concentration_mg_per_ml,
            bag_volume_ml=revises.bag_volume_ml,
        )
    initial = {k: v for k, v in asdict(start).items() if k != "protocol_id" and v is not None}
    form = PlanForm(protocol, request.POST or None, initial=initial, revising=revises is not None)
    draft = None
    if request.method == "POST":
        if form.is_valid():
            draft = _draft(form, patient, form.choices())
    else:
        draft = _draft(form, patient, start)
    if draft is not None:
        soft = draft.calculation.soft_breaches
        form.add_reason_fields(soft)
        if request.method == "POST" and "sign" in request.POST:
            signed = _sign(request, form, patient, draft, revises)
            if signed is not None:
                return redirect("plans:detail", patient.code, signed.plan.code)
    view = plan_preview(patient, library, draft.calculation) if draft is not None else None
    context |= {
        "protocol": protocol,
        "form": form,
        "draft": draft,
        "preview": preview_summary(view) if view is not None else None,
        "preview_svg": preview_svg(view) if view is not None else "",
        "reason_fields": [form[reason_field(c)] for c in draft.calculation.soft_breaches]
        if draft is not None
        else [],
    }
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "plans/form.html", context, status=status)


def _draft(
    form: PlanForm, patient: Patient, choices: services.PlanChoices
) -> services.PlanDraft | None:
    """The computed plan, or None with the reason on the form (a page error when unbound)."""
    try:
        return services.draft_plan(patient, choices)
    except ValidationError as exc:
        if form.is_bound:
            _errors_to_form(form, exc)
        else:
            form.page_errors = exc.messages
        return None


def _sign(
    request: HttpRequest,
    form: PlanForm,
    patient: Patient,
    draft: services.PlanDraft,
    revises: PlanVersion | None,
) -> PlanVersion | None:
    data = form.cleaned_data
    try:
        signed = services.sign_plan(
            acting_user(request),
            patient,
            form.choices(),
            password=str(request.POST.get("password", "")),
            soft_reasons=form.reasons(draft.calculation.soft_breaches),
            note=data.get("note", ""),
            revises=revises,
            reason=str(request.POST.get("reason", "")),
        )
    except ValidationError as exc:
        _errors_to_form(form, exc)
        return None
    messages.success(request, f"Plan signed: {signed.protocol_name}, version {signed.number}.")
    return signed
