"""The clinic admin's calendar set-up: chairs and rooms, opening hours, each clinician's
hours, closures and the scheduling settings (docs/scheduling.md, "Setting up the calendar").

Plain server-rendered forms, one per section, each sent with its ``action``; a refusal
comes back (HTTP 400) next to the field it names, with nothing saved. Adapters only:
reads through ``access``, each write one service call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.scheduling import access, availability, services
from ketaclinic.scheduling.models import WEEKDAYS
from ketaclinic.scheduling.setup_forms import (
    ClosureForm,
    OpeningHoursForm,
    ResourceForm,
    SettingsForm,
    WorkingWeekForm,
    show_windows,
)

_C = Capability
_SETTINGS = ("recovery_min", "consultation_min", "follow_up_min", "slot_step_min")


def _apply(
    form: forms.BaseForm, action: Callable[[], Any], aliases: Mapping[str, str] | None = None
) -> Any:
    """Run a service; its refusals go next to their fields, in words (without the field key)."""
    try:
        return action()
    except ValidationError as exc:
        found = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
        for key, errors in found.items():
            texts = [m.removeprefix(f"{key}: ") for e in errors for m in e.messages]
            field = (aliases or {}).get(key or "", key)
            form.add_error(field if field in form.fields else None, texts)
        raise


def _words(exc: ValidationError) -> str:
    """A refusal as one sentence, without its field key."""
    found = exc.error_dict if hasattr(exc, "error_dict") else {"": exc.error_list}
    return " ".join(
        m.removeprefix(f"{key}: ")
        for key, errors in found.items()
        for e in errors
        for m in e.messages
    )


def _by_day(rows: list[Any], start: str, end: str) -> dict[int, list[tuple[Any, Any]]]:
    days: dict[int, list[tuple[Any, Any]]] = defaultdict(list)
    for row in rows:
        days[row.weekday].append((getattr(row, start), getattr(row, end)))
    return days


def _staff_hours(user: User, working: list[Any]) -> list[dict[str, Any]]:
    """Each nurse's and physician's week, one line per working day."""
    mine: dict[int, list[Any]] = defaultdict(list)
    for row in working:
        mine[row.clinician_id].append(row)
    people = []
    for person in access.clinicians_of(user):
        work = _by_day([r for r in mine[person.pk] if not r.is_break], "starts", "ends")
        pauses = _by_day([r for r in mine[person.pk] if r.is_break], "starts", "ends")
        days = [
            (name, show_windows(work[d]), show_windows(pauses[d]))
            for d, name in WEEKDAYS
            if work[d]
        ]
        people.append(
            {
                "name": person.get_full_name() or person.get_username(),
                "role": person.get_role_display(),
                "code": person.code,
                "days": days,
            }
        )
    return people


def _handle(request: HttpRequest, user: User, action: str, forms_: dict[str, Any]) -> str:
    """Run the section's service; the success message, or ValidationError."""
    clinic = user.clinic
    if action == "add_resource":
        form = forms_["resource"]
        if not form.is_valid():
            raise ValidationError("invalid")
        made = _apply(
            form,
            lambda: services.add_resource(
                user, clinic, form.cleaned_data["kind"], form.cleaned_data["name"]
            ),
        )
        return f"{made.name} added."
    if action == "resource_active":
        resource = access.resource_to_set_up(user, request.POST.get("resource", ""))
        active = request.POST.get("active") == "1"
        services.set_resource_active(user, resource, active)
        return f"{resource.name} {'is back in use' if active else 'is out of use'}."
    if action == "opening_hours":
        form = forms_["opening"]
        if not form.is_valid():
            raise ValidationError("invalid")
        _apply(form, lambda: services.set_opening_hours(user, clinic, form.hours()))
        return "Opening hours saved."
    if action == "add_closure":
        return _add_closure(user, forms_["closure"])
    if action == "remove_closure":
        closure = access.closure_to_remove(user, request.POST.get("closure", ""))
        services.remove_closure(user, closure)
        return f"Closure removed ({closure.reason})."
    if action == "settings":
        form = forms_["settings"]
        if not form.is_valid():
            raise ValidationError("invalid")
        values = {k: form.cleaned_data[k] for k in _SETTINGS}
        _apply(form, lambda: services.configure(user, clinic, **values))
        return "Scheduling settings saved."
    raise ValidationError("Choose a section's button to save it.")


def _add_closure(user: User, form: ClosureForm) -> str:
    if not form.is_valid():
        raise ValidationError("invalid")
    data = form.cleaned_data

    def add() -> Any:
        starts = availability.local_start(
            user.clinic, data["starts_on"], data["starts_time"], field="starts_time"
        )
        ends = availability.local_start(
            user.clinic, data["ends_on"], data["ends_time"], field="ends_time"
        )
        return services.add_closure(
            user, user.clinic, starts, ends, data["reason"], resource=form.chosen()
        )

    _apply(form, add, {"ends_at": "ends_time"})
    return "Closure added."


#: The section of the page each action belongs to (where its refusal is shown).
_SECTION = {
    "add_resource": "resources",
    "resource_active": "resources",
    "opening_hours": "opening",
    "add_closure": "closures",
    "remove_closure": "closures",
    "settings": "settings",
}


@require_http_methods(["GET", "POST"])
@capability_required(_C.SCHEDULE_MANAGE)
def setup(request: HttpRequest) -> HttpResponse:
    """The calendar's set-up, section by section; every change is one service call."""
    user = acting_user(request)
    found = access.calendar_setup(user)
    action = request.POST.get("action", "") if request.method == "POST" else ""

    def sent(name: str) -> Any:
        return request.POST if action == name else None

    conf = found["settings"]
    forms_: dict[str, Any] = {
        "resource": ResourceForm(sent("add_resource")),
        "opening": OpeningHoursForm(
            sent("opening_hours"),
            initial={
                f"opening_{d}": show_windows(spans)
                for d, spans in _by_day(found["opening"], "opens", "closes").items()
            },
        ),
        "closure": ClosureForm(
            sent("add_closure"), resources=[r for r in found["resources"] if r.active]
        ),
        "settings": SettingsForm(
            sent("settings"), initial={k: getattr(conf, k) for k in _SETTINGS}
        ),
    }
    problem: dict[str, str] = {}
    if request.method == "POST":
        try:
            done = _handle(request, user, action, forms_)
        except ValidationError as exc:
            if action in ("resource_active", "remove_closure") or action not in _SECTION:
                problem[_SECTION.get(action, "page")] = _words(exc)
        else:
            messages.success(request, done)
            return redirect(f"{reverse('scheduling:setup')}#{_SECTION[action]}")
    context = {
        **forms_,
        "resources": found["resources"],
        "closures": found["closures"],
        "people": _staff_hours(user, found["working"]),
        "problem": problem,
        "zone": user.clinic.time_zone,
    }
    return render(
        request, "scheduling/setup.html", context, status=400 if request.method == "POST" else 200
    )


@require_http_methods(["GET", "POST"])
@capability_required(_C.SCHEDULE_MANAGE)
def setup_hours(request: HttpRequest, code: UUID) -> HttpResponse:
    """One nurse's or physician's working hours and breaks, each weekday, saved all at once."""
    user = acting_user(request)
    person = access.clinician_to_set_up(user, code)
    working = [r for r in access.calendar_setup(user)["working"] if r.clinician_id == person.pk]
    work = _by_day([r for r in working if not r.is_break], "starts", "ends")
    pauses = _by_day([r for r in working if r.is_break], "starts", "ends")
    initial = {f"work_{d}": show_windows(work[d]) for d, _ in WEEKDAYS}
    initial |= {f"breaks_{d}": show_windows(pauses[d]) for d, _ in WEEKDAYS}
    form = WorkingWeekForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _apply(form, lambda: services.set_working_week(user, person, form.week()))
        except ValidationError:
            pass
        else:
            name = person.get_full_name() or person.get_username()
            messages.success(request, f"Working hours of {name} saved.")
            return redirect(f"{reverse('scheduling:setup')}#staff")
    context = {
        "form": form,
        "person": person,
        "name": person.get_full_name() or person.get_username(),
        "zone": user.clinic.time_zone,
    }
    return render(
        request,
        "scheduling/setup_hours.html",
        context,
        status=400 if request.method == "POST" else 200,
    )
