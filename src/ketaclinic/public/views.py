"""The public site's pages, and the admin's page that edits what they say."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.lib.citations import CITED
from ketaclinic.patients.validation import parse_phone
from ketaclinic.public import access, services
from ketaclinic.public.forms import ProfileForm
from ketaclinic.public.models import ClinicProfile
from ketaclinic.public.topics import SOURCES, TOPICS, Topic, topic


def public_context(profile: ClinicProfile, current: str) -> dict[str, Any]:
    phone = parse_phone(profile.phone) if profile.phone else None
    return {
        "profile": profile,
        "topics": TOPICS,
        "current": current,
        "phone_e164": phone.e164 if phone else "",
        "hours": access.opening_hours(profile),
    }


def _published() -> ClinicProfile:
    profile = access.public_profile()
    if profile is None:
        raise Http404("This clinic has no public site.")
    return profile


def public_home(request: HttpRequest) -> HttpResponse:
    """The home page a visitor who is not signed in sees (``worklists.views.home``)."""
    profile = access.public_profile()
    if profile is None:
        return redirect("accounts:login")
    return render(request, "public/home.html", public_context(profile, "home"))


def with_footnotes(body: str, page: Topic) -> str:
    """The page's text with each ``[Key]`` as a numbered link to its source below."""

    def number(match: re.Match[str]) -> str:
        key = match.group(1)
        n = page.sources.index(key) + 1
        return f'<sup><a href="#source-{n}" aria-label="source {n}">{n}</a></sup>'

    return CITED.sub(number, body)


@require_GET
def topic_page(request: HttpRequest, slug: str) -> HttpResponse:
    profile = _published()
    page = topic(slug)
    if page is None:
        raise Http404("No such page.")
    body = render_to_string(f"public/topics/{page.slug}.html", request=request)
    context = public_context(profile, page.slug) | {
        "topic": page,
        "text": mark_safe(with_footnotes(body, page)),  # noqa: S308 (our own template)
        "sources": [escape(SOURCES[key]) for key in page.sources],
    }
    return render(request, "public/topic.html", context)


@require_GET
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "public/contact.html", public_context(_published(), "contact"))


@require_http_methods(["GET", "POST"])
@capability_required(Capability.CLINIC_PROFILE_MANAGE)
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    profile = access.profile_for_admin(user)
    initial = {name: getattr(profile, name) for name in ProfileForm.base_fields}
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user, form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, "The public site is updated.")
            return redirect("public:profile")
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "clinic": user.clinic, "public": access.public_profile()}
    return render(request, "public/profile_edit.html", context, status=status)
