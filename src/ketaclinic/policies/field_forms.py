"""Editing a policy document through labelled fields: the part every kind's form shares.

A :class:`DocumentForm` is a list of groups (a protocol, an alert, the check-in…),
each a few fields; every field says where in the document its value goes. The form
writes the cleaned values into a copy of the version in force, lists what changed
(before, after, and the group's reason), and leaves validation to the kind's loader
in ``ketacore``, the same code that checks an imported file. The loader names the
field it refuses by its place in the document (``alerts[0].above``); the form puts
that error on the field at that place, in words: the field's label and the rule,
never the document's keys.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms

from ketaclinic.policies.services import Change

__all__ = ["DocumentForm", "Group", "Path", "path_text"]

#: Where a value sits in a document: keys and list positions, e.g. ("alerts", 0, "above").
Path = tuple[str | int, ...]

#: The loaders' rules, reworded without the document's keys (applied in order).
_REWORDING: tuple[tuple[str, str], ...] = (
    (r"must be a number > 0", "must be a number above 0"),
    (r"must not be above hard_max", "must not be above the hard limit"),
    (r"must be below the upper limits", "must be below the soft maximum and the hard limit"),
    (r"must lie in duration_range_min", "must lie between the shortest and longest duration"),
    (
        r"must set at least one of soft_min, soft_max, hard_max",
        "set at least one of the soft minimum, the soft maximum and the hard limit",
    ),
    (
        r"must set a drug-wide hard_max for \w+ \((.+)\)",
        r"must be set (every library needs a drug-wide hard limit for \1)",
    ),
    (r"set exactly one of above, below", "enter the value that raises the alert"),
    (r"must be a non-empty string", "must not be empty"),
    (r"must be true or false", "must be ticked or not"),
    (r"is only possible for a rate \(mg/kg/h or mg/h\) protocol", "needs a rate protocol"),
)
_LOADER_ERROR = re.compile(r"^document\.(?P<path>\S*): (?P<rule>.*)$", re.DOTALL)


def path_text(path: Path) -> str:
    """The loader's name for a place: ("protocols", 0, "series") -> protocols[0].series."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _get(document: Any, path: Path) -> Any:
    for part in path:
        if isinstance(part, int):
            document = document[part] if part < len(document) else None
        else:
            document = document.get(part) if isinstance(document, dict) else None
        if document is None:
            return None
    return document


def _set(document: Any, path: Path, value: Any) -> None:
    for part in path[:-1]:
        document = document[part]
    last = path[-1]
    if value is None and isinstance(last, str):
        document.pop(last, None)  # an optional value left blank is left out
    else:
        document[last] = value


def plain(value: Any) -> Any:
    """A whole float as an int (4.0 -> 4), so an unchanged figure stays as it was written."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class Group:
    """Fields shown together, with one reason for whatever changes among them."""

    key: str
    title: str
    note: str = ""
    source: str = ""
    names: list[str] = field(default_factory=list)


class DocumentForm(forms.Form):
    """A document's values as labelled fields, grouped; see the module docstring."""

    #: What the page says above the fields (what the form covers, what needs a file).
    intro: ClassVar[str] = ""

    version = forms.CharField(
        label="New version", max_length=50, help_text="Every edit gets a new version, e.g. 2026.3."
    )
    change_note = forms.CharField(
        label="What changed and why", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, policy: Any, document: dict[str, Any], *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.document = document
        self.groups: list[Group] = []
        self.paths: dict[str, Path] = {}
        self.where: dict[str, str] = {}
        self.build(policy)

    def build(self, policy: Any) -> None:
        """Add the groups and fields (each kind's form)."""
        raise NotImplementedError

    # ------------------------------------------------------------ building

    def group(self, key: str, title: str, *, note: str = "", source: str = "") -> Group:
        group = Group(key, title, note, source)
        self.groups.append(group)
        return group

    def add(
        self,
        group: Group,
        name: str,
        field: forms.Field,
        path: Path | None = None,
        *,
        initial: Any = None,
    ) -> str:
        """Put ``field`` in ``group``; with a ``path``, its value comes from and goes there."""
        label = str(field.label)
        field.error_messages = {
            **field.error_messages,
            "required": f"{label}: enter a value",
            "invalid": f"{label}: "
            + (
                "enter a number"  # a FloatField is an IntegerField too
                if isinstance(field, forms.FloatField) or not isinstance(field, forms.IntegerField)
                else "enter a whole number"
            ),
            "invalid_choice": f"{label}: choose one of the options",
        }
        full = f"{group.key}__{name}"
        self.fields[full] = field
        self.initial[full] = _get(self.document, path) if path is not None else initial
        if path is not None:
            self.paths[full] = path
        group.names.append(full)
        return full

    def add_reason(self, group: Group) -> str:
        return self.add(
            group,
            "reason",
            forms.CharField(
                label="Reason for a change here",
                max_length=500,
                required=False,
                help_text="Required when anything in this part changes.",
            ),
            initial="",
        )

    def bound_groups(self) -> list[dict[str, Any]]:
        """The groups with their bound fields, for the template."""
        return [
            {
                "title": g.title,
                "note": g.note,
                "source": g.source,
                "fields": [self[n] for n in g.names],
                "has_errors": any(self[n].errors for n in g.names),
            }
            for g in self.groups
        ]

    # ------------------------------------------------------------ the new document

    def edited(self) -> tuple[dict[str, Any], list[Change]]:
        """The new document and its changes, each with its group's reason (after is_valid)."""
        document = copy.deepcopy(self.document)
        document["version"] = self.cleaned_data["version"]
        document.pop("approved_by", None)
        changes: list[Change] = []
        for group in self.groups:
            reason = str(self.cleaned_data.get(f"{group.key}__reason") or "").strip()
            for name in group.names:
                path = self.paths.get(name)
                if path is None:
                    continue
                old, new = _get(self.document, path), plain(self.cleaned_data.get(name))
                if old != new:
                    label = f"{group.title}: {self.fields[name].label}"
                    changes.append(Change(f"{group.key}__reason", label, old, new, reason))
                    _set(document, path, new)
        self.where = {path_text(p): n for n, p in self.paths.items()}
        self.restructure(document, changes)
        return document, changes

    def restructure(self, document: dict[str, Any], changes: list[Change]) -> None:
        """Add or remove entries after the values are in (a kind's form may; keeps ``where``)."""

    # ------------------------------------------------------------ the loader's errors

    def place_error(self, message: str) -> None:
        """Put a loader's error on the field it names, reworded with the field's label."""
        match = _LOADER_ERROR.match(message)
        if match is None:
            self.add_error(None, message)
            return
        name, rule = self.field_at(match.group("path"), match.group("rule"))
        for pattern, words in _REWORDING:
            rule = re.sub(pattern, words, rule)
        if name is None:
            self.add_error(None, f"This policy cannot be saved: {rule}")
            return
        self.add_error(name, f"{self.fields[name].label}: {rule}")

    def field_at(self, place: str, rule: str) -> tuple[str | None, str]:
        """The field at ``place`` (or the first inside it, for an entry's rule), and the rule."""
        if place in self.where:
            return self.where[place], rule
        inside = [n for p, n in self.where.items() if p.startswith((f"{place}.", f"{place}["))]
        return (inside[0] if inside else None), rule
