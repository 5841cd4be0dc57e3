"""REST API for the protocol library and treatment plans (docs/infusions.md, "API").

The same access getters and services as the pages: the same permissions, the
same audit, the same checks (a hard limit is refused here as on the page, and by
the database). Signing re-enters the password, like the screening decision.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user
from ketaclinic.lib.api import HasCapability
from ketaclinic.lib.serializers import StrictSerializer
from ketaclinic.plans import access, services
from ketaclinic.plans.models import PlanStatus, PlanVersion
from ketacore.infusion import Protocol

_C = Capability
_PERMS: list[type[BasePermission]] = [IsAuthenticated, HasCapability]
S = serializers


def _protocol_dict(p: Protocol) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "summary": p.summary,
        "dose_basis": p.basis.value,
        "dose": p.dose,
        "dose_unit": p.basis.unit,
        "duration_min": p.duration_min,
        "duration_range_min": list(p.duration_range_min),
        "series": {"count": p.series.count, "spacing_days": p.series.spacing_days},
        "titration": None
        if p.titration is None
        else {
            "step": p.titration.step,
            "interval_min": p.titration.interval_min,
            "max": p.titration.max,
            "note": p.titration.note,
        },
        "premedication": [_medication(m) for m in p.premedication],
        "rescue": [_medication(m) for m in p.rescue],
        "concentration_mg_per_ml": p.concentration_mg_per_ml,
        "bag_volume_ml": p.bag_volume_ml,
        "limits": [limit.as_dict() for limit in p.limits],
        "custom": p.custom,
        "source": p.source,
    }


def _medication(m: Any) -> dict[str, str]:
    return {"drug": m.drug, "dose": m.dose, "route": m.route, "when": m.when, "source": m.source}


def _version_dict(v: PlanVersion) -> dict[str, Any]:
    return {
        "plan": str(v.plan.code),
        "code": str(v.code),
        "number": v.number,
        "status": v.status,
        "revises": str(v.revises.code) if v.revises_id and v.revises else None,
        "revision_reason": v.revision_reason,
        "protocol_id": v.protocol_id,
        "protocol_name": v.protocol_name,
        "library_version": v.library.version,
        "weight_kg": v.weight_kg,
        "weight_measured_on": v.weight_measured_on.isoformat(),
        "weight_stale": v.weight_stale,
        "series": {"count": v.series_count, "spacing_days": v.series_spacing_days},
        "calculation": v.calculation,
        "soft_overrides": v.soft_overrides,
        "note": v.note,
        "signed_by": v.signed_by_name,
        "signed_at": v.signed_at.isoformat(),
    }


_VERSION_FIELDS: dict[str, Any] = {
    "plan": S.UUIDField(),
    "code": S.UUIDField(),
    "number": S.IntegerField(),
    "status": S.ChoiceField(choices=PlanStatus.values),
    "revises": S.UUIDField(allow_null=True),
    "revision_reason": S.CharField(),
    "protocol_id": S.CharField(),
    "protocol_name": S.CharField(),
    "library_version": S.CharField(),
    "weight_kg": S.FloatField(),
    "weight_measured_on": S.DateField(),
    "weight_stale": S.BooleanField(),
    "series": S.DictField(child=S.IntegerField()),
    "calculation": S.DictField(
        child=S.JSONField(), help_text="As `ketaclinic dose` prints it (docs/infusions.md)."
    ),
    "soft_overrides": S.ListField(child=S.DictField(child=S.CharField())),
    "note": S.CharField(),
    "signed_by": S.CharField(),
    "signed_at": S.DateTimeField(),
}
_VERSION_DOC = inline_serializer("PlanVersion", _VERSION_FIELDS)
_VERSIONS_DOC: S.ListSerializer[Any] = S.ListSerializer(child=_VERSION_DOC)


class ChoicesSerializer(StrictSerializer):
    protocol_id = S.CharField(max_length=64)
    dose = S.FloatField(required=False, allow_null=True, default=None)
    duration_min = S.FloatField(required=False, allow_null=True, default=None)
    dose_basis = S.CharField(required=False, allow_null=True, default=None)
    concentration_mg_per_ml = S.FloatField(required=False, allow_null=True, default=None)
    bag_volume_ml = S.FloatField(required=False, allow_null=True, default=None)

    def choices(self) -> services.PlanChoices:
        data = self.validated_data
        return services.PlanChoices(
            protocol_id=data["protocol_id"],
            dose=data["dose"],
            duration_min=data["duration_min"],
            dose_basis=data["dose_basis"],
            concentration_mg_per_ml=data["concentration_mg_per_ml"],
            bag_volume_ml=data["bag_volume_ml"],
        )


class SignPlanSerializer(ChoicesSerializer):
    soft_reasons = S.DictField(
        child=S.CharField(max_length=500),
        required=False,
        default=dict,
        help_text="For each soft limit passed, its key (from `calculation.limits`) and the reason.",
    )
    note = S.CharField(required=False, allow_blank=True, default="", max_length=2000)
    password = S.CharField(write_only=True)
    revises = S.UUIDField(required=False, allow_null=True, default=None)
    reason = S.CharField(required=False, allow_blank=True, default="", max_length=500)


class ProtocolLibraryView(APIView):
    """The protocol library in force, with every limit and its source."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.POLICY_VIEW}  # noqa: RUF012

    @extend_schema(
        responses=inline_serializer(
            "ProtocolLibrary",
            {
                "id": S.CharField(),
                "version": S.CharField(),
                "approved_by": S.CharField(allow_null=True),
                "drug": S.CharField(),
                "pump_rate_step_ml_per_h": S.FloatField(),
                "weight_max_age_days": S.IntegerField(),
                "limits": S.ListField(child=S.DictField(child=S.JSONField())),
                "protocols": S.ListField(child=S.DictField(child=S.JSONField())),
            },
        )
    )
    def get(self, request: Request) -> Response:
        _, library = services.library_in_force(acting_user(request).clinic)
        return Response(
            {
                "id": library.id,
                "version": library.version,
                "approved_by": library.approved_by,
                "drug": library.drug,
                "pump_rate_step_ml_per_h": library.pump_rate_step_ml_per_h,
                "weight_max_age_days": library.weight_max_age_days,
                "limits": [limit.as_dict() for limit in library.limits],
                "protocols": [_protocol_dict(p) for p in library.protocols],
            }
        )


class PlanCalculate(APIView):
    """The figures of a plan for this patient, computed and checked, without storing it."""

    permission_classes = _PERMS
    capabilities = {"POST": _C.PLAN_SIGN}  # noqa: RUF012

    @extend_schema(
        request=ChoicesSerializer,
        responses=inline_serializer(
            "PlanCalculation",
            {
                "weight_kg": S.FloatField(),
                "weight_measured_on": S.DateField(),
                "weight_warning": S.CharField(),
                "calculation": S.DictField(child=S.JSONField()),
            },
        ),
    )
    def post(self, request: Request, code: UUID) -> Response:
        patient = access.patient_for_plans(request.user, code, _C.PLAN_SIGN)
        serializer = ChoicesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        draft = services.draft_plan(patient, serializer.choices())
        return Response(
            {
                "weight_kg": draft.weight.weight_kg,
                "weight_measured_on": draft.weight.measured_on.isoformat(),
                "weight_warning": draft.weight.warning,
                "calculation": draft.calculation.as_dict(),
            }
        )


class PlanList(APIView):
    """The patient's plans (newest version of each); POST signs a new plan or a revision."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PLAN_SIGN}  # noqa: RUF012
    #: Methods that check a re-entered password, so may answer 429 (account locked).
    password_checked = ("POST",)

    @extend_schema(responses=_VERSIONS_DOC)
    def get(self, request: Request, code: UUID) -> Response:
        patient = access.patient_for_plans(request.user, code, _C.PATIENT_VIEW_CLINICAL)
        return Response([_version_dict(v) for v in services.plans_of(patient)])

    @extend_schema(request=SignPlanSerializer, responses={201: _VERSION_DOC})
    def post(self, request: Request, code: UUID) -> Response:
        patient = access.patient_for_plans(request.user, code, _C.PLAN_SIGN)
        serializer = SignPlanSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        revises = None
        if data["revises"] is not None:
            revises = access.version_for_staff(request.user, patient.code, data["revises"])
        signed = services.sign_plan(
            acting_user(request),
            patient,
            serializer.choices(),
            password=data["password"],
            soft_reasons=data["soft_reasons"],
            note=data["note"],
            revises=revises,
            reason=data["reason"],
        )
        return Response(_version_dict(signed), status=status.HTTP_201_CREATED)


class PlanDetail(APIView):
    """One plan: every version, newest first."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_VIEW_CLINICAL}  # noqa: RUF012

    @extend_schema(responses=_VERSIONS_DOC, operation_id="patients_plan_versions")
    def get(self, request: Request, code: UUID, plan_code: UUID) -> Response:
        _, plan = access.plan_for_staff(request.user, code, plan_code, _C.PATIENT_VIEW_CLINICAL)
        return Response([_version_dict(v) for v in services.history(plan)])
