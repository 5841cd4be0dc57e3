"""REST API of the calendar: availability and appointments (docs/scheduling.md, "API").

The same getters and services as the pages and (later) the public booking flow: the same
permissions, checks and audit. Times are given as the clinic's local date and time
(``date``, ``time``); answers carry UTC instants and the local reading. A time that is
taken answers 409 with the nearest free slots (``alternatives``); other bad input 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.idempotency.http import KEY_PARAMETER, api_create_once
from ketaclinic.lib.access import acting_user
from ketaclinic.lib.api import HasCapability
from ketaclinic.scheduling import access, availability, services
from ketaclinic.scheduling.api_schema import (
    APPOINTMENT_DOC,
    APPOINTMENTS_DOC,
    SLOTS_DOC,
    TAKEN_DOC,
    BookSerializer,
    BoosterSerializer,
    CancelSerializer,
    MoveSerializer,
    SeriesSerializer,
    appointment_dict,
)
from ketaclinic.scheduling.errors import SeriesTakenError, SlotTakenError, slot_dict
from ketaclinic.scheduling.models import AppointmentKind, ConsultationMode
from ketacore.schedule import clinic_zone

_C = Capability
_PERMS: list[type[BasePermission]] = [IsAuthenticated, HasCapability]
S = serializers


def _patient(user: User, code: Any, capability: Capability) -> Any:
    """The patient a request's body or query names: an unknown one is a bad field (400)."""
    try:
        return access.patient_for_booking(user, code, capability)
    except Http404:
        raise ValidationError({"patient": "patient: no such patient in this clinic"}) from None


def _taken(exc: SlotTakenError | SeriesTakenError) -> Response:
    body: dict[str, Any] = dict(exc.message_dict)
    body["alternatives"] = exc.offered()
    return Response(body, status=status.HTTP_409_CONFLICT)


def _range(request: Request) -> tuple[dt.date, dt.date]:
    """The ``from`` and ``to`` local days asked for (today in the clinic when left out)."""
    today = dt.datetime.now(clinic_zone(acting_user(request).clinic.time_zone)).date()
    start = request.query_params.get("from") or today.isoformat()
    end = request.query_params.get("to") or start
    field = S.DateField()
    try:
        first = field.to_internal_value(start)
    except S.ValidationError:
        raise S.ValidationError({"from": ["from: a date, YYYY-MM-DD"]}) from None
    try:
        last = field.to_internal_value(end)
    except S.ValidationError:
        raise S.ValidationError({"to": ["to: a date, YYYY-MM-DD"]}) from None
    return first, last


_RANGE_PARAMS = [
    OpenApiParameter("from", dt.date, description="First local day (today when left out)."),
    OpenApiParameter("to", dt.date, description="Last local day (the first when left out)."),
]


class Availability(APIView):
    """Free slots for an appointment of one kind, in the clinic's time zone."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.SCHEDULE_VIEW}  # noqa: RUF012
    query_checked = ("GET",)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind", str, enum=AppointmentKind.values, description="consultation unless asked"
            ),
            OpenApiParameter(
                "mode", str, enum=ConsultationMode.values, description="video unless asked"
            ),
            OpenApiParameter(
                "patient", UUID, description="For an infusion: whose plan gives its length."
            ),
            *_RANGE_PARAMS,
        ],
        responses=SLOTS_DOC,
    )
    def get(self, request: Request) -> Response:
        user = acting_user(request)
        first, last = _range(request)
        if last < first or (last - first).days >= access.MAX_DAYS:
            raise S.ValidationError(
                {"to": [f"to: from 0 to {access.MAX_DAYS - 1} days after from"]}
            )
        kind = request.query_params.get("kind", AppointmentKind.CONSULTATION)
        plan = None
        if kind in (AppointmentKind.INFUSION, AppointmentKind.BOOSTER):
            code = request.query_params.get("patient")
            if not code:
                raise S.ValidationError(
                    {"patient": ["patient: an infusion's length comes from the patient's plan"]}
                )
            plan = services.plan_for(_patient(user, code, _C.SCHEDULE_VIEW), kind)
        need = services.need_for(
            user.clinic,
            kind,
            mode=request.query_params.get("mode", ConsultationMode.VIDEO),
            plan=plan,
        )
        zone = clinic_zone(user.clinic.time_zone)
        slots = availability.free_slots(user.clinic, need, first, last)
        return Response([slot_dict(s, zone) for s in slots])


class AppointmentList(APIView):
    """The clinic's appointments on a range of local days; POST books one."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.SCHEDULE_VIEW, "POST": _C.SCHEDULE_BOOK}  # noqa: RUF012
    query_checked = ("GET",)

    @extend_schema(parameters=_RANGE_PARAMS, responses=APPOINTMENTS_DOC)
    def get(self, request: Request) -> Response:
        first, last = _range(request)
        rows = access.appointments_for_staff(request.user, first, last)
        return Response([appointment_dict(a) for a in rows])

    @extend_schema(
        request=BookSerializer,
        parameters=[KEY_PARAMETER],
        responses={201: APPOINTMENT_DOC, 409: TAKEN_DOC},
    )
    def post(self, request: Request) -> Response:
        user = acting_user(request)
        serializer = BookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patient = _patient(user, data["patient"], _C.SCHEDULE_BOOK)
        booking = services.Booking(
            kind=data["kind"],
            starts_at=availability.local_start(user.clinic, data["date"], data["time"]),
            patient=patient,
            mode=data["mode"],
            choice=serializer.choice(user),
            note=data["note"],
        )

        def create() -> Response:
            made = services.book(user, booking)
            return Response(appointment_dict(made), status=status.HTTP_201_CREATED)

        try:
            return api_create_once(request, scope="api:appointments", create=create)
        except SlotTakenError as exc:
            return _taken(exc)


class AppointmentDetail(APIView):
    permission_classes = _PERMS
    capabilities = {"GET": _C.SCHEDULE_VIEW}  # noqa: RUF012

    @extend_schema(responses=APPOINTMENT_DOC)
    def get(self, request: Request, code: UUID) -> Response:
        found = access.appointment_for_staff(request.user, code, _C.SCHEDULE_VIEW)
        return Response(appointment_dict(found))


class AppointmentMove(APIView):
    """Move to another local date and time (and chair, room or clinician if named)."""

    permission_classes = _PERMS
    capabilities = {"POST": _C.SCHEDULE_BOOK}  # noqa: RUF012

    @extend_schema(request=MoveSerializer, responses={200: APPOINTMENT_DOC, 409: TAKEN_DOC})
    def post(self, request: Request, code: UUID) -> Response:
        user = acting_user(request)
        found = access.appointment_for_staff(user, code, _C.SCHEDULE_BOOK)
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        named = any(data[k] is not None for k in ("resource", "clinician", "physician"))
        try:
            moved = services.move(
                user,
                found,
                availability.local_start(user.clinic, data["date"], data["time"]),
                choice=serializer.choice(user) if named else None,
                expected_starts_at=data["expected_starts_at"],
            )
        except SlotTakenError as exc:
            return _taken(exc)
        return Response(appointment_dict(moved))


class AppointmentCancel(APIView):
    permission_classes = _PERMS
    capabilities = {"POST": _C.SCHEDULE_BOOK}  # noqa: RUF012

    @extend_schema(request=CancelSerializer, responses=APPOINTMENT_DOC)
    def post(self, request: Request, code: UUID) -> Response:
        found = access.appointment_for_staff(request.user, code, _C.SCHEDULE_BOOK)
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        done = services.cancel(acting_user(request), found, serializer.validated_data["reason"])
        return Response(appointment_dict(done))


class AppointmentNoShow(APIView):
    permission_classes = _PERMS
    capabilities = {"POST": _C.SCHEDULE_BOOK}  # noqa: RUF012

    @extend_schema(request=None, responses=APPOINTMENT_DOC)
    def post(self, request: Request, code: UUID) -> Response:
        found = access.appointment_for_staff(request.user, code, _C.SCHEDULE_BOOK)
        return Response(appointment_dict(services.record_no_show(acting_user(request), found)))


class SeriesBooking(APIView):
    """Book every infusion of the patient's plan in progress at its spacing (all or nothing)."""

    permission_classes = _PERMS
    capabilities = {"POST": _C.SCHEDULE_BOOK}  # noqa: RUF012

    @extend_schema(
        request=SeriesSerializer,
        parameters=[KEY_PARAMETER],
        responses={201: APPOINTMENTS_DOC, 409: TAKEN_DOC},
    )
    def post(self, request: Request, code: UUID) -> Response:
        user = acting_user(request)
        patient = access.patient_for_booking(user, code, _C.SCHEDULE_BOOK)
        serializer = SeriesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        overrides: dict[int, dt.datetime] = {}
        for key, value in data["overrides"].items():
            if not str(key).isdigit():
                raise S.ValidationError(
                    {"overrides": [f"overrides: {key!r} is not a session number"]}
                )
            overrides[int(key)] = value

        def create() -> Response:
            made = services.book_series(
                user,
                patient,
                first_day=data["first_day"],
                local_time=data["time"],
                choice=serializer.choice(user),
                overrides=overrides,
            )
            return Response([appointment_dict(a) for a in made], status=status.HTTP_201_CREATED)

        try:
            return api_create_once(request, scope="api:patient-series", create=create)
        except SeriesTakenError as exc:
            return _taken(exc)


class PatientBoosters(APIView):
    """A nurse or physician marks a booster due (it waits on the front desk's list)."""

    permission_classes = _PERMS
    capabilities = {"POST": _C.BOOSTER_MARK}  # noqa: RUF012

    @extend_schema(
        request=BoosterSerializer,
        responses={
            201: inline_serializer("BoosterDue", {"code": S.UUIDField(), "due_on": S.DateField()})
        },
    )
    def post(self, request: Request, code: UUID) -> Response:
        user = acting_user(request)
        patient = access.patient_for_booking(user, code, _C.BOOSTER_MARK)
        serializer = BoosterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        due = services.mark_booster_due(user, patient, data["due_on"], data["note"])
        return Response({"code": str(due.code), "due_on": due.due_on.isoformat()}, status=201)


class PortalAppointments(APIView):
    """The signed-in patient's own appointments."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PORTAL_OWN_RECORD}  # noqa: RUF012

    @extend_schema(responses=APPOINTMENTS_DOC, operation_id="portal_appointments")
    def get(self, request: Request) -> Response:
        return Response([appointment_dict(a) for a in access.own_appointments(request.user)])
