"""REST API for follow-up visits (docs/outcomes.md, *Follow-up visits*).

The same getters and service as the pages: the same permissions, audit and checks. Signing
re-enters the password; a new dose beyond a hard limit is refused on ``dose`` and nothing is
stored.
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
from ketaclinic.plans import services as plans
from ketaclinic.visits import access, services
from ketaclinic.visits.models import DECISION_CHOICES, FollowUpVisit
from ketacore.outcomes.visits import CARE_ITEMS

_C = Capability
_PERMS: list[type[BasePermission]] = [IsAuthenticated, HasCapability]
S = serializers


def _visit_dict(v: FollowUpVisit) -> dict[str, Any]:
    after = v.plan_version_after
    return {
        "code": str(v.code),
        "visit_date": v.visit_date.isoformat(),
        "plan": str(v.plan_version.plan.code),
        "plan_version": str(v.plan_version.code),
        "plan_version_after": str(after.code) if after else None,
        "response": v.response,
        "side_effects": v.side_effects,
        "side_effects_note": v.side_effects_note,
        "decision": v.decision,
        "decision_reason": v.decision_reason,
        "care": v.care,
        "revises": str(v.revises.code) if v.revises_id and v.revises else None,
        "revision_reason": v.revision_reason,
        "current": v.is_current,
        "signed_by": v.signed_by_name,
        "signed_at": v.signed_at.isoformat(),
    }


_VISIT_DOC = inline_serializer(
    "FollowUpVisit",
    {
        "code": S.UUIDField(),
        "visit_date": S.DateField(),
        "plan": S.UUIDField(),
        "plan_version": S.UUIDField(),
        "plan_version_after": S.UUIDField(allow_null=True),
        "response": S.DictField(
            child=S.JSONField(),
            help_text="The response when signed: diary, questionnaires, sessions.",
        ),
        "side_effects": S.ListField(child=S.DictField(child=S.JSONField())),
        "side_effects_note": S.CharField(),
        "decision": S.ChoiceField(choices=DECISION_CHOICES),
        "decision_reason": S.CharField(),
        "care": S.DictField(child=S.DictField(child=S.JSONField())),
        "revises": S.UUIDField(allow_null=True),
        "revision_reason": S.CharField(),
        "current": S.BooleanField(),
        "signed_by": S.CharField(),
        "signed_at": S.DateTimeField(),
    },
)
_VISITS_DOC: S.ListSerializer[Any] = S.ListSerializer(child=_VISIT_DOC)


class CareSerializer(StrictSerializer):
    yes = S.BooleanField()
    note = S.CharField(required=False, allow_blank=True, default="", max_length=1000)


class SignVisitSerializer(StrictSerializer):
    plan_version = S.UUIDField(help_text="The plan version the visit follows (the newest).")
    visit_date = S.DateField()
    decision = S.ChoiceField(choices=DECISION_CHOICES)
    decision_reason = S.CharField(max_length=2000)
    side_effects_note = S.CharField(required=False, allow_blank=True, default="", max_length=2000)
    care = S.DictField(
        child=CareSerializer(),
        required=False,
        default=dict,
        help_text=f"Keys: {', '.join(i.id for i in CARE_ITEMS)}; any left out is 'no'.",
    )
    dose = S.FloatField(required=False, allow_null=True, default=None)
    duration_min = S.FloatField(required=False, allow_null=True, default=None)
    soft_reasons = S.DictField(child=S.CharField(max_length=500), required=False, default=dict)
    password = S.CharField(write_only=True)

    def visit_input(self, version: Any) -> services.VisitInput:
        data = self.validated_data
        care: dict[str, object] = {}
        for key, given in data["care"].items():
            care[key] = given["yes"]
            care[f"{key}_note"] = given["note"]
        choices = None
        if data["dose"] is not None or data["duration_min"] is not None:
            choices = plans.PlanChoices(
                protocol_id=version.protocol_id,
                dose=data["dose"] if data["dose"] is not None else version.dose,
                duration_min=data["duration_min"] or version.duration_min,
                dose_basis=version.dose_basis,
                concentration_mg_per_ml=version.concentration_mg_per_ml,
                bag_volume_ml=version.bag_volume_ml,
            )
        return services.VisitInput(
            visit_date=data["visit_date"],
            decision=data["decision"],
            decision_reason=data["decision_reason"],
            side_effects_note=data["side_effects_note"],
            care=care,
            choices=choices,
            soft_reasons=data["soft_reasons"],
        )

    def validate_care(self, value: dict[str, Any]) -> dict[str, Any]:
        known = {i.id for i in CARE_ITEMS}
        unknown = sorted(set(value) - known)
        if unknown:
            raise S.ValidationError(f"unknown item {unknown[0]!r}; use {', '.join(sorted(known))}")
        return value


class VisitList(APIView):
    """The patient's follow-up visits as they stand; POST signs a new one."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.VISIT_SIGN}  # noqa: RUF012
    password_checked = ("POST",)

    @extend_schema(responses=_VISITS_DOC)
    def get(self, request: Request, code: UUID) -> Response:
        patient = access.patient_for_visits(request.user, code, _C.PATIENT_VIEW_CLINICAL)
        return Response([_visit_dict(v) for v in access.visits_of(patient)])

    @extend_schema(request=SignVisitSerializer, responses={201: _VISIT_DOC})
    def post(self, request: Request, code: UUID) -> Response:
        patient = access.patient_for_visits(request.user, code, _C.VISIT_SIGN)
        serializer = SignVisitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = plans.in_progress_version(patient)
        if version is None or version.code != data["plan_version"]:
            raise S.ValidationError(
                {"plan_version": ["plan_version: not the newest version of the plan in progress"]}
            )
        signed = services.sign_visit(
            acting_user(request),
            patient,
            serializer.visit_input(version),
            follows=version,
            password=data["password"],
        )
        return Response(_visit_dict(signed), status=status.HTTP_201_CREATED)


class VisitDetail(APIView):
    """One follow-up visit (any version; ``current`` says whether it was corrected)."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_VIEW_CLINICAL}  # noqa: RUF012

    @extend_schema(responses=_VISIT_DOC)
    def get(self, request: Request, code: UUID, visit_code: UUID) -> Response:
        _, visit = access.visit_for_staff(request.user, code, visit_code, _C.PATIENT_VIEW_CLINICAL)
        return Response(_visit_dict(visit))
