"""What the infusion-session API answers, for the OpenAPI schema (describes, never renders).

Each call makes a new instance of one class per shape: a DRF field instance can be
bound to one parent only, and one class keeps one schema component.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ketacore.infusion import InfusionState

S = serializers


class SessionDoc(S.Serializer[Any]):
    code = S.UUIDField()
    plan = S.UUIDField()
    plan_version = S.UUIDField()
    number_in_series = S.IntegerField()
    chair = S.CharField()
    opened_at = S.DateTimeField()
    state = S.ChoiceField(choices=[s.value for s in InfusionState])
    rate_mg_per_h = S.FloatField()
    delivered_mg = S.FloatField(help_text="Computed from the charted pump events.")
    checked_in = S.BooleanField()
    check_in_missing = S.ListField(child=S.CharField())
    vitals_due_at = S.DateTimeField(allow_null=True)
    open_alerts = S.IntegerField()
    discharged = S.BooleanField()
    signed_by = S.CharField(allow_null=True)
    signed_at = S.DateTimeField(allow_null=True)


class EntryDoc(S.Serializer[Any]):
    code = S.UUIDField()
    seq = S.IntegerField()
    kind = S.CharField()
    occurred_at = S.DateTimeField()
    recorded_at = S.DateTimeField()
    client_ref = S.UUIDField()
    text = S.CharField()
    rate_mg_per_h = S.FloatField(allow_null=True)
    dose_mg = S.FloatField(allow_null=True)
    vitals = S.DictField(child=S.FloatField(allow_null=True))
    reason = S.CharField()
    amends = S.UUIDField(allow_null=True)


# Built with type(): a field named "source" cannot be declared in a class body (it
# is an attribute of every Field); one class still gives one schema component.
AlertDoc: type[S.Serializer[Any]] = type(
    "AlertDoc",
    (S.Serializer,),
    {
        "code": S.UUIDField(),
        "message": S.CharField(),
        "value": S.FloatField(),
        "threshold": S.CharField(),
        "source": S.CharField(),
        "raised_at": S.DateTimeField(),
        "acknowledged_at": S.DateTimeField(allow_null=True),
        "action_taken": S.CharField(allow_null=True),
    },
)


class SessionRecordDoc(SessionDoc):
    segments = S.ListField(child=S.DictField(child=S.FloatField()))
    entries = EntryDoc(many=True)
    alerts = AlertDoc(many=True)
    discharge_reasons = S.ListField(child=S.CharField())


def entry() -> Any:
    return EntryDoc()


def entries() -> Any:
    return EntryDoc(many=True)


def alert() -> Any:
    return AlertDoc()


def alerts() -> Any:
    return AlertDoc(many=True)


def session() -> Any:
    return SessionDoc()


def sessions() -> Any:
    return SessionDoc(many=True)


def record() -> Any:
    return SessionRecordDoc()
