"""Forms built from the intake sections and the instruments' own item data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from ketaclinic.screening.models import DECISION_LABELS, SIGNABLE
from ketacore import intake
from ketacore.rules import FACT_VALUES
from ketacore.scoring import Instrument


def section_form(section: intake.Section, data: Any = None, initial: Any = None) -> forms.Form:
    """A form for one question section; every question may be left for later."""
    form = forms.Form(data, initial=initial or {})
    for q in section.questions:
        field: forms.Field
        if q.kind == "choice" and len(q.choices) == 1:
            field = forms.BooleanField(label=q.choices[0].label, required=False)
        elif q.kind == "choice":
            field = forms.ChoiceField(
                label=q.text,
                choices=[(c.key, c.label) for c in q.choices],
                widget=forms.RadioSelect,
                required=False,
            )
        elif q.kind == "months":
            field = forms.IntegerField(
                label=q.text, min_value=0, max_value=intake.MAX_PAIN_MONTHS, required=False
            )
        elif q.kind == "text":
            field = forms.CharField(label=q.text, max_length=intake.MAX_TEXT, required=False)
            # No maxlength attribute: a browser would silently cut a longer text at
            # the limit; the server refuses it and says why (issue 10 #13).
            field.widget.attrs.pop("maxlength", None)
        else:
            field = forms.CharField(
                label=q.text, widget=forms.Textarea(attrs={"rows": 5}), required=False
            )
        field.help_text = q.help
        form.fields[q.id] = field
    return form


def section_raw(section: intake.Section, form: forms.Form) -> dict[str, Any]:
    """The cleaned form data in the shape ``intake.clean_section`` takes."""
    raw: dict[str, Any] = {}
    for q in section.questions:
        value = form.cleaned_data.get(q.id)
        if q.kind == "choice" and len(q.choices) == 1:
            raw[q.id] = q.choices[0].key if value else None
        else:
            raw[q.id] = value
    return raw


def section_initial(section: intake.Section, answers: dict[str, Any]) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for q in section.questions:
        if q.id not in answers:
            continue
        value = answers[q.id]
        if q.kind == "lines":
            initial[q.id] = "\n".join(value)
        elif q.kind == "choice" and len(q.choices) == 1:
            initial[q.id] = True
        else:
            initial[q.id] = value
    return initial


#: A scale with more points than this is offered as a list, in steps (issue 10 #12).
LONG_SCALE = 20


def instrument_form(
    instrument: Instrument, options: dict[str, str], data: Any = None, initial: Any = None
) -> forms.Form:
    """One radio group per item, in the instrument's order (answers may come one by one)."""
    form = forms.Form(data, initial=initial or {})
    for item in instrument.items_with(options):
        choices: list[tuple[int | str, str]] = [
            (
                c.value,
                f"{c.value} – {c.label}"
                if c.label and not item.is_yes_no
                else (c.label or str(c.value)),
            )
            for c in item.choices
        ]
        widget: forms.Widget = forms.RadioSelect(
            attrs={"class": "scale" if len(choices) > 5 else ""}
        )
        if len(choices) > LONG_SCALE:
            # A 0-100 % scale is not 101 radio buttons: steps of ten in a list
            # (the score takes any whole number; these are the ones offered).
            # An answer given another way (paper, the API) stays on the list.
            current = (initial or {}).get(item.id)
            offered: list[tuple[int | str, str]] = [("", "— choose —")]
            offered += [(v, label) for v, label in choices if v == current or int(v) % 10 == 0]
            choices = offered
            widget = forms.Select()
        form.fields[item.id] = forms.TypedChoiceField(
            label=item.text,
            choices=choices,
            coerce=int,
            empty_value=None,
            widget=widget,
            required=False,
        )
    return form


#: Plain names of the facts, as the screening page shows them.
FACT_LABELS = {
    "diagnoses": "Diagnoses (ICD-10)",
    "pain_duration_months": "Pain duration (months)",
    "instruments": "Instruments completed",
    "prior_treatments": "Treatments tried",
    "bp_readings": "Blood-pressure readings",
    "hypertension": "High blood pressure",
    "cardiac": "Heart disease",
    "sex": "Recorded sex",
    "pregnant": "Pregnant",
    "breastfeeding": "Breast-feeding",
    "psychosis": "Psychosis",
    "active_substance_use": "Active substance use",
    "liver_function": "Liver impairment",
    "raised_icp": "Raised intracranial pressure",
    "raised_iop": "Raised intraocular pressure",
    "medications": "Current medications",
    "medications_checked": "Medicines checked by hand",
    "date_of_birth": "Date of birth",
    "age_years": "Age (years)",
    "weight_kg": "Weight (kg)",
    "weight_measured_on": "Weighed on",
    "assessed_on": "Assessed on",
}


def fact_key(value: object) -> str:
    """A fact value as a form value: ``True`` -> ``"yes"``, ``False`` -> ``"no"``."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def fact_value(key: str) -> object:
    """The inverse of :func:`fact_key`."""
    return {"yes": True, "no": False}.get(key, key)


#: The answers a clinician gives for one class of treatment tried (intake keys).
TREATMENT_CHOICES = (
    ("", "— not recorded —"),
    ("not_tried", "Not tried"),
    ("helped", "Tried: helped"),
    ("inadequate_relief", "Tried: inadequate relief"),
    ("not_tolerated", "Tried: stopped for side effects"),
    ("unsure", "Not known whether tried or how it went"),
)


class ClinicianFactsForm(forms.Form):
    """Facts a nurse or physician establishes; blank keeps the patient's answer."""

    pain_duration_months = forms.IntegerField(
        label="Pain duration (months)",
        min_value=0,
        max_value=intake.MAX_PAIN_MONTHS,
        required=False,
    )
    systolic_mmhg = forms.IntegerField(label="Blood pressure: systolic (mmHg)", required=False)
    diastolic_mmhg = forms.IntegerField(label="Blood pressure: diastolic (mmHg)", required=False)
    bp_measured_on = forms.DateField(
        label="Blood pressure taken on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The date of the reading; today unless you enter an earlier reading.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bp_measured_on"].initial = timezone.localdate()
        for fact, values in FACT_VALUES.items():
            if fact == "sex":  # the chart's recorded sex is the source
                continue
            self.fields[fact] = forms.ChoiceField(
                label=FACT_LABELS[fact],
                choices=[("", "— not recorded by a clinician —")]
                + [(fact_key(v), fact_key(v).replace("_", " ")) for v in values],
                required=False,
            )
        for q in intake.TREATMENTS.questions:
            self.fields[f"treatment_{q.id}"] = forms.ChoiceField(
                label=f"Treatment tried: {q.text.lower()}",
                choices=TREATMENT_CHOICES,
                required=False,
                help_text=q.help,
            )
        self.fields["medications_checked"] = forms.CharField(
            label="Medicines checked by hand for interactions",
            widget=forms.Textarea(attrs={"rows": 3}),
            required=False,
            help_text=(
                "One per line, as the medication list names it. Only for medicines the "
                "interaction table does not know, after a clinician or pharmacist has "
                "checked them."
            ),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        sys_, dia = data.get("systolic_mmhg"), data.get("diastolic_mmhg")
        if (sys_ is None) != (dia is None):
            raise forms.ValidationError("Enter both blood-pressure values, or neither.")
        return data

    def treatments_changed(self) -> bool:
        return any(name.startswith("treatment_") for name in self.changed_data)

    def clinician_data(self) -> dict[str, Any]:
        """The facts to record, in the format of docs/screening.md §4.3 (None removes one).

        Treatments tried are sent (all classes together, as one list) only when one of
        them was changed, so a form saved for a blood-pressure reading does not copy
        the patient's answers into the clinician's facts.
        """
        data: dict[str, Any] = {}
        for fact in FACT_VALUES:
            if fact in self.fields:
                value = self.cleaned_data.get(fact)
                data[fact] = None if value in ("", None) else fact_value(value)
        months = self.cleaned_data.get("pain_duration_months")
        data["pain_duration_months"] = months
        if self.treatments_changed():
            answers = {
                q.id: self.cleaned_data.get(f"treatment_{q.id}") or "unsure"
                for q in intake.TREATMENTS.questions
            }
            every_blank = not any(
                self.cleaned_data.get(f"treatment_{q.id}") for q in intake.TREATMENTS.questions
            )
            data["prior_treatments"] = None if every_blank else intake.treatments_tried(answers)
        lines = (self.cleaned_data.get("medications_checked") or "").splitlines()
        checked = [line.strip() for line in lines if line.strip()]
        data["medications_checked"] = checked or None
        return data

    def reading(self) -> tuple[tuple[int, int] | None, dt.date | None]:
        """The blood-pressure reading entered, if any, and its date."""
        sys_, dia = self.cleaned_data.get("systolic_mmhg"), self.cleaned_data.get("diastolic_mmhg")
        reading = (sys_, dia) if sys_ is not None and dia is not None else None
        return reading, self.cleaned_data.get("bp_measured_on")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(d.value, DECISION_LABELS[d]) for d in SIGNABLE], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required when your decision is less restrictive than the rules' result.",
    )
    password = forms.CharField(
        label="Your password (to sign)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class RevisionForm(DecisionForm):
    reason = forms.CharField(label="Why is the decision revised?", max_length=500)

    field_order = ("decision", "reason", "note", "password")


class RuleSetForm(forms.Form):
    document = forms.CharField(
        label="Rule-set document (JSON)",
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
        help_text="Change the version for every edit. The format is in docs/screening.md §1.",
    )
    change_note = forms.CharField(label="What changed and why", max_length=500)
    approve = forms.BooleanField(
        label="I have reviewed these rules and approve them for use with patients in this clinic",
        required=False,
    )
