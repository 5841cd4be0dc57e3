"""A protocol and a weight become pump settings, with every limit checked and every step shown.

:func:`calculate` turns a protocol of the clinic's library (``protocols``), the
patient's weight and the physician's choices (dose, duration; for the custom
protocol also the basis; concentration and bag volume) into the infusion rate in
mg/h and mL/h, rounded to the pump's precision, the total mg and mL, and the
result of every soft and hard limit that applies, at the starting rate and at
the highest rate titration allows. It never refuses a limit breach itself: it
reports it, so that a form or the CLI can list all of them.
:func:`require_within_hard_limits` is the refusal, called by every path that
stores a dose.

Titration's highest rate is *capped* at the hard ceilings (the rate ceiling, and
the session ceiling spread over the duration), as a smart pump would stop
there; the cap is shown. A starting dose above a hard limit is a breach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from ketacore.errors import InputError
from ketacore.infusion.protocols import DoseBasis, Limit, Protocol, ProtocolLibrary, Quantity

__all__ = [
    "WEIGHT_RANGE_KG",
    "DoseCalculation",
    "HardLimitError",
    "LimitCheck",
    "LimitStatus",
    "Step",
    "calculate",
    "require_within_hard_limits",
]

#: Weights outside this range are refused as typing errors (kg). A guard against
#: a slipped digit, not a clinical threshold.
WEIGHT_RANGE_KG = (20.0, 350.0)


class LimitStatus(StrEnum):
    WITHIN = "within"
    BELOW_SOFT_MIN = "below_soft_min"
    ABOVE_SOFT_MAX = "above_soft_max"
    ABOVE_HARD_MAX = "above_hard_max"

    @property
    def needs_reason(self) -> bool:
        return self in (LimitStatus.BELOW_SOFT_MIN, LimitStatus.ABOVE_SOFT_MAX)


class HardLimitError(InputError):
    """A dose above a hard limit: refused by every path (form, API, import, CLI)."""


@dataclass(frozen=True, slots=True)
class LimitCheck:
    """One limit applied to one figure of the plan."""

    limit: Limit
    value: float
    at: str  # "starting dose" or "titration maximum"
    status: LimitStatus

    @property
    def key(self) -> str:
        """Stable id of this check (a soft-limit reason is recorded against it)."""
        return f"{self.limit.scope}:{self.limit.quantity.value}:{self.status.value}"

    @property
    def message(self) -> str:
        q = self.limit.quantity
        scope = "drug-wide" if self.limit.scope == "library" else "this protocol's"
        value = f"{_fmt(self.value)} {q.unit}"
        if self.status is LimitStatus.ABOVE_HARD_MAX:
            return (
                f"{q.label} at the {self.at} is {value}, above {scope} hard limit of "
                f"{_fmt(self.limit.hard_max)} {q.unit}: not allowed"
            )
        if self.status is LimitStatus.ABOVE_SOFT_MAX:
            return (
                f"{q.label} at the {self.at} is {value}, above {scope} soft limit of "
                f"{_fmt(self.limit.soft_max)} {q.unit}: give a reason to go on"
            )
        if self.status is LimitStatus.BELOW_SOFT_MIN:
            return (
                f"{q.label} at the {self.at} is {value}, below {scope} lower soft limit of "
                f"{_fmt(self.limit.soft_min)} {q.unit}: check the dose, or give a reason"
            )
        return f"{q.label} at the {self.at} is {value}: within {scope} limits"

    def as_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.limit.quantity.value,
            "label": self.limit.quantity.label,
            "unit": self.limit.quantity.unit,
            "scope": self.limit.scope,
            "at": self.at,
            "value": _round(self.value),
            "soft_min": self.limit.soft_min,
            "soft_max": self.limit.soft_max,
            "hard_max": self.limit.hard_max,
            "status": self.status.value,
            "message": self.message,
            "source": self.limit.source,
        }


@dataclass(frozen=True, slots=True)
class Step:
    """How one figure was computed, for the page ("every figure shows how")."""

    label: str
    working: str
    value: float
    unit: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "working": self.working,
            "value": _round(self.value),
            "unit": self.unit,
        }


@dataclass(frozen=True, slots=True)
class DoseCalculation:
    """The figures of one infusion (see the module docstring)."""

    protocol_id: str
    basis: DoseBasis
    dose: float
    duration_min: float
    weight_kg: float
    rate_mg_per_h: float
    rate_mg_per_kg_per_h: float
    total_mg: float
    total_mg_per_kg: float
    concentration_mg_per_ml: float
    bag_volume_ml: float
    pump_rate_step_ml_per_h: float
    rate_ml_per_h_exact: float
    rate_ml_per_h: float
    pumped_rate_mg_per_h: float
    pumped_total_mg: float
    total_ml: float
    max_rate_mg_per_h: float
    max_total_mg: float
    hard_ceiling_rate_mg_per_h: float
    hard_ceiling_session_mg: float
    hard_ceiling_bolus_mg: float
    checks: tuple[LimitCheck, ...]
    steps: tuple[Step, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def hard_breaches(self) -> tuple[LimitCheck, ...]:
        return tuple(c for c in self.checks if c.status is LimitStatus.ABOVE_HARD_MAX)

    @property
    def soft_breaches(self) -> tuple[LimitCheck, ...]:
        return tuple(c for c in self.checks if c.status.needs_reason)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``ketaclinic dose`` (docs/infusions.md)."""
        return {
            "protocol_id": self.protocol_id,
            "dose_basis": self.basis.value,
            "dose": self.dose,
            "dose_unit": self.basis.unit,
            "duration_min": self.duration_min,
            "weight_kg": self.weight_kg,
            "rate_mg_per_h": _round(self.rate_mg_per_h),
            "rate_mg_per_kg_per_h": _round(self.rate_mg_per_kg_per_h),
            "total_mg": _round(self.total_mg),
            "total_mg_per_kg": _round(self.total_mg_per_kg),
            "concentration_mg_per_ml": self.concentration_mg_per_ml,
            "bag_volume_ml": self.bag_volume_ml,
            "pump": {
                "rate_step_ml_per_h": self.pump_rate_step_ml_per_h,
                "rate_ml_per_h_exact": _round(self.rate_ml_per_h_exact),
                "rate_ml_per_h": _round(self.rate_ml_per_h),
                "rate_mg_per_h": _round(self.pumped_rate_mg_per_h),
                "total_ml": _round(self.total_ml),
                "total_mg": _round(self.pumped_total_mg),
            },
            "titration": {
                "max_rate_mg_per_h": _round(self.max_rate_mg_per_h),
                "max_total_mg": _round(self.max_total_mg),
            },
            "hard_ceilings": {
                "rate_mg_per_h": _round(self.hard_ceiling_rate_mg_per_h),
                "session_mg": _round(self.hard_ceiling_session_mg),
                "bolus_mg": _round(self.hard_ceiling_bolus_mg),
            },
            "limits": [c.as_dict() for c in self.checks],
            "hard_limit_breached": bool(self.hard_breaches),
            "soft_limits_needing_a_reason": [c.key for c in self.soft_breaches],
            "steps": [s.as_dict() for s in self.steps],
            "warnings": list(self.warnings),
        }


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"


def _round(value: float) -> float:
    """For JSON and pages: 6 significant decimals hide binary noise (0.30000000000000004)."""
    return float(f"{value:.6g}") if value else 0.0


def _check(limit: Limit, value: float, at: str) -> LimitCheck:
    tol = 1e-9 * max(1.0, abs(value))  # a rate equal to a limit is within it
    if limit.hard_max is not None and value > limit.hard_max + tol:
        status = LimitStatus.ABOVE_HARD_MAX
    elif limit.soft_max is not None and value > limit.soft_max + tol:
        status = LimitStatus.ABOVE_SOFT_MAX
    elif limit.soft_min is not None and value < limit.soft_min - tol:
        status = LimitStatus.BELOW_SOFT_MIN
    else:
        status = LimitStatus.WITHIN
    return LimitCheck(limit, value, at, status)


def _ceiling(limits: tuple[Limit, ...], quantity: Quantity) -> float | None:
    values = [x.hard_max for x in limits if x.quantity is quantity and x.hard_max is not None]
    return min(values) if values else None


def _number(value: float | None, name: str, default: float) -> float:
    if value is None:
        return default
    if not (isinstance(value, int | float) and not isinstance(value, bool)) or not value > 0:
        raise InputError(name, "must be a number > 0")
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError(name, "must be a finite number > 0")
    return float(value)


def calculate(
    library: ProtocolLibrary,
    protocol: Protocol,
    *,
    weight_kg: float,
    dose: float | None = None,
    duration_min: float | None = None,
    basis: DoseBasis | None = None,
    concentration_mg_per_ml: float | None = None,
    bag_volume_ml: float | None = None,
) -> DoseCalculation:
    """The figures of one infusion of ``protocol`` for a patient of ``weight_kg``.

    Args:
        library: The library in force (drug-wide limits, pump precision).
        protocol: One of its protocols.
        weight_kg: The patient's weight.
        dose: In the basis's unit (default: the protocol's dose).
        duration_min: Default the protocol's; must lie in its duration range.
        basis: Only for a custom protocol (default: the protocol's basis).
        concentration_mg_per_ml: Default the protocol's.
        bag_volume_ml: Default the protocol's.

    Returns:
        The calculation, with limit checks (breaches reported, not raised).

    Raises:
        InputError: Naming the field: a weight outside ``WEIGHT_RANGE_KG``, a
            duration outside the protocol's range, a basis change on a
            protocol that is not custom, or a bag too small for the dose.
    """
    weight = _number(weight_kg, "weight_kg", 0.0)
    low_w, high_w = WEIGHT_RANGE_KG
    if not low_w <= weight <= high_w:
        raise InputError("weight_kg", f"must be from {low_w:g} to {high_w:g} kg")
    chosen_basis = protocol.basis if basis is None else DoseBasis(basis)
    if chosen_basis is not protocol.basis:
        if not protocol.custom:
            raise InputError("dose_basis", "can only be changed on the custom protocol")
        if dose is None:
            raise InputError("dose", f"is required in {chosen_basis.unit} when the basis changes")
    amount = _number(dose, "dose", protocol.dose)
    minutes = _number(duration_min, "duration_min", protocol.duration_min)
    low_d, high_d = protocol.duration_range_min
    if not low_d <= minutes <= high_d:
        raise InputError(
            "duration_min", f"must be from {low_d:g} to {high_d:g} minutes for {protocol.name}"
        )
    conc = _number(
        concentration_mg_per_ml, "concentration_mg_per_ml", protocol.concentration_mg_per_ml
    )
    bag = _number(bag_volume_ml, "bag_volume_ml", protocol.bag_volume_ml)
    hours = minutes / 60.0
    u = chosen_basis.unit
    steps: list[Step] = []
    warnings: list[str] = []

    if chosen_basis is DoseBasis.MG_PER_KG_PER_H:
        rate = amount * weight
        steps.append(Step("Rate", f"{_fmt(amount)} {u} × {_fmt(weight)} kg", rate, "mg/h"))
    elif chosen_basis is DoseBasis.MG_PER_H:
        rate = amount
        steps.append(Step("Rate", f"{_fmt(amount)} mg/h as prescribed", rate, "mg/h"))
    else:
        total = amount * weight if chosen_basis is DoseBasis.MG_PER_KG else amount
        if chosen_basis is DoseBasis.MG_PER_KG:
            steps.append(Step("Dose", f"{_fmt(amount)} mg/kg × {_fmt(weight)} kg", total, "mg"))
        rate = total / hours
        steps.append(Step("Rate", f"{_fmt(total)} mg ÷ {_fmt(minutes)} min × 60", rate, "mg/h"))
    total_mg = rate * hours
    steps.append(
        Step("Dose in the session", f"{_fmt(rate)} mg/h × {_fmt(minutes)} min ÷ 60", total_mg, "mg")
    )

    limits = library.limits_for(protocol)
    rate_ceiling = _ceiling(limits, Quantity.RATE_MG_PER_H)
    per_kg = _ceiling(limits, Quantity.RATE_MG_PER_KG_PER_H)
    candidates = [c for c in (rate_ceiling, None if per_kg is None else per_kg * weight) if c]
    session_per_kg = _ceiling(limits, Quantity.SESSION_MG_PER_KG)
    session_mg = _ceiling(limits, Quantity.SESSION_MG)
    assert session_mg is not None  # the loader requires it
    session_ceiling = (
        session_mg if session_per_kg is None else min(session_mg, session_per_kg * weight)
    )
    candidates.append(session_ceiling / hours)
    hard_rate = min(candidates)
    bolus_ceiling = _ceiling(limits, Quantity.BOLUS_MG)
    assert bolus_ceiling is not None  # the loader requires it

    max_rate = rate
    titration = protocol.titration if chosen_basis is protocol.basis else None
    if titration is not None:
        top = titration.max * (weight if chosen_basis.per_kg else 1.0)
        max_rate = max(rate, top)
        steps.append(
            Step(
                "Highest rate by titration",
                f"{_fmt(titration.max)} {u}"
                + (f" × {_fmt(weight)} kg" if chosen_basis.per_kg else ""),
                max_rate,
                "mg/h",
            )
        )
        if max_rate > hard_rate >= rate:
            steps.append(
                Step(
                    "Highest rate, capped",
                    f"capped at the hard ceiling of {_fmt(hard_rate)} mg/h",
                    hard_rate,
                    "mg/h",
                )
            )
            max_rate = hard_rate
    max_total = max_rate * hours

    checks: list[LimitCheck] = []
    figures = {
        Quantity.RATE_MG_PER_H: (rate, max_rate),
        Quantity.RATE_MG_PER_KG_PER_H: (rate / weight, max_rate / weight),
        Quantity.SESSION_MG: (total_mg, max_total),
        Quantity.SESSION_MG_PER_KG: (total_mg / weight, max_total / weight),
    }
    for limit in limits:
        if limit.quantity is Quantity.BOLUS_MG:
            continue
        start, top = figures[limit.quantity]
        first = _check(limit, start, "starting dose")
        checks.append(first)
        if top > start * (1 + 1e-12) and first.status is not LimitStatus.ABOVE_HARD_MAX:
            later = _check(limit, top, "titration maximum")
            if later.status is not LimitStatus.WITHIN and later.status is not first.status:
                checks.append(later)

    # The pump: mL/h rounded to its precision, never rounded above a hard ceiling.
    step_ml = library.pump_rate_step_ml_per_h
    exact_ml = rate / conc
    quantum = Decimal(str(step_ml))
    rounded = (Decimal(repr(exact_ml)) / quantum).quantize(Decimal(1), ROUND_HALF_UP) * quantum
    if float(rounded) * conc > hard_rate and exact_ml * conc <= hard_rate:
        rounded = (Decimal(repr(exact_ml)) / quantum).quantize(Decimal(1), ROUND_DOWN) * quantum
    rate_ml = float(rounded)
    if rate_ml <= 0:
        raise InputError("dose", f"gives a pump rate below the pump's step of {step_ml:g} mL/h")
    steps.append(
        Step(
            "Pump rate",
            f"{_fmt(rate)} mg/h ÷ {_fmt(conc)} mg/mL = {_fmt(exact_ml)} mL/h, "
            f"rounded to the pump's {step_ml:g} mL/h",
            rate_ml,
            "mL/h",
        )
    )
    total_ml = rate_ml * hours
    steps.append(Step("Volume", f"{_fmt(rate_ml)} mL/h × {_fmt(minutes)} min ÷ 60", total_ml, "mL"))
    pumped_rate = rate_ml * conc
    pumped_total = pumped_rate * hours
    steps.append(
        Step(
            "Dose as the pump gives it",
            f"{_fmt(rate_ml)} mL/h × {_fmt(conc)} mg/mL × {_fmt(minutes)} min ÷ 60",
            pumped_total,
            "mg",
        )
    )
    over_hard = any(c.status is LimitStatus.ABOVE_HARD_MAX for c in checks)
    if total_ml > bag * (1 + 1e-9) and not over_hard:  # a hard breach is the first thing to say
        raise InputError(
            "bag_volume_ml",
            f"the bag holds {bag:g} mL but the infusion needs {_fmt(total_ml)} mL: "
            "use a larger bag or a higher concentration",
        )
    if max_rate / conc * hours > bag * (1 + 1e-9):
        warnings.append(
            f"At the titration maximum the infusion would need {_fmt(max_rate / conc * hours)} mL, "
            f"more than the {bag:g} mL bag."
        )
    return DoseCalculation(
        protocol_id=protocol.id,
        basis=chosen_basis,
        dose=amount,
        duration_min=minutes,
        weight_kg=weight,
        rate_mg_per_h=rate,
        rate_mg_per_kg_per_h=rate / weight,
        total_mg=total_mg,
        total_mg_per_kg=total_mg / weight,
        concentration_mg_per_ml=conc,
        bag_volume_ml=bag,
        pump_rate_step_ml_per_h=step_ml,
        rate_ml_per_h_exact=exact_ml,
        rate_ml_per_h=rate_ml,
        pumped_rate_mg_per_h=pumped_rate,
        pumped_total_mg=pumped_total,
        total_ml=total_ml,
        max_rate_mg_per_h=max_rate,
        max_total_mg=max_total,
        hard_ceiling_rate_mg_per_h=hard_rate,
        hard_ceiling_session_mg=session_ceiling,
        hard_ceiling_bolus_mg=bolus_ceiling,
        checks=tuple(checks),
        steps=tuple(steps),
        warnings=tuple(warnings),
    )


def require_within_hard_limits(calculation: DoseCalculation) -> None:
    """Refuse a calculation that breaks a hard limit, naming the limit.

    Raises:
        HardLimitError: With ``field`` the limit's quantity and the rule its message.
    """
    breaches = calculation.hard_breaches
    if breaches:
        first = breaches[0]
        raise HardLimitError(
            first.limit.quantity.value,
            "; ".join(b.message for b in breaches) + f" ({first.limit.source})",
        )
