"""Where a session stands, computed from its entries (reads only).

The delivered dose is replayed from the pump entries (``ketacore.infusion.replay``),
never typed in. A correction replaces what it corrects. Times are minutes from the
session's reference time, the check-in (or, without one, the first entry).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db.models import Q

from ketaclinic.infusions.models import (
    PUMP_KINDS,
    EntryKind,
    InfusionSession,
    SessionAlert,
    SessionEntry,
    SessionSignOff,
)
from ketaclinic.lib import clock
from ketaclinic.plans.models import PlanVersion, TreatmentPlan
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyVersion
from ketacore.infusion import DeliveredDose, EventKind, InfusionEvent, InfusionState, replay
from ketacore.infusion.care import CarePolicy

__all__ = [
    "COLUMNS",
    "SessionState",
    "WriteState",
    "care_of",
    "effective_entries",
    "event_of",
    "minutes",
    "session_state",
    "sessions_of_plan",
    "write_state",
]


@lru_cache(maxsize=64)
def _care(code: str, document_key: str) -> CarePolicy:
    version = PolicyVersion.objects.get(code=code)
    policy: CarePolicy = policies.loaded(version)
    return policy


#: "Name, date" of each approved care-policy version seen, by its code: an approval is a
#: signed, append-only record, so once a version is approved the answer never changes.
#: An unapproved version is asked again each time (a physician may approve it meanwhile).
_APPROVED: dict[str, str] = {}


def care_of(session: InfusionSession) -> CarePolicy:
    """The care policy the session follows (versions never change, so it is cached)."""
    version = session.care_policy
    code = str(version.code)
    approved = _APPROVED.get(code)
    if approved is None:
        approved = policies.approved_by(version) or ""
        if approved and len(_APPROVED) < 1024:
            _APPROVED[code] = approved
    return _care(code, approved)


def minutes(t0: dt.datetime, when: dt.datetime) -> float:
    return (when - t0).total_seconds() / 60.0


def effective_entries(entries: list[SessionEntry]) -> list[SessionEntry]:
    """The entries as they now stand: each corrected entry replaced by its newest correction.

    A correction (``AMENDMENT``) carries the corrected entry's kind in ``data["kind"]``
    and its corrected fields; the result keeps the original's ``seq`` and order.
    """
    newest: dict[int, SessionEntry] = {}
    for entry in entries:
        if entry.kind == EntryKind.AMENDMENT and entry.amends_id is not None:
            newest[entry.amends_id] = entry
    out = []
    for entry in entries:
        if entry.kind == EntryKind.AMENDMENT:
            continue
        correction = newest.get(entry.pk)
        if correction is None:
            out.append(entry)
            continue
        if correction.data.get("withdrawn"):
            continue  # entered in error
        merged = SessionEntry(
            pk=entry.pk,
            code=entry.code,
            session_id=entry.session_id,
            seq=entry.seq,
            kind=entry.kind,
            occurred_at=correction.occurred_at,
            recorded_at=correction.recorded_at,
            recorded_by_id=correction.recorded_by_id,
            client_ref=entry.client_ref,
            data={**entry.data, **correction.data.get("fields", {})},
            reason=correction.reason,
        )
        for name in COLUMNS:
            setattr(merged, name, getattr(correction, name))
        out.append(merged)
    return sorted(out, key=lambda e: (e.occurred_at, e.seq))


#: The entry's columns a correction carries (pump figures and vital signs).
COLUMNS = (
    "rate_mg_per_h",
    "dose_mg",
    "ceiling_rate_mg_per_h",
    "ceiling_bolus_mg",
    "systolic_mmhg",
    "diastolic_mmhg",
    "heart_rate_bpm",
    "spo2_percent",
    "respiratory_rate_per_min",
    "temperature_c",
)


def event_of(entry: SessionEntry, t0: dt.datetime) -> InfusionEvent:
    """A pump entry as the core's infusion event."""
    return InfusionEvent(
        EventKind(entry.kind),
        minutes(t0, entry.occurred_at),
        rate_mg_per_h=entry.rate_mg_per_h,
        dose_mg=entry.dose_mg if entry.kind == EntryKind.BOLUS else None,
    )


@dataclass
class SessionState:
    """A session as the chair page, the API and the PDF show it."""

    session: InfusionSession
    plan: PlanVersion
    care: CarePolicy
    entries: list[SessionEntry]
    now: dt.datetime
    t0: dt.datetime | None
    check_in: SessionEntry | None
    check_in_missing: list[str]
    start_override: SessionEntry | None
    delivered: DeliveredDose
    vitals: list[SessionEntry]
    alerts: list[SessionAlert]
    sign_off: SessionSignOff | None
    discharge: SessionEntry | None
    discharge_override: SessionEntry | None
    scores: dict[str, SessionEntry] = field(default_factory=dict)

    @property
    def open_alerts(self) -> list[SessionAlert]:
        return [a for a in self.alerts if _open(a)]

    @property
    def may_start(self) -> bool:
        complete = self.check_in is not None and not self.check_in_missing
        return complete or self.start_override is not None

    @property
    def running(self) -> bool:
        return self.delivered.state is InfusionState.RUNNING

    @property
    def vitals_due_at(self) -> dt.datetime | None:
        if self.check_in is None or self.discharge is not None:
            return None
        last = self.vitals[-1].occurred_at if self.vitals else self.check_in.occurred_at
        return last + dt.timedelta(minutes=self.care.vitals_interval_min)

    @property
    def vitals_overdue(self) -> bool:
        due = self.vitals_due_at
        return due is not None and self.now > due

    @property
    def locked(self) -> bool:
        return self.sign_off is not None

    def discharge_reasons(self) -> list[str]:
        """What still stands between the patient and going home (empty: ready)."""
        reasons = []
        if self.delivered.state in (InfusionState.RUNNING, InfusionState.PAUSED):
            reasons.append("The infusion is still going: stop it first.")
        if self.open_alerts:
            reasons.append("Acknowledge every alert first.")
        policy = self.care.discharge
        score = self.scores.get(policy.score)
        label = "modified Aldrete" if policy.score == "aldrete" else "PADSS"
        if score is None:
            reasons.append(f"Score the {label} for discharge.")
        elif (score.data.get("total") or 0) < policy.minimum:
            reasons.append(
                f"The latest {label} score is {score.data.get('total')}, "
                f"below the {policy.minimum} the clinic requires."
            )
        return reasons


def _open(alert: SessionAlert) -> bool:
    try:
        alert.acknowledgement  # noqa: B018 - the reverse one-to-one, prefetched
    except SessionAlert.acknowledgement.RelatedObjectDoesNotExist:
        return True
    return False


def session_state(session: InfusionSession, *, now: dt.datetime | None = None) -> SessionState:
    """Everything the session page needs, from its entries (a few queries, no writes)."""
    now = now or clock.now()
    rows = list(session.entries.select_related("recorded_by").order_by("seq"))
    entries = effective_entries(rows)
    check_in = next((e for e in entries if e.kind == EntryKind.CHECK_IN), None)
    t0 = check_in.occurred_at if check_in else (entries[0].occurred_at if entries else None)
    overrides = [e for e in entries if e.kind == EntryKind.OVERRIDE]
    pump = [e for e in entries if e.kind in PUMP_KINDS]
    delivered = (
        replay([event_of(e, t0) for e in pump], as_of_min=_as_of(pump, t0, now))
        if t0
        else replay([])
    )
    scores: dict[str, SessionEntry] = {}
    for entry in entries:
        if entry.kind == EntryKind.SCORE:
            scores[str(entry.data.get("instrument"))] = entry
    try:
        sign_off: SessionSignOff | None = session.sign_off
    except SessionSignOff.DoesNotExist:
        sign_off = None
    alerts = list(
        session.alerts.select_related("acknowledgement", "acknowledgement__acknowledged_by")
    )
    care = care_of(session)
    return SessionState(
        session=session,
        plan=session.plan_version,
        care=care,
        entries=entries,
        now=now,
        t0=t0,
        check_in=check_in,
        check_in_missing=list(check_in.data.get("missing", [])) if check_in else [],
        start_override=next((e for e in overrides if e.data.get("of") == "check_in"), None),
        delivered=delivered,
        vitals=[e for e in entries if _has_vitals(e)],
        alerts=alerts,
        sign_off=sign_off,
        discharge=next((e for e in entries if e.kind == EntryKind.DISCHARGE), None),
        discharge_override=next((e for e in overrides if e.data.get("of") == "discharge"), None),
        scores=scores,
    )


@dataclass
class WriteState:
    """What an append that does not touch the pump needs of its session (see write_state)."""

    session: InfusionSession
    care: CarePolicy
    check_in: SessionEntry | None
    signed: bool

    @property
    def locked(self) -> bool:
        return self.signed


def write_state(session: InfusionSession) -> WriteState:
    """The session as a vital-sign, score, side-effect, rescue, note or override write sees it.

    Whether the record is signed, the effective check-in (corrections applied, as in
    :func:`session_state`) and the care policy: two indexed reads whatever the
    session's length, where :func:`session_state` reads every entry and replays the pump.
    """
    signed = SessionSignOff.objects.filter(session_id=session.pk).exists()
    rows = list(
        session.entries.filter(
            Q(kind=EntryKind.CHECK_IN)
            | Q(kind=EntryKind.AMENDMENT, amends__kind=EntryKind.CHECK_IN)
        ).order_by("seq")
    )
    check_in = next((e for e in effective_entries(rows) if e.kind == EntryKind.CHECK_IN), None)
    return WriteState(
        session=session,
        care=care_of(session),
        check_in=check_in,
        signed=signed,
    )


def _has_vitals(entry: SessionEntry) -> bool:
    """Vital-sign entries, and the check-in's pre-infusion vital signs."""
    return entry.kind == EntryKind.VITALS or (
        entry.kind == EntryKind.CHECK_IN and entry.systolic_mmhg is not None
    )


def _as_of(pump: list[SessionEntry], t0: dt.datetime, now: dt.datetime) -> float | None:
    if not pump:
        return None
    last = minutes(t0, pump[-1].occurred_at)
    return max(last, minutes(t0, now))


def sessions_of_plan(plan: TreatmentPlan) -> list[InfusionSession]:
    """A plan's infusion sessions in order, each marked ``signed``."""
    sessions = list(
        InfusionSession.objects.filter(plan_version__plan=plan)
        .select_related("sign_off")
        .order_by("opened_at", "pk")
    )
    for session in sessions:
        session.signed = hasattr(session, "sign_off")  # type: ignore[attr-defined]  # reason: for the page
    return sessions


def summary_of(state: SessionState) -> dict[str, Any]:
    """The figures a sign-off keeps."""
    d = state.delivered
    return {
        "delivered_mg": round(d.total_mg, 3),
        "infused_mg": round(d.infused_mg, 3),
        "bolus_mg": round(d.bolus_mg, 3),
        "segments": [
            {
                "start_min": s.start_min,
                "end_min": s.end_min,
                "rate_mg_per_h": s.rate_mg_per_h,
                "dose_mg": s.dose_mg,
            }
            for s in d.segments
        ],
        "alerts": len(state.alerts),
    }
