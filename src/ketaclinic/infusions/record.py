"""The session record in words: what the PDF (and any printout) shows, from the state.

:func:`record_context` reads the session as it stands (``services.session_state``)
and its stored entries, corrections included, and returns the template's context:
every time in the clinic's time zone, every charted value with its unit, who charted
what, and each correction pointing at the entry it corrects. It reads, never writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.infusions.describe import describe, vitals_text
from ketaclinic.infusions.models import EntryKind, SessionEntry
from ketaclinic.infusions.services.observations import SCORES
from ketaclinic.infusions.services.state import SessionState
from ketaclinic.infusions.services.vitals import PREGNANCY
from ketaclinic.lib.signed import Meaning
from ketaclinic.patients.models import Patient
from ketacore.infusion.care import Measure

__all__ = ["EventRow", "clock", "record_context", "vitals_text"]

#: A charted time this long before it was stored is shown with when it was stored.
_LATE = dt.timedelta(minutes=10)
_COLUMN_LABELS = {
    "rate_mg_per_h": ("rate", "mg/h"),
    "dose_mg": ("dose", "mg"),
    **{m.value: (m.label.lower(), m.unit) for m in Measure},
}
_OF = {"check_in": "the incomplete check-in", "discharge": "the discharge criteria"}


@dataclass(frozen=True, slots=True)
class EventRow:
    """One stored entry as the record lists it (corrections are rows of their own)."""

    seq: int
    time: str
    what: str
    details: str
    charted_by: str
    status: str  # "" or "Corrected by #12" / "Withdrawn by #12"
    correction: bool


def clock(when: dt.datetime, day: dt.date | None = None) -> str:
    """``when`` in the clinic's time zone: "14:05", with the date if not on ``day``."""
    local = timezone.localtime(when)
    if day is not None and local.date() != day:
        return f"{local:%H:%M} ({local:%Y-%m-%d})"
    return f"{local:%H:%M}"


def _name(user: User | None) -> str:
    if user is None:
        return "unknown"
    return user.get_full_name() or user.get_username()


def _yes(value: object) -> str:
    return "Yes" if value else "No"


def record_context(state: SessionState, patient: Patient) -> dict[str, Any]:
    """Everything ``infusions/record_pdf.html`` shows (see the module docstring)."""
    session, plan = state.session, state.plan
    rows = list(session.entries.select_related("recorded_by").order_by("seq"))
    users = {row.recorded_by_id: _name(row.recorded_by) for row in rows}
    by_pk = {row.pk: row for row in rows}
    corrected_by = {row.amends_id: row for row in rows if row.amends_id is not None}
    t0 = state.t0 or session.opened_at
    day = timezone.localtime(t0).date()

    def at(when: dt.datetime) -> str:
        return clock(when, day)

    def minute(m: float) -> str:
        return at(t0 + dt.timedelta(minutes=m))

    delivered = state.delivered
    discharge_score = state.scores.get(state.care.discharge.score)
    return {
        "clinic": patient.clinic.name,
        "patient": patient,
        "session": session,
        "day": day,
        "plan": plan,
        "series": _series(session.number_in_series, plan.series_count),
        "check_in": _check_in(state, users, at),
        "dose_rows": _dose_rows(state, minute),
        "delivered": delivered,
        "running": delivered.state.value in ("running", "paused"),
        "events": [
            _event_row(row, by_pk, corrected_by, users, at)
            for row in sorted(rows, key=lambda r: (r.occurred_at, r.seq))
        ],
        "vitals": [
            {
                "time": at(e.occurred_at),
                "entry": e,
                "corrected": e.pk in corrected_by,
                "by": users.get(e.recorded_by_id, ""),
                "check_in": e.kind == EntryKind.CHECK_IN,
            }
            for e in state.vitals
        ],
        "alerts": [
            {"alert": a, "raised": at(a.raised_at), "ack": _ack(a, at)}
            for a in sorted(state.alerts, key=lambda a: (a.raised_at, a.pk))
        ],
        "scores": [
            {
                "time": at(e.occurred_at),
                "instrument": SCORES.get(str(e.data.get("instrument")), "Score"),
                "total": e.data.get("total"),
                "band": _band(e.data.get("band")),
                "by": users.get(e.recorded_by_id, ""),
            }
            for e in state.entries
            if e.kind == EntryKind.SCORE
        ],
        "side_effects": [
            {"time": at(e.occurred_at), "text": describe(e), "by": users.get(e.recorded_by_id)}
            for e in state.entries
            if e.kind == EntryKind.SIDE_EFFECT
        ],
        "rescues": [
            {"time": at(e.occurred_at), "text": describe(e), "by": users.get(e.recorded_by_id)}
            for e in state.entries
            if e.kind == EntryKind.RESCUE
        ],
        "overrides": [
            {"time": at(e.occurred_at), "text": describe(e), "by": users.get(e.recorded_by_id)}
            for e in state.entries
            if e.kind == EntryKind.OVERRIDE
        ],
        "discharge": _discharge(state, users, at),
        "discharge_policy": state.care.discharge,
        "discharge_score": discharge_score.data.get("total") if discharge_score else None,
        "discharge_score_label": SCORES.get(state.care.discharge.score, ""),
        "sign_off": _sign_off(state, rows),
        "time_zone": timezone.get_current_timezone_name(),
        "printed": f"{timezone.localtime():%Y-%m-%d %H:%M}",
    }


def _band(band: object) -> str:
    """A score's interpretation in words (a scoring band is stored with its id and source)."""
    if isinstance(band, dict):
        return str(band.get("label", ""))
    return str(band or "")


def _dose_rows(state: SessionState, minute: Any) -> list[dict[str, Any]]:
    """The constant-rate stretches and the boluses, in time order."""
    rows: list[tuple[float, dict[str, Any]]] = [
        (
            s.start_min,
            {
                "start": minute(s.start_min),
                "end": minute(s.end_min),
                "minutes": s.end_min - s.start_min,
                "rate": s.rate_mg_per_h,
                "mg": s.dose_mg,
            },
        )
        for s in state.delivered.segments
    ]
    rows += [
        (t, {"start": minute(t), "bolus": True, "mg": mg}) for t, mg in state.delivered.boluses
    ]
    return [row for _, row in sorted(rows, key=lambda r: r[0])]


def _check_in(state: SessionState, users: dict[int, str], at: Any) -> dict[str, Any] | None:
    entry = state.check_in
    if entry is None:
        return None
    data = entry.data
    weight = data.get("weight_kg")
    pregnancy = str(data.get("pregnancy") or "")
    return {
        "time": at(entry.occurred_at),
        "by": users.get(entry.recorded_by_id, ""),
        "consent": _yes(data.get("consent")),
        "fasted": _yes(data.get("fasted")),
        "fasting_hours": state.care.check_in.fasting_hours,
        "escort": _yes(data.get("escort")),
        "pregnancy": PREGNANCY.get(pregnancy, pregnancy) or "Not recorded",
        "weight": f"{weight:g} kg" if isinstance(weight, int | float) else "Not recorded",
        "vitals": vitals_text(entry) or "Not recorded",
        "missing": list(data.get("missing", [])),
    }


def _discharge(state: SessionState, users: dict[int, str], at: Any) -> dict[str, Any] | None:
    entry = state.discharge
    if entry is None:
        return None
    override = state.discharge_override
    return {
        "time": at(entry.occurred_at),
        "by": users.get(entry.recorded_by_id, ""),
        "escort": _yes(entry.data.get("escort_present")),
        "overridden": bool(entry.data.get("overridden")),
        "override_reason": override.reason if override else "",
        "override_by": users.get(override.recorded_by_id, "") if override else "",
    }


def _sign_off(state: SessionState, rows: list[SessionEntry]) -> dict[str, Any] | None:
    signed = state.sign_off
    if signed is None:
        return None
    return {
        "name": signed.signed_by_name,
        "time": f"{timezone.localtime(signed.signed_at):%Y-%m-%d %H:%M}",
        "meaning": Meaning(signed.meaning).label,
        "delivered_mg": signed.delivered_mg,
        "corrections_after": sum(
            1 for r in rows if r.kind == EntryKind.AMENDMENT and r.recorded_at > signed.signed_at
        ),
    }


def _ack(alert: Any, at: Any) -> dict[str, str] | None:
    try:
        ack = alert.acknowledgement
    except type(alert).acknowledgement.RelatedObjectDoesNotExist:
        return None
    return {
        "by": _name(ack.acknowledged_by),
        "time": at(ack.acknowledged_at),
        "action": ack.action_taken,
    }


def _event_row(
    row: SessionEntry,
    by_pk: dict[int, SessionEntry],
    corrected_by: dict[int, SessionEntry],
    users: dict[int, str],
    at: Any,
) -> EventRow:
    """``corrected_by``: each corrected entry's newest correction (rows are in seq order)."""
    charted_by = users.get(row.recorded_by_id, "")
    if row.recorded_at - row.occurred_at > _LATE:
        charted_by += f" (charted at {at(row.recorded_at)})"
    status = ""
    if (newest := corrected_by.get(row.pk)) is not None:
        verb = "Withdrawn" if newest.data.get("withdrawn") else "Corrected"
        status = f"{verb} by #{newest.seq}"
    correction = row.kind == EntryKind.AMENDMENT
    if correction:
        original = by_pk.get(row.amends_id or 0)
        what = f"Correction of #{original.seq}" if original else "Correction"
        details = _correction(row, original)
    else:
        what, details = row.get_kind_display(), describe(row)
    return EventRow(row.seq, at(row.occurred_at), what, details, charted_by, status, correction)


def _correction(row: SessionEntry, original: SessionEntry | None) -> str:
    reason = f"Reason: {row.reason}" if row.reason else ""
    kind = original.get_kind_display() if original else ""
    if row.data.get("withdrawn"):
        return " ".join(x for x in (f"{kind} withdrawn: entered in error.", reason) if x)
    changes = []
    for name, (label, unit) in _COLUMN_LABELS.items():
        new = getattr(row, name)
        if original is not None and new != getattr(original, name) and new is not None:
            changes.append(f"{label} {new:g} {unit}")
    for key, value in (row.data.get("fields") or {}).items():
        changes.append(f"{str(key).replace('_', ' ')}: {value}")
    what = f"{kind}: " + "; ".join(changes) + "." if changes else f"{kind}."
    return " ".join(x for x in (what, reason) if x)


def _series(number: int, count: int) -> str:
    """Where the infusion stands in the plan: in its series, or a booster after it."""
    if number <= count:
        return f"infusion {number} of {count} of the plan"
    return f"infusion {number} of the plan, a booster after its series of {count}"
