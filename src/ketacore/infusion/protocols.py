"""The clinic's drug library: infusion protocols with ISMP-style soft and hard dose limits.

A library is a JSON document (``data/default_protocols.json``; the format is
described in docs/infusions.md) that a clinic versions and a physician approves
like any other policy. Each protocol says how the dose is expressed (its
*basis*), the dose and duration, the series, titration, premedication and
rescue options, the concentration and bag volume, and its limits. Limits also
stand at the library level, where they apply to every protocol (the drug-wide
entry of a smart pump's drug library).

Limits follow the smart-pump model of the Institute for Safe Medication
Practices [ISMP-SmartPumps2020]: passing a **soft** limit needs a reason, which
is recorded; a **hard** limit cannot be passed at all. A document that breaks any
rule of the format is refused with an :class:`~ketacore.errors.InputError`
naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from ketacore.errors import InputError
from ketacore.fields import keys as _keys
from ketacore.fields import positive as _positive
from ketacore.fields import require as _require
from ketacore.fields import text as _text
from ketacore.fields import whole as _whole
from ketacore.pk import MODELS

__all__ = [
    "SCHEMA",
    "DoseBasis",
    "Limit",
    "Medication",
    "PreviewSettings",
    "Protocol",
    "ProtocolLibrary",
    "Quantity",
    "Series",
    "Titration",
    "default_library",
    "default_protocol_document",
    "load_protocol",
    "load_protocol_library",
]

#: The document format this code reads.
SCHEMA = "ketaclinic.infusion-protocols/1"


class DoseBasis(StrEnum):
    """How a protocol's dose is written."""

    MG_PER_KG_PER_H = "mg_per_kg_per_h"
    MG_PER_H = "mg_per_h"
    MG_PER_KG = "mg_per_kg"  # the whole dose, per kg, over the duration
    MG = "mg"  # the whole dose over the duration

    @property
    def unit(self) -> str:
        return _BASIS_UNITS[self]

    @property
    def is_rate(self) -> bool:
        return self in (DoseBasis.MG_PER_KG_PER_H, DoseBasis.MG_PER_H)

    @property
    def per_kg(self) -> bool:
        return self in (DoseBasis.MG_PER_KG_PER_H, DoseBasis.MG_PER_KG)

    @property
    def label(self) -> str:
        return _BASIS_LABELS[self]


_BASIS_UNITS = {
    DoseBasis.MG_PER_KG_PER_H: "mg/kg/h",
    DoseBasis.MG_PER_H: "mg/h",
    DoseBasis.MG_PER_KG: "mg/kg",
    DoseBasis.MG: "mg",
}
_BASIS_LABELS = {
    DoseBasis.MG_PER_KG_PER_H: "rate per kg of body weight (mg/kg/h)",
    DoseBasis.MG_PER_H: "fixed rate (mg/h)",
    DoseBasis.MG_PER_KG: "whole dose per kg over the duration (mg/kg)",
    DoseBasis.MG: "whole dose over the duration (mg)",
}


class Quantity(StrEnum):
    """What a limit bounds."""

    RATE_MG_PER_KG_PER_H = "rate_mg_per_kg_per_h"
    RATE_MG_PER_H = "rate_mg_per_h"
    SESSION_MG_PER_KG = "session_mg_per_kg"
    SESSION_MG = "session_mg"
    BOLUS_MG = "bolus_mg"

    @property
    def label(self) -> str:
        return _QUANTITY_LABELS[self][0]

    @property
    def unit(self) -> str:
        return _QUANTITY_LABELS[self][1]


_QUANTITY_LABELS = {
    Quantity.RATE_MG_PER_KG_PER_H: ("Infusion rate per kg", "mg/kg/h"),
    Quantity.RATE_MG_PER_H: ("Infusion rate", "mg/h"),
    Quantity.SESSION_MG_PER_KG: ("Dose in one session per kg", "mg/kg"),
    Quantity.SESSION_MG: ("Dose in one session", "mg"),
    Quantity.BOLUS_MG: ("Single bolus", "mg"),
}


@dataclass(frozen=True, slots=True)
class Limit:
    """One dose limit. At least one bound is set; ``soft_max`` <= ``hard_max``.

    Attributes:
        quantity: What it bounds.
        soft_min: Below it needs a reason (catches a slipped decimal point).
        soft_max: Above it needs a reason.
        hard_max: Never above it, by any path.
        source: Citation ("Author Year [Key]") or "clinic decision (configurable)".
        scope: ``"library"`` (every protocol) or the protocol's id.
    """

    quantity: Quantity
    soft_min: float | None
    soft_max: float | None
    hard_max: float | None
    source: str
    scope: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity.value,
            "soft_min": self.soft_min,
            "soft_max": self.soft_max,
            "hard_max": self.hard_max,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Series:
    count: int
    spacing_days: int


@dataclass(frozen=True, slots=True)
class Titration:
    """Steps of the rate at the chair, in the protocol's (rate) basis units."""

    step: float
    interval_min: int
    max: float
    note: str


@dataclass(frozen=True, slots=True)
class Medication:
    """A premedication or rescue option, as the prescriber writes it."""

    drug: str
    dose: str
    route: str
    when: str
    source: str


@dataclass(frozen=True, slots=True)
class Protocol:
    """One entry of the library (see the module docstring and docs/infusions.md)."""

    id: str
    name: str
    summary: str
    basis: DoseBasis
    dose: float
    duration_min: float
    duration_range_min: tuple[float, float]
    series: Series
    titration: Titration | None
    premedication: tuple[Medication, ...]
    rescue: tuple[Medication, ...]
    concentration_mg_per_ml: float
    bag_volume_ml: float
    limits: tuple[Limit, ...]
    custom: bool
    source: str

    @property
    def dose_text(self) -> str:
        return f"{_num(self.dose)} {self.basis.unit} over {_num(self.duration_min)} min"


@dataclass(frozen=True, slots=True)
class PreviewSettings:
    """How the plan's PK preview is computed: the model, and the clinic's peak threshold.

    Attributes:
        model: A model of ``ketacore.pk.MODELS``.
        cmax_threshold_ng_per_ml: The preview gives the probability that a patient
            with these covariates peaks above it.
        source: Why this threshold.
    """

    model: str
    cmax_threshold_ng_per_ml: float
    source: str


#: Without a ``preview`` section: Domino 1984 and the top of the dissociative range.
DEFAULT_PREVIEW = PreviewSettings(
    "domino",
    250.0,
    "top of the dissociative range, 100-250 ng/mL, Zanos et al. 2018 Table 1 [Zanos2018]",
)


@dataclass(frozen=True, slots=True)
class ProtocolLibrary:
    """A validated, versioned drug library.

    Attributes:
        pump_rate_step_ml_per_h: The pump's rate precision; planned rates are
            rounded to it.
        weight_max_age_days: A weight older than this gives a warning on the plan.
        limits: Drug-wide limits (apply to every protocol).
    """

    id: str
    version: str
    description: str
    drug: str
    approved_by: str | None
    pump_rate_step_ml_per_h: float
    weight_max_age_days: int
    limits: tuple[Limit, ...]
    protocols: tuple[Protocol, ...]
    preview: PreviewSettings = DEFAULT_PREVIEW

    def get(self, protocol_id: str) -> Protocol:
        for protocol in self.protocols:
            if protocol.id == protocol_id:
                return protocol
        raise InputError("protocol_id", f"no protocol {protocol_id!r} in library {self.version}")

    def limits_for(self, protocol: Protocol) -> tuple[Limit, ...]:
        """Every limit that applies to ``protocol``: the library's, then its own."""
        return self.limits + protocol.limits


def _num(value: float) -> str:
    return f"{value:g}"


# ------------------------------------------------------------------ loading

_TOP_KEYS = {
    "schema",
    "id",
    "version",
    "description",
    "drug",
    "approved_by",
    "pump_rate_step_ml_per_h",
    "weight_max_age_days",
    "limits",
    "protocols",
    "preview",
}
_PROTOCOL_KEYS = {
    "id",
    "name",
    "summary",
    "dose_basis",
    "dose",
    "duration_min",
    "duration_range_min",
    "series",
    "titration",
    "premedication",
    "rescue",
    "concentration_mg_per_ml",
    "bag_volume_ml",
    "limits",
    "custom",
    "source",
}
_LIMIT_KEYS = {"quantity", "soft_min", "soft_max", "hard_max", "source"}
_MED_KEYS = {"drug", "dose", "route", "when", "source"}
_TITRATION_KEYS = {"step", "interval_min", "max", "note"}
#: Drug-wide hard limits every library must set: the plan and every charted
#: rate or bolus store the ceiling they were checked against (database checks).
_REQUIRED_HARD = (Quantity.RATE_MG_PER_H, Quantity.SESSION_MG, Quantity.BOLUS_MG)


def _optional(value: object, field: str) -> float | None:
    return None if value is None else _positive(value, field)


def _limits(items: object, field: str, scope: str) -> tuple[Limit, ...]:
    _require(isinstance(items, list), field, "must be a list")
    assert isinstance(items, list)
    out: list[Limit] = []
    seen: set[Quantity] = set()
    for i, item in enumerate(items):
        where = f"{field}[{i}]"
        _keys(item, where, _LIMIT_KEYS, {"soft_min", "soft_max", "hard_max"})
        try:
            quantity = Quantity(item["quantity"])
        except ValueError:
            allowed = ", ".join(q.value for q in Quantity)
            raise InputError(f"{where}.quantity", f"must be one of: {allowed}") from None
        _require(quantity not in seen, f"{where}.quantity", "appears twice in this list")
        seen.add(quantity)
        soft_min = _optional(item.get("soft_min"), f"{where}.soft_min")
        soft_max = _optional(item.get("soft_max"), f"{where}.soft_max")
        hard_max = _optional(item.get("hard_max"), f"{where}.hard_max")
        _require(
            soft_min is not None or soft_max is not None or hard_max is not None,
            where,
            "must set at least one of soft_min, soft_max, hard_max",
        )
        if soft_max is not None and hard_max is not None:
            _require(soft_max <= hard_max, f"{where}.soft_max", "must not be above hard_max")
        if soft_min is not None:
            upper = soft_max if soft_max is not None else hard_max
            if upper is not None:
                _require(soft_min < upper, f"{where}.soft_min", "must be below the upper limits")
        source = _text(item, "source", where)
        out.append(Limit(quantity, soft_min, soft_max, hard_max, source, scope))
    return tuple(out)


def _medications(items: object, field: str) -> tuple[Medication, ...]:
    _require(isinstance(items, list), field, "must be a list")
    assert isinstance(items, list)
    meds = []
    for i, item in enumerate(items):
        where = f"{field}[{i}]"
        _keys(item, where, _MED_KEYS)
        meds.append(
            Medication(
                *(_text(item, k, where) for k in ("drug", "dose", "route", "when", "source"))
            )
        )
    return tuple(meds)


def load_protocol(data: object, field: str = "protocol") -> Protocol:
    """Validate one protocol entry; raises InputError naming the field."""
    _keys(data, field, _PROTOCOL_KEYS, {"titration", "custom", "limits", "premedication", "rescue"})
    assert isinstance(data, Mapping)
    pid = _text(data, "id", field)
    try:
        basis = DoseBasis(data["dose_basis"])
    except ValueError:
        allowed = ", ".join(b.value for b in DoseBasis)
        raise InputError(f"{field}.dose_basis", f"must be one of: {allowed}") from None
    dose = _positive(data["dose"], f"{field}.dose")
    duration = _positive(data["duration_min"], f"{field}.duration_min")
    span = data["duration_range_min"]
    _require(
        isinstance(span, list) and len(span) == 2,
        f"{field}.duration_range_min",
        "must be [shortest, longest] in minutes",
    )
    low = _positive(span[0], f"{field}.duration_range_min[0]")
    high = _positive(span[1], f"{field}.duration_range_min[1]")
    _require(low <= duration <= high, f"{field}.duration_min", "must lie in duration_range_min")
    series = data["series"]
    _keys(series, f"{field}.series", {"count", "spacing_days"})
    count = _whole(series["count"], f"{field}.series.count", 1, 60)
    spacing = _whole(series["spacing_days"], f"{field}.series.spacing_days", 0, 365)
    _require(
        count == 1 or spacing >= 1,
        f"{field}.series.spacing_days",
        "must be at least 1 day when the series has more than one infusion",
    )
    titration = None
    if data.get("titration") is not None:
        where = f"{field}.titration"
        _require(basis.is_rate, where, "is only possible for a rate (mg/kg/h or mg/h) protocol")
        t = data["titration"]
        _keys(t, where, _TITRATION_KEYS)
        step = _positive(t["step"], f"{where}.step")
        top = _positive(t["max"], f"{where}.max")
        _require(top >= dose, f"{where}.max", "must not be below the starting dose")
        interval = _whole(t["interval_min"], f"{where}.interval_min", 1, 1440)
        titration = Titration(step, interval, top, _text(t, "note", where))
    concentration = _positive(data["concentration_mg_per_ml"], f"{field}.concentration_mg_per_ml")
    bag = _positive(data["bag_volume_ml"], f"{field}.bag_volume_ml")
    custom = data.get("custom", False)
    _require(isinstance(custom, bool), f"{field}.custom", "must be true or false")
    return Protocol(
        id=pid,
        name=_text(data, "name", field),
        summary=_text(data, "summary", field),
        basis=basis,
        dose=dose,
        duration_min=duration,
        duration_range_min=(low, high),
        series=Series(count, spacing),
        titration=titration,
        premedication=_medications(data.get("premedication", []), f"{field}.premedication"),
        rescue=_medications(data.get("rescue", []), f"{field}.rescue"),
        concentration_mg_per_ml=concentration,
        bag_volume_ml=bag,
        limits=_limits(data.get("limits", []), f"{field}.limits", pid),
        custom=custom,
        source=_text(data, "source", field),
    )


def load_protocol_library(document: Mapping[str, Any]) -> ProtocolLibrary:
    """Validate a library document and return it; raises InputError naming the field."""
    _keys(document, "", _TOP_KEYS, {"approved_by", "preview"})
    _require(document["schema"] == SCHEMA, "schema", f"must be {SCHEMA!r}")
    step = _positive(document["pump_rate_step_ml_per_h"], "pump_rate_step_ml_per_h")
    limits = _limits(document["limits"], "limits", "library")
    hard = {limit.quantity for limit in limits if limit.hard_max is not None}
    for quantity in _REQUIRED_HARD:
        _require(
            quantity in hard,
            "limits",
            f"must set a drug-wide hard_max for {quantity.value} ({quantity.label.lower()})",
        )
    items = document["protocols"]
    _require(isinstance(items, list) and len(items) > 0, "protocols", "must be a non-empty list")
    protocols = tuple(load_protocol(p, f"protocols[{i}]") for i, p in enumerate(items))
    ids = [p.id for p in protocols]
    for i, pid in enumerate(ids):
        _require(ids.index(pid) == i, f"protocols[{i}].id", f"{pid!r} is used twice")
    approved = document.get("approved_by")
    _require(
        approved is None or isinstance(approved, str), "approved_by", "must be a string or null"
    )
    return ProtocolLibrary(
        id=_text(document, "id", ""),
        version=_text(document, "version", ""),
        description=_text(document, "description", ""),
        drug=_text(document, "drug", ""),
        approved_by=approved,
        pump_rate_step_ml_per_h=step,
        weight_max_age_days=_whole(document["weight_max_age_days"], "weight_max_age_days", 1, 3650),
        limits=limits,
        protocols=protocols,
        preview=_preview(document.get("preview")),
    )


def _preview(data: object) -> PreviewSettings:
    if data is None:
        return DEFAULT_PREVIEW
    _keys(data, "preview", {"model", "cmax_threshold_ng_per_ml", "source"})
    assert isinstance(data, Mapping)
    model = _text(data, "model", "preview")
    _require(model in MODELS, "preview.model", f"must be one of: {', '.join(sorted(MODELS))}")
    threshold = _positive(data["cmax_threshold_ng_per_ml"], "preview.cmax_threshold_ng_per_ml")
    return PreviewSettings(model, threshold, _text(data, "source", "preview"))


def default_protocol_document() -> dict[str, Any]:
    """The library ketaclinic ships (a fresh copy), with a source for every value."""
    text = resources.files("ketacore.infusion").joinpath("data/default_protocols.json").read_text()
    document: dict[str, Any] = json.loads(text)
    return document


def default_library() -> ProtocolLibrary:
    return load_protocol_library(default_protocol_document())


def limit_sources(limits: Sequence[Limit]) -> tuple[str, ...]:
    """The distinct sources of ``limits``, in order."""
    return tuple(dict.fromkeys(limit.source for limit in limits))
