"""The address an invitation email points to."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from ketaclinic.invitations.services import LinkMaker

__all__ = ["link_maker"]


def link_maker(request: HttpRequest) -> LinkMaker:
    """Links on ``SITE_URL`` when it is set, else on the address this request came to.

    The token goes in the query string, which the access log of ``ketaclinic run``
    leaves out (it logs the path only); the page moves it into the session and
    drops it from the address at once.
    """
    path = reverse("invitations:welcome")

    def link(token: str) -> str:
        relative = f"{path}?{urlencode({'token': token})}"
        if settings.SITE_URL:
            return settings.SITE_URL + relative
        return request.build_absolute_uri(relative)

    return link
