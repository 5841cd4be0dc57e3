from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketaclinic.lib.access import acting_user

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

    @extend_schema(responses=_Me)
    def get(self, request: Request) -> Response:
        user = acting_user(request)
        return Response({"username": user.username, "role": user.role, "clinic": user.clinic.name})


class ObtainToken(APIView):
    """Issue (or rotate) an API token for the signed-in user.

    Only a browser session that has passed two-factor can ask (the session
    authentication refuses unverified staff), so a token is never a way around 2FA.
    """

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=None, responses=inline_serializer("Token", {"token": serializers.CharField()})
    )
    def post(self, request: Request) -> Response:
        user = acting_user(request)
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        return Response({"token": token.key}, status=201)
