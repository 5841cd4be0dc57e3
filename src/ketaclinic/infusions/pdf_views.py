"""The session record as a PDF: GET only, for whoever may read the patient's clinical record."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ketaclinic.accounts.roles import Capability
from ketaclinic.infusions import access, services
from ketaclinic.infusions.pdf import filename, session_pdf
from ketaclinic.lib.access import capability_required

_C = Capability


@require_GET
@capability_required(_C.PATIENT_VIEW_CLINICAL)
def record_pdf(request: HttpRequest, code: UUID, session_code: UUID) -> HttpResponse:
    """The whole record of one session (A4 PDF), shown in the browser (inline)."""
    patient, session = access.session_for_staff(
        request.user, code, session_code, _C.PATIENT_VIEW_CLINICAL, part="infusion session record"
    )
    state = services.session_state(session)
    response = HttpResponse(session_pdf(state, patient), content_type="application/pdf")
    # The date only: no name or other identifier in a file name that lands in Downloads.
    response["Content-Disposition"] = f'inline; filename="{filename(state)}"'
    return response
