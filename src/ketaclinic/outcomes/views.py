"""The diary pages: the patient's (portal) and the care team's (on the patient's chart)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.roles import Capability, role_can
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.outcomes import access, services
from ketaclinic.outcomes.forms import DiaryForm, day_limits, items_for
from ketaclinic.outcomes.models import DiaryEntry, DiaryVia
from ketaclinic.outcomes.progress import patient_progress
from ketaclinic.patients.models import Patient
from ketacore.diary import ITEMS

#: The staff page lists this many diary days (and charts them).
STAFF_DAYS = 14


def _initial(entry: DiaryEntry | None, day: dt.date) -> dict[str, Any]:
    values: dict[str, Any] = {"day": day.isoformat()}
    if entry is not None:
        values |= {item.id: str(getattr(entry, item.id)) for item in ITEMS}
    return values


def _save(request: HttpRequest, patient: Patient, form: DiaryForm, via: str) -> DiaryEntry | None:
    """Record the posted day; None (with the form's errors set) if it was refused."""
    if not form.is_valid() or form.day is None:
        return None
    try:
        return services.record_day(acting_user(request), patient, form.day, form.scores, via=via)
    except ValidationError as exc:
        form.add_errors(exc.message_dict)
        return None


def _form_context(form: DiaryForm, today: dt.date) -> dict[str, Any]:
    return {"form": form, "items": items_for(form), "today": today, **day_limits(today)}


def _saved_message(request: HttpRequest, entry: DiaryEntry) -> None:
    verb = "changed" if entry.seq > 1 else "saved"
    messages.success(request, f"Diary for {entry.day:%A %-d %B} {verb}.")


@require_http_methods(["GET", "POST"])
@capability_required(Capability.PORTAL_OWN_RECORD)
def portal_diary(request: HttpRequest) -> HttpResponse:
    """Today's diary on one screen (or a missed day, with its real date)."""
    patient = access.own_diary_patient(request.user)
    today = services.clinic_today()
    if request.method == "POST":
        form = DiaryForm(request.POST, initial={})
        entry = _save(request, patient, form, DiaryVia.PORTAL)
        if entry is not None:
            _saved_message(request, entry)
            return redirect("portal:progress")
        status = 400
    else:
        form = DiaryForm(initial=_initial(access.entry_for_day(patient, today), today))
        status = 200
    done_today = access.entry_for_day(patient, today) is not None
    context = {"patient": patient, "done_today": done_today, **_form_context(form, today)}
    return render(request, "portal/diary.html", context, status=status)


@require_GET
@capability_required(Capability.PORTAL_OWN_RECORD)
def portal_progress(request: HttpRequest) -> HttpResponse:
    """The patient's pain over time with their infusions, in a chart, words and a table."""
    patient = access.own_diary_patient(request.user, part="own progress (portal)")
    view = patient_progress(patient)
    rows = list(reversed(view.entries))
    return render(
        request,
        "portal/progress.html",
        {"patient": patient, "view": view, "rows": rows, "infusions": set(view.infusion_days)},
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.PATIENT_VIEW_CLINICAL)
def patient_diary(request: HttpRequest, code: str) -> HttpResponse:
    """The care team's view: pain over the last 14 days and the diary days; a day entered
    for the patient is marked "entered via clinic"."""
    today = services.clinic_today()
    status = 200
    if request.method == "POST":
        patient = access.diary_patient_for_staff(
            request.user, code, Capability.PATIENT_EDIT_CLINICAL
        )
        form = DiaryForm(request.POST, initial={})
        entry = _save(request, patient, form, DiaryVia.CLINIC)
        if entry is not None:
            _saved_message(request, entry)
            return redirect("outcomes:patient_diary", code=patient.code)
        status = 400
    else:
        patient = access.diary_patient_for_staff(request.user, code)
        form = DiaryForm(initial={"day": today.isoformat()})
    view = patient_progress(patient, chart_days=STAFF_DAYS)
    since = today - dt.timedelta(days=STAFF_DAYS - 1)
    rows = [e for e in reversed(view.entries) if e.day >= since]
    context = {
        "patient": patient,
        "view": view,
        "rows": rows,
        "infusions": set(view.infusion_days),
        "can_enter": role_can(acting_user(request).role, Capability.PATIENT_EDIT_CLINICAL),
        **_form_context(form, today),
    }
    return render(request, "outcomes/patient_diary.html", context, status=status)
