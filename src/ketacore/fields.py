"""Reading a policy document's fields: one set of checks, each error naming the field.

Shared by the policy documents: the protocol library and care policy (``ketacore.infusion``)
and the follow-up policy (``ketacore.outcomes``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ketacore.errors import InputError

__all__ = ["flag", "keys", "number", "positive", "require", "text", "whole"]


def require(cond: bool, field: str, rule: str) -> None:
    if not cond:
        raise InputError(field, rule)


def keys(
    entry: object, field: str, allowed: set[str], optional: frozenset[str] | set[str] = frozenset()
) -> Mapping[str, Any]:
    """``entry`` as an object with only ``allowed`` keys, each present unless ``optional``."""
    require(isinstance(entry, Mapping), field or "(document)", "must be an object")
    assert isinstance(entry, Mapping)
    for key in entry:
        require(
            key in allowed,
            f"{field}.{key}" if field else key,
            f"is not allowed here; allowed: {', '.join(sorted(allowed))}",
        )
    for key in sorted(allowed - optional):
        require(key in entry, f"{field}.{key}" if field else key, "is required")
    return entry


def text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    ok = isinstance(value, str) and value.strip() != ""
    require(ok, f"{where}.{key}" if where else key, "must be a non-empty string")
    return str(value).strip()


def _float(value: object) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else math.nan  # type: ignore[arg-type]  # reason: checked


def positive(value: object, field: str) -> float:
    number = _float(value)
    require(math.isfinite(number) and number > 0, field, "must be a number > 0")
    return number


def number(value: object, field: str, low: float, high: float) -> float:
    result = _float(value)
    require(
        math.isfinite(result) and low <= result <= high,
        field,
        f"must be a number from {low:g} to {high:g}",
    )
    return result


def whole(value: object, field: str, low: int, high: int) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    require(ok, field, f"must be a whole number from {low} to {high}")
    assert isinstance(value, int)
    return value


def flag(value: object, field: str) -> bool:
    require(isinstance(value, bool), field, "must be true or false")
    return bool(value)
