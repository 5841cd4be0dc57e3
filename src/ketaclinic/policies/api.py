"""REST API for clinic policies: read, draft, approve (the pages' access and services).

``/api/screening/rule-sets/`` (the eligibility rules' endpoint before policies
existed) stays, in its documented format, over the same services.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user
from ketaclinic.lib.api import HasCapability
from ketaclinic.lib.serializers import StrictSerializer
from ketaclinic.policies import access, services
from ketaclinic.policies.models import PolicyKind, PolicyVersion
from ketacore.errors import InputError

_C = Capability
_PERMS: list[type[BasePermission]] = [IsAuthenticated, HasCapability]


def _document(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError("document", "must be a JSON object: the whole policy")
    return value


def version_dict(v: PolicyVersion, current: PolicyVersion, *, document: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": str(v.code),
        "kind": v.kind,
        "version": v.version,
        "status": services.status_of(v, current).value,
        "approved_by": services.approved_by(v),
        "is_shipped_default": v.is_shipped_default,
        "change_note": v.change_note,
        "changes": v.changes,
        "based_on": str(v.based_on.code) if v.based_on else None,
        "drafted_by": v.drafted_by.get_username() if v.drafted_by else None,
        "drafted_at": v.drafted_at.isoformat() if v.drafted_at else None,
    }
    if document:
        data["document"] = v.document
    return data


_VersionDoc = inline_serializer(
    "PolicyVersion",
    {
        "code": serializers.UUIDField(),
        "kind": serializers.ChoiceField(choices=PolicyKind.choices),
        "version": serializers.CharField(),
        "status": serializers.ChoiceField(choices=[s.value for s in services.Status]),
        "approved_by": serializers.CharField(allow_null=True),
        "is_shipped_default": serializers.BooleanField(),
        "change_note": serializers.CharField(),
        "changes": serializers.ListField(
            child=serializers.DictField(child=serializers.JSONField())
        ),
        "based_on": serializers.UUIDField(allow_null=True),
        "drafted_by": serializers.CharField(allow_null=True),
        "drafted_at": serializers.DateTimeField(allow_null=True),
        "document": serializers.DictField(child=serializers.JSONField(), required=False),
    },
)
_PolicyDoc = inline_serializer(
    "Policy",
    {
        "kind": serializers.ChoiceField(choices=PolicyKind.choices),
        "label": serializers.CharField(),
        "in_force": _VersionDoc,
        "versions": serializers.ListField(child=_VersionDoc),
    },
)


#: The kinds of policy, as an enum in the schema.
_KIND = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=[k.value for k in PolicyKind],
    description="The kind of policy.",
)


class DraftSerializer(StrictSerializer):
    document = serializers.JSONField(help_text="The whole policy in its kind's format (an object).")
    change_note = serializers.CharField(max_length=500)


class ApproveSerializer(StrictSerializer):
    password = serializers.CharField(write_only=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PolicyApi(APIView):
    """A kind of policy: the version in force and every version; POST stores a draft."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.POLICY_VIEW, "POST": _C.POLICY_MANAGE}  # noqa: RUF012

    @extend_schema(operation_id="policy_in_force", responses=_PolicyDoc, parameters=[_KIND])
    def get(self, request: Request, kind: str) -> Response:
        policy = access.policy_for(request.user, kind)
        current = policy.in_force
        return Response(
            {
                "kind": policy.spec.kind.value,
                "label": policy.spec.label,
                "in_force": version_dict(current, current, document=True),
                "versions": [version_dict(v, current, document=False) for v, _ in policy.versions],
            }
        )

    @extend_schema(request=DraftSerializer, responses={201: _VersionDoc}, parameters=[_KIND])
    def post(self, request: Request, kind: str) -> Response:
        access.policy_for(request.user, kind, manage=True)
        body = DraftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = services.draft(
            acting_user(request),
            kind,
            _document(body.validated_data["document"]),
            change_note=body.validated_data["change_note"],
        )
        current = services.in_force(version.clinic, kind)
        return Response(version_dict(version, current, document=True), status=201)


class PolicyVersionApi(APIView):
    permission_classes = _PERMS
    capabilities = {"GET": _C.POLICY_VIEW}  # noqa: RUF012

    @extend_schema(operation_id="policy_version", responses=_VersionDoc, parameters=[_KIND])
    def get(self, request: Request, kind: str, code: UUID) -> Response:
        _, version = access.version_for(request.user, kind, code)
        current = services.in_force(acting_user(request).clinic, kind)
        return Response(version_dict(version, current, document=True))


class PolicyApprove(APIView):
    """A physician signs the version as approved (password re-entered): in force from now."""

    permission_classes = _PERMS
    capabilities = {"POST": _C.POLICY_MANAGE}  # noqa: RUF012
    password_checked = ("POST",)

    @extend_schema(request=ApproveSerializer, responses={201: _VersionDoc}, parameters=[_KIND])
    def post(self, request: Request, kind: str, code: UUID) -> Response:
        _, version = access.version_for(request.user, kind, code, manage=True)
        body = ApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        approval = services.approve(
            acting_user(request),
            version,
            password=body.validated_data["password"],
            note=body.validated_data["note"],
        )
        approved = approval.version
        current = services.in_force(approved.clinic, kind)
        return Response(version_dict(approved, current, document=True), status=201)


# ------------------------------------------------------------------ the older endpoint


def _rule_set_dict(v: PolicyVersion, *, document: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": str(v.code),
        "id": str(v.document.get("id", "")),
        "version": v.version,
        "approved_by": services.approved_by(v),
        "change_note": v.change_note,
        "published_by": v.drafted_by.get_username() if v.drafted_by else None,
        "published_at": v.drafted_at.isoformat() if v.drafted_at else None,
    }
    if document:
        data["document"] = v.document
    return data


_RuleSetDoc = inline_serializer(
    "RuleSetVersion",
    {
        "code": serializers.UUIDField(),
        "id": serializers.CharField(),
        "version": serializers.CharField(),
        "approved_by": serializers.CharField(allow_null=True),
        "change_note": serializers.CharField(),
        "published_by": serializers.CharField(allow_null=True),
        "published_at": serializers.DateTimeField(allow_null=True),
        "document": serializers.DictField(
            child=serializers.JSONField(),
            required=False,
            help_text="The rule-set JSON (docs/screening.md §1): in the list, only for the "
            "version in force.",
        ),
    },
)


class PublishSerializer(StrictSerializer):
    document = serializers.JSONField(help_text="The rule-set JSON object (docs/screening.md §1).")
    change_note = serializers.CharField(max_length=500)
    approve = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also sign the new version as approved (then `password` is required).",
    )
    password = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")


class RuleSetList(APIView):
    """The eligibility rule set's versions, in force first; POST stores a new version.

    Kept for clients of the first API. A new version is a draft; with
    ``approve: true`` and the physician's ``password`` it is also signed as
    approved and in force at once (docs/policies.md).
    """

    permission_classes = _PERMS
    capabilities = {"GET": _C.POLICY_VIEW, "POST": _C.POLICY_MANAGE}  # noqa: RUF012
    password_checked = ("POST",)

    @extend_schema(responses=serializers.ListSerializer(child=_RuleSetDoc))
    def get(self, request: Request) -> Response:
        policy = access.policy_for(request.user, PolicyKind.ELIGIBILITY)
        current = policy.in_force
        others = [v for v, _ in policy.versions if v.code != current.code]
        return Response(
            [_rule_set_dict(current, document=True)]
            + [_rule_set_dict(v, document=False) for v in others]
        )

    @extend_schema(request=PublishSerializer, responses={201: _RuleSetDoc})
    def post(self, request: Request) -> Response:
        access.policy_for(request.user, PolicyKind.ELIGIBILITY, manage=True)
        body = PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data["approve"] and not data["password"]:
            raise InputError("password", "required to sign the version as approved")
        user = acting_user(request)
        if data["approve"]:
            version = services.draft_and_approve(
                user,
                PolicyKind.ELIGIBILITY,
                _document(data["document"]),
                change_note=data["change_note"],
                password=data["password"],
            ).version
        else:
            version = services.draft(
                user,
                PolicyKind.ELIGIBILITY,
                _document(data["document"]),
                change_note=data["change_note"],
            )
        return Response(_rule_set_dict(version, document=True), status=status.HTTP_201_CREATED)
