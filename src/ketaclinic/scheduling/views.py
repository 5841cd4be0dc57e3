"""The staff calendar: a day per chair, room and clinician; book, book a series, move, cancel.

Plain forms and links (no drag and drop): every action works by keyboard. A taken time is
refused with the nearest free slots offered as buttons; choosing one books that one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.idempotency.http import page_create_once
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.scheduling import access, availability, services
from ketaclinic.scheduling.errors import SeriesTakenError, SlotTakenError
from ketaclinic.scheduling.forms import BookForm, CancelForm, DayForm, MoveForm, SeriesForm
from ketaclinic.scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from ketaclinic.scheduling.utilisation import week_report
from ketacore.schedule import clinic_zone
from ketacore.utilisation import Use

_C = Capability


def _today(user: User) -> dt.date:
    return dt.datetime.now(clinic_zone(user.clinic.time_zone)).date()


def _apply(form: forms.BaseForm, action: Callable[[], Any]) -> Any:
    """Run a service; its refusals go next to their fields, in words (without the field key)."""
    try:
        return action()
    except ValidationError as exc:
        found = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
        for field, errors in found.items():
            texts = [m.removeprefix(f"{field}: ") for e in errors for m in e.messages]
            form.add_error(field if field in form.fields else None, texts)
        raise


def _lanes(user: User, rows: list[Appointment]) -> list[tuple[str, list[Appointment]]]:
    lanes = [
        (r.name, [a for a in rows if a.resource_id == r.pk]) for r in access.resources_of(user)
    ]
    for person in access.clinicians_of(user):
        mine = [a for a in rows if person.pk in (a.clinician_id, a.physician_id)]
        lanes.append((person.get_full_name() or person.get_username(), mine))
    return lanes


@require_GET
@capability_required(_C.SCHEDULE_VIEW)
def day(request: HttpRequest) -> HttpResponse:
    """One day of the calendar, per chair, room and clinician."""
    user = acting_user(request)
    form = DayForm(request.GET or {"day": _today(user)})
    shown = form.cleaned_data["day"] if form.is_valid() else _today(user)
    rows, boosters = access.day_view(user, shown)
    context = {
        "form": form,
        "day": shown,
        "previous": shown - dt.timedelta(days=1),
        "next": shown + dt.timedelta(days=1),
        "lanes": _lanes(user, rows),
        "zone": user.clinic.time_zone,
        "boosters": boosters,
        "can_manage": user.can(_C.SCHEDULE_MANAGE),
    }
    return render(request, "scheduling/day.html", context)


@require_GET
@capability_required(_C.SCHEDULE_VIEW)
def week(request: HttpRequest) -> HttpResponse:
    """A week (Monday to Sunday) per chair, room and clinician: each lane's days in a row."""
    user = acting_user(request)
    form = DayForm(request.GET or {"day": _today(user)})
    shown = form.cleaned_data["day"] if form.is_valid() else _today(user)
    monday = shown - dt.timedelta(days=shown.weekday())
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    zone = clinic_zone(user.clinic.time_zone)
    rows = access.week_view(user, monday)
    lanes = [
        (title, [(d, [a for a in mine if a.starts_at.astimezone(zone).date() == d]) for d in days])
        for title, mine in _lanes(user, rows)
    ]
    context = {
        "form": form,
        "monday": monday,
        "previous": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7),
        "lanes": lanes,
        "zone": user.clinic.time_zone,
    }
    return render(request, "scheduling/week.html", context)


def _where(user: User) -> dict[str, Any]:
    return {"resources": access.resources_of(user), "clinicians": access.clinicians_of(user)}


def _alternative(request: HttpRequest, data: dict[str, Any]) -> None:
    """A chosen alternative ("2026-12-01 10:45|<chair code>") replaces the day, time and chair."""
    picked = request.POST.get("alternative", "")
    if "|" in picked:
        when, resource = picked.split("|", 1)
        data["day"], _, data["time"] = when.partition(" ")
        data["resource"] = resource


@require_http_methods(["GET", "POST"])
@capability_required(_C.SCHEDULE_BOOK)
def book(request: HttpRequest, code: UUID) -> HttpResponse:
    """Book one appointment for a patient."""
    user = acting_user(request)
    patient = access.patient_for_booking(user, code, _C.SCHEDULE_BOOK)
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None:
        _alternative(request, data)
    form = BookForm(data, initial={"day": _today(user) + dt.timedelta(days=1)}, **_where(user))
    offered: list[dict[str, Any]] = []
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        resource, clinician = form.chosen()

        def create() -> str:
            booking = services.Booking(
                kind=cleaned["kind"],
                starts_at=availability.local_start(user.clinic, cleaned["day"], cleaned["time"]),
                patient=patient,
                mode=cleaned["mode"],
                choice=availability.Choice(resource=resource, clinician=clinician),
                note=cleaned["note"],
            )
            made = services.book(user, booking)
            messages.success(request, "Booked.")
            return reverse("scheduling:appointment", args=[made.code])

        try:
            outcome = _apply(
                form,
                lambda: page_create_once(request, form, scope="scheduling:book", create=create),
            )
            return redirect(outcome.result["location"])
        except SlotTakenError as exc:
            offered = exc.offered()
        except ValidationError:
            pass
    context = {"form": form, "patient": patient, "offered": offered, "title": "Book an appointment"}
    return render(request, "scheduling/book.html", context)


def _overrides(request: HttpRequest) -> dict[int, dt.datetime]:
    """The times chosen for sessions that found none ("session_3": an ISO instant)."""
    chosen: dict[int, dt.datetime] = {}
    for key in request.POST:
        number, value = key.removeprefix("session_"), request.POST.get(key, "")
        if key.startswith("session_") and number.isdigit() and value:
            try:
                at = dt.datetime.fromisoformat(value)
            except ValueError:
                continue  # not one we offered: the session is checked as asked
            if at.tzinfo is not None:
                chosen[int(number)] = at
    return chosen


@require_http_methods(["GET", "POST"])
@capability_required(_C.SCHEDULE_BOOK)
def series(request: HttpRequest, code: UUID) -> HttpResponse:
    """Book every infusion of the patient's plan in progress; choose alternatives for taken ones."""
    user = acting_user(request)
    patient = access.patient_for_booking(user, code, _C.SCHEDULE_BOOK)
    plan = services.plan_for(patient, AppointmentKind.INFUSION)
    form = SeriesForm(request.POST or None, **_where(user))
    problems: dict[str, list[dict[str, Any]]] = {}
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        resource, clinician = form.chosen()
        overrides = _overrides(request)

        def create() -> str:
            services.book_series(
                user,
                patient,
                first_day=cleaned["first_day"],
                local_time=cleaned["time"],
                choice=availability.Choice(resource=resource, clinician=clinician),
                overrides=overrides,
            )
            messages.success(request, "The series is booked.")
            return f"{reverse('scheduling:day')}?day={cleaned['first_day'].isoformat()}"

        try:
            outcome = _apply(
                form,
                lambda: page_create_once(request, form, scope="scheduling:series", create=create),
            )
            return redirect(outcome.result["location"])
        except SeriesTakenError as exc:
            problems = exc.offered()
        except ValidationError:
            pass
    context = {"form": form, "patient": patient, "plan": plan, "problems": problems}
    return render(request, "scheduling/series.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(_C.SCHEDULE_VIEW)
def appointment(request: HttpRequest, code: UUID) -> HttpResponse:
    """One appointment: move it, cancel it, or record a no-show."""
    user = acting_user(request)
    posting = request.method == "POST"
    found = access.appointment_for_staff(
        user, code, _C.SCHEDULE_BOOK if posting else _C.SCHEDULE_VIEW
    )
    zone = clinic_zone(user.clinic.time_zone)
    local = found.starts_at.astimezone(zone)
    action = request.POST.get("action", "")
    data = request.POST.copy()
    _alternative(request, data)
    move = MoveForm(
        data if action == "move" else None,
        initial={
            "day": local.date(),
            "time": local.time(),
            "expected_starts_at": found.starts_at.isoformat(),
        },
        **_where(user),
    )
    cancel = CancelForm(request.POST if action == "cancel" else None)
    offered: list[dict[str, Any]] = []
    try:
        if action == "move" and move.is_valid():
            resource, clinician = move.chosen()
            named = resource is not None or clinician is not None
            _apply(
                move,
                lambda: services.move(
                    user,
                    found,
                    availability.local_start(
                        user.clinic, move.cleaned_data["day"], move.cleaned_data["time"]
                    ),
                    choice=availability.Choice(resource=resource, clinician=clinician)
                    if named
                    else None,
                    expected_starts_at=move.cleaned_data["expected_starts_at"],
                ),
            )
            messages.success(request, "Moved.")
            return redirect(request.path)
        if action == "cancel" and cancel.is_valid():
            _apply(cancel, lambda: services.cancel(user, found, cancel.cleaned_data["reason"]))
            messages.success(request, "Cancelled.")
            return redirect(request.path)
        if action == "no_show":
            services.record_no_show(user, found)
            messages.success(request, "Recorded as did not attend.")
            return redirect(request.path)
    except SlotTakenError as exc:
        offered = exc.offered()
    except ValidationError as exc:
        if action == "no_show":
            messages.error(request, " ".join(m.removeprefix("status: ") for m in exc.messages))
    context = {
        "a": found,
        "local_start": local,
        "local_end": found.ends_at.astimezone(zone),
        "move": move,
        "cancel": cancel,
        "offered": offered,
        "booked": found.status == AppointmentStatus.BOOKED,
        "can_book": user.can(_C.SCHEDULE_BOOK),
        "perms_register": user.can(_C.PATIENT_CREATE),
        "zone": user.clinic.time_zone,
    }
    return render(request, "scheduling/appointment.html", context)


def _share(use: Use, *, hours: bool = False) -> str:
    if use.ratio is None:
        return "closed"
    text = f"{use.ratio:.0%}"
    if hours:
        text += f" ({use.booked_min / 60:.1f} of {use.open_min / 60:.1f} h)"
    return text


@require_GET
@capability_required(_C.SCHEDULE_MANAGE)
def utilisation(request: HttpRequest) -> HttpResponse:
    """Chair utilisation of one week (Monday to Sunday), for the clinic admin."""
    user = acting_user(request)
    form = DayForm(request.GET or None)
    day = form.cleaned_data["day"] if form.is_bound and form.is_valid() else _today(user)
    monday = day - dt.timedelta(days=day.weekday())
    report = week_report(user, monday)
    zone = clinic_zone(report.zone)
    gaps = sorted(
        ((chair.chair, gap) for chair in report.chairs for gap in chair.week.gaps),
        key=lambda item: item[1][0] - item[1][1],
    )[:10]
    context = {
        "form": form,
        "report": report,
        "rows": [
            (c.chair, [_share(u) for u in c.days], _share(c.week, hours=True))
            for c in report.chairs
        ],
        "total": _share(report.total, hours=True),
        "no_shows": "no appointment yet"
        if report.no_show_rate is None
        else f"{report.no_show_rate:.0%} ({report.no_shows} of {report.no_shows + report.kept})",
        "gaps": [
            (
                name,
                f"{a.astimezone(zone):%a %-d %b %H:%M}–{b.astimezone(zone):%H:%M}",
                round((b - a).total_seconds() / 60),
            )
            for name, (a, b) in gaps
        ],
        "previous": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7),
    }
    return render(request, "scheduling/utilisation.html", context)
