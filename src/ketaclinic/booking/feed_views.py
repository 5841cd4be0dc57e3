"""The clinician's calendar feed: the page that makes or stops its address, and the feed."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.roles import Capability
from ketaclinic.booking import access, feeds
from ketaclinic.lib.access import acting_user, capability_required


@require_http_methods(["GET", "POST"])
@capability_required(Capability.SCHEDULE_VIEW)
def my_feed(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    address = ""
    if request.method == "POST" and request.POST.get("action") == "issue":
        token = feeds.issue(user)
        address = request.build_absolute_uri(reverse("booking:feed", args=[token]))
    elif request.method == "POST" and request.POST.get("action") == "revoke":
        feeds.revoke(user)
    context = {"feed": access.feed_of(user), "address": address}
    return render(request, "booking/my_feed.html", context)


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = feeds.feed_for_token(token)
    if found is None:
        raise Http404("No such calendar feed.")
    body = feeds.feed_ics(
        found,
        lambda code: request.build_absolute_uri(reverse("scheduling:appointment", args=[code])),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
