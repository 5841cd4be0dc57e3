"""The clinic admin's calendar set-up forms: chairs and rooms, hours, closures, settings.

Times of day are typed as windows, "08:00–12:00, 13:00–17:00" (empty: closed, or a day
off); the rules (a window ends after it starts, two do not overlap, a break lies inside
the working hours) are the services' own (services/setup.py), named on the day's field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ketaclinic.scheduling.models import WEEKDAYS, Resource, ResourceKind
from ketaclinic.scheduling.services.setup import Span, spans_in_order

__all__ = [
    "ClosureForm",
    "OpeningHoursForm",
    "ResourceForm",
    "SettingsForm",
    "WorkingWeekForm",
    "parse_windows",
    "show_windows",
]

_DATE = forms.DateInput(attrs={"type": "date"})
_TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
_WINDOW = re.compile(r"^(\d{1,2})[:.](\d{2})\s*(?:-|–|—|to)\s*(\d{1,2})[:.](\d{2})$")
_HELP = "For example 08:00–12:00, 13:00–17:00."


def parse_windows(text: str) -> list[Span]:
    """ "08:00–12:00, 13:00–17:00" as (start, end) times; empty text is no window.

    Raises:
        forms.ValidationError: For a window not written as two times of day.
    """
    spans: list[Span] = []
    for part in re.split(r"[,;]", text):
        part = part.strip()
        if not part:
            continue
        found = _WINDOW.match(part)
        try:
            if found is None:
                raise ValueError(part)
            h1, m1, h2, m2 = (int(g) for g in found.groups())
            spans.append((dt.time(h1, m1), dt.time(h2, m2)))
        except ValueError:
            raise forms.ValidationError(
                f"“{part}” is not a window of two times of day; write it as 08:00–17:00, "
                "and separate windows with commas"
            ) from None
    return spans


def show_windows(spans: list[Span]) -> str:
    return ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in spans)


def _windows_field(label: str) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=200, help_text=_HELP)


def _checked(form: forms.Form, name: str, spans: list[Span]) -> list[Span]:
    """The service's own rule for one day's windows, named on that day's field."""
    try:
        return spans_in_order(spans, name)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(name, message.removeprefix(f"{name}: "))
        return spans


class ResourceForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=ResourceKind.choices)
    #: Checked by the service (not empty, at most 60 characters, not taken).
    name = forms.CharField(label="Name", required=False, max_length=200)


class _WindowsForm(forms.Form):
    """A form of window fields: each is parsed in :meth:`clean`, its error on its field."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in self.fields:
            if name not in data:
                continue
            try:
                data[name] = parse_windows(data[name])
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        return data


class OpeningHoursForm(_WindowsForm):
    """The clinic's opening windows on each weekday, in clinic time; empty is closed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, name in WEEKDAYS:
            self.fields[f"opening_{day}"] = _windows_field(name)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for day, _ in WEEKDAYS:
            name = f"opening_{day}"
            if name in data:
                data[name] = _checked(self, name, data[name])
        return data

    def hours(self) -> dict[int, list[Span]]:
        return {day: self.cleaned_data[f"opening_{day}"] for day, _ in WEEKDAYS}


class WorkingWeekForm(_WindowsForm):
    """A nurse's or physician's working windows and breaks on each weekday (clinic time).

    Field names are the service's (``work_<weekday>``, ``breaks_<weekday>``), so its
    refusals land on the right day.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, name in WEEKDAYS:
            self.fields[f"work_{day}"] = _windows_field(f"{name}: working hours")
            self.fields[f"breaks_{day}"] = forms.CharField(
                label=f"{name}: breaks", required=False, max_length=200
            )

    def clean(self) -> dict[str, Any]:
        if not any(name in self.data for name in self.fields):  # not sent from the page
            raise forms.ValidationError("Nothing was sent: fill in the week below and save it.")
        return super().clean()

    def week(self) -> dict[int, tuple[list[Span], list[Span]]]:
        data = self.cleaned_data
        return {day: (data[f"work_{day}"], data[f"breaks_{day}"]) for day, _ in WEEKDAYS}


WHOLE_CLINIC = ""


class ClosureForm(forms.Form):
    resource = forms.ChoiceField(label="What closes", required=False)
    starts_on = forms.DateField(label="From (day)", widget=_DATE)
    starts_time = forms.TimeField(label="From (time, clinic time)", widget=_TIME)
    ends_on = forms.DateField(label="Until (day)", widget=_DATE)
    ends_time = forms.TimeField(label="Until (time, clinic time)", widget=_TIME)
    #: Checked by the service (not empty).
    reason = forms.CharField(label="Reason", required=False, max_length=200)

    def __init__(self, *args: Any, resources: list[Resource], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resources = {str(r.code): r for r in resources}
        field = self.fields["resource"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (WHOLE_CLINIC, "The whole clinic"),
            *((code, r.name) for code, r in self.resources.items()),
        ]

    def chosen(self) -> Resource | None:
        return self.resources.get(self.cleaned_data.get("resource") or "")


class SettingsForm(forms.Form):
    """The clinic's scheduling durations; the service checks each one's range."""

    recovery_min = forms.IntegerField(label="Recovery in the chair after an infusion (minutes)")
    consultation_min = forms.IntegerField(label="Consultation (minutes)")
    follow_up_min = forms.IntegerField(label="Follow-up (minutes)")
    slot_step_min = forms.IntegerField(
        label="Free times start every (minutes)",
        help_text="Counted from the opening time: 15 offers 08:00, 08:15, 08:30…",
    )
