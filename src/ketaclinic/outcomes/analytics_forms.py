"""The analytics filters as typed: each refusal names its field and the rule.

An impossible filter (a period that ends before it starts, a duration that is not a
positive number of minutes, a protocol none of the clinic's series used) is refused
before anything is computed.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.outcomes.analytics import BREAKDOWNS, KINDS, Filters, Options
from ketacore.icd10 import GROUP_LABELS

__all__ = ["AnalyticsFilterForm"]

#: The longest infusion any protocol could take (a plausibility limit of the filter only).
_MAX_MINUTES = 24 * 60
_METHODS = {"wilson": "Wilson score (default)", "exact": "Exact (Clopper-Pearson)"}


def _choice(label: str, choices: list[tuple[str, str]], what: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=False,
        error_messages={"invalid_choice": f"{label}: {what}"},
    )


class AnalyticsFilterForm(forms.Form):
    breakdown = _choice(
        "Break down by", list(BREAKDOWNS.items()), "choose one of the listed breakdowns"
    )
    group = _choice(
        "Condition group",
        [("", "All condition groups"), *((g.value, label) for g, label in GROUP_LABELS.items())],
        "choose one of the listed condition groups",
    )
    protocol = _choice("Protocol", [], "no series of the clinic used this protocol")
    duration = forms.IntegerField(
        label="Infusion duration (minutes)",
        required=False,
        error_messages={"invalid": "Infusion duration: give a whole number of minutes"},
    )
    start = forms.DateField(
        label="Series begun from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Series begun from: give a date like 2026-01-31"},
    )
    end = forms.DateField(
        label="Series begun until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Series begun until: give a date like 2026-12-31"},
    )
    kind = _choice("Which series", list(KINDS.items()), "choose one of the listed kinds")
    method = _choice("Confidence interval", list(_METHODS.items()), "choose Wilson or exact")

    def __init__(self, data: Any = None, *, options: Options) -> None:
        super().__init__(data)
        field = self.fields["protocol"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "All protocols"), *options.protocols.items()]
        self.options = options

    def clean_duration(self) -> int | None:
        minutes: int | None = self.cleaned_data.get("duration")
        if minutes is not None and not 1 <= minutes <= _MAX_MINUTES:
            raise forms.ValidationError(
                f"Infusion duration: must be between 1 and {_MAX_MINUTES} minutes"
            )
        return minutes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and end < start:
            self.add_error("end", "Series begun until: must not be before Series begun from")
        return data

    def filters(self) -> Filters:
        """The checked filters (call after ``is_valid()``)."""
        data = self.cleaned_data
        return Filters(
            group=data.get("group") or "",
            protocol=data.get("protocol") or "",
            duration=data.get("duration"),
            start=data.get("start"),
            end=data.get("end"),
            kind=data.get("kind") or "all",
            breakdown=data.get("breakdown") or "group",
        )

    def interval_method(self) -> str:
        """Wilson's interval unless the exact one was chosen."""
        return (self.cleaned_data.get("method") if self.is_bound else None) or "wilson"
