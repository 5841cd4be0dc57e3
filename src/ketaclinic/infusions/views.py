"""The chair page: one session, tablet first; and today's sessions.

Every action on the page posts to :func:`chart` (``chart_views``). With the
page's script, a form is sent in the background and the answer (the page's body)
replaces the body; without it, a normal post and a redirect back.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ketaclinic.accounts.roles import Capability
from ketaclinic.infusions import access, services
from ketaclinic.infusions.charts import session_chart_svg
from ketaclinic.infusions.describe import describe
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.infusions.prediction import live_prediction
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.plans import access as plan_access
from ketaclinic.plans import services as plan_services
from ketacore.scoring import INSTRUMENTS

_C = Capability


@require_POST
@capability_required(_C.PATIENT_EDIT_CLINICAL)
def session_open(request: HttpRequest, code: UUID, plan_code: UUID) -> HttpResponse:
    """Open the plan's next infusion at a chair."""
    patient, plan = plan_access.plan_for_staff(
        request.user, code, plan_code, _C.PATIENT_EDIT_CLINICAL
    )
    try:
        session = services.open_session(
            acting_user(request),
            plan_services.history(plan)[0],
            chair=request.POST.get("chair", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("plans:detail", patient.code, plan.code)
    return redirect("infusions:session", patient.code, session.code)


@require_GET
@capability_required(_C.PATIENT_VIEW_CLINICAL)
def session_page(request: HttpRequest, code: UUID, session_code: UUID) -> HttpResponse:
    _, session = access.session_for_staff(
        request.user, code, session_code, _C.PATIENT_VIEW_CLINICAL
    )
    return render(request, "infusions/session.html", page_context(request, session))


@require_GET
@capability_required(_C.PATIENT_VIEW_CLINICAL)
def today(request: HttpRequest) -> HttpResponse:
    """Sessions opened today in the clinic, and any still not signed."""
    sessions, unsigned = access.sessions_today(request.user)
    rows = [(s, services.session_state(s)) for s in sessions]
    return render(request, "infusions/today.html", {"rows": rows, "unsigned": unsigned})


def _instrument(key: str) -> dict[str, Any]:
    instrument = INSTRUMENTS[key]
    return {
        "id": key,
        "label": services.SCORES[key],
        "items": [
            {
                "id": item.id,
                "text": item.text,
                "choices": [(c.value, c.label or str(c.value)) for c in item.choices],
            }
            for item in instrument.items
        ],
    }


def page_context(request: HttpRequest, session: InfusionSession, **extra: Any) -> dict[str, Any]:
    """What the page and its body need (the body is re-rendered after each action)."""
    state = services.session_state(session)
    user = acting_user(request)
    plan = state.plan
    concentration = plan.concentration_mg_per_ml
    due = state.vitals_due_at
    return {
        "patient": session.patient,
        "session": session,
        "state": state,
        "plan": plan,
        "prediction": live_prediction(state),
        "chart_svg": session_chart_svg(state) if state.t0 is not None else "",
        "rate_ml_per_h": state.delivered.rate_mg_per_h / concentration if concentration else 0,
        "due_in_min": None if due is None else round((due - state.now).total_seconds() / 60),
        "can_chart": user.can(_C.PATIENT_EDIT_CLINICAL) and not state.locked,
        "can_correct": user.can(_C.PATIENT_EDIT_CLINICAL),
        "can_sign": user.can(_C.PLAN_SIGN),
        "can_ack": user.can(_C.ALERT_ACKNOWLEDGE),
        "sedation": _instrument(state.care.sedation_scale),
        "dissociation": _instrument("cadss"),
        "discharge_score": _instrument(state.care.discharge.score),
        "side_effects": services.SIDE_EFFECTS,
        "severities": services.SEVERITIES,
        "interventions": services.INTERVENTIONS,
        "rescue_options": _rescue_options(state),
        "discharge_reasons": state.discharge_reasons(),
        "timeline": [(e, describe(e)) for e in reversed(state.entries)],
        "pump_buttons": (("pause", "Pause"), ("stop", "Stop")),
        **extra,
    }


def _rescue_options(state: services.SessionState) -> list[str]:
    protocol = plan_services.protocol_of(state.plan)
    return [f"{m.drug} {m.dose} {m.route}" for m in protocol.rescue]
