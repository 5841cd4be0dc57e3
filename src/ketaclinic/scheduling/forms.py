"""The calendar's forms: pick a day, book, book a series, move, cancel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from ketaclinic.accounts.models import User
from ketaclinic.idempotency.http import FormToken
from ketaclinic.scheduling.models import AppointmentKind, ConsultationMode, Resource

__all__ = ["BookForm", "CancelForm", "DayForm", "MoveForm", "SeriesForm"]

_DATE = forms.DateInput(attrs={"type": "date"})
_TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
ANY = ""


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


class DayForm(forms.Form):
    day = forms.DateField(label="Day", widget=_DATE)


class _Where(forms.Form):
    """A chair or room and a clinician, by name; "any free one" unless chosen."""

    def __init__(
        self, *args: Any, resources: list[Resource], clinicians: list[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.resources = {str(r.code): r for r in resources}
        self.clinicians = {str(u.code): u for u in clinicians}
        self.fields["resource"] = forms.ChoiceField(
            label="Chair or room",
            required=False,
            choices=[(ANY, "Any free one"), *((c, r.name) for c, r in self.resources.items())],
        )
        self.fields["clinician"] = forms.ChoiceField(
            label="Nurse or clinician",
            required=False,
            choices=[(ANY, "Any free one"), *((c, _person(u)) for c, u in self.clinicians.items())],
        )

    def chosen(self) -> tuple[Resource | None, User | None]:
        data = self.cleaned_data
        return self.resources.get(data.get("resource") or ""), self.clinicians.get(
            data.get("clinician") or ""
        )


class BookForm(_Where):
    kind = forms.ChoiceField(label="Appointment", choices=AppointmentKind.choices)
    mode = forms.ChoiceField(
        label="Consultation or follow-up by",
        required=False,
        choices=[(ANY, "— (not for infusions)"), *ConsultationMode.choices],
    )
    day = forms.DateField(label="Day", widget=_DATE)
    time = forms.TimeField(label="Time (clinic time)", widget=_TIME)
    note = forms.CharField(label="Note", required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        FormToken.add_to(self)  # booked once, however often it is sent


class SeriesForm(_Where):
    first_day = forms.DateField(label="First infusion on", widget=_DATE)
    time = forms.TimeField(label="Time (clinic time)", widget=_TIME)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        FormToken.add_to(self)


class MoveForm(_Where):
    day = forms.DateField(label="New day", widget=_DATE)
    time = forms.TimeField(label="New time (clinic time)", widget=_TIME)
    #: The start the page showed: a move of an appointment moved since is refused.
    expected_starts_at = forms.CharField(widget=forms.HiddenInput)

    def clean_expected_starts_at(self) -> dt.datetime:
        text = self.cleaned_data["expected_starts_at"]
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            raise forms.ValidationError("This form is out of date: open the appointment again.")
        return value


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason for cancelling", max_length=300)
