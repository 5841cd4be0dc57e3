from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.idempotency.http import FormToken


class AcknowledgeForm(forms.Form):
    action_taken = forms.CharField(
        label="What was done",
        max_length=2000,
        help_text="Who spoke with the patient, when, what they said, and what happens next "
        "(for example: called the patient, safe, crisis line given, seen today by Dr Rivera).",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        FormToken.add_to(self)  # one acknowledgement, however often the form is sent
