"""REST API for the patient registry: the UI's permissions, through the same access
getters and services."""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketaclinic.accounts.roles import Capability
from ketaclinic.idempotency.http import KEY_PARAMETER, api_create_once
from ketaclinic.lib.access import acting_user
from ketaclinic.lib.api import HasCapability
from ketaclinic.lib.serializers import StrictModelSerializer, StrictSerializer
from ketaclinic.patients import access, services
from ketaclinic.patients.models import Allergy, BodyMeasurement, Condition, Medication, Patient
from ketaclinic.patients.services import DEMOGRAPHIC_FIELDS

_C = Capability
_PERMS: list[type[BasePermission]] = [IsAuthenticated, HasCapability]


class PatientSerializer(StrictModelSerializer[Patient]):
    class Meta:
        model = Patient
        fields: tuple[str, ...] = (
            "code",
            "chart_number",
            *DEMOGRAPHIC_FIELDS,
            "phone_e164",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("code", "chart_number", "phone_e164", "created_at", "updated_at")
        extra_kwargs = {  # noqa: RUF012 (DRF's own attribute)
            "phone": {
                "help_text": "Checked and stored in display form: national for the clinic's "
                "region (PHONE_REGION), international otherwise; write +country code for a "
                "number abroad."
            },
            "phone_e164": {"help_text": "The phone in E.164 (+14805550101); empty when none."},
        }


class PatientCreateSerializer(PatientSerializer):
    """A new patient; ``confirm_duplicate`` registers despite possible duplicates."""

    confirm_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="true: register even though patients with the same name and date of birth, "
        "or the same phone, exist (someone checked they are other people). Without it such a "
        "registration answers 409 with their codes.",
    )

    class Meta(PatientSerializer.Meta):
        fields = (*PatientSerializer.Meta.fields, "confirm_duplicate")


class DuplicateMatchSerializer(serializers.Serializer[Any]):
    code = serializers.UUIDField(help_text="The patient already registered.")
    chart_number = serializers.CharField()
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text='Why they match: "same name and date of birth", "same phone number".',
    )


class PossibleDuplicatesSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    matches = DuplicateMatchSerializer(many=True)


class ConditionSerializer(StrictModelSerializer[Condition]):
    class Meta:
        model = Condition
        fields = (
            "code",
            "icd10_code",
            "description",
            "onset_date",
            "is_primary_pain_diagnosis",
            "status",
            "recorded_at",
        )
        read_only_fields = ("code", "status", "recorded_at")


class MedicationSerializer(StrictModelSerializer[Medication]):
    class Meta:
        model = Medication
        fields = ("code", "name", "dose", "started_on", "status", "recorded_at")
        read_only_fields = ("code", "status", "recorded_at")


class AllergySerializer(StrictModelSerializer[Allergy]):
    class Meta:
        model = Allergy
        fields = ("code", "substance", "reaction", "severity", "status", "recorded_at")
        read_only_fields = ("code", "status", "recorded_at")


class MeasurementSerializer(StrictModelSerializer[BodyMeasurement]):
    class Meta:
        model = BodyMeasurement
        fields = ("code", "weight_kg", "height_cm", "measured_on", "status", "recorded_at")
        read_only_fields = ("code", "status", "recorded_at")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("weight_kg") is None and attrs.get("height_cm") is None:
            raise serializers.ValidationError({"weight_kg": "Enter a weight, a height or both."})
        return attrs


class PatientChartSerializer(PatientSerializer):
    """A patient with the clinical lists, for roles that may see them."""

    conditions = ConditionSerializer(many=True, read_only=True)
    medications = MedicationSerializer(many=True, read_only=True)
    allergies = AllergySerializer(many=True, read_only=True)
    measurements = MeasurementSerializer(many=True, read_only=True)

    class Meta(PatientSerializer.Meta):
        fields = (
            *PatientSerializer.Meta.fields,
            "conditions",
            "medications",
            "allergies",
            "measurements",
        )


class SearchSerializer(StrictSerializer):
    q = serializers.CharField(max_length=100, help_text="Name, date of birth or phone number.")


class PatientListCreate(generics.GenericAPIView[Patient]):
    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_SEARCH, "POST": _C.PATIENT_CREATE}  # noqa: RUF012
    serializer_class = PatientSerializer

    def get_queryset(self) -> models.QuerySet[Patient]:
        return access.patients_by_name(self.request.user)

    @extend_schema(responses=PatientSerializer(many=True))  # paginated: see lib.api.Pagination
    def get(self, request: Request) -> Response:
        page = access.listed(request.user, self.paginate_queryset(self.get_queryset()) or [])
        return self.get_paginated_response(PatientSerializer(page, many=True).data)

    @extend_schema(
        request=PatientCreateSerializer,
        responses={
            201: PatientSerializer,
            409: OpenApiResponse(
                PossibleDuplicatesSerializer,
                description="Patients with the same name and date of birth, or the same "
                "phone, are registered already; nothing was saved. Check them, then send "
                "again with `confirm_duplicate: true` to register anyway.",
            ),
        },
        parameters=[KEY_PARAMETER],
    )
    def post(self, request: Request) -> Response:
        def create() -> Response:
            serializer = PatientCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            confirmed = bool(data.pop("confirm_duplicate", False))
            patient = services.create_patient(
                acting_user(request), data, confirm_duplicate=confirmed
            )
            return Response(PatientSerializer(patient).data, status=201)

        try:
            return api_create_once(request, scope="api:patient-list", create=create)
        except services.PossibleDuplicateError as exc:
            # Nothing was saved and the key was not used: it may be sent again.
            matches = access.duplicates_shown(request.user, exc.matches)
            body = {
                "detail": "Possible duplicates: patients with the same name and date of birth, "
                "or the same phone, are registered already. Nothing was saved; send again with "
                '"confirm_duplicate": true to register a new patient anyway.',
                "matches": [
                    {
                        "code": str(m.patient.code),
                        "chart_number": m.patient.chart_number,
                        "reasons": list(m.reasons),
                    }
                    for m in matches
                ],
            }
            return Response(body, status=409)


class PatientSearch(APIView):
    """Search in the body, never in the URL: names and birth dates are PHI."""

    permission_classes = _PERMS
    capabilities = {"POST": _C.PATIENT_SEARCH}  # noqa: RUF012

    @extend_schema(request=SearchSerializer, responses=PatientSerializer(many=True))
    def post(self, request: Request) -> Response:
        serializer = SearchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        results = access.search_patients(request.user, serializer.validated_data["q"])
        return Response(PatientSerializer(results, many=True).data)


class PatientDetail(APIView):
    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_VIEW_DEMOGRAPHICS, "PATCH": _C.PATIENT_EDIT_DEMOGRAPHICS}  # noqa: RUF012

    @extend_schema(responses=PatientChartSerializer)
    def get(self, request: Request, code: str) -> Response:
        patient = access.get_patient_for_user(request.user, code, part="chart (API)")
        user = acting_user(request)
        if user.can(_C.PATIENT_VIEW_CLINICAL):
            return Response(PatientChartSerializer(patient).data)
        return Response(PatientSerializer(patient).data)

    @extend_schema(request=PatientSerializer, responses=PatientSerializer)
    def patch(self, request: Request, code: str) -> Response:
        patient = access.get_patient_for_user(
            request.user, code, _C.PATIENT_EDIT_DEMOGRAPHICS, part="demographics (API)"
        )
        serializer = PatientSerializer(patient, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        patient = services.update_patient(acting_user(request), patient, serializer.validated_data)
        return Response(PatientSerializer(patient).data)


def _entry_view(
    kind: str, serializer: type[serializers.ModelSerializer[Any]], related: str, service: Any
) -> type[APIView]:
    """Build the list/create endpoint of one kind of chart entry."""

    class EntryListCreate(APIView):
        permission_classes = _PERMS
        capabilities = {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL}  # noqa: RUF012
        serializer_class = serializer

        @extend_schema(responses=serializer(many=True), operation_id=f"patients_{kind}_list")
        def get(self, request: Request, code: str) -> Response:
            patient = access.get_patient_for_user(
                request.user, code, _C.PATIENT_VIEW_CLINICAL, part=f"{related} (API)"
            )
            return Response(serializer(access.chart_entries(patient, kind), many=True).data)

        @extend_schema(
            request=serializer,
            responses={201: serializer},
            operation_id=f"patients_{kind}_create",
            parameters=[KEY_PARAMETER],
        )
        def post(self, request: Request, code: str) -> Response:
            patient = access.get_patient_for_user(
                request.user, code, _C.PATIENT_EDIT_CLINICAL, part=f"{related} (API)"
            )

            def create() -> Response:
                data = serializer(data=request.data)
                data.is_valid(raise_exception=True)
                entry = service(acting_user(request), patient, data.validated_data)
                return Response(serializer(entry).data, status=201)

            return api_create_once(request, scope=f"api:patient-{related}", create=create)

    EntryListCreate.__name__ = f"{kind.capitalize()}ListCreate"
    EntryListCreate.__qualname__ = EntryListCreate.__name__
    return EntryListCreate


ConditionListCreate = _entry_view(
    "condition", ConditionSerializer, "conditions", services.add_condition
)
MedicationListCreate = _entry_view(
    "medication", MedicationSerializer, "medications", services.add_medication
)
AllergyListCreate = _entry_view("allergy", AllergySerializer, "allergies", services.add_allergy)
MeasurementListCreate = _entry_view(
    "measurement", MeasurementSerializer, "measurements", services.record_measurement
)


class PortalMe(APIView):
    """A patient's own record."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PORTAL_OWN_RECORD}  # noqa: RUF012

    @extend_schema(responses=PatientChartSerializer)
    def get(self, request: Request) -> Response:
        patient = access.get_own_patient(request.user, part="own record (API)")
        return Response(PatientChartSerializer(patient).data)
