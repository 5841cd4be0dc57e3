"""Editing a policy through labelled fields, not raw JSON.

Each threshold is a field with its label, its unit and its allowed range (from
the check's parameter metadata in ``ketacore.rules.checks``), the rule's
source beside it, and a field for the reason of a change, which is required
for every rule whose values change. The edited document is then validated by
the same code that validates an imported JSON file.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from django import forms

from ketaclinic.policies.services import Change
from ketacore import strict_json
from ketacore.errors import InputError
from ketacore.rules import FACT_VALUES, RuleSet
from ketacore.rules.checks import Params, ParamSpec
from ketacore.rules.eligibility_checks import show

__all__ = ["ApproveForm", "EligibilityForm", "ImportForm", "field_for_error"]

_SEVERITIES = (
    ("exclude", "Exclude: not a candidate"),
    ("specialist", "Needs specialist clearance"),
    ("review", "Review: incomplete until checked"),
    ("precaution", "Candidate with precautions"),
    ("info", "Information only"),
)
_ON_UNKNOWN = (("ask", "Ask for it (the decision waits)"), ("ignore", "Do not ask"))


def _key(value: object) -> str:
    return json.dumps(value)


def _spec_field(spec: ParamSpec, context: Any, *, required: bool) -> forms.Field:
    help_text = ""
    field: forms.Field
    if spec.kind == "int":
        unit = f" {spec.unit}" if spec.unit else ""
        field = forms.IntegerField(
            label=f"{spec.label}{f' ({spec.unit})' if spec.unit else ''}",
            min_value=spec.low,
            max_value=spec.high,
        )
        help_text = f"Allowed: {spec.low} to {spec.high}{unit}."
    elif spec.kind == "bool":
        field = forms.BooleanField(label=spec.label, required=False)
    elif spec.kind in ("choice", "choices"):
        choices = [(_key(v), show(v).replace("_", " ")) for v in spec.allowed(context)]
        if spec.kind == "choice":
            blank = [("", "—")] if not required else []
            field = forms.ChoiceField(label=spec.label, choices=blank + choices)
        else:
            field = forms.MultipleChoiceField(
                label=spec.label, choices=choices, widget=forms.CheckboxSelectMultiple
            )
    elif spec.kind == "strings":
        field = forms.CharField(label=spec.label, max_length=500)
        help_text = "Separate several with commas."
    else:
        field = forms.CharField(label=spec.label, max_length=200)
    field.required = required and spec.kind != "bool"
    field.help_text = help_text
    return field


def _values_of_fact(field: forms.Field, name: str, fact: object) -> None:
    """Offer a rule's ``values`` only among the values its fact can take."""
    if name == "values" and isinstance(fact, str) and fact in FACT_VALUES:
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(_key(v), show(v).replace("_", " ")) for v in FACT_VALUES[fact]]


def _initial(spec: ParamSpec, value: Any) -> Any:
    if value is None:
        return None
    if spec.kind == "choice":
        return _key(value)
    if spec.kind == "choices":
        return [_key(v) for v in value]
    if spec.kind == "strings":
        return ", ".join(value)
    return value


def _value(spec: ParamSpec, cleaned: Any) -> Any:
    if spec.kind == "choice":
        return json.loads(cleaned) if cleaned else None
    if spec.kind == "choices":
        return [json.loads(v) for v in cleaned]
    if spec.kind == "strings":
        return [p.strip() for p in str(cleaned).split(",") if p.strip()]
    return cleaned


class EligibilityForm(forms.Form):
    """The eligibility rules of a version as fields, one group per rule."""

    intro = (
        "Give a reason for every rule you change; the text of each rule is written from its values."
    )

    version = forms.CharField(
        label="New version", max_length=50, help_text="Every edit gets a new version, e.g. 2026.3."
    )
    change_note = forms.CharField(
        label="What changed and why", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, rule_set: RuleSet, document: dict[str, Any], *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.rule_set = rule_set
        self.document = document
        self.groups: list[dict[str, Any]] = []
        context = rule_set.context
        for i, rule in enumerate(rule_set.rules):
            names: list[str] = []
            params = rule.check.params()
            for name, spec in rule.check.specs().items():
                if spec.kind == "object" and spec.nested is not None:
                    nested = params.get(name) or {}
                    for sub, sub_spec in spec.nested.specs().items():
                        field_name = f"r{i}__{name}__{sub}"
                        field = _spec_field(sub_spec, context, required=False)
                        _values_of_fact(field, sub, nested.get("fact"))
                        field.label = f"{spec.label}: {sub_spec.label.lower()}"
                        self.fields[field_name] = field
                        self.initial[field_name] = _initial(sub_spec, nested.get(sub))
                        names.append(field_name)
                    continue
                field_name = f"r{i}__{name}"
                self.fields[field_name] = _spec_field(spec, context, required=not spec.optional)
                _values_of_fact(self.fields[field_name], name, params.get("fact"))
                self.initial[field_name] = _initial(spec, params.get(name))
                names.append(field_name)
            raw = document["rules"][i]
            for name, field, value in (
                (
                    "severity",
                    forms.ChoiceField(label="Severity", choices=_SEVERITIES),
                    raw["severity"],
                ),
                (
                    "on_unknown",
                    forms.ChoiceField(label="When the fact is unknown", choices=_ON_UNKNOWN),
                    raw["on_unknown"],
                ),
                (
                    "message",
                    forms.CharField(label="Message to the clinician", max_length=500),
                    raw["message"],
                ),
                ("source", forms.CharField(label="Source", max_length=1000), raw["source"]),
                (
                    "reason",
                    forms.CharField(
                        label="Reason for a change to this rule",
                        max_length=500,
                        required=False,
                        help_text="Required when anything in this rule changes.",
                    ),
                    "",
                ),
            ):
                self.fields[f"r{i}__{name}"] = field
                self.initial[f"r{i}__{name}"] = value
                names.append(f"r{i}__{name}")
            self.groups.append(
                {
                    "index": i,
                    "rule": rule,
                    "names": names,
                    "title": rule.message,
                    "note": rule.rule_text,
                    "source": rule.source,
                }
            )

    def bound_groups(self) -> list[dict[str, Any]]:
        """The groups with their bound fields, for the template."""
        return [
            {
                **g,
                "fields": [self[n] for n in g["names"]],
                "has_errors": any(self[n].errors for n in g["names"]),
            }
            for g in self.groups
        ]

    def edited(self) -> tuple[dict[str, Any], list[Change]]:
        """The new document and the changes, each with its reason (call after is_valid)."""
        document = copy.deepcopy(self.document)
        document["version"] = self.cleaned_data["version"]
        document.pop("approved_by", None)
        changes: list[Change] = []
        for group in self.groups:
            i, rule = group["index"], group["rule"]
            raw = document["rules"][i]
            new_params = self._params(i, rule.check)
            before = {
                **{k: raw[k] for k in ("severity", "on_unknown", "message", "source")},
                "params": raw["params"],
            }
            after = {
                k: self.cleaned_data[f"r{i}__{k}"]
                for k in ("severity", "on_unknown", "message", "source")
            }
            after["params"] = new_params
            reason = self.cleaned_data[f"r{i}__reason"].strip()
            for key in ("params", "severity", "on_unknown", "message", "source"):
                if before[key] != after[key]:
                    changes.append(
                        Change(
                            f"r{i}__reason", f"{rule.id}: {key}", before[key], after[key], reason
                        )
                    )
            raw.update(after)
            raw.pop("rule_text", None)
        return document, changes

    def _params(self, i: int, check: Params) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, spec in check.specs().items():
            if spec.kind == "object" and spec.nested is not None:
                nested = {
                    sub: _value(sub_spec, self.cleaned_data.get(f"r{i}__{name}__{sub}"))
                    for sub, sub_spec in spec.nested.specs().items()
                }
                if all(v in (None, []) for v in nested.values()):
                    continue
                out[name] = nested
                continue
            value = _value(spec, self.cleaned_data.get(f"r{i}__{name}"))
            if value not in (None, []) or not spec.optional:  # a blank optional list: left out
                out[name] = value
        return out


class ImportForm(forms.Form):
    document = forms.CharField(
        label="Policy document (JSON)",
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        max_length=500_000,
    )
    change_note = forms.CharField(
        label="What changed and why", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def parsed(self) -> dict[str, Any] | None:
        try:  # strictly: a key given twice is refused, not the last one kept
            value = strict_json.loads(self.cleaned_data["document"], field="document")
        except InputError as exc:
            self.add_error("document", f"{exc.field}: {exc.rule}")
            return None
        if not isinstance(value, dict):
            self.add_error("document", "Must be a JSON object.")
            return None
        return value


class ApproveForm(forms.Form):
    password = forms.CharField(
        label="Your password (to sign)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)


_RULE_PATH = re.compile(r"^document\.rules\[(\d+)\]\.params\.([\w.]+)")


def field_for_error(form: forms.Form, message: str) -> str | None:
    """The edit form's field a loader error names (``rules[6].params.x``), if it has one."""
    match = _RULE_PATH.match(message)
    if match is None:
        return None
    name = f"r{match.group(1)}__" + match.group(2).split("[")[0].replace(".", "__")
    return name if name in form.fields else None
