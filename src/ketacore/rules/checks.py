"""Typed checks: one small class per kind of rule, registered by name.

A rule in a clinic's rule set names a *check* and gives its parameters. Each
check kind is a frozen dataclass whose fields are its parameters. The class:

* **parses** its parameters from the rule-set JSON (:meth:`Check.parse`), with
  errors that name the field and the rule; the fields' :func:`param` metadata
  (label, unit, allowed range or choices) drives both that parsing and the
  form a physician edits the rule with;
* **describes** itself in words (:meth:`Check.text`), generated from the
  parameters, so the rule's text and its threshold can never disagree;
* **evaluates** facts (:meth:`Check.evaluate`) into a :class:`Result`: the
  hits (what matched, with the patient's values) and the facts it needed but
  did not have (asked, never guessed).

Adding a check kind means writing one class here (or in a family's module)
with ``@REGISTRY.register``: nothing else changes. Eligibility is the first
family; dose limits, vital-sign alerts and discharge criteria use the same
base with their own facts type and registry.
"""

from __future__ import annotations

import dataclasses
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from ketacore.errors import InputError

__all__ = [
    "Check",
    "CheckRegistry",
    "Context",
    "Hit",
    "ParamSpec",
    "Params",
    "Result",
    "param",
]

FactsT = TypeVar("FactsT")
P = TypeVar("P", bound="Params")
C = TypeVar("C", bound="Check[Any]")


@dataclass(frozen=True, slots=True)
class Hit:
    """One match of a rule: the patient's values that triggered it, in words."""

    detail: str
    evidence_grade: str | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """What one rule found: its hits, and the facts it needed but did not have."""

    hits: tuple[Hit, ...] = ()
    unknown: tuple[str, ...] = ()

    @classmethod
    def ask(cls, *facts: str) -> Result:
        return cls(unknown=facts)

    @classmethod
    def hit_if(cls, matched: bool, detail: str, grade: str | None = None) -> Result:
        return cls(hits=(Hit(detail, grade),) if matched else ())


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """How one parameter is read, checked and shown.

    Attributes:
        kind: ``"int"``, ``"bool"``, ``"choice"``, ``"choices"`` (a non-empty
            list of choices), ``"strings"`` (a non-empty list of texts),
            ``"text"`` or ``"object"`` (a group of parameters: ``nested``).
        label: The parameter in a clinician's words, for the edit form.
        unit: Its unit, where it has one ("mmHg", "months").
        low, high: The allowed range of an ``int``, both included.
        choices: The allowed values of a ``choice``/``choices`` parameter; a
            callable receives the rule set's :class:`Context` (for choices the
            document itself defines, such as its drug classes).
        optional: The parameter may be left out.
        nested: The :class:`Params` class of an ``object`` parameter.
    """

    kind: str
    label: str
    unit: str = ""
    low: int | None = None
    high: int | None = None
    choices: Sequence[object] | Callable[[Context], Sequence[object]] = ()
    optional: bool = False
    nested: type[Params] | None = None

    def allowed(self, context: Context) -> Sequence[object]:
        return self.choices(context) if callable(self.choices) else self.choices

    def read(self, value: object, field: str, context: Context) -> Any:
        """Return ``value`` checked and converted (lists become tuples)."""
        if self.kind == "int":
            low, high = self.low or 0, self.high or 0
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise InputError(field, f"must be an integer from {low} to {high}")
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise InputError(field, "must be true or false")
            return value
        if self.kind == "text":
            if not isinstance(value, str) or not value.strip():
                raise InputError(field, "must be a non-empty string")
            return value
        if self.kind == "choice":
            return _one_of(value, self.allowed(context), field)
        if self.kind == "object":
            assert self.nested is not None
            return self.nested.parse(value, field, context)
        if not isinstance(value, list) or not value:
            raise InputError(field, "must be a non-empty list")
        if self.kind == "strings":
            for i, v in enumerate(value):
                if not isinstance(v, str) or not v:
                    raise InputError(f"{field}[{i}]", "must be a non-empty string")
            return tuple(value)
        allowed = self.allowed(context)
        return tuple(_one_of(v, allowed, f"{field}[{i}]") for i, v in enumerate(value))


def _one_of(value: object, allowed: Sequence[object], field: str) -> object:
    if not any(type(value) is type(a) and value == a for a in allowed):
        raise InputError(field, f"must be one of: {', '.join(json.dumps(a) for a in allowed)}")
    return value


def param(kind: str, label: str, **spec: Any) -> Any:
    """A check's parameter field: ``systolic_above_mmhg: int = param("int", "Systolic", ...)``."""
    default: dict[str, Any] = {"default": None} if spec.get("optional") else {}
    return dataclasses.field(metadata={"spec": ParamSpec(kind, label, **spec)}, **default)


@dataclass(frozen=True, slots=True)
class Context:
    """What a check may consult beyond its own parameters: the rule set's other sections."""

    document: Mapping[str, Any]
    evidence_grades: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    drug_classes: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class Params:
    """Parameters read from JSON: a frozen dataclass whose fields are made with :func:`param`."""

    @classmethod
    def specs(cls) -> dict[str, ParamSpec]:
        """The parameters, in order, with how each is read and shown."""
        return {f.name: f.metadata["spec"] for f in dataclasses.fields(cls)}  # type: ignore[arg-type]

    @classmethod
    def parse(cls: type[P], raw: object, field: str, context: Context) -> P:
        """Read the parameters from a rule's ``params`` object.

        Raises:
            InputError: Naming the parameter (``<field>.<name>``) and the rule:
                unknown, missing, of the wrong type or out of range.
        """
        if not isinstance(raw, Mapping):
            raise InputError(field, "must be an object")
        specs = cls.specs()
        for key in raw:
            if key not in specs:
                allowed = ", ".join(specs) or "none"
                raise InputError(
                    f"{field}.{key}", f"is not a parameter of this check; allowed: {allowed}"
                )
        values: dict[str, Any] = {}
        for name, spec in specs.items():
            if name not in raw:
                if not spec.optional:
                    raise InputError(f"{field}.{name}", "is required")
                continue
            values[name] = spec.read(raw[name], f"{field}.{name}", context)
        check = cls(**values)
        check.validate(field, context)
        return check

    def validate(self, field: str, context: Context) -> None:
        """Checks across parameters (a value allowed for the chosen fact); raise InputError."""

    def params(self) -> dict[str, Any]:
        """The parameters as JSON values (the rule-set document's ``params``)."""
        out: dict[str, Any] = {}
        for name in self.specs():
            value = getattr(self, name)
            if value is None:
                continue
            out[name] = value.params() if isinstance(value, Params) else _jsonable(value)
        return out


class Check(Params, ABC, Generic[FactsT]):
    """A kind of rule. Subclasses are frozen dataclasses whose fields are the parameters."""

    #: The name a rule set uses for this check (``"bp_above"``).
    name: ClassVar[str]
    #: What it is for, in a sentence (shown when a physician picks a check).
    summary: ClassVar[str] = ""

    @abstractmethod
    def text(self) -> str:
        """The rule's condition, exactly, in words generated from the parameters."""

    @abstractmethod
    def evaluate(self, facts: FactsT, context: Context) -> Result:
        """Apply the check to ``facts``."""


def _jsonable(value: object) -> object:
    return [_jsonable(v) for v in value] if isinstance(value, tuple) else value


class CheckRegistry(Generic[FactsT]):
    """The check kinds of one family of rules (eligibility, dose limits…), by name."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._checks: dict[str, type[Check[FactsT]]] = {}

    def register(self, cls: type[C]) -> type[C]:
        """Class decorator: add a check kind under its ``name``."""
        if cls.name in self._checks:
            raise ValueError(f"check {cls.name!r} is registered twice in {self.family}")
        self._checks[cls.name] = cls
        return cls

    def names(self) -> tuple[str, ...]:
        return tuple(self._checks)

    def get(self, name: object, field: str) -> type[Check[FactsT]]:
        if not isinstance(name, str) or name not in self._checks:
            raise InputError(field, f"must be one of: {', '.join(self._checks)}")
        return self._checks[name]

    def parse(self, name: object, raw: object, *, where: str, context: Context) -> Check[FactsT]:
        """The check ``name`` of the rule at ``where`` with its parameters read from ``raw``."""
        return self.get(name, f"{where}.check").parse(raw, f"{where}.params", context)
