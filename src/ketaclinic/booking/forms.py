"""The public booking form: how to meet, when, who, and a few questions before the call."""

from __future__ import annotations

from django import forms

MODES = (
    ("video", "Video call"),
    ("phone", "Phone call"),
    ("in_person", "In person at the clinic"),
)
PAIN_DURATION = (
    ("under_3_months", "Less than 3 months"),
    ("3_to_12_months", "3 to 12 months"),
    ("over_a_year", "More than a year"),
)
TRIED = (
    (
        "nerve_pain_medicines",
        "Medicines for nerve pain (such as gabapentin, pregabalin, duloxetine)",
    ),
    ("other_painkillers", "Other painkillers"),
    ("physical_therapy", "Physical therapy"),
    ("injections", "Injections or nerve blocks"),
    ("none", "None of these yet"),
)


class BookingForm(forms.Form):
    mode = forms.ChoiceField(
        label="How would you like to meet?", choices=MODES, widget=forms.RadioSelect
    )
    starts_at = forms.CharField(label="Time", widget=forms.HiddenInput, required=False)
    given_name = forms.CharField(label="First name", max_length=100)
    family_name = forms.CharField(label="Last name", max_length=100)
    email = forms.CharField(
        label="Email", max_length=254, help_text="We send your confirmation and reminders here"
    )
    phone = forms.CharField(label="Phone", max_length=40, help_text="In case we need to reach you")
    pain_duration = forms.ChoiceField(
        label="How long have you had this pain?", choices=PAIN_DURATION, widget=forms.RadioSelect
    )
    cause = forms.CharField(
        label="Do you know what causes it? (optional)",
        required=False,
        max_length=200,
        help_text="For example diabetes, shingles, an injury, or not known",
    )
    tried = forms.MultipleChoiceField(
        label="What have you tried for it?",
        choices=TRIED,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label="Anything else you would like us to know? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Please do not send medical records here",
    )

    def answers(self) -> dict[str, object]:
        """The pre-screen answers, with their questions, as the front desk reads them."""
        data = self.cleaned_data
        tried = dict(TRIED)
        return {
            "How long have you had this pain?": dict(PAIN_DURATION)[data["pain_duration"]],
            "Known cause": data["cause"],
            "Tried": [tried[t] for t in data["tried"]],
            "Note": data["note"],
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Would you tell us why? (optional)", required=False, max_length=200
    )


class MoveForm(forms.Form):
    starts_at = forms.CharField(label="New time", widget=forms.HiddenInput)
    shown = forms.CharField(widget=forms.HiddenInput)
