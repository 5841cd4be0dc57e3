from __future__ import annotations

import base64
import datetime as dt
import math
from io import BytesIO
from uuid import UUID

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from ketaclinic.accounts import access, services
from ketaclinic.accounts.forms import PasswordChangeForm, TokenForm
from ketaclinic.accounts.models import User
from ketaclinic.lib.access import acting_user, verified_login_required


class LoginView(auth_views.LoginView):
    http_method_names = ["get", "post"]  # noqa: RUF012 (Django's own attribute)
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post"]  # noqa: RUF012 (Django's own attribute)


@require_http_methods(["GET", "POST"])
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Ask for the TOTP code; enrol an authenticator first if the user has none."""
    user = request.user
    assert isinstance(user, User)
    if not user.requires_two_factor or user.is_verified():
        return redirect("home")
    device = access.confirmed_totp_device(user)
    enrolling = device is None
    if device is None:
        device = services.start_totp_enrolment(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, throttle = device.verify_is_allowed()
        if not allowed:
            # django-otp refuses even a correct code during its back-off: say
            # so, or a correct code looks wrong (issue 8 #13).
            wait = _seconds_until((throttle or {}).get("locked_until"))
            form.add_error(
                "token",
                f"Too many wrong codes. Wait {wait} seconds, then type the code your app "
                "shows at that moment.",
            )
            services.record_second_factor(
                user, passed=False, why="during the wait after wrong codes"
            )
        elif device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                services.confirm_totp(user, device)
            services.record_second_factor(user, passed=True)
            otp_login(request, device)
            return redirect(_safe_next(request))
        else:
            services.record_second_factor(user, passed=False, why="wrong or expired code")
            form.add_error(
                "token", "That code is not right, or it has expired. Try the current one."
            )
    context = {"form": form, "enrolling": enrolling}
    if enrolling:
        context |= {"qr_svg": _qr_svg(device.config_url), "secret": _b32(device.bin_key)}
    return render(request, "accounts/two_factor.html", context)


def _seconds_until(moment: dt.datetime | None) -> int:
    if moment is None:
        return 1
    return max(1, math.ceil((moment - timezone.now()).total_seconds()))


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return "/"


def _b32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@require_http_methods(["GET", "POST"])
@verified_login_required
def change_password(request: HttpRequest) -> HttpResponse:
    """Every signed-in user changes their own password here (current one first)."""
    user = acting_user(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revoked = services.change_password(
                request,
                user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field, errors)
        else:
            note = f" {revoked} API token{pluralize(revoked)} stopped working." if revoked else ""
            messages.success(request, f"Your password has been changed.{note}")
            return redirect("home")
    return render(request, "accounts/password.html", {"form": form})


@require_GET
@verified_login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens that still work, each with a button to stop it."""
    owned = access.own_active_tokens(acting_user(request))
    context = {
        "tokens": owned,
        "max_hours": settings.API_TOKEN_MAX_HOURS,
        "idle_minutes": settings.SESSION_IDLE_MINUTES,
    }
    return render(request, "accounts/tokens.html", context)


@require_POST
@verified_login_required
def revoke_token(request: HttpRequest, code: UUID) -> HttpResponse:
    user = acting_user(request)
    token = access.get_own_active_token(user, code)
    services.revoke_api_token(user, token)
    messages.success(request, f"The token “{token.name or token.prefix}” no longer works.")
    return redirect("accounts:tokens")
