"""The public booking flow and the patient's manage link (docs/booking.md).

No JavaScript is needed: the way to meet, then a day, then a time are links and radio
buttons, so the flow works by keyboard and on any phone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.booking import access, links, services
from ketaclinic.booking.calendar_files import describe_place, title_of
from ketaclinic.booking.forms import MODES, BookingForm, CancelForm, MoveForm
from ketaclinic.lib.middleware import client_ip
from ketaclinic.public.models import ClinicProfile
from ketaclinic.public.views import public_context
from ketaclinic.scheduling.errors import SlotTakenError
from ketaclinic.scheduling.models import Appointment
from ketacore.schedule import clinic_zone

_SESSION_TOKEN = "booking_manage_token"  # noqa: S105 (a session key, not a secret)
_SESSION_BOOKED = "booking_done"


def _profile() -> ClinicProfile:
    profile = access.bookable_clinic()
    if profile is None:
        raise Http404("This clinic does not take bookings online.")
    return profile


def _too_many(
    request: HttpRequest, profile: ClinicProfile, exc: services.RateLimitedError
) -> HttpResponse:
    minutes = max(1, int(exc.retry_after.total_seconds() // 60) + 1)
    context = public_context(profile, "book") | {"minutes": minutes}
    response = render(request, "booking/too_many.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


def _when(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _field_errors(form: Any, exc: ValidationError) -> None:
    labels = {name: field.label for name, field in form.fields.items()}
    for field, errors in exc.message_dict.items():
        for text in errors:
            words = text.removeprefix(f"{field}: ")
            if field in form.fields:
                form.add_error(field, words)
            else:
                form.add_error(None, f"{labels.get(field, 'Time')}: {words}")


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    profile = _profile()
    clinic = profile.clinic
    mode = request.POST.get("mode") or request.GET.get("mode", "")
    context = public_context(profile, "book") | {"modes": MODES}
    if mode not in dict(MODES):
        return render(request, "booking/choose_mode.html", context)
    days = access.free_days(clinic, mode)
    chosen_day = request.POST.get("day") or request.GET.get("day", "")
    day = next((d for d in days if d.date.isoformat() == chosen_day), days[0] if days else None)
    form = BookingForm(request.POST or None, initial={"mode": mode})
    offered: list[Any] = []
    if request.method == "POST":
        try:
            services.throttle("book", client_ip(request))
        except services.RateLimitedError as exc:
            return _too_many(request, profile, exc)
        starts_at = _when(request.POST.get("starts_at", ""))
        if starts_at is None:
            form.add_error(None, "Time: choose one of the times offered")
        if form.is_valid() and starts_at is not None:
            contact = {
                k: form.cleaned_data[k] for k in ("given_name", "family_name", "email", "phone")
            }
            try:
                appointment = services.book_consultation(
                    clinic,
                    mode=mode,
                    starts_at=starts_at,
                    contact=contact | {"answers": form.answers()},
                )
            except SlotTakenError as exc:
                offered = exc.alternatives
                form.add_error(None, "Time: that time has just been taken; please choose another")
            except ValidationError as exc:
                _field_errors(form, exc)
            else:
                request.session[_SESSION_BOOKED] = str(appointment.code)
                return redirect("booking:done")
    zone = clinic_zone(clinic.time_zone)
    context |= {
        "mode": mode,
        "mode_label": dict(MODES)[mode],
        "days": days,
        "day": day,
        "form": form,
        "chosen": request.POST.get("starts_at", ""),
        "offered": [
            {"value": s.starts_at.astimezone(dt.UTC).isoformat(), "label": s.describe(zone)}
            for s in offered
        ],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "booking/book.html", context, status=status)


@require_GET
def done(request: HttpRequest) -> HttpResponse:
    profile = _profile()
    code = request.session.get(_SESSION_BOOKED)
    appointment = access.booked_appointment(code) if code else None
    if appointment is None:
        return redirect("booking:book")
    return render(
        request,
        "booking/done.html",
        public_context(profile, "book") | _describe(appointment, profile),
    )


def _describe(appointment: Appointment, profile: ClinicProfile) -> dict[str, Any]:
    zone = clinic_zone(appointment.clinic.time_zone)
    local = appointment.starts_at.astimezone(zone)
    return {
        "appointment": appointment,
        "title": title_of(appointment),
        "when": f"{local:%A %-d %B %Y, %-I:%M %p}",
        "zone": zone.key.replace("_", " "),
        "place": describe_place(appointment, profile.address_lines),
        "email": appointment.prospect.email if appointment.prospect else "",
    }


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """The emailed link: the token moves into the session and out of the address at once."""
    if "token" in request.GET:
        request.session[_SESSION_TOKEN] = request.GET["token"]
        return redirect("booking:manage")
    profile = _profile()
    token = request.session.get(_SESSION_TOKEN, "")
    if not token:  # came without a link: not an error, just nothing to show
        return render(
            request, "booking/link.html", public_context(profile, "book") | {"state": "none"}
        )
    opened = links.open_link(token)
    base = public_context(profile, "book")
    if opened.appointment is None:
        status = 404 if opened.state == links.LinkState.NOT_VALID else 410
        return render(
            request, "booking/link.html", base | {"state": opened.state.value}, status=status
        )
    appointment = opened.appointment
    if request.method == "POST":
        try:
            services.throttle("manage", client_ip(request))
        except services.RateLimitedError as exc:
            return _too_many(request, profile, exc)
        return _manage_action(request, profile, appointment)
    return _manage_page(request, profile, appointment, CancelForm(), MoveForm())


def _manage_action(
    request: HttpRequest, profile: ClinicProfile, appointment: Appointment
) -> HttpResponse:
    cancel, move = CancelForm(request.POST), MoveForm(request.POST)
    try:
        if request.POST.get("action") == "cancel" and cancel.is_valid():
            services.cancel_by_link(appointment, reason=cancel.cleaned_data["reason"])
            return render(
                request,
                "booking/link.html",
                public_context(profile, "book") | {"state": "cancelled_now"},
            )
        if request.POST.get("action") == "move" and move.is_valid():
            starts_at, shown = (
                _when(move.cleaned_data["starts_at"]),
                _when(move.cleaned_data["shown"]),
            )
            if starts_at is None or shown is None:
                move.add_error(None, "New time: choose one of the times offered")
            else:
                services.move_by_link(appointment, starts_at, shown_starts_at=shown)
                return redirect("booking:manage")
    except ValidationError as exc:
        _field_errors(move, exc)
    appointment = access.current(appointment)
    return _manage_page(request, profile, appointment, cancel, move, status=400)


def _manage_page(
    request: HttpRequest,
    profile: ClinicProfile,
    appointment: Appointment,
    cancel: CancelForm,
    move: MoveForm,
    *,
    status: int = 200,
) -> HttpResponse:
    movable = appointment.kind == "consultation"
    days = access.free_days(appointment.clinic, appointment.mode) if movable else []
    zone = clinic_zone(appointment.clinic.time_zone)
    own_day = appointment.starts_at.astimezone(zone).date().isoformat()
    chosen_day = request.GET.get("day", "") or own_day
    day = next((d for d in days if d.date.isoformat() == chosen_day), days[0] if days else None)
    context = (
        public_context(profile, "book")
        | _describe(appointment, profile)
        | {
            "cancel_form": cancel,
            "move_form": move,
            "days": days,
            "day": day,
            "shown": appointment.starts_at.astimezone(dt.UTC).isoformat(),
            "manage_url": reverse("booking:manage"),
            "movable": movable,
        }
    )
    return render(request, "booking/manage.html", context, status=status)
