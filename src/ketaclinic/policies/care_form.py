"""The infusion care policy as labelled fields: check-in, vital signs, alerts, discharge.

Every value of ``ketaclinic.infusion-care/1`` a physician sets is a field, each
part with its source; an alert can be removed, and one added per edit from the
measures the chair records. Ranges are the loader's (``ketacore.infusion.care``),
so the form and an imported file are held to the same rules.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from ketaclinic.policies.field_forms import DocumentForm, Group, path_text, plain
from ketaclinic.policies.services import Change
from ketacore.infusion.care import CarePolicy, Measure

__all__ = ["CareForm"]

_SCALES = (
    ("rass", "Richmond Agitation-Sedation Scale (RASS)"),
    ("moaas", "Modified Observer's Assessment of Alertness/Sedation (MOAA/S)"),
)
_SCORES = (("aldrete", "Modified Aldrete score"), ("padss", "PADSS"))
_DIRECTIONS = (("above", "Above the value"), ("below", "Below the value"))
_NEW = "new_alert"


def _text(label: str, *, required: bool = True, rows: int = 0) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(label=label, max_length=1000, required=required, widget=widget)


def _flag(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


class CareForm(DocumentForm):
    """The care policy of a version as fields (see the module docstring)."""

    intro = (
        "Give a reason for every part you change. Each alert's message is what the nurse "
        "sees at the chair: when you change a threshold, write the new value into it."
    )

    def build(self, policy: CarePolicy) -> None:
        check_in = self.group(
            "check_in", "Check-in before the infusion", source=policy.check_in.source
        )
        for key, label in (
            ("consent_required", "Consent confirmed before the start"),
            ("escort_required", "An adult escort home confirmed"),
            ("pregnancy_check", "Pregnancy status confirmed (or a test) when relevant"),
        ):
            self.add(check_in, key, _flag(label), ("check_in", key))
        self.add(
            check_in,
            "fasting_hours",
            forms.FloatField(
                label="Fasting before the infusion (hours)",
                help_text="0 means fasting is not asked.",
            ),
            ("check_in", "fasting_hours"),
        )
        self.add(check_in, "source", _text("Source", rows=3), ("check_in", "source"))
        self.add_reason(check_in)

        vitals = self.group("vitals", "Vital signs and sedation", source=policy.vitals_source)
        self.add(
            vitals,
            "interval_min",
            forms.IntegerField(label="Vital signs due every (minutes)"),
            ("vitals", "interval_min"),
        )
        self.add(
            vitals,
            "sedation_scale",
            forms.ChoiceField(label="Sedation scale", choices=_SCALES),
            ("sedation_scale",),
        )
        self.add(vitals, "source", _text("Source", rows=3), ("vitals", "source"))
        self.add_reason(vitals)

        for k, alert in enumerate(policy.alerts):
            direction = "above" if alert.above is not None else "below"
            group = self.group(
                f"a{k}",
                f"Alert: {alert.message}",
                note=f"{alert.measure.label} {alert.threshold_text}",
                source=alert.source,
            )
            self.add(
                group,
                "threshold",
                forms.FloatField(
                    label=f"{alert.measure.label}: alert {direction} ({alert.measure.unit})"
                ),
                ("alerts", k, direction),
            )
            self.add(
                group, "message", _text("Message shown at the chair"), ("alerts", k, "message")
            )
            self.add(group, "source", _text("Source", rows=2), ("alerts", k, "source"))
            self.add(group, "remove", _flag("Remove this alert"), initial=False)
            self.add_reason(group)

        new = self.group(
            _NEW,
            "Add an alert",
            note="Leave the measure empty to add none. One alert can be added per edit.",
        )
        measures = [("", "—")] + [(m.value, f"{m.label} ({m.unit})") for m in Measure]
        self.add(
            new, "measure", forms.ChoiceField(label="Measure", choices=measures, required=False)
        )
        self.add(
            new,
            "direction",
            forms.ChoiceField(label="Alert when the value is", choices=_DIRECTIONS, required=False),
            initial="above",
        )
        self.add(
            new,
            "threshold",
            forms.FloatField(label="Threshold (in the measure's unit)", required=False),
        )
        message = _text("Message shown at the chair", required=False)
        message.help_text = "Left empty: written from the measure and the threshold."
        self.add(new, "message", message)
        self.add(new, "source", _text("Source", required=False, rows=2))
        self.add_reason(new)

        discharge = self.group("discharge", "Discharge", source=policy.discharge.source)
        self.add(
            discharge,
            "score",
            forms.ChoiceField(label="Discharge score", choices=_SCORES),
            ("discharge", "score"),
        )
        self.add(
            discharge,
            "minimum",
            forms.IntegerField(label="Minimum score for discharge (points)"),
            ("discharge", "minimum"),
        )
        self.add(
            discharge,
            "escort_required",
            _flag("An adult escort present at discharge"),
            ("discharge", "escort_required"),
        )
        self.add(
            discharge,
            "predicted_level_ng_per_ml",
            forms.FloatField(
                label="Predicted level shown at discharge (ng/mL)",
                help_text="Information only, never a discharge criterion.",
            ),
            ("discharge", "predicted_level_ng_per_ml"),
        )
        self.add(discharge, "source", _text("Source", rows=3), ("discharge", "source"))
        self.add_reason(discharge)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        for k, alert in enumerate(self.document["alerts"]):
            name = f"a{k}__message"
            threshold = alert.get("above", alert.get("below"))
            new = data.get(f"a{k}__threshold")
            stale = re.search(
                rf"(?<![\d.]){re.escape(f'{threshold:g}')}(?![\d.])", data.get(name, "")
            )
            if not data.get(f"a{k}__remove") and new is not None and new != threshold and stale:
                self.add_error(
                    name,
                    f"{self.fields[name].label}: still says {threshold:g}; "
                    "write the new threshold into it",
                )
        measure = data.get(f"{_NEW}__measure")
        if measure:
            for key in ("threshold", "source"):
                if data.get(f"{_NEW}__{key}") in (None, ""):
                    label = self.fields[f"{_NEW}__{key}"].label
                    self.add_error(f"{_NEW}__{key}", f"{label}: enter it for the new alert")
        elif data.get(f"{_NEW}__threshold") is not None or data.get(f"{_NEW}__message"):
            self.add_error(f"{_NEW}__measure", "Measure: choose the measure for the new alert")
        return data

    def restructure(self, document: dict[str, Any], changes: list[Change]) -> None:
        """Take out the alerts marked for removal and add the new one; renumber the places."""
        kept: list[dict[str, Any]] = []
        self.where = {p: n for p, n in self.where.items() if not p.startswith("alerts[")}
        removed = set()
        for k, alert in enumerate(document["alerts"]):
            group = self.groups_by_key[f"a{k}"]
            if self.cleaned_data.get(f"a{k}__remove"):
                removed.add(f"a{k}__reason")
                reason = str(self.cleaned_data.get(f"a{k}__reason") or "")
                before = self.document["alerts"][k]["message"]
                changes.append(Change(f"a{k}__reason", group.title, before, "removed", reason))
                continue
            for name in group.names:
                path = self.paths.get(name)
                if path is not None:
                    self.where[path_text(("alerts", len(kept), *path[2:]))] = name
            kept.append(alert)
        changes[:] = [c for c in changes if c.path not in removed or c.new == "removed"]
        added = self._added(kept)
        if added is not None:
            at = len(kept)
            for key in ("threshold", "message", "source"):
                self.where[path_text(("alerts", at, key))] = f"{_NEW}__{key}"
            self.where[path_text(("alerts", at, added["direction"]))] = f"{_NEW}__threshold"
            self.where[path_text(("alerts", at))] = f"{_NEW}__threshold"
            entry = {k: v for k, v in added.items() if k != "direction"}
            kept.append(entry)
            reason = str(self.cleaned_data.get(f"{_NEW}__reason") or "")
            changes.append(Change(f"{_NEW}__reason", "Alert added", None, entry["message"], reason))
        document["alerts"] = kept

    @property
    def groups_by_key(self) -> dict[str, Group]:
        return {g.key: g for g in self.groups}

    def _added(self, kept: list[dict[str, Any]]) -> dict[str, Any] | None:
        data = self.cleaned_data
        measure_key = data.get(f"{_NEW}__measure")
        if not measure_key:
            return None
        measure = Measure(measure_key)
        direction = data.get(f"{_NEW}__direction") or "above"
        value = plain(data[f"{_NEW}__threshold"])
        taken = {a["id"] for a in kept}
        base = (
            f"{measure.name.lower().replace('_', '-')}-{'high' if direction == 'above' else 'low'}"
        )
        alert_id, n = base, 2
        while alert_id in taken:
            alert_id, n = f"{base}-{n}", n + 1
        message = (
            data.get(f"{_NEW}__message") or f"{measure.label} {direction} {value:g} {measure.unit}"
        )
        return {
            "id": alert_id,
            "measure": measure.value,
            direction: value,
            "direction": direction,
            "message": message,
            "source": data[f"{_NEW}__source"],
        }
