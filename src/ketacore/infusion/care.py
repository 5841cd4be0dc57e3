"""The clinic's care policy for an infusion session: check-in, vital signs, alerts, discharge.

A versioned document (``data/default_care.json``; format in docs/infusions.md) that a
physician approves like every policy. It says what check-in needs before an
infusion may start, how often vital signs are due, which values raise an alert
(each threshold with its source), which sedation scale the clinic uses, and what
discharge needs (a modified Aldrete or PADSS score at or above a minimum, and an
escort). The predicted concentration at discharge is *information only*, never a
criterion.

Vital signs outside :data:`PLAUSIBLE` are refused as typing or sensor errors:
those bounds are physical, not clinical thresholds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from ketacore.errors import InputError
from ketacore.fields import flag as _bool
from ketacore.fields import keys as _keys
from ketacore.fields import number as _number
from ketacore.fields import require as _require
from ketacore.fields import text as _text

__all__ = [
    "CARE_SCHEMA",
    "PLAUSIBLE",
    "AlertRule",
    "CarePolicy",
    "CheckInPolicy",
    "DischargePolicy",
    "Measure",
    "VitalSigns",
    "alerts_for",
    "check_vitals",
    "default_care_document",
    "load_care_policy",
]

CARE_SCHEMA = "ketaclinic.infusion-care/1"


class Measure(StrEnum):
    SYSTOLIC = "systolic_mmhg"
    DIASTOLIC = "diastolic_mmhg"
    HEART_RATE = "heart_rate_bpm"
    SPO2 = "spo2_percent"
    RESPIRATORY_RATE = "respiratory_rate_per_min"
    TEMPERATURE = "temperature_c"

    @property
    def label(self) -> str:
        return _LABELS[self][0]

    @property
    def unit(self) -> str:
        return _LABELS[self][1]


_LABELS = {
    Measure.SYSTOLIC: ("Systolic blood pressure", "mmHg"),
    Measure.DIASTOLIC: ("Diastolic blood pressure", "mmHg"),
    Measure.HEART_RATE: ("Heart rate", "/min"),
    Measure.SPO2: ("Oxygen saturation (SpO2)", "%"),
    Measure.RESPIRATORY_RATE: ("Respiratory rate", "/min"),
    Measure.TEMPERATURE: ("Temperature", "°C"),
}

#: Values a living adult at the chair can have, inclusive (physical bounds that
#: catch a slipped digit or a sensor artefact; not alert thresholds).
PLAUSIBLE: Mapping[Measure, tuple[float, float]] = {
    Measure.SYSTOLIC: (50, 300),
    Measure.DIASTOLIC: (20, 200),
    Measure.HEART_RATE: (20, 250),
    Measure.SPO2: (50, 100),
    Measure.RESPIRATORY_RATE: (3, 60),
    Measure.TEMPERATURE: (30, 43),
}


@dataclass(frozen=True, slots=True)
class VitalSigns:
    """One set of vital signs; any measure may be missing, at least one is present."""

    systolic_mmhg: float | None = None
    diastolic_mmhg: float | None = None
    heart_rate_bpm: float | None = None
    spo2_percent: float | None = None
    respiratory_rate_per_min: float | None = None
    temperature_c: float | None = None

    def get(self, measure: Measure) -> float | None:
        value: float | None = getattr(self, measure.value)
        return value

    def present(self) -> dict[Measure, float]:
        return {m: v for m in Measure if (v := self.get(m)) is not None}


def check_vitals(vitals: VitalSigns) -> VitalSigns:
    """Refuse implausible values, naming the field and the rule.

    Raises:
        InputError: No value at all; a value outside :data:`PLAUSIBLE`; a
            systolic pressure not above the diastolic; one of the pair alone.
    """
    values = vitals.present()
    if not values:
        raise InputError("vitals", "enter at least one vital sign")
    for measure, value in values.items():
        low, high = PLAUSIBLE[measure]
        if not (math.isfinite(value) and low <= value <= high):
            raise InputError(
                measure.value,
                f"{measure.label} must be from {low:g} to {high:g} {measure.unit}",
            )
    systolic, diastolic = vitals.systolic_mmhg, vitals.diastolic_mmhg
    if (systolic is None) != (diastolic is None):
        field = "diastolic_mmhg" if diastolic is None else "systolic_mmhg"
        raise InputError(field, "enter both blood pressures, systolic and diastolic")
    if systolic is not None and diastolic is not None and systolic <= diastolic:
        raise InputError("systolic_mmhg", "the systolic pressure must be above the diastolic")
    return vitals


@dataclass(frozen=True, slots=True)
class AlertRule:
    """A vital sign above or below a threshold raises an alert."""

    id: str
    measure: Measure
    above: float | None
    below: float | None
    message: str
    source: str

    def fires(self, value: float) -> bool:
        return (self.above is not None and value > self.above) or (
            self.below is not None and value < self.below
        )

    @property
    def threshold_text(self) -> str:
        unit = self.measure.unit
        if self.above is not None:
            return f"above {self.above:g} {unit}"
        return f"below {self.below:g} {unit}"


@dataclass(frozen=True, slots=True)
class CheckInPolicy:
    consent_required: bool
    fasting_hours: float
    escort_required: bool
    pregnancy_check: bool
    source: str


@dataclass(frozen=True, slots=True)
class DischargePolicy:
    score: str  # "aldrete" or "padss"
    minimum: int
    escort_required: bool
    predicted_level_ng_per_ml: float
    source: str


@dataclass(frozen=True, slots=True)
class CarePolicy:
    id: str
    version: str
    description: str
    approved_by: str | None
    check_in: CheckInPolicy
    vitals_interval_min: int
    vitals_source: str
    sedation_scale: str  # "rass" or "moaas"
    alerts: tuple[AlertRule, ...]
    discharge: DischargePolicy


def alerts_for(policy: CarePolicy, vitals: VitalSigns) -> tuple[tuple[AlertRule, float], ...]:
    """Every alert rule the vital signs fire, with the value that fired it."""
    fired = []
    for rule in policy.alerts:
        value = vitals.get(rule.measure)
        if value is not None and rule.fires(value):
            fired.append((rule, value))
    return tuple(fired)


# ------------------------------------------------------------------ loading


def _alert(item: object, where: str) -> AlertRule:
    data = _keys(
        item,
        where,
        {"id", "measure", "above", "below", "message", "source"},
        frozenset({"above", "below"}),
    )
    try:
        measure = Measure(data["measure"])
    except ValueError:
        raise InputError(
            f"{where}.measure", f"must be one of: {', '.join(m.value for m in Measure)}"
        ) from None
    low, high = PLAUSIBLE[measure]
    above = data.get("above")
    below = data.get("below")
    _require((above is None) != (below is None), where, "set exactly one of above, below")
    return AlertRule(
        id=_text(data, "id", where),
        measure=measure,
        above=None if above is None else _number(above, f"{where}.above", low, high),
        below=None if below is None else _number(below, f"{where}.below", low, high),
        message=_text(data, "message", where),
        source=_text(data, "source", where),
    )


def load_care_policy(document: Mapping[str, Any]) -> CarePolicy:
    """Validate a care-policy document; raises InputError naming the field."""
    top = {
        "schema",
        "id",
        "version",
        "description",
        "approved_by",
        "check_in",
        "vitals",
        "sedation_scale",
        "alerts",
        "discharge",
    }
    data = _keys(document, "", top, frozenset({"approved_by"}))
    _require(data["schema"] == CARE_SCHEMA, "schema", f"must be {CARE_SCHEMA!r}")
    c = _keys(
        data["check_in"],
        "check_in",
        {"consent_required", "fasting_hours", "escort_required", "pregnancy_check", "source"},
    )
    check_in = CheckInPolicy(
        consent_required=_bool(c["consent_required"], "check_in.consent_required"),
        fasting_hours=_number(c["fasting_hours"], "check_in.fasting_hours", 0, 24),
        escort_required=_bool(c["escort_required"], "check_in.escort_required"),
        pregnancy_check=_bool(c["pregnancy_check"], "check_in.pregnancy_check"),
        source=_text(c, "source", "check_in"),
    )
    v = _keys(data["vitals"], "vitals", {"interval_min", "source"})
    scale = data["sedation_scale"]
    _require(scale in ("rass", "moaas"), "sedation_scale", "must be rass or moaas")
    alerts_raw = data["alerts"]
    _require(isinstance(alerts_raw, list), "alerts", "must be a list")
    alerts = tuple(_alert(a, f"alerts[{i}]") for i, a in enumerate(alerts_raw))
    ids = [a.id for a in alerts]
    for i, aid in enumerate(ids):
        _require(ids.index(aid) == i, f"alerts[{i}].id", f"{aid!r} is used twice")
    d = _keys(
        data["discharge"],
        "discharge",
        {"score", "minimum", "escort_required", "predicted_level_ng_per_ml", "source"},
    )
    _require(d["score"] in ("aldrete", "padss"), "discharge.score", "must be aldrete or padss")
    approved = data.get("approved_by")
    _require(
        approved is None or isinstance(approved, str), "approved_by", "must be a string or null"
    )
    return CarePolicy(
        id=_text(data, "id", ""),
        version=_text(data, "version", ""),
        description=_text(data, "description", ""),
        approved_by=approved,
        check_in=check_in,
        vitals_interval_min=int(_number(v["interval_min"], "vitals.interval_min", 1, 120)),
        vitals_source=_text(v, "source", "vitals"),
        sedation_scale=str(scale),
        alerts=alerts,
        discharge=DischargePolicy(
            score=str(d["score"]),
            minimum=int(_number(d["minimum"], "discharge.minimum", 0, 10)),
            escort_required=_bool(d["escort_required"], "discharge.escort_required"),
            predicted_level_ng_per_ml=_number(
                d["predicted_level_ng_per_ml"], "discharge.predicted_level_ng_per_ml", 1, 10000
            ),
            source=_text(d, "source", "discharge"),
        ),
    )


def default_care_document() -> dict[str, Any]:
    """The care policy ketaclinic ships (a fresh copy), with a source for every value."""
    text = resources.files("ketacore.infusion").joinpath("data/default_care.json").read_text()
    document: dict[str, Any] = json.loads(text)
    return document
