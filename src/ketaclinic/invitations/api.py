"""REST API for portal invitations: the pages' permissions, getters and services."""

from __future__ import annotations

from uuid import UUID

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.idempotency.http import KEY_PARAMETER, api_create_once
from ketaclinic.invitations import access, services
from ketaclinic.invitations.links import link_maker
from ketaclinic.invitations.models import Invitation
from ketaclinic.lib.access import acting_user
from ketaclinic.lib.api import HasCapability
from ketaclinic.lib.serializers import StrictSerializer

_C = Capability
_PERMS: list[type[BasePermission]] = [IsAuthenticated, HasCapability]


class InvitationSerializer(serializers.ModelSerializer[Invitation]):
    state = serializers.SerializerMethodField(
        help_text="invited (waiting for the patient), expired, not_sent (the mail server "
        "refused the email), accepted or revoked."
    )
    invited_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who invited the patient (username); null if that account is gone.",
    )
    sent_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who sent the current link (username).",
    )
    revoked_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who revoked the invitation (username); null unless revoked.",
    )

    class Meta:
        model = Invitation
        fields = (
            "code",
            "state",
            "email",
            "created_at",
            "invited_by",
            "sent_at",
            "sent_by",
            "send_count",
            "expires_at",
            "email_failed_at",
            "revoked_at",
            "revoked_by",
            "accepted_at",
        )
        read_only_fields = fields

    def get_state(self, invitation: Invitation) -> str:
        return invitation.state(timezone.now())


class EmptySerializer(StrictSerializer):
    """No body (or an empty object): the patient's email address is taken from their details."""


class InvitationList(APIView):
    """A patient's portal invitations; POST emails a new one."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_INVITE, "POST": _C.PATIENT_INVITE}  # noqa: RUF012

    @extend_schema(responses=InvitationSerializer(many=True))
    def get(self, request: Request, code: UUID) -> Response:
        patient = access.patient_for_invitations(request.user, code, part="portal access (API)")
        return Response(InvitationSerializer(access.invitations_of(patient), many=True).data)

    @extend_schema(
        request=EmptySerializer,
        responses={201: InvitationSerializer},
        parameters=[KEY_PARAMETER],
        description="Email the patient a single-use link to set a portal password, to the "
        "address in their details. Refused (400) when they already have portal access or an "
        "open invitation, or no email address.",
    )
    def post(self, request: Request, code: UUID) -> Response:
        patient = access.patient_for_invitations(request.user, code, part="portal access (API)")

        def create() -> Response:
            EmptySerializer(data=request.data or {}).is_valid(raise_exception=True)
            invitation = services.invite(acting_user(request), patient, link=link_maker(request))
            return Response(InvitationSerializer(invitation).data, status=201)

        return api_create_once(request, scope="api:patient-invitations", create=create)


class InvitationResend(APIView):
    permission_classes = _PERMS
    capabilities = {"POST": _C.PATIENT_INVITE}  # noqa: RUF012

    @extend_schema(
        request=EmptySerializer,
        responses=InvitationSerializer,
        description="Send an open invitation again with a new link (the old one stops "
        "working), valid for the full lifetime from now.",
    )
    def post(self, request: Request, code: UUID, invitation: UUID) -> Response:
        EmptySerializer(data=request.data or {}).is_valid(raise_exception=True)
        _, found = access.invitation_for_staff(
            request.user, code, invitation, part="portal invitation (API)"
        )
        services.resend(acting_user(request), found, link=link_maker(request))
        # Read again: the email, sent after the commit, may have failed.
        _, sent = access.invitation_for_staff(
            request.user, code, invitation, part="portal invitation (API)"
        )
        return Response(InvitationSerializer(sent).data)


class InvitationDetail(APIView):
    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_INVITE, "DELETE": _C.PATIENT_INVITE}  # noqa: RUF012

    @extend_schema(responses=InvitationSerializer)
    def get(self, request: Request, code: UUID, invitation: UUID) -> Response:
        _, found = access.invitation_for_staff(
            request.user, code, invitation, part="portal invitation (API)"
        )
        return Response(InvitationSerializer(found).data)

    @extend_schema(
        responses={
            200: InvitationSerializer,
            400: OpenApiResponse(
                description="The patient accepted the invitation already: nothing to revoke."
            ),
        },
        description="Revoke the invitation: its link stops working. The record stays "
        "(state revoked); revoking again changes nothing.",
    )
    def delete(self, request: Request, code: UUID, invitation: UUID) -> Response:
        _, found = access.invitation_for_staff(
            request.user, code, invitation, part="portal invitation (API)"
        )
        return Response(InvitationSerializer(services.revoke(acting_user(request), found)).data)
