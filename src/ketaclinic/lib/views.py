from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response


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
