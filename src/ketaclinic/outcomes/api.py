"""REST API of the pain diary (docs/outcomes.md, "API").

The same getters and service as the pages: the patient reads and writes their own diary
(``/api/portal/diary/``), the care team a patient's (``/api/patients/<code>/diary/``). A
second entry for a day is an edit of that day, audited with the old and new values; bad
input answers 400 naming the field, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user
from ketaclinic.lib.api import HasCapability
from ketaclinic.outcomes import access, services
from ketaclinic.outcomes.models import DiaryEntry, DiaryVia
from ketaclinic.patients.models import Patient

_C = Capability
_PERMS: list[type[BasePermission]] = [IsAuthenticated, HasCapability]
S = serializers


class DiaryDaySerializer(S.Serializer[Any]):
    """A diary day as it stands (the schema of the answers)."""

    day = S.DateField()
    pain_nrs = S.IntegerField(min_value=0, max_value=10)
    function_nrs = S.IntegerField(min_value=0, max_value=10)
    mood_nrs = S.IntegerField(min_value=0, max_value=10)
    edits = S.IntegerField(help_text="How many times the day was changed after its entry")
    entered_via = S.ChoiceField(choices=DiaryVia.choices)
    entered_at = S.DateTimeField()


_DAY_DOC = DiaryDaySerializer
_DAYS_DOC = DiaryDaySerializer(many=True)
_BAD = OpenApiResponse(description="A field broke a rule; the answer names it")
_SINCE = OpenApiParameter(
    "since", dt.date, description="Only days from this date (YYYY-MM-DD) on", required=False
)


class DaySerializer(S.Serializer[Any]):
    day = S.DateField(required=False, help_text="The diary day; today (clinic time) if left out")
    pain_nrs = S.IntegerField(help_text="Pain today, on average: 0 (none) to 10")
    function_nrs = S.IntegerField(help_text="Pain got in the way of daily activities: 0 to 10")
    mood_nrs = S.IntegerField(help_text="Pain got in the way of mood: 0 to 10")


def day_dict(entry: DiaryEntry) -> dict[str, Any]:
    return {
        "day": entry.day.isoformat(),
        "pain_nrs": entry.pain_nrs,
        "function_nrs": entry.function_nrs,
        "mood_nrs": entry.mood_nrs,
        "edits": entry.seq - 1,
        "entered_via": entry.entered_via,
        "entered_at": entry.entered_at.isoformat(),
    }


def _since(request: Request) -> dt.date | None:
    raw = request.query_params.get("since")
    if raw in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise ValidationError({"since": "since: must be a date (YYYY-MM-DD)"}) from None


def _write(request: Request, patient: Patient, via: str) -> Response:
    serializer = DaySerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    day = data.pop("day", None) or services.clinic_today()
    entry = services.record_day(acting_user(request), patient, day, data, via=via)
    return Response(day_dict(entry), status=201)


class PortalDiary(APIView):
    """The signed-in patient's own diary: the days as they stand, and a day to save."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PORTAL_OWN_RECORD, "POST": _C.PORTAL_OWN_RECORD}  # noqa: RUF012

    @extend_schema(
        responses={200: _DAYS_DOC, 400: _BAD}, parameters=[_SINCE], operation_id="portal_diary_list"
    )
    def get(self, request: Request) -> Response:
        patient = access.own_diary_patient(request.user)
        days = access.diary_days(patient, since=_since(request))
        return Response([day_dict(e) for e in days])

    @extend_schema(
        request=DaySerializer,
        responses={201: _DAY_DOC, 400: _BAD},
        operation_id="portal_diary_save",
    )
    def post(self, request: Request) -> Response:
        return _write(request, access.own_diary_patient(request.user), DiaryVia.PORTAL)


class PatientDiary(APIView):
    """A patient's diary for the care team; a nurse or physician may enter a day for them."""

    permission_classes = _PERMS
    capabilities = {  # noqa: RUF012
        "GET": _C.PATIENT_VIEW_CLINICAL,
        "POST": _C.PATIENT_EDIT_CLINICAL,
    }

    @extend_schema(
        responses={200: _DAYS_DOC, 400: _BAD},
        parameters=[_SINCE],
        operation_id="patient_diary_list",
    )
    def get(self, request: Request, code: UUID) -> Response:
        patient = access.diary_patient_for_staff(request.user, code)
        days = access.diary_days(patient, since=_since(request))
        return Response([day_dict(e) for e in days])

    @extend_schema(
        request=DaySerializer,
        responses={201: _DAY_DOC, 400: _BAD},
        operation_id="patient_diary_save",
    )
    def post(self, request: Request, code: UUID) -> Response:
        user = acting_user(request)
        patient = access.diary_patient_for_staff(user, code, _C.PATIENT_EDIT_CLINICAL)
        return _write(request, patient, DiaryVia.CLINIC)
