from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import defaults
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib import citations
from ketaclinic.lib.api import HasCapability


@require_GET
@login_required
def references(request: HttpRequest) -> HttpResponse:
    """Every publication the rules and scores cite, each at an anchor named by its key."""
    return render(request, "references.html", {"sections": citations.references()})


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: the process is up (no database, no PHI)."""
    return HttpResponse("ok", content_type="text/plain")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for an address no route matches: JSON under /api/, as the API's own 404s.

    Elsewhere the usual page. This decides only the format: there is no route to decide on.
    """
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


class SchemaView(SpectacularAPIView):
    """The schema itself (YAML, or JSON with ``?format=json``); refusals are JSON like the API's."""

    http_method_names = ("get",)

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # Otherwise the error would be rendered by the negotiated OpenAPI renderer
        # as a YAML "schema" document.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


#: The API's groups of endpoints, for the root page: (title, route name, kwargs or None).
_API_INDEX: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "You",
        (("Who am I", "api:me"), ("Your API tokens", "api:tokens"), ("Issue a token", "api:token")),
    ),
    (
        "Patients",
        (("Patients (paged)", "api:patient-list"), ("Search", "api:patient-search")),
    ),
    (
        "Screening",
        (("Instruments", "api:instrument-list"), ("Eligibility rules", "api:rule-sets")),
    ),
    ("Reference", (("OpenAPI schema", "api-schema"), ("Interactive documentation", "api-docs"))),
)


class ApiRoot(APIView):
    """The API's front page: what is here, with links (HTML for a browser, JSON otherwise).

    Endpoints that name a patient (``/api/patients/<code>/…``) are listed in the
    interactive documentation; from here they are reached through the list.
    """

    http_method_names = ("get",)
    permission_classes = (IsAuthenticated, HasCapability)
    capabilities = {"GET": Capability.API_DOCS}  # noqa: RUF012

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(
            {
                group: {title: request.build_absolute_uri(reverse(name)) for title, name in links}
                for group, links in _API_INDEX
            }
        )


class ApiDocs(SpectacularSwaggerView):
    """Swagger UI over the schema, from the app's own static files (drf-spectacular-sidecar)."""

    http_method_names = ("get",)
    permission_classes = (IsAuthenticated, HasCapability)
    capabilities = {"GET": Capability.API_DOCS}  # noqa: RUF012
