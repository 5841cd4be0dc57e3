"""Small input checks shared by the PK value objects (private)."""

from __future__ import annotations

import math
from numbers import Real

from ketacore.errors import InputError

__all__ = ["finite_non_negative", "finite_positive"]


def _finite(value: object, field_name: str, rule: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(field_name, f"{rule} (got {value!r})")
    number = float(value)
    if not math.isfinite(number):
        raise InputError(field_name, f"{rule} (got {number!r})")
    return number


def finite_positive(value: object, field_name: str) -> float:
    """Return ``value`` as a float, or raise InputError unless it is finite and > 0."""
    rule = "must be a finite number > 0"
    number = _finite(value, field_name, rule)
    if number <= 0:
        raise InputError(field_name, f"{rule} (got {number!r})")
    return number


def finite_non_negative(value: object, field_name: str) -> float:
    """Return ``value`` as a float, or raise InputError unless it is finite and >= 0."""
    rule = "must be a finite number >= 0"
    number = _finite(value, field_name, rule)
    if number < 0:
        raise InputError(field_name, f"{rule} (got {number!r})")
    return number
