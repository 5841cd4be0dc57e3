"""Screening pages: the physician's summary, the clinician's facts, signing, rules.

The intake pages are in :mod:`ketaclinic.screening.intake_views`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.patients.models import Patient
from ketaclinic.policies.models import PolicyKind
from ketaclinic.screening import access, services
from ketaclinic.screening import forms as sforms
from ketaclinic.screening.intake_views import intake_parts, section_answers
from ketaclinic.screening.models import (
    DECISION_LABELS,
    Screening,
    ScreeningDecision,
)
from ketacore import intake
from ketacore.questionnaires import title_of
from ketacore.rules import Decision
from ketacore.rules.eligibility import QUESTIONS

_C = Capability


# ------------------------------------------------------------------ the physician's page


def _fact_rows(evaluation: services.Evaluation) -> list[dict[str, Any]]:
    rows = []
    for key, label in sforms.FACT_LABELS.items():
        value = evaluation.facts.get(key)
        rows.append(
            {
                "key": key,
                "label": label,
                "value": _show_fact(key, value),
                "known": value is not None,
                "source": evaluation.sources.get(key, ""),
            }
        )
    return rows


#: A finding's severity in a clinician's words.
SEVERITY_LABELS = {
    "exclude": "Excludes",
    "specialist": "Specialist clearance",
    "review": "To review",
    "unknown": "Unknown: ask",
    "precaution": "Precaution",
    "info": "Information",
}
_TREATMENTS = {q.id: q.text for q in intake.TREATMENTS.questions}
_OUTCOMES = {
    "inadequate_relief": "did not help enough",
    "not_tolerated": "stopped for side effects",
    "helped": "helped",
}


def _show_fact(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key == "instruments":
        return ", ".join(title_of(v["instrument"]) for v in value)
    if key == "prior_treatments":
        return "; ".join(
            f"{_TREATMENTS.get(t['treatment'], t['treatment'])}: "
            f"{_OUTCOMES.get(t['outcome'], t['outcome'])}"
            for t in value
        ) or ("none tried")
    if key == "bp_readings":
        return ", ".join(f"{r['systolic_mmhg']}/{r['diastolic_mmhg']} mmHg" for r in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return sforms.fact_key(value).replace("_", " ")


@require_GET
@capability_required(_C.PATIENT_VIEW_CLINICAL)
def summary(request: HttpRequest, code: UUID) -> HttpResponse:
    """Scores with bands, the rules' findings with sources, unknowns, and decisions."""
    user = acting_user(request)
    patient, screening = access.screening_for_staff(user, code, _C.PATIENT_VIEW_CLINICAL)
    evaluation = services.evaluate_screening(screening)
    decisions = services.decision_history(screening)
    current = next((d for d, is_current in decisions if is_current), None)
    result = evaluation.result
    plan = services.authorisation(screening, evaluation)
    context = {
        "patient": patient,
        "screening": screening,
        "evaluation": evaluation,
        "result": result,
        "decision_label": DECISION_LABELS[result.decision] if result else "",
        "unknown_questions": [(u, QUESTIONS.get(u, u)) for u in result.unknowns] if result else [],
        "facts": _fact_rows(evaluation),
        "parts": intake_parts(screening, services.clinician_instruments()),
        "pain": section_answers(screening, "pain"),
        "decisions": decisions,
        "current": current,
        "can_edit": user.can(_C.PATIENT_EDIT_CLINICAL),
        "can_sign": user.can(_C.SCREENING_DECIDE),
        "sign_form": sforms.DecisionForm() if current is None else None,
        "plan": plan,
        "findings": [
            (f, SEVERITY_LABELS.get(f.severity, f.severity))
            for f in (result.findings if result else ())
        ],
        "fact_label": sforms.FACT_LABELS,
        "diagnosis_link": reverse("patients:entry_create", args=[patient.code, "condition"]),
    }
    result_change = plan.staleness.result
    context["result_change"] = (
        tuple(DECISION_LABELS[Decision(r)] for r in result_change) if result_change else None
    )
    context["changes"] = [
        (
            sforms.FACT_LABELS.get(c.key, c.key),
            _show_fact(c.key, c.signed_on),
            _show_fact(c.key, c.now),
        )
        for c in plan.staleness.facts
    ]
    return render(request, "screening/summary.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(_C.PATIENT_EDIT_CLINICAL)
def clinician_facts(request: HttpRequest, code: UUID) -> HttpResponse:
    """A nurse or physician records facts (blood pressure, confirmed history)."""
    patient, screening = access.screening_for_staff(request.user, code, _C.PATIENT_EDIT_CLINICAL)
    stored = screening.clinician_facts
    initial: dict[str, Any] = {
        k: sforms.fact_key(v)
        for k, v in stored.items()
        if k not in ("bp_readings", "prior_treatments", "medications_checked")
    }
    initial |= {f"treatment_{k}": v for k, v in services.treatment_choices(screening).items()}
    initial["medications_checked"] = "\n".join(stored.get("medications_checked") or [])
    form = sforms.ClinicianFactsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        reading, measured_on = form.reading()
        try:
            services.record_clinician_facts(
                acting_user(request),
                screening,
                form.clinician_data(),
                add_bp_reading=reading,
                bp_measured_on=measured_on,
            )
        except ValidationError as exc:
            form.add_error(None, "; ".join(exc.messages))
        else:
            messages.success(request, "Facts recorded.")
            return redirect("screening:summary", patient.code)
    context = {
        "form": form,
        "patient": patient,
        "title": f"Screening facts: {patient.display_name}",
        "readings": stored.get("bp_readings") or [],
    }
    return render(request, "screening/facts.html", context)


def _sign(
    request: HttpRequest,
    patient: Patient,
    screening: Screening,
    form: forms.Form,
    revises: ScreeningDecision | None,
) -> HttpResponse | None:
    if request.method != "POST" or not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        services.sign_decision(
            acting_user(request),
            screening,
            decision=data["decision"],
            note=data.get("note", ""),
            password=data["password"],
            revises=revises,
            reason=data.get("reason", ""),
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    messages.success(request, "Decision signed.")
    return redirect("screening:summary", patient.code)


@require_http_methods(["GET", "POST"])
@capability_required(_C.SCREENING_DECIDE)
def sign(request: HttpRequest, code: UUID) -> HttpResponse:
    patient, screening = access.screening_for_staff(request.user, code, _C.SCREENING_DECIDE)
    form = sforms.DecisionForm(request.POST or None)
    done = _sign(request, patient, screening, form, None)
    if done is not None:
        return done
    return _sign_page(request, form, patient, screening, None)


@require_http_methods(["GET", "POST"])
@capability_required(_C.SCREENING_DECIDE)
def revise(request: HttpRequest, code: UUID, decision_code: UUID) -> HttpResponse:
    decision = access.decision_for_staff(request.user, code, decision_code, _C.SCREENING_DECIDE)
    form = sforms.RevisionForm(request.POST or None, initial={"decision": decision.decision})
    done = _sign(request, decision.patient, decision.screening, form, decision)
    if done is not None:
        return done
    return _sign_page(request, form, decision.patient, decision.screening, decision)


def _sign_page(
    request: HttpRequest,
    form: forms.Form,
    patient: Patient,
    screening: Screening,
    revises: ScreeningDecision | None,
) -> HttpResponse:
    evaluation = services.evaluate_screening(screening)
    result = evaluation.result
    context = {
        "form": form,
        "patient": patient,
        "evaluation": evaluation,
        "revises": revises,
        "decision_label": DECISION_LABELS[result.decision] if result else "",
        "unknown_questions": [QUESTIONS.get(u, u) for u in result.unknowns] if result else [],
    }
    return render(request, "screening/sign.html", context)


# ------------------------------------------------------------------ rule sets


@require_GET
@capability_required(_C.POLICY_VIEW)
def rule_sets(request: HttpRequest) -> HttpResponse:
    """The eligibility rules moved to the clinic's policies; old links land there."""
    return redirect("policies:detail", PolicyKind.ELIGIBILITY)
