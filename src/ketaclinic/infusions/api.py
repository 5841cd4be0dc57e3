"""REST API for infusion sessions: sessions, check-in, pump events, vital signs, alerts.

The same access getters and services as the chair page: the same permissions,
audit, checks and database constraints. An entry's ``client_ref`` (or the
``Idempotency-Key`` header) makes a retried request store nothing new: the
stored entry is answered again.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketaclinic.accounts.roles import Capability
from ketaclinic.idempotency.http import KEY_PARAMETER, api_create_once
from ketaclinic.infusions import access, services
from ketaclinic.infusions import api_schema as doc
from ketaclinic.infusions.describe import describe
from ketaclinic.infusions.models import (
    InfusionSession,
    SessionAlert,
    SessionAlertAck,
    SessionEntry,
)
from ketaclinic.lib.access import acting_user
from ketaclinic.lib.api import HasCapability
from ketaclinic.lib.serializers import StrictSerializer
from ketaclinic.plans import access as plan_access
from ketaclinic.plans import services as plan_services
from ketacore.infusion import EventKind
from ketacore.infusion.care import VitalSigns

_C = Capability
_PERMS: list[type[BasePermission]] = [IsAuthenticated, HasCapability]
S = serializers


def _entry_dict(e: SessionEntry) -> dict[str, Any]:
    return {
        "code": str(e.code),
        "seq": e.seq,
        "kind": e.kind,
        "occurred_at": e.occurred_at.isoformat(),
        "recorded_at": e.recorded_at.isoformat(),
        "client_ref": str(e.client_ref),
        "text": describe(e),
        "rate_mg_per_h": e.rate_mg_per_h,
        "dose_mg": e.dose_mg,
        "vitals": {k: getattr(e, k) for k in VitalSigns.__dataclass_fields__},
        "reason": e.reason,
        "amends": str(e.amends.code) if e.amends_id and e.amends else None,
    }


def _alert_dict(a: SessionAlert) -> dict[str, Any]:
    try:
        ack: SessionAlertAck | None = a.acknowledgement
    except SessionAlertAck.DoesNotExist:
        ack = None
    return {
        "code": str(a.code),
        "message": a.message,
        "value": a.value,
        "threshold": a.threshold,
        "source": a.source,
        "raised_at": a.raised_at.isoformat(),
        "acknowledged_at": ack.acknowledged_at.isoformat() if ack else None,
        "action_taken": ack.action_taken if ack else None,
    }


def _session_dict(session: InfusionSession, *, full: bool = False) -> dict[str, Any]:
    state = services.session_state(session)
    d = state.delivered
    out: dict[str, Any] = {
        "code": str(session.code),
        "plan": str(state.plan.plan.code),
        "plan_version": str(state.plan.code),
        "number_in_series": session.number_in_series,
        "chair": session.chair,
        "opened_at": session.opened_at.isoformat(),
        "state": d.state.value,
        "rate_mg_per_h": d.rate_mg_per_h,
        "delivered_mg": round(d.total_mg, 3),
        "checked_in": state.check_in is not None,
        "check_in_missing": state.check_in_missing,
        "vitals_due_at": state.vitals_due_at.isoformat() if state.vitals_due_at else None,
        "open_alerts": len(state.open_alerts),
        "discharged": state.discharge is not None,
        "signed_by": state.sign_off.signed_by_name if state.sign_off else None,
        "signed_at": state.sign_off.signed_at.isoformat() if state.sign_off else None,
    }
    if full:
        out["segments"] = [
            {
                "start_min": s.start_min,
                "end_min": s.end_min,
                "rate_mg_per_h": s.rate_mg_per_h,
                "dose_mg": s.dose_mg,
            }
            for s in d.segments
        ]
        out["entries"] = [_entry_dict(e) for e in state.entries]
        out["alerts"] = [_alert_dict(a) for a in state.alerts]
        out["discharge_reasons"] = state.discharge_reasons()
    return out


class _Timed(StrictSerializer):
    occurred_at = S.DateTimeField(required=False, allow_null=True, default=None)
    client_ref = S.UUIDField(required=False, allow_null=True, default=None)


class OpenSerializer(StrictSerializer):
    plan = S.UUIDField(help_text="The plan (its current version is given).")
    chair = S.CharField(required=False, allow_blank=True, default="", max_length=40)


class EventSerializer(_Timed):
    kind = S.ChoiceField(choices=[k.value for k in EventKind])
    rate_mg_per_h = S.FloatField(required=False, allow_null=True, default=None)
    dose_mg = S.FloatField(required=False, allow_null=True, default=None)
    reason = S.CharField(required=False, allow_blank=True, default="", max_length=500)


class VitalsSerializer(_Timed):
    systolic_mmhg = S.FloatField(required=False, allow_null=True, default=None)
    diastolic_mmhg = S.FloatField(required=False, allow_null=True, default=None)
    heart_rate_bpm = S.FloatField(required=False, allow_null=True, default=None)
    spo2_percent = S.FloatField(required=False, allow_null=True, default=None)
    respiratory_rate_per_min = S.FloatField(required=False, allow_null=True, default=None)
    temperature_c = S.FloatField(required=False, allow_null=True, default=None)


class CheckInSerializer(VitalsSerializer):
    consent = S.BooleanField()
    fasted = S.BooleanField()
    escort = S.BooleanField()
    pregnancy = S.ChoiceField(
        choices=["", "not_applicable", "negative_test", "confirmed_not_pregnant"], allow_blank=True
    )
    weight_kg = S.FloatField(required=False, allow_null=True, default=None)


class AckSerializer(StrictSerializer):
    action_taken = S.CharField(max_length=2000)


def _vitals(data: dict[str, Any]) -> VitalSigns:
    return VitalSigns(**{k: data.get(k) for k in VitalSigns.__dataclass_fields__})


def _ref(request: Request, data: dict[str, Any]) -> uuid.UUID | None:
    """The entry's own id: the body's ``client_ref``, else a UUID ``Idempotency-Key``."""
    if data.get("client_ref"):
        return uuid.UUID(str(data["client_ref"]))
    key = request.headers.get("Idempotency-Key", "")
    try:
        return uuid.UUID(key) if key else None
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, key)


class SessionList(APIView):
    """The patient's sessions, newest first; POST opens the next infusion of a plan."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL}  # noqa: RUF012

    @extend_schema(responses=doc.sessions())
    def get(self, request: Request, code: UUID) -> Response:
        sessions = access.sessions_of_patient(request.user, code)
        return Response([_session_dict(s) for s in sessions])

    @extend_schema(
        request=OpenSerializer, responses={201: doc.session()}, parameters=[KEY_PARAMETER]
    )
    def post(self, request: Request, code: UUID) -> Response:
        serializer = OpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        _, plan = plan_access.plan_for_staff(
            request.user, code, data["plan"], _C.PATIENT_EDIT_CLINICAL
        )

        def create() -> Response:
            version = plan_services.history(plan)[0]
            session = services.open_session(acting_user(request), version, chair=data["chair"])
            return Response(_session_dict(session), status=status.HTTP_201_CREATED)

        return api_create_once(request, scope="api:patient-sessions", create=create)


class SessionDetail(APIView):
    """One session as it stands: entries, delivered dose by segment, alerts, discharge."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_VIEW_CLINICAL}  # noqa: RUF012

    @extend_schema(responses=doc.record())
    def get(self, request: Request, code: UUID, session_code: UUID) -> Response:
        _, session = access.session_for_staff(
            request.user, code, session_code, _C.PATIENT_VIEW_CLINICAL
        )
        return Response(_session_dict(session, full=True))


class _EntryView(APIView):
    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL}  # noqa: RUF012
    kinds: frozenset[str] = frozenset()

    def _list(self, request: Request, code: UUID, session_code: UUID) -> Response:
        _, session = access.session_for_staff(
            request.user, code, session_code, _C.PATIENT_VIEW_CLINICAL
        )
        entries = services.session_state(session).entries
        return Response([_entry_dict(e) for e in entries if e.kind in self.kinds])


class EventList(_EntryView):
    """Pump events (start, rate change, pause, resume, bolus, stop); POST charts one."""

    kinds = frozenset({"start", "rate_change", "pause", "resume", "bolus", "stop"})

    @extend_schema(responses=doc.entries())
    def get(self, request: Request, code: UUID, session_code: UUID) -> Response:
        return self._list(request, code, session_code)

    @extend_schema(request=EventSerializer, responses={201: doc.entry()})
    def post(self, request: Request, code: UUID, session_code: UUID) -> Response:
        _, session = access.session_for_staff(
            request.user, code, session_code, _C.PATIENT_EDIT_CLINICAL
        )
        serializer = EventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = services.record_pump_event(
            acting_user(request),
            session,
            data["kind"],
            rate_mg_per_h=data["rate_mg_per_h"],
            dose_mg=data["dose_mg"],
            reason=data["reason"],
            occurred_at=data["occurred_at"],
            client_ref=_ref(request, data),
        )
        return Response(_entry_dict(entry), status=status.HTTP_201_CREATED)


class VitalsList(_EntryView):
    """Vital signs; POST charts one set (alerts it raises are in the session's alerts)."""

    kinds = frozenset({"vitals", "check_in"})

    @extend_schema(responses=doc.entries())
    def get(self, request: Request, code: UUID, session_code: UUID) -> Response:
        return self._list(request, code, session_code)

    @extend_schema(request=VitalsSerializer, responses={201: doc.entry()})
    def post(self, request: Request, code: UUID, session_code: UUID) -> Response:
        _, session = access.session_for_staff(
            request.user, code, session_code, _C.PATIENT_EDIT_CLINICAL
        )
        serializer = VitalsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry, _ = services.record_vitals(
            acting_user(request),
            session,
            _vitals(data),
            occurred_at=data["occurred_at"],
            client_ref=_ref(request, data),
        )
        return Response(_entry_dict(entry), status=status.HTTP_201_CREATED)


class CheckIn(APIView):
    """Check the patient in (consent, fasting, escort, pregnancy, weight, vital signs)."""

    permission_classes = _PERMS
    capabilities = {"POST": _C.PATIENT_EDIT_CLINICAL}  # noqa: RUF012

    @extend_schema(request=CheckInSerializer, responses={201: doc.entry()})
    def post(self, request: Request, code: UUID, session_code: UUID) -> Response:
        _, session = access.session_for_staff(
            request.user, code, session_code, _C.PATIENT_EDIT_CLINICAL
        )
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = services.check_in(
            acting_user(request),
            session,
            consent=data["consent"],
            fasted=data["fasted"],
            escort=data["escort"],
            pregnancy=data["pregnancy"],
            weight_kg=data["weight_kg"],
            vitals=_vitals(data),
            occurred_at=data["occurred_at"],
            client_ref=_ref(request, data),
        )
        return Response(_entry_dict(entry), status=status.HTTP_201_CREATED)


class AlertList(APIView):
    """The session's alerts, open or acknowledged."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_VIEW_CLINICAL}  # noqa: RUF012

    @extend_schema(responses=doc.alerts())
    def get(self, request: Request, code: UUID, session_code: UUID) -> Response:
        _, session = access.session_for_staff(
            request.user, code, session_code, _C.PATIENT_VIEW_CLINICAL
        )
        return Response([_alert_dict(a) for a in services.session_state(session).alerts])


class AlertAcknowledge(APIView):
    """Acknowledge an alert with the action taken (once)."""

    permission_classes = _PERMS
    capabilities = {"POST": _C.ALERT_ACKNOWLEDGE}  # noqa: RUF012

    @extend_schema(request=AckSerializer, responses={201: doc.alert()})
    def post(self, request: Request, code: UUID, session_code: UUID, alert_code: UUID) -> Response:
        _, session = access.session_for_staff(
            request.user, code, session_code, _C.ALERT_ACKNOWLEDGE
        )
        alert = access.alert_of(session, alert_code)
        serializer = AckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.acknowledge(
            acting_user(request), alert, action_taken=serializer.validated_data["action_taken"]
        )
        alert = access.alert_of(session, alert_code)
        return Response(_alert_dict(alert), status=status.HTTP_201_CREATED)
