"""Errors raised by the scientific core.

Every error that comes from bad input names the field and the rule it broke, so
that a form, an API response or the CLI can show a message a clinician can act
on. Nothing in the core returns NaN silently: it raises one of these instead.
"""

from __future__ import annotations

__all__ = ["InputError", "KetacoreError", "OutOfValidatedRangeError"]


class KetacoreError(Exception):
    """Base class of every error raised by ``ketacore``."""


class InputError(KetacoreError, ValueError):
    """An input broke a rule.

    Args:
        field: Dotted path of the offending input, e.g. ``"infusions[2].rate_mg_per_min"``.
        rule: The rule in plain words, e.g. ``"must be a finite number >= 0"``.
    """

    def __init__(self, field: str, rule: str) -> None:
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {rule}")


class OutOfValidatedRangeError(InputError):
    """A patient lies outside the range a model or instrument was validated in.

    Callers may allow extrapolation explicitly; results then carry a warning.
    """
