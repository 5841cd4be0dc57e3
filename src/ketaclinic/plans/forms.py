"""The plan form: the physician's choices for one protocol, and the signature.

The figures are never fields: the page shows what the server computed from
these choices, and signing computes them again.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.plans.services import PlanChoices
from ketacore.infusion import DoseBasis, LimitCheck, Protocol

__all__ = ["PlanForm", "reason_field"]


def reason_field(check: LimitCheck) -> str:
    """The form field that carries the reason for passing one soft limit."""
    return "reason__" + check.key.replace(":", "__")


class PlanForm(forms.Form):
    dose = forms.FloatField(min_value=0.000001)
    duration_min = forms.FloatField(label="Duration (min)", min_value=1)
    concentration_mg_per_ml = forms.FloatField(label="Concentration (mg/mL)", min_value=0.000001)
    bag_volume_ml = forms.FloatField(label="Bag volume (mL)", min_value=1)
    note = forms.CharField(
        label="Note for the team",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    password = forms.CharField(
        label="Your password (to sign)",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(
        self,
        protocol: Protocol,
        data: Any = None,
        *,
        initial: dict[str, Any] | None = None,
        revising: bool = False,
    ) -> None:
        defaults = {
            "dose": protocol.dose,
            "duration_min": protocol.duration_min,
            "concentration_mg_per_ml": protocol.concentration_mg_per_ml,
            "bag_volume_ml": protocol.bag_volume_ml,
        }
        super().__init__(data, initial={**defaults, **(initial or {})})
        self.protocol = protocol
        #: Why the plan cannot be computed before anything is sent (no weight…).
        self.page_errors: list[str] = []
        low, high = protocol.duration_range_min
        self.fields["duration_min"].help_text = (
            f"{low:g} min." if low == high else f"From {low:g} to {high:g} min."
        )
        if protocol.custom:
            self.fields["dose_basis"] = forms.ChoiceField(
                label="Dose written as",
                choices=[(b.value, b.label) for b in DoseBasis],
                initial=protocol.basis.value,
            )
            self.order_fields(["dose_basis"])
            self.fields["dose"].label = "Dose"
            self.fields["dose"].help_text = "In the unit chosen above."
        else:
            self.fields["dose"].label = f"Dose ({protocol.basis.unit})"
            self.fields["dose"].help_text = f"The protocol's dose is {protocol.dose:g}."
        if revising:
            self.fields["reason"] = forms.CharField(
                label="Why does the plan change?", max_length=500, required=False
            )

    def choices(self) -> PlanChoices:
        data = self.cleaned_data
        return PlanChoices(
            protocol_id=self.protocol.id,
            dose=data["dose"],
            duration_min=data["duration_min"],
            dose_basis=data.get("dose_basis"),
            concentration_mg_per_ml=data["concentration_mg_per_ml"],
            bag_volume_ml=data["bag_volume_ml"],
        )

    def add_reason_fields(self, soft: tuple[LimitCheck, ...]) -> None:
        """One required reason per soft limit the computed plan passes."""
        for check in soft:
            self.fields[reason_field(check)] = forms.CharField(
                label=f"Reason: {check.message}", max_length=500, required=False
            )

    def reasons(self, soft: tuple[LimitCheck, ...]) -> dict[str, str]:
        raw = self.data
        return {c.key: str(raw.get(reason_field(c), "")).strip() for c in soft}
