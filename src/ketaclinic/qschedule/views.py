"""Follow-up questionnaires: the patient's in the portal (one page per set, one per
instrument), and the same instrument pages for a nurse or physician entering the answers a
patient gave on paper or by phone.

Phone first: one instrument after another, each answer saved as it is given (htmx, as the
intake does), the crisis information shown to the patient at once and on every following
page when PHQ-9 item 9 is answered above 0. Staff see the score and its flags instead; the
safety alert is raised by the service whoever enters the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.lib.form_errors import errors_text
from ketaclinic.qschedule import access, services
from ketaclinic.qschedule.models import AssignmentStatus, FollowUpQuestionnaire
from ketaclinic.questionnaires.models import EnteredVia, QuestionnaireResponse
from ketaclinic.screening import forms as sforms
from ketacore.questionnaires import title_of
from ketacore.scoring import get_instrument
from ketacore.scoring.phq9 import self_harm_reported

#: What a patient is told about a question's time frame, by instrument.
_PGIC_INTRO = (
    "One question about the change since you started treatment: compare how you are now "
    "with how you were before your first infusion."
)


#: What the last save says, to the patient and to staff.
_DONE = {
    False: "Thank you. Your answers were sent to the clinic.",
    True: "Every questionnaire of this set is entered.",
}


def _crisis(answers: dict[str, QuestionnaireResponse]) -> bool:
    phq9 = answers.get("phq9")
    return phq9 is not None and self_harm_reported(phq9.answers)


@dataclass(frozen=True, slots=True)
class _Where:
    """Who is entering the answers, and the pages around the instrument's page."""

    via: str
    staff: bool
    part: str  # the route of an instrument's page
    back: str  # where the set's pages lead back to
    args: tuple[Any, ...] = ()  # the part route's arguments before the set's code

    def part_url(self, row: FollowUpQuestionnaire, instrument: str) -> str:
        return reverse(self.part, args=[*self.args, row.code, instrument])

    def back_url(self, row: FollowUpQuestionnaire) -> str:
        """Staff go back to the chart; the patient to the set's page."""
        return reverse(self.back, args=list(self.args) if self.staff else [row.code])


_PORTAL = _Where(EnteredVia.PORTAL, False, "portal:followup_part", "portal:followup")


def _parts(row: FollowUpQuestionnaire, answers: dict[str, QuestionnaireResponse]) -> list[Any]:
    return [
        {
            "id": i,
            "title": title_of(i),
            "done": bool(i in answers and answers[i].complete),
            "started": i in answers,
            "url": _PORTAL.part_url(row, i),
        }
        for i in row.instruments
    ]


def _state(row: FollowUpQuestionnaire) -> dict[str, Any]:
    today = services.clinic_today(row.clinic)
    closed = row.status == AssignmentStatus.EXPIRED or today > row.closes_on
    return {"closed": closed, "not_yet": today < row.opens_on}


@require_GET
@capability_required(Capability.PORTAL_OWN_RECORD)
def portal_followup(request: HttpRequest, code: UUID) -> HttpResponse:
    """One set of questionnaires: why we ask, its parts and how far the patient got."""
    patient, row = access.own_assignment(request.user, code)
    answers = access.answers_of(row)
    parts = _parts(row, answers)
    following = next((p for p in parts if not p["done"]), None)
    context = {
        "patient": patient,
        "row": row,
        "parts": parts,
        "next_part": following,
        "crisis": _crisis(answers),
        **_state(row),
    }
    return render(request, "qschedule/portal_followup.html", context)


def _intro(instrument_id: str) -> str:
    instrument = get_instrument(instrument_id)
    if instrument_id == "pgic":
        return _PGIC_INTRO
    intro = instrument.summary
    if instrument.recall:
        intro = f"{intro} Think about: {instrument.recall}."
    return intro


@require_http_methods(["GET", "POST"])
@capability_required(Capability.PORTAL_OWN_RECORD)
def portal_followup_part(request: HttpRequest, code: UUID, instrument: str) -> HttpResponse:
    """One instrument; each change is saved at once, the button goes on to the next."""
    patient, row = access.own_assignment(request.user, code)
    return _part(request, patient, row, instrument, _PORTAL)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.PATIENT_EDIT_CLINICAL)
def staff_followup_part(
    request: HttpRequest, code: UUID, row_code: UUID, instrument: str
) -> HttpResponse:
    """One instrument, entered by a nurse or physician for the patient (paper or phone)."""
    patient, row = access.assignment_for_staff(request.user, code, row_code)
    where = _Where(
        EnteredVia.STAFF, True, "qschedule:staff_part", "patients:chart", (patient.code,)
    )
    return _part(request, patient, row, instrument, where)


def _part(
    request: HttpRequest,
    patient: Any,
    row: FollowUpQuestionnaire,
    instrument: str,
    where: _Where,
) -> HttpResponse:
    if instrument not in row.instruments:
        raise Http404("No such part of the questionnaire")
    definition = get_instrument(instrument)
    answers = access.answers_of(row)
    response = answers.get(instrument)
    options = dict(response.options) if response else dict(definition.resolve_options())
    data = request.POST if request.method == "POST" else None
    initial = dict(response.answers) if response else None
    form = sforms.instrument_form(definition, options, data, initial=initial)
    state = _state(row)
    ids = list(row.instruments)
    position = ids.index(instrument)
    overview = where.back_url(row)
    next_url = where.part_url(row, ids[position + 1]) if position + 1 < len(ids) else overview
    error = ""
    if request.method == "POST":
        if state["closed"] or state["not_yet"]:
            error = "This questionnaire is not open now."
        elif form.is_valid():
            try:
                response = services.answer(
                    acting_user(request),
                    row,
                    instrument,
                    dict(form.cleaned_data),
                    via=where.via,
                )
            except ValidationError as exc:
                error = "; ".join(exc.messages)
            else:
                answers[instrument] = response
                if "save" in request.POST:
                    if row.status == AssignmentStatus.COMPLETED:
                        messages.success(request, _DONE[where.staff])
                        next_url = overview
                    if request.htmx:  # type: ignore[attr-defined]  # reason: django-htmx
                        return HttpResponseClientRedirect(next_url)
                    return redirect(next_url)
        else:
            error = errors_text(form)
        if request.htmx:  # type: ignore[attr-defined]  # reason: django-htmx
            status = {
                "error": error,
                "response": response,
                "staff": where.staff,
                "crisis": _crisis(answers),
            }
            return render(request, "screening/_save_status.html", status)
    context = {
        "patient": patient,
        "row": row,
        "form": form,
        "title": definition.name,
        "intro": _intro(instrument),
        "error": error,
        "response": response,
        "staff": where.staff,
        "crisis": _crisis(answers),
        "read_only": state["closed"] or state["not_yet"],
        "back_url": overview,
        "back_label": patient.display_name if where.staff else row.label,
        "action": request.path,
        "next_url": next_url,
        "step": position + 1,
        "steps": len(ids),
        "last": position + 1 == len(ids),
    }
    return render(request, "qschedule/part.html", context)
