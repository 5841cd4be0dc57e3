"""The follow-up visit form: what the physician decides and notes, and the signature.

The response so far and the side effects charted since the last visit are not fields: the page
shows them from the data and signing computes them again.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.plans.forms import reason_field
from ketaclinic.plans.models import PlanVersion
from ketaclinic.plans.services import PlanChoices
from ketaclinic.visits.services import VisitInput
from ketacore.infusion import LimitCheck
from ketacore.outcomes.visits import CARE_ITEMS, VisitDecision

__all__ = ["VisitForm"]


class VisitForm(forms.Form):
    visit_date = forms.DateField(label="Visit date", widget=forms.DateInput(attrs={"type": "date"}))
    side_effects_note = forms.CharField(
        label="Side effects since the last visit, as the patient tells them",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    decision = forms.ChoiceField(
        label="Decision",
        choices=[(d.value, d.label) for d in VisitDecision],
        widget=forms.RadioSelect,
        help_text=(
            "Pausing or stopping cancels the infusions and boosters booked from now on and "
            "sets aside a booster marked due; the patient is told by email."
        ),
    )
    new_dose = forms.FloatField(label="New dose", required=False, min_value=0.000001)
    new_duration_min = forms.FloatField(
        label="New infusion time (min)", required=False, min_value=1
    )
    decision_reason = forms.CharField(
        label="Why", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    password = forms.CharField(
        label="Your password (to sign)",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(
        self, version: PlanVersion, data: Any = None, *, initial: Any = None, correcting: bool
    ) -> None:
        super().__init__(data, initial=initial)
        self.version = version
        unit = version.calculation.get("dose_unit", "")
        self.fields["new_dose"].label = f"New dose ({unit})"
        self.fields["new_dose"].help_text = f"Only to change the dose: now {version.dose:g} {unit}."
        self.fields[
            "new_duration_min"
        ].help_text = f"Only to change the time: now {version.duration_min:g} min."
        for item in CARE_ITEMS:
            self.fields[item.id] = forms.BooleanField(label=item.label, required=False)
            self.fields[f"{item.id}_note"] = forms.CharField(
                label=f"{item.label}: note", required=False, max_length=1000
            )
        if correcting:  # the decision and its plan version stay as signed
            del self.fields["new_dose"], self.fields["new_duration_min"]
            self.fields["decision"].disabled = True
            self.fields["reason"] = forms.CharField(
                label="What does this correction change, and why?", max_length=500
            )

    @property
    def care_fields(self) -> list[tuple[Any, Any]]:
        return [(self[item.id], self[f"{item.id}_note"]) for item in CARE_ITEMS]

    def choices(self) -> PlanChoices | None:
        """The plan's choices with the new dose or time, or None when neither is given."""
        data = self.cleaned_data
        dose, duration = data.get("new_dose"), data.get("new_duration_min")
        if dose is None and duration is None:
            return None
        v = self.version
        return PlanChoices(
            protocol_id=v.protocol_id,
            dose=dose if dose is not None else v.dose,
            duration_min=duration if duration is not None else v.duration_min,
            dose_basis=v.dose_basis,
            concentration_mg_per_ml=v.concentration_mg_per_ml,
            bag_volume_ml=v.bag_volume_ml,
        )

    def add_reason_fields(self, soft: tuple[LimitCheck, ...]) -> None:
        for check in soft:
            self.fields[reason_field(check)] = forms.CharField(
                label=f"Reason: {check.message}", max_length=500, required=False
            )

    def visit_input(self, soft: tuple[LimitCheck, ...] = ()) -> VisitInput:
        data = self.cleaned_data
        care: dict[str, object] = {}
        for item in CARE_ITEMS:
            care[item.id] = bool(data.get(item.id))
            care[f"{item.id}_note"] = data.get(f"{item.id}_note", "")
        decision = data["decision"]
        return VisitInput(
            visit_date=data["visit_date"],
            decision=decision,
            decision_reason=data["decision_reason"],
            side_effects_note=data.get("side_effects_note", ""),
            care=care,
            choices=self.choices() if decision == VisitDecision.CHANGE else None,
            soft_reasons={c.key: str(self.data.get(reason_field(c), "")).strip() for c in soft},
        )
