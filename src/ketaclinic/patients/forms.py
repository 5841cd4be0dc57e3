from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from ketaclinic.idempotency.http import FormToken
from ketaclinic.patients.models import Allergy, Condition, EntryStatus, Medication, Patient
from ketaclinic.patients.services import DEMOGRAPHIC_FIELDS
from ketaclinic.patients.validation import (
    validate_height_cm,
    validate_past_date,
    validate_weight_kg,
)
from ketacore.units import cm_from_in, kg_from_lb

_DATE = forms.DateInput(attrs={"type": "date"})


class PatientForm(forms.ModelForm[Patient]):
    """Register a patient, or edit one.

    When editing, every field carries the value the user started from (Django's
    ``show_hidden_initial``), so a save sends only what this user changed and
    the service can tell a field someone else changed meanwhile (issue 8 #5).
    """

    #: Registration only: shown as a checkbox once possible duplicates are listed.
    CONFIRM = "confirm_duplicate"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            for field in self.fields.values():
                field.show_hidden_initial = True
        else:
            FormToken.add_to(self)  # registered once, however often it is sent
            self.fields[self.CONFIRM] = forms.BooleanField(
                required=False,
                widget=forms.HiddenInput,
                label="None of these is the person I am registering: register a new patient",
            )

    def ask_to_confirm_duplicate(self) -> None:
        """Show the "register anyway" checkbox, unticked (possible duplicates are listed)."""
        field = self.fields[self.CONFIRM]
        field.widget = forms.CheckboxInput()
        if self.is_bound:
            data = QueryDict(mutable=True)
            data.update(self.data)
            data.pop(self.CONFIRM, None)
            self.data = data

    def changes(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The fields this user changed: (new values, the values they started from)."""
        new = {name: self.cleaned_data[name] for name in self.changed_data}
        started = {}
        for name in self.changed_data:
            field = self.fields[name]
            raw = field.hidden_widget().value_from_datadict(
                self.data, self.files, self.add_initial_prefix(name)
            )
            try:
                started[name] = field.clean(raw)
            except ValidationError:
                continue  # a tampered hidden value: no expectation for this field
        return new, started

    def restart_from(self, patient: Patient) -> None:
        """After a refused save, start the next one from what the record holds now.

        The user's entries stay on the page; the hidden starting values become
        the stored ones, so saving again applies exactly what the user sees.
        """
        data = QueryDict(mutable=True)
        data.update(self.data)
        for name, field in self.fields.items():
            hidden = field.hidden_widget()
            data[self.add_initial_prefix(name)] = hidden.format_value(getattr(patient, name))
        self.data = data

    class Meta:
        model = Patient
        fields = DEMOGRAPHIC_FIELDS
        widgets = {  # noqa: RUF012 (Django's own attribute)
            "date_of_birth": _DATE,
            "pain_onset_date": _DATE,
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "emergency_contact_phone": forms.TextInput(attrs={"type": "tel"}),
        }


class MeasurementForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        FormToken.add_to(self)

    weight = forms.DecimalField(required=False, max_digits=6, decimal_places=2, min_value=0)
    weight_unit = forms.ChoiceField(choices=(("kg", "kg"), ("lb", "lb")), initial="kg")
    height = forms.DecimalField(required=False, max_digits=6, decimal_places=2, min_value=0)
    height_unit = forms.ChoiceField(choices=(("cm", "cm"), ("in", "in")), initial="cm")
    measured_on = forms.DateField(widget=_DATE, validators=[validate_past_date])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weight, height = data.get("weight"), data.get("height")
        if weight is None and height is None and not self.errors:
            raise ValidationError("Enter a weight, a height or both.")
        data["weight_kg"] = self._convert("weight", weight, data.get("weight_unit"))
        data["height_cm"] = self._convert("height", height, data.get("height_unit"))
        return data

    def _convert(self, field: str, value: Decimal | None, unit: str | None) -> Decimal | None:
        if value is None:
            return None
        if unit == "lb":
            value = Decimal(str(kg_from_lb(float(value))))
        elif unit == "in":
            value = Decimal(str(cm_from_in(float(value))))
        value = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        try:
            (validate_weight_kg if field == "weight" else validate_height_cm)(value)
        except ValidationError as exc:
            self.add_error(field, exc)
        return value


class AllergyForm(forms.ModelForm[Allergy]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        FormToken.add_to(self)

    class Meta:
        model = Allergy
        fields = ("substance", "reaction", "severity")


class MedicationForm(forms.ModelForm[Medication]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        FormToken.add_to(self)

    class Meta:
        model = Medication
        fields = ("name", "dose", "started_on")
        widgets = {"started_on": _DATE}  # noqa: RUF012 (Django's own attribute)


class ConditionForm(forms.ModelForm[Condition]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        FormToken.add_to(self)

    class Meta:
        model = Condition
        fields = ("icd10_code", "description", "onset_date", "is_primary_pain_diagnosis")
        widgets = {"onset_date": _DATE}  # noqa: RUF012 (Django's own attribute)
        help_texts = {  # noqa: RUF012 (Django's own attribute)
            "icd10_code": "For example G90.521 (CRPS I, right lower limb) or E11.42.",
            "description": "Filled in from the catalogue when left empty.",
        }


class RetireForm(forms.Form):
    status = forms.ChoiceField(
        choices=(
            (EntryStatus.RESOLVED, "Resolved / stopped"),
            (EntryStatus.ENTERED_IN_ERROR, "Entered in error"),
        )
    )
    reason = forms.CharField(max_length=200)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Find a patient",
        max_length=100,
        required=False,
        help_text="Name (family, given), date of birth (YYYY-MM-DD) or phone number.",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "autofocus": True}),
    )
