"""The protocol library as labelled fields: each protocol's figures and limits, and the library's.

Each protocol's name, dose, durations, series, titration steps, bag and limits
are fields; so are the library's pump precision, weight age and drug-wide limits.
What changes the shape of the library (adding or removing a protocol or a limit,
a protocol's dose basis, its premedication and rescue medicines) is done by
importing a file; the page says so. Ranges and the soft-below-hard rule are the
loader's (``ketacore.infusion.protocols``), as for an imported file.
"""

from __future__ import annotations

import re

from django import forms

from ketaclinic.policies.field_forms import DocumentForm, Group, Path
from ketacore.infusion import Limit, ProtocolLibrary

__all__ = ["ProtocolLibraryForm"]

_BOUNDS = (
    ("soft_min", "soft minimum"),
    ("soft_max", "soft maximum"),
    ("hard_max", "hard limit"),
)
_DRUG_WIDE = re.compile(r"must set a drug-wide hard_max for (\w+) ")


def _number(label: str, *, required: bool = True, help_text: str = "") -> forms.FloatField:
    return forms.FloatField(label=label, required=required, help_text=help_text)


def _whole(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label)


def _text(label: str, rows: int = 0) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(label=label, max_length=1000, widget=widget)


class ProtocolLibraryForm(DocumentForm):
    """The protocol library of a version as fields (see the module docstring)."""

    intro = (
        "Give a reason for every part you change. A soft limit can be passed with a "
        "recorded reason, a hard limit never; leave a limit blank for none. Adding or "
        "removing a protocol or a limit, changing a protocol's dose basis, its premedication "
        "or rescue medicines: download the library, edit the file and import it."
    )

    def build(self, policy: ProtocolLibrary) -> None:
        library = self.group(
            "library",
            "Every protocol: the drug-wide limits",
            note=policy.drug,
        )
        self.add(
            library,
            "pump_rate_step_ml_per_h",
            _number("Pump rate precision (mL/h)", help_text="Planned rates are rounded to it."),
            ("pump_rate_step_ml_per_h",),
        )
        self.add(
            library,
            "weight_max_age_days",
            _whole("A weight older than this gives a warning (days)"),
            ("weight_max_age_days",),
        )
        self._limits(library, policy.limits, ("limits",))
        self.add_reason(library)

        for i, p in enumerate(policy.protocols):
            at: Path = ("protocols", i)
            group = self.group(
                f"p{i}",
                p.name,
                note=f"{p.dose_text}; dose written as {p.basis.label}",
                source=p.source,
            )
            unit = p.basis.unit
            self.add(group, "name", _text("Name"), (*at, "name"))
            self.add(group, "summary", _text("Summary", rows=2), (*at, "summary"))
            self.add(
                group,
                "dose",
                _number(f"{'Starting dose' if p.basis.is_rate else 'Dose'} ({unit})"),
                (*at, "dose"),
            )
            self.add(group, "duration_min", _number("Duration (min)"), (*at, "duration_min"))
            for end, label in ((0, "Shortest duration (min)"), (1, "Longest duration (min)")):
                self.add(group, f"duration_{end}", _number(label), (*at, "duration_range_min", end))
            self.add(group, "count", _whole("Infusions in the series"), (*at, "series", "count"))
            self.add(
                group,
                "spacing_days",
                _whole("Days between infusions"),
                (*at, "series", "spacing_days"),
            )
            if p.titration is not None:
                t = (*at, "titration")
                self.add(group, "step", _number(f"Titration step ({unit})"), (*t, "step"))
                self.add(
                    group,
                    "interval_min",
                    _whole("Minutes between titration steps (min)"),
                    (*t, "interval_min"),
                )
                self.add(group, "max", _number(f"Titration up to ({unit})"), (*t, "max"))
            self.add(
                group,
                "concentration",
                _number("Concentration (mg/mL)"),
                (*at, "concentration_mg_per_ml"),
            )
            self.add(group, "bag", _number("Bag volume (mL)"), (*at, "bag_volume_ml"))
            self._limits(group, p.limits, (*at, "limits"))
            self.add(group, "source", _text("Source", rows=2), (*at, "source"))
            self.add_reason(group)

    def _limits(self, group: Group, limits: tuple[Limit, ...], at: Path) -> None:
        for j, limit in enumerate(limits):
            q = limit.quantity
            for key, words in _BOUNDS:
                self.add(
                    group,
                    f"limit{j}__{key}",
                    _number(f"{q.label}: {words} ({q.unit})", required=False),
                    (*at, j, key),
                )
            self.add(
                group,
                f"limit{j}__source",
                _text(f"{q.label}: source of the limits", rows=2),
                (*at, j, "source"),
            )

    def field_at(self, place: str, rule: str) -> tuple[str | None, str]:
        drug_wide = _DRUG_WIDE.match(rule)
        if place == "limits" and drug_wide is not None:
            quantities = [item.get("quantity") for item in self.document["limits"]]
            if drug_wide.group(1) in quantities:
                at = quantities.index(drug_wide.group(1))
                return f"library__limit{at}__hard_max", rule
        name, rule = super().field_at(place, rule)
        if name is not None and name.endswith("__soft_max") and "above hard_max" in rule:
            hard = name.removesuffix("soft_max") + "hard_max"
            if hard in self.changed_data and name not in self.changed_data:
                return hard, "must not be below the soft maximum"  # the hard limit was lowered
        return name, rule
