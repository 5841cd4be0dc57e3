"""Follow-up visit pages: a new visit from the chart (a physician signs), a visit, a correction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.outcomes.services import clinic_today
from ketaclinic.patients.models import Patient
from ketaclinic.plans import services as plans
from ketaclinic.plans.forms import reason_field
from ketaclinic.plans.models import PlanVersion
from ketaclinic.visits import access, services
from ketaclinic.visits.forms import VisitForm
from ketaclinic.visits.models import FollowUpVisit
from ketaclinic.visits.response import last_visit, response_so_far, side_effects_since
from ketacore.infusion import LimitCheck
from ketacore.outcomes.visits import CARE_ITEMS, VisitDecision

_C = Capability


@require_http_methods(["GET", "POST"])
@capability_required(_C.VISIT_SIGN)
def visit_new(request: HttpRequest, code: UUID) -> HttpResponse:
    patient = access.patient_for_visits(request.user, code, _C.VISIT_SIGN)
    version = plans.in_progress_version(patient)
    if version is None:
        messages.error(request, "A follow-up visit follows a treatment plan in progress.")
        return redirect("patients:chart", patient.code)
    previous = last_visit(patient)
    context: dict[str, Any] = {
        "patient": patient,
        "version": version,
        "previous": previous,
        "response": response_so_far(patient, version, on=clinic_today()),
        "effects": side_effects_since(patient, previous.signed_at if previous else None),
    }
    form = VisitForm(
        version, request.POST or None, initial={"visit_date": clinic_today()}, correcting=False
    )
    if request.method == "POST" and form.is_valid():
        if str(request.POST.get("follows")) != str(version.code):
            form.add_error(None, "The plan was changed meanwhile: read the visit again and sign.")
        elif (signed := _sign(request, form, patient, version, None)) is not None:
            return redirect("visits:detail", patient.code, signed.code)
    return _render(request, "visits/form.html", context, form)


@require_http_methods(["GET", "POST"])
@capability_required(_C.VISIT_SIGN)
def visit_correct(request: HttpRequest, code: UUID, visit_code: UUID) -> HttpResponse:
    patient, visit = access.visit_for_staff(request.user, code, visit_code, _C.VISIT_SIGN)
    if not visit.is_current:
        raise Http404("Only the current version of a visit is corrected")
    initial = {
        "visit_date": visit.visit_date,
        "decision": visit.decision,
        "decision_reason": visit.decision_reason,
        "side_effects_note": visit.side_effects_note,
    }
    for item in CARE_ITEMS:
        given = visit.care.get(item.id, {})
        initial[item.id] = bool(given.get("yes"))
        initial[f"{item.id}_note"] = given.get("note", "")
    form = VisitForm(visit.plan_version, request.POST or None, initial=initial, correcting=True)
    context: dict[str, Any] = {
        "patient": patient,
        "version": visit.plan_version,
        "visit": visit,
        "response": visit.response,
        "effects": visit.side_effects,
    }
    if request.method == "POST" and form.is_valid():
        signed = _sign(request, form, patient, visit.plan_version, visit)
        if signed is not None:
            return redirect("visits:detail", patient.code, signed.code)
    return _render(request, "visits/form.html", context, form)


@require_GET
@capability_required(_C.PATIENT_VIEW_CLINICAL)
def visit_detail(request: HttpRequest, code: UUID, visit_code: UUID) -> HttpResponse:
    patient, visit = access.visit_for_staff(
        request.user, code, visit_code, _C.PATIENT_VIEW_CLINICAL
    )
    context = {
        "patient": patient,
        "visit": visit,
        "versions": access.versions_of(visit),
        "care": [(item, visit.care.get(item.id, {})) for item in CARE_ITEMS],
        "can_sign": acting_user(request).can(_C.VISIT_SIGN),
    }
    return render(request, "visits/detail.html", context)


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], form: VisitForm
) -> HttpResponse:
    context |= {
        "form": form,
        "decision_fields": [
            form[name]
            for name in ("decision", "new_dose", "new_duration_min")
            if name in form.fields
        ],
        "reason_fields": [form[name] for name in form.fields if name.startswith("reason__")],
    }
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, template, context, status=status)


def _soft_limits(form: VisitForm, patient: Patient) -> tuple[LimitCheck, ...] | None:
    """The soft limits the new dose passes (their reason fields added), None if refused."""
    choices = form.choices()
    if form.cleaned_data["decision"] != VisitDecision.CHANGE or choices is None:
        return ()
    try:
        draft = plans.draft_plan(patient, choices)
    except ValidationError as exc:
        _errors_to_form(form, exc)
        return None
    soft = draft.calculation.soft_breaches
    form.add_reason_fields(soft)
    return soft


def _sign(
    request: HttpRequest,
    form: VisitForm,
    patient: Patient,
    version: PlanVersion,
    revises: FollowUpVisit | None,
) -> FollowUpVisit | None:
    soft = _soft_limits(form, patient)
    if soft is None:
        return None
    try:
        signed = services.sign_visit(
            acting_user(request),
            patient,
            form.visit_input(soft),
            follows=version,
            password=str(request.POST.get("password", "")),
            revises=revises,
            reason=str(request.POST.get("reason", "")),
        )
    except ValidationError as exc:
        _errors_to_form(form, exc, soft)
        return None
    messages.success(request, f"Follow-up visit of {signed.visit_date:%Y-%m-%d} signed.")
    return signed


#: Where a refusal from the plan's calculation is shown on the visit form.
_ON_FORM = {"dose": "new_dose", "duration_min": "new_duration_min", "reason": "reason"}


def _errors_to_form(
    form: VisitForm, exc: ValidationError, soft: tuple[LimitCheck, ...] = ()
) -> None:
    for field, errors in exc.message_dict.items():
        name = _ON_FORM.get(field, field)
        if field == "soft_reasons" and soft:
            name = reason_field(soft[0])
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
