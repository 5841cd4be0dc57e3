"""Every action at the chair posts here, named by ``action``; one answer for all of them.

A background post from the page's script (header ``X-Requested-With: fetch``)
gets the page's body back, 200 when stored and 400 with the error shown when
refused; a plain post gets a redirect to the page. The tablet sends its own
``client_ref`` (a UUID) and ``occurred_at`` (the moment the nurse entered it),
so an entry sent late keeps its time and an entry sent twice is stored once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.infusions import access, services
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.infusions.views import page_context
from ketaclinic.lib.access import acting_user, capability_required

_C = Capability


def _float(post: QueryDict, name: str, *, required: bool = True) -> float | None:
    raw = post.get(name, "").strip()
    if not raw:
        if required:
            raise ValidationError({name: f"{name}: is required"})
        return None
    try:
        return float(raw)
    except ValueError:
        raise ValidationError({name: f"{name}: must be a number"}) from None


def _when(post: QueryDict) -> dt.datetime | None:
    raw = post.get("occurred_at", "").strip()
    if not raw:
        return None
    try:
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError({"occurred_at": "occurred_at: must be a date and time"}) from None


def _ref(post: QueryDict) -> uuid.UUID | None:
    raw = post.get("client_ref", "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationError({"client_ref": "client_ref: must be a UUID"}) from None


def _yes(post: QueryDict, name: str) -> bool:
    return post.get(name) in ("on", "true", "1", "yes")


Action = Callable[[User, InfusionSession, QueryDict, dict[str, Any]], str]


def _check_in(user: User, s: InfusionSession, post: QueryDict, t: dict[str, Any]) -> str:
    services.check_in(
        user,
        s,
        consent=_yes(post, "consent"),
        fasted=_yes(post, "fasted"),
        escort=_yes(post, "escort"),
        pregnancy=post.get("pregnancy", ""),
        weight_kg=_float(post, "weight_kg", required=False),
        vitals=services.as_vitals(post),
        **t,
    )
    return "Checked in."


def _pump(user: User, s: InfusionSession, post: QueryDict, t: dict[str, Any]) -> str:
    kind = post.get("kind", "")
    services.record_pump_event(
        user,
        s,
        kind,
        rate_mg_per_h=_float(post, "rate_mg_per_h", required=kind in ("start", "rate_change")),
        dose_mg=_float(post, "dose_mg", required=kind == "bolus"),
        reason=post.get("reason", ""),
        **t,
    )
    return "Saved."


def _vitals(user: User, s: InfusionSession, post: QueryDict, t: dict[str, Any]) -> str:
    _, alerts = services.record_vitals(user, s, services.as_vitals(post), **t)
    return f"Vital signs saved. Alert: {alerts[0].message}." if alerts else "Vital signs saved."


def _score(user: User, s: InfusionSession, post: QueryDict, t: dict[str, Any]) -> str:
    instrument = post.get("instrument", "")
    answers: dict[str, int] = {}
    for name in post:
        value = post.get(name, "")
        if name.startswith("item_") and value.lstrip("-").isdigit():
            answers[name[len("item_") :]] = int(value)
    entry = services.record_score(user, s, instrument, answers, **t)
    return f"{services.SCORES[instrument]}: {entry.data.get('total')}."


def _side_effect(user: User, s: InfusionSession, post: QueryDict, t: dict[str, Any]) -> str:
    services.record_side_effect(
        user,
        s,
        effect=post.get("effect", ""),
        severity=post.get("severity", ""),
        interventions=post.getlist("interventions"),
        note=post.get("note", ""),
        **t,
    )
    return "Side effect saved."


def _rescue(user: User, s: InfusionSession, post: QueryDict, t: dict[str, Any]) -> str:
    services.record_rescue(
        user,
        s,
        drug=post.get("drug", ""),
        dose=post.get("dose", ""),
        route=post.get("route", ""),
        indication=post.get("indication", ""),
        **t,
    )
    return "Rescue medicine saved."


def _note(user: User, s: InfusionSession, post: QueryDict, t: dict[str, Any]) -> str:
    services.record_note(user, s, post.get("text", ""), **t)
    return "Note saved."


def _ack(user: User, s: InfusionSession, post: QueryDict, t: dict[str, Any]) -> str:
    alert = access.alert_of(s, post.get("alert", ""))
    services.acknowledge(user, alert, action_taken=post.get("action_taken", ""))
    return "Alert acknowledged."


def _override(user: User, s: InfusionSession, post: QueryDict, t: dict[str, Any]) -> str:
    services.override(user, s, post.get("of", ""), reason=post.get("reason", ""), **t)
    return "Override recorded."


def _discharge(user: User, s: InfusionSession, post: QueryDict, t: dict[str, Any]) -> str:
    services.discharge(user, s, escort_present=_yes(post, "escort_present"), **t)
    return "Discharged."


def _sign(user: User, s: InfusionSession, post: QueryDict, t: dict[str, Any]) -> str:
    services.sign_off(user, s, password=post.get("password", ""))
    return "Record signed."


def _amend(user: User, s: InfusionSession, post: QueryDict, t: dict[str, Any]) -> str:
    entry = access.entry_of(s, post.get("entry", ""))
    fields: dict[str, Any] = {}
    for name in services.as_vitals(post).present():
        fields[name.value] = _float(post, name.value)
    services.amend(
        user,
        entry,
        reason=post.get("reason", ""),
        fields=fields or None,
        withdrawn=_yes(post, "withdrawn"),
        client_ref=t["client_ref"],
    )
    return "Correction saved."


ACTIONS: dict[str, Action] = {
    "check_in": _check_in,
    "pump": _pump,
    "vitals": _vitals,
    "score": _score,
    "side_effect": _side_effect,
    "rescue": _rescue,
    "note": _note,
    "acknowledge": _ack,
    "override": _override,
    "discharge": _discharge,
    "sign": _sign,
    "amend": _amend,
}


@require_POST
@capability_required(_C.PATIENT_EDIT_CLINICAL)
def chart(request: HttpRequest, code: UUID, session_code: UUID) -> HttpResponse:
    _, session = access.session_for_staff(
        request.user,
        code,
        session_code,
        _C.PATIENT_EDIT_CLINICAL,
        part="infusion session (charting)",
    )
    post = request.POST
    background = request.headers.get("X-Requested-With") == "fetch"
    action = ACTIONS.get(post.get("action", ""))
    error = ""
    done = ""
    status = 200
    try:
        if action is None:
            raise ValidationError({"action": "action: unknown"})
        done = action(
            acting_user(request),
            session,
            post,
            {"occurred_at": _when(post), "client_ref": _ref(post)},
        )
    except ValidationError as exc:
        error = "; ".join(exc.messages)
        status = 400
    except PermissionDenied as exc:
        error = str(exc) or "Your role may not do this."
        status = 403
    if not background:
        (messages.error if error else messages.success)(request, error or done)
        return redirect("infusions:session", session.patient.code, session.code)
    context = page_context(request, session, notice=done, error=error)
    return render(request, "infusions/_body.html", context, status=status)
