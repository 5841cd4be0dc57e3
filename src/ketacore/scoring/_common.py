"""Shared machinery of every instrument: items, options, bands, validation, results.

An instrument is mostly data (its items, their allowed values, its bands and
options) plus one small ``compute`` function holding the published scoring rule.
Everything an instrument shares lives here, written once:

* answers are validated against the items (unknown item ids, whole numbers only,
  allowed range, every missing required answer listed at once);
* options that select between conflicting published versions (a cut-off, a band
  set, an item range) are validated and recorded in the result;
* results are immutable :class:`ScoreResult` objects that carry the instrument
  id, its scoring version and the options used, so a stored score can always be
  traced to the rule that produced it.

Item ids follow one scheme in every instrument: ``q<position>_<short_name>``,
where position is the item's place in our ordered item list (1-based). The ids
are stable: forms, stored answers and other tools depend on them.

References:
    Each instrument module cites the original publications by key (for example
    ``[Bouhassira2005]``); the full entries are in docs/references.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ketacore.errors import InputError

__all__ = [
    "NO_YES",
    "Band",
    "Choice",
    "Computed",
    "Flag",
    "Instrument",
    "Item",
    "Option",
    "ScoreResult",
    "band_for",
    "choices_from_labels",
    "frozen_mapping",
    "integer_choices",
    "score_result_to_dict",
]


def frozen_mapping(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return a read-only copy of ``data`` (results are immutable value objects)."""
    return MappingProxyType(dict(data))


@dataclass(frozen=True, slots=True)
class Choice:
    """One allowed answer of an item.

    Attributes:
        value: The number stored for this answer (what the answers JSON carries).
        label: The answer in plain words, or ``""`` for an unlabelled point of a scale.
    """

    value: int
    label: str = ""


def integer_choices(
    low: int, high: int, labels: Mapping[int, str] | None = None
) -> tuple[Choice, ...]:
    """Return the choices ``low..high`` (inclusive), labelling the ones in ``labels``."""
    names = labels or {}
    return tuple(Choice(v, names.get(v, "")) for v in range(low, high + 1))


def choices_from_labels(labels: Mapping[int, str]) -> tuple[Choice, ...]:
    """Return one labelled choice per entry of ``labels``, in ascending value order."""
    return tuple(Choice(v, labels[v]) for v in sorted(labels))


#: The answer set of every yes/no item: 0 = no, 1 = yes. Any score weight of a
#: "yes" is applied by the instrument's scoring rule, never stored in the answer.
NO_YES: tuple[Choice, ...] = (Choice(0, "No"), Choice(1, "Yes"))


@dataclass(frozen=True, slots=True)
class Item:
    """One question or observation of an instrument.

    Attributes:
        id: Stable id, ``q<position>_<short_name>`` (see the module docstring).
        text: The item in our own plain words (never the licensed wording).
        choices: Every allowed answer, in order.
        required: Whether the instrument's own missing-item rule needs this answer.
        section: Part of the instrument, e.g. ``"interview"`` or ``"examination"``.
        weight_note: How a "yes" counts, for items whose score is not the value itself.
    """

    id: str
    text: str
    choices: tuple[Choice, ...]
    required: bool = True
    section: str = ""
    weight_note: str = ""

    @property
    def low(self) -> int:
        """Smallest allowed value."""
        return min(c.value for c in self.choices)

    @property
    def high(self) -> int:
        """Largest allowed value."""
        return max(c.value for c in self.choices)

    @property
    def is_yes_no(self) -> bool:
        """True for a 0 = no / 1 = yes item (these also accept JSON true/false)."""
        return self.choices == NO_YES

    def label_of(self, value: int) -> str:
        """Return the label of ``value`` (``""`` when that point is unlabelled)."""
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return ""


@dataclass(frozen=True, slots=True)
class Option:
    """A documented choice between published versions of an instrument.

    Attributes:
        name: Option name, e.g. ``"cutoff"``.
        values: Allowed values, as strings (they travel through JSON and the CLI).
        default: The value used when the caller does not choose.
        doc: Why the default was chosen and what the alternatives are, with sources.
    """

    name: str
    values: tuple[str, ...]
    default: str
    doc: str


@dataclass(frozen=True, slots=True)
class Band:
    """An interpretation band: ``low <= total <= high`` gives ``label``.

    Attributes:
        id: Stable machine id, e.g. ``"moderate"``.
        label: The band in plain words.
        low: Lowest total in the band (inclusive).
        high: Highest total in the band (inclusive).
        source: Where the band comes from, as "Author Year [Key]" (docs/references.md).
    """

    id: str
    label: str
    low: float
    high: float
    source: str


def band_for(total: float, bands: tuple[Band, ...]) -> Band | None:
    """Return the first band containing ``total``, or None if no band does."""
    for band in bands:
        if band.low <= total <= band.high:
            return band
    return None


@dataclass(frozen=True, slots=True)
class Flag:
    """Something the result asks a clinician to notice, whatever the total.

    Attributes:
        id: Stable id, e.g. ``"item9_positive"``.
        message: What to do, in plain words.
        source: Where the rule comes from.
    """

    id: str
    message: str
    source: str


@dataclass(frozen=True, slots=True)
class Computed:
    """What an instrument's scoring function returns to the shared machinery."""

    total: float | None
    subscales: Mapping[str, float | None] = field(default_factory=dict)
    band: Band | None = None
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The scored result of one completed instrument.

    Attributes:
        instrument: Stable instrument id, e.g. ``"dn4"``.
        version: Scoring version of the instrument module that produced this.
        total: The total score, or None for instruments without a total (BPI-SF).
        subscales: Named subscale scores (None where the missing-item rule forbids one).
        band: The interpretation band of the total, or None when none is published.
        flags: Findings that need attention regardless of the total.
        items: The validated answers, keyed by item id (missing optional items omitted).
        options: Every option in force, including defaults.
    """

    instrument: str
    version: str
    total: float | None
    subscales: Mapping[str, float | None]
    band: Band | None
    flags: tuple[Flag, ...]
    items: Mapping[str, int]
    options: Mapping[str, str]

    def flag_ids(self) -> frozenset[str]:
        """Return the ids of the flags raised."""
        return frozenset(f.id for f in self.flags)


Compute = Callable[[Mapping[str, int], Mapping[str, str]], Computed]
ItemsFor = Callable[[Mapping[str, str]], tuple[Item, ...]]


@dataclass(frozen=True, slots=True)
class Instrument:
    """One validated instrument: its data and its published scoring rule.

    Attributes:
        id: Stable instrument id used by the CLI and API, e.g. ``"dn4-interview"``.
        name: Full name.
        version: Scoring version of this module; bump it whenever scoring changes.
        summary: One sentence on what it measures and who completes it.
        recall: The period the answers refer to, or ``""`` for an observation.
        items: The items under the default options.
        compute: The published scoring rule (validated answers, options -> Computed).
        options: Selectable published alternatives.
        items_for: Items under given options, when options change the items.
        missing_rule: The instrument's own rule for missing items, in words.
        references: Sources, as "Author Year [Key]" (docs/references.md).
    """

    id: str
    name: str
    version: str
    summary: str
    recall: str
    items: tuple[Item, ...]
    compute: Compute
    missing_rule: str
    references: str
    options: tuple[Option, ...] = ()
    items_for: ItemsFor | None = None

    def resolve_options(self, options: Mapping[str, object] | None = None) -> Mapping[str, str]:
        """Validate ``options`` and fill in defaults.

        Args:
            options: Option name -> chosen value; unknown names and values are refused.

        Returns:
            Every option of the instrument with its value in force.

        Raises:
            InputError: For an unknown option or a value it does not allow.
        """
        if options is not None and not isinstance(options, Mapping):
            raise InputError(
                "options", 'must be an object of option name -> value, e.g. {"cutoff": "4"}'
            )
        given = dict(options or {})
        known = {o.name: o for o in self.options}
        for name in given:
            if name not in known:
                allowed = ", ".join(sorted(known)) or "none"
                raise InputError(
                    f"options.{name}", f"is not an option of {self.id}; its options are: {allowed}"
                )
        resolved: dict[str, str] = {}
        for option in self.options:
            value = given.get(option.name, option.default)
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise InputError(f"options.{option.name}", "must be a string")
            text = str(value)
            if text not in option.values:
                raise InputError(
                    f"options.{option.name}", f"must be one of: {', '.join(option.values)}"
                )
            resolved[option.name] = text
        return frozen_mapping(resolved)

    def items_with(self, options: Mapping[str, object] | None = None) -> tuple[Item, ...]:
        """Return the items in force under ``options`` (validated)."""
        resolved = self.resolve_options(options)
        return self.items_for(resolved) if self.items_for is not None else self.items

    def check_answers(
        self, answers: Mapping[str, object], options: Mapping[str, str]
    ) -> tuple[Mapping[str, int], tuple[str, ...]]:
        """Check the answers given so far; return them as whole numbers, and what is missing.

        This is :meth:`validate` without the completeness rule, for forms that
        save answers as they arrive. ``None`` (JSON ``null``) counts as not
        answered. Yes/no items also accept ``true``/``false``.

        Returns:
            The validated answers keyed by item id, and the ids of the required
            items not yet answered, in item order.

        Raises:
            InputError: For an unknown item id, a value that is not a whole number
                or a value outside the item's range (naming the item and its range).
        """
        if not isinstance(answers, Mapping):
            raise InputError("answers", "must be an object keyed by item id")
        items = self.items_for(options) if self.items_for is not None else self.items
        by_id = {item.id: item for item in items}
        for key in answers:
            if key not in by_id:
                raise InputError(
                    f"answers.{key}",
                    f"is not an item of {self.id}; its items are: {', '.join(by_id)}",
                )
        clean: dict[str, int] = {}
        for item in items:
            raw = answers.get(item.id)
            if raw is None:
                continue
            field_name = f"answers.{item.id}"
            allowed = _allowed_text(item)
            if isinstance(raw, bool):
                if not item.is_yes_no:
                    raise InputError(field_name, f"must be a whole number, {allowed}")
                value = int(raw)
            elif isinstance(raw, int):
                value = raw
            elif isinstance(raw, float) and raw.is_integer():
                value = int(raw)
            else:
                raise InputError(field_name, f"must be a whole number, {allowed}")
            if value not in {c.value for c in item.choices}:
                raise InputError(field_name, f"is {value}; it must be {allowed}")
            clean[item.id] = value
        missing = tuple(item.id for item in items if item.required and item.id not in clean)
        return frozen_mapping(clean), missing

    def validate(
        self, answers: Mapping[str, object], options: Mapping[str, str]
    ) -> Mapping[str, int]:
        """Check ``answers`` against the items and return them as whole numbers.

        ``None`` (JSON ``null``) counts as not answered. Yes/no items also accept
        ``true``/``false``.

        Raises:
            InputError: For an unknown item id, a value that is not a whole number,
                a value outside the item's range (naming the item and its range),
                or missing required answers (listing all of them).
        """
        clean, missing = self.check_answers(answers, options)
        if missing:
            raise InputError(
                "answers",
                f"missing required answers for {self.id} ({len(missing)}): {', '.join(missing)}",
            )
        return clean

    def score(
        self, answers: Mapping[str, object], options: Mapping[str, object] | None = None
    ) -> ScoreResult:
        """Validate ``answers`` and score them by the published rule.

        Args:
            answers: Item id -> answer value (see :meth:`describe` for the ranges).
            options: Selectable published alternatives; defaults apply otherwise.

        Returns:
            The immutable result, carrying instrument id, version and options.

        Raises:
            InputError: See :meth:`validate` and :meth:`resolve_options`.
        """
        resolved = self.resolve_options(options)
        clean = self.validate(answers, resolved)
        computed = self.compute(clean, resolved)
        return ScoreResult(
            instrument=self.id,
            version=self.version,
            total=computed.total,
            subscales=frozen_mapping(computed.subscales),
            band=computed.band,
            flags=computed.flags,
            items=clean,
            options=resolved,
        )

    def describe(self, options: Mapping[str, object] | None = None) -> dict[str, Any]:
        """Return the instrument as JSON-ready data: items in order, options, rules.

        This is what ``ketaclinic score INSTRUMENT --describe`` prints, so that
        forms and other tools can be built from it.
        """
        resolved = self.resolve_options(options)
        items = self.items_for(resolved) if self.items_for is not None else self.items
        return {
            "instrument": self.id,
            "instrument_version": self.version,
            "name": self.name,
            "summary": self.summary,
            "recall": self.recall,
            "missing_rule": self.missing_rule,
            "references": self.references,
            "options": [
                {
                    "name": o.name,
                    "values": list(o.values),
                    "default": o.default,
                    "in_force": resolved[o.name],
                    "doc": o.doc,
                }
                for o in self.options
            ],
            "items": [
                {
                    "id": item.id,
                    "text": item.text,
                    "section": item.section,
                    "required": item.required,
                    "allowed_values": [c.value for c in item.choices],
                    "labels": {str(c.value): c.label for c in item.choices if c.label},
                    **({"weight_note": item.weight_note} if item.weight_note else {}),
                }
                for item in items
            ],
        }


def _allowed_text(item: Item) -> str:
    if item.is_yes_no:
        return "0 (no) or 1 (yes)"
    values = sorted(c.value for c in item.choices)
    if values == list(range(values[0], values[-1] + 1)):
        return f"an integer from {values[0]} to {values[-1]}"
    return "one of " + ", ".join(str(v) for v in values)


def score_result_to_dict(result: ScoreResult) -> dict[str, Any]:
    """Return ``result`` as the documented JSON object of ``ketaclinic score --input``.

    Keys: ``instrument``, ``total``, ``subscales``, ``band``, ``flags`` (the five
    named in the issue), plus ``instrument_version``, ``options`` and ``items``
    (documented in docs/screening.md).
    """
    band = result.band
    return {
        "instrument": result.instrument,
        "total": _number(result.total),
        "subscales": {k: _number(v) for k, v in result.subscales.items()},
        "band": (
            None if band is None else {"id": band.id, "label": band.label, "source": band.source}
        ),
        "flags": [{"id": f.id, "message": f.message, "source": f.source} for f in result.flags],
        "instrument_version": result.version,
        "options": dict(result.options),
        "items": dict(result.items),
    }


def _number(value: float | None) -> float | int | None:
    """Print whole numbers as integers and the rest rounded to 2 decimals."""
    if value is None:
        return None
    if float(value).is_integer():
        return int(value)
    return round(value, 2)
