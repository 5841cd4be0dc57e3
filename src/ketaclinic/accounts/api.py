"""The API's account endpoints: who am I, and API tokens (issue, list, revoke)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketaclinic.accounts import access, services
from ketaclinic.accounts.models import ApiToken
from ketaclinic.lib.access import acting_user
from ketaclinic.lib.authentication import is_token_request

_Me = inline_serializer(
    "Me",
    {
        "username": serializers.CharField(),
        "role": serializers.CharField(),
        "clinic": serializers.CharField(),
    },
)


class Me(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ("get",)

    @extend_schema(responses=_Me)
    def get(self, request: Request) -> Response:
        user = acting_user(request)
        return Response({"username": user.username, "role": user.role, "clinic": user.clinic.name})


class NotWithAToken(BasePermission):
    """Refuses requests authenticated by an API token: a token never mints another."""

    message = (
        "An API token cannot be used to get another token. Ask for one from a signed-in "
        "browser session that has passed two-factor."
    )

    def has_permission(self, request: Request, view: Any) -> bool:
        return not is_token_request(request)


class TokenSerializer(serializers.ModelSerializer[ApiToken]):
    """A token as listed: never its key."""

    id = serializers.UUIDField(source="code", read_only=True)
    idle_expires_at = serializers.DateTimeField(
        read_only=True, help_text="When the token lapses if it is not used before then."
    )

    class Meta:
        model = ApiToken
        fields: tuple[str, ...] = (
            "id",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "idle_expires_at",
        )
        read_only_fields: tuple[str, ...] = fields


class IssueSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text='What the token is for, e.g. "lab integration" (optional).',
    )


class IssuedTokenSerializer(TokenSerializer):
    """What issuing answers: the token as listed, and its key."""

    key = serializers.CharField(
        read_only=True, help_text="Send as `Authorization: Token <key>`. Shown this once only."
    )

    class Meta(TokenSerializer.Meta):
        fields = ("key", *TokenSerializer.Meta.fields)
        read_only_fields = fields


class ObtainToken(APIView):
    """Issue a new API token for the signed-in user (the key is in this response only).

    Only a browser session can ask, and the session authentication refuses staff
    who have not passed two-factor, so a token is never a way around 2FA; a request
    authenticated by a token is refused (403), so a stolen token cannot extend itself.
    """

    permission_classes = (IsAuthenticated, NotWithAToken)
    http_method_names = ("post",)

    @extend_schema(request=IssueSerializer, responses={201: IssuedTokenSerializer})
    def post(self, request: Request) -> Response:
        serializer = IssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = services.issue_api_token(
            acting_user(request), name=serializer.validated_data["name"]
        )
        data = {"key": key, **TokenSerializer(token).data}  # the key: this once, never stored
        return Response(data, status=status.HTTP_201_CREATED)


class TokenList(APIView):
    """The signed-in user's tokens that still work (never their keys)."""

    permission_classes = (IsAuthenticated,)
    http_method_names = ("get",)

    @extend_schema(responses=TokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        tokens = access.own_active_tokens(acting_user(request))
        return Response(TokenSerializer(tokens, many=True).data)


class TokenRevoke(APIView):
    """Revoke one of the signed-in user's tokens; someone else's answers 404."""

    permission_classes = (IsAuthenticated,)
    http_method_names = ("delete",)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, code: UUID) -> Response:
        user = acting_user(request)
        token = access.get_own_active_token(user, code)
        services.revoke_api_token(user, token)
        return Response(status=status.HTTP_204_NO_CONTENT)
