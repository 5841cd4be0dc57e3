from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.roles import Capability
from ketaclinic.booking import access as booking_access
from ketaclinic.booking import services as booking
from ketaclinic.idempotency.http import page_create_once
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.outcomes.report import booster_estimate_of
from ketaclinic.patients import access, services
from ketaclinic.patients.forms import (
    AllergyForm,
    ConditionForm,
    MeasurementForm,
    MedicationForm,
    PatientForm,
    RetireForm,
    SearchForm,
)
from ketaclinic.plans import services as plan_services
from ketaclinic.scheduling.models import Prospect
from ketaclinic.screening import access as screening_access
from ketaclinic.screening import services as screening_services
from ketaclinic.worklists import access as worklists
from ketaclinic.worklists.access import StatusRow

_C = Capability


@require_http_methods(["GET", "POST"])
@capability_required(_C.PATIENT_SEARCH)
def patient_list(request: HttpRequest) -> HttpResponse:
    """Search (POST, so that names and dates never sit in a URL) or browse (GET)."""
    form = SearchForm(request.POST or None)
    user = acting_user(request)
    results: list[StatusRow] | None = None
    page = None
    clinical = user.can(_C.PATIENT_VIEW_CLINICAL)

    def annotate(rows: Any) -> Any:
        return worklists.with_status(rows, user)

    if request.method == "POST" and form.is_valid():
        found = access.search_patients(user, form.cleaned_data["q"], annotate=annotate)
        results = worklists.status_rows(found, user)
        if request.htmx:  # type: ignore[attr-defined]  # reason: set by django-htmx middleware
            context = {"results": results, "searched": True, "clinical": clinical}
            return render(request, "patients/_results.html", context)
    else:
        rows = annotate(access.patients_by_name(user, fields=access.LIST_FIELDS))
        page = Paginator(rows, 25).get_page(request.GET.get("page"))
        page.object_list = worklists.status_rows(access.listed(user, page.object_list), user)
    context = {
        "form": form,
        "results": results,
        "page": page,
        "searched": results is not None,
        "clinical": clinical,
    }
    return render(request, "patients/list.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(_C.PATIENT_CREATE)
def patient_create(request: HttpRequest) -> HttpResponse:
    """Register a patient; possible duplicates are listed first, to be confirmed or not."""
    # From an online booking: the person's details to start from; their appointments follow.
    code = request.POST.get("prospect") or request.GET.get("prospect")
    prospect = booking_access.prospect_for(request.user, code) if code else None
    initial = _from_prospect(prospect) if prospect is not None else None
    form = PatientForm(request.POST or None, initial=initial)
    matches: list[services.PossibleDuplicate] = []
    if request.method == "POST" and form.is_valid():
        confirmed = bool(form.cleaned_data.get(PatientForm.CONFIRM))

        def create() -> str:
            user, data = acting_user(request), form.cleaned_data
            if prospect is not None:
                return booking.register_prospect(
                    user, prospect, data, confirm_duplicate=confirmed
                ).get_absolute_url()
            return services.create_patient(
                user, data, confirm_duplicate=confirmed
            ).get_absolute_url()

        try:
            done = _create_once(request, form, "patients:create", create)
        except services.PossibleDuplicateError as exc:
            matches = access.duplicates_shown(request.user, exc.matches)
            form.ask_to_confirm_duplicate()
            done = None
        if done is not None:
            return done
    context = {
        "form": form,
        "title": "Register a patient",
        "matches": matches,
        "prospect": prospect,
    }
    return render(request, "patients/form.html", context)


def _from_prospect(prospect: Prospect) -> dict[str, str]:
    return {
        "given_name": prospect.given_name,
        "family_name": prospect.family_name,
        "email": prospect.email,
        "phone": prospect.phone,
    }


@require_GET
@capability_required(_C.PATIENT_VIEW_DEMOGRAPHICS)
def patient_chart(request: HttpRequest, code: UUID) -> HttpResponse:
    clinical = acting_user(request).can(_C.PATIENT_VIEW_CLINICAL)
    patient = access.get_patient_for_user(
        request.user, code, part="chart" if clinical else "demographics"
    )
    context: dict[str, Any] = {
        "patient": patient,
        "clinical": clinical,
        "can_invite": acting_user(request).can(_C.PATIENT_INVITE),
        "can_book": acting_user(request).can(_C.SCHEDULE_BOOK),
    }
    if clinical:
        context |= access.clinical_summary(patient)
        context["can_edit_clinical"] = acting_user(request).can(_C.PATIENT_EDIT_CLINICAL)
        screening = screening_access.current_screening(patient)
        context["screening_plan"] = screening_services.authorisation(screening)
        context["plans"] = plan_services.plans_of(patient)
        context["can_plan"] = acting_user(request).can(_C.PLAN_SIGN)
        context["booster"], context["booster_marked"] = booster_estimate_of(patient)
    return render(request, "patients/chart.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(_C.PATIENT_EDIT_DEMOGRAPHICS)
def patient_edit(request: HttpRequest, code: UUID) -> HttpResponse:
    patient = access.get_patient_for_user(
        request.user, code, _C.PATIENT_EDIT_DEMOGRAPHICS, part="demographics (edit form)"
    )
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        changed, started = form.changes()
        if _apply(
            form,
            lambda: services.update_patient(
                acting_user(request), patient, changed, expected=started
            ),
        ):
            return redirect(patient)
        form.restart_from(
            access.get_patient_for_user(
                request.user, code, _C.PATIENT_EDIT_DEMOGRAPHICS, part="demographics"
            )
        )
    title = f"Edit {patient.display_name}"
    return render(request, "patients/form.html", {"form": form, "title": title, "patient": patient})


_ENTRY_FORMS: dict[
    str, tuple[type[forms.Form] | type[forms.ModelForm[Any]], Callable[..., Any], str]
] = {
    "measurement": (MeasurementForm, services.record_measurement, "Record weight and height"),
    "allergy": (AllergyForm, services.add_allergy, "Record an allergy"),
    "medication": (MedicationForm, services.add_medication, "Record a medication"),
    "condition": (ConditionForm, services.add_condition, "Record a condition"),
}


@require_http_methods(["GET", "POST"])
@capability_required(_C.PATIENT_EDIT_CLINICAL)
def entry_create(request: HttpRequest, code: UUID, kind: str) -> HttpResponse:
    patient = access.get_patient_for_user(
        request.user, code, _C.PATIENT_EDIT_CLINICAL, part=f"{kind} form"
    )
    if kind not in _ENTRY_FORMS:
        raise Http404("No such kind of entry")
    form_class, service, title = _ENTRY_FORMS[kind]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> str:
            service(acting_user(request), patient, data)
            return patient.get_absolute_url()

        done = _create_once(request, form, f"patients:{kind}", create)
        if done is not None:
            return done
    context = {"form": form, "title": title, "patient": patient}
    return render(request, "patients/form.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(_C.PATIENT_EDIT_CLINICAL)
def entry_retire(request: HttpRequest, code: UUID, kind: str, entry_code: UUID) -> HttpResponse:
    entry = access.get_entry_for_user(request.user, code, kind, entry_code)
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        status, reason = form.cleaned_data["status"], form.cleaned_data["reason"]
        if _apply(
            form,
            lambda: services.retire_entry(
                acting_user(request), entry, status=status, reason=reason
            ),
        ):
            return redirect(entry.patient)
    context = {"form": form, "title": f"Retire: {entry}", "patient": entry.patient}
    return render(request, "patients/form.html", context)


def _create_once(
    request: HttpRequest, form: forms.BaseForm, scope: str, create: Callable[[], Any]
) -> HttpResponse | None:
    """Create once per form token; a form sent again goes to what it created the first time."""
    outcome = _apply(form, lambda: page_create_once(request, form, scope=scope, create=create))
    if outcome is None:
        return None
    if outcome.replayed:
        messages.info(request, "This form had already been sent; it was saved once.")
    return redirect(outcome.result["location"])


def _apply(form: forms.BaseForm, action: Callable[[], Any]) -> Any:
    """Run a service; put its validation errors on the form, next to their fields."""
    try:
        return action()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return None
