"""Serializers that take JSON at its word (issue 8 #17).

Django REST framework converts what it is given: ``123`` becomes the name
"123", ``1`` becomes true, and a key it does not know is dropped without a
word. For clinical records a wrong type or an unknown key is a mistake in the
client, so it is refused with the field named, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models
from rest_framework import serializers

__all__ = ["StrictModelSerializer", "StrictSerializer", "refuse_loose_input"]

M = TypeVar("M", bound=models.Model)

_NUMBER_FIELDS = (serializers.IntegerField, serializers.FloatField, serializers.DecimalField)
_TEXT_VALUES = (
    serializers.CharField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.ChoiceField,
    serializers.UUIDField,
)


def _type_error(field: serializers.Field[Any, Any, Any, Any], value: Any) -> str | None:
    if isinstance(field, serializers.BooleanField):
        ok = isinstance(value, bool) or value in ("true", "false")
        return None if ok else "Must be true or false."
    if isinstance(field, _NUMBER_FIELDS):
        ok = not isinstance(value, bool) and isinstance(value, int | float | Decimal | str)
        return None if ok else "Must be a number."
    if isinstance(field, _TEXT_VALUES) and not isinstance(value, str):
        return "Must be text (a string), not a number, a list or an object."
    return None


def refuse_loose_input(serializer: serializers.Serializer[Any], data: Any) -> None:
    """Raise a ValidationError naming each unknown key and each value of the wrong type."""
    if not isinstance(data, Mapping):
        return
    errors: dict[str, list[str]] = {}
    fields = serializer.fields.values()
    known = {str(f.field_name) for f in fields}
    for key in data:
        if key not in known:
            errors[str(key)] = [
                "Not a field of this record; the fields are: " + ", ".join(sorted(known))
            ]
    for field in fields:
        name = str(field.field_name)
        if field.read_only or name not in data:
            continue
        value = data[name]
        problem = None if value is None else _type_error(field, value)
        if problem:
            errors[name] = [problem]
    if errors:
        raise serializers.ValidationError(errors)


class StrictSerializer(serializers.Serializer[Any]):
    """A serializer that refuses unknown keys and values of the wrong JSON type."""

    def to_internal_value(self, data: Any) -> Any:
        refuse_loose_input(self, data)
        return super().to_internal_value(data)


class StrictModelSerializer(serializers.ModelSerializer[M]):
    """A model serializer that refuses unknown keys and values of the wrong JSON type."""

    def to_internal_value(self, data: Any) -> Any:
        refuse_loose_input(self, data)
        return super().to_internal_value(data)
