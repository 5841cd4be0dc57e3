"""Compare infusion plans and solve for the duration or dose that respects a ceiling.

Canonical call::

    table = compare_plans(params, same_dose_options(35.0, (40, 60, 120, 240)))
    shortest = shortest_duration_under_ceiling(params, dose_mg=35.0, ceiling_ng_per_ml=200.0)
    largest = largest_dose_under_ceiling(params, ceiling_ng_per_ml=200.0, chair_time_min=120.0)

Why the solves are exact
------------------------
For one constant-rate infusion of dose D over T minutes into an empty patient, each
partial state rises monotonically from 0 during the infusion and decays afterwards
(C_i >= 0, see ``_solve``), so the plasma peak is at the end of the infusion::

    Cmax(D, T) = Cp(T) = (D/T)·Σ_i C_i·(1 - e^(-λ_i·T))/λ_i = D·Σ_i C_i·h(λ_i·T),

with h(x) = (1 - e^(-x))/x strictly decreasing. So Cmax is linear in D and strictly
decreasing in T: the largest dose under a ceiling is ceiling/Cmax(1 mg, T) at the
longest allowed T, and the shortest duration is the unique root of
Cmax(D, T) = ceiling, found with Brent's method. The effect-site peak has no such
closed form: its solve evaluates Ce peaks on a duration grid, checks that they
decrease (reported in ``monotone``), and brackets the first crossing before Brent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ketacore.errors import InputError
from ketacore.pk._checks import finite_positive
from ketacore.pk._metrics import (
    DEFAULT_BANDS,
    DEFAULT_DISCHARGE_NG_PER_ML,
    ConcentrationBand,
    PlanMetrics,
    plan_metrics,
)
from ketacore.pk._parameters import PkParameters
from ketacore.pk._regimen import Regimen
from ketacore.pk._solve import Modes, as_arrays
from ketacore.units import ng_per_ml_from_mg_per_l

__all__ = [
    "CeilingSolution",
    "Comparison",
    "PlanOption",
    "compare_plans",
    "largest_dose_under_ceiling",
    "same_dose_options",
    "same_duration_options",
    "shortest_duration_under_ceiling",
]

_SITES = ("plasma", "effect_site")


@dataclass(frozen=True, slots=True)
class PlanOption:
    """One candidate plan.

    Args:
        label: Name shown in tables and legends.
        regimen: The plan.
    """

    label: str
    regimen: Regimen


@dataclass(frozen=True, slots=True)
class Comparison:
    """Metrics of several plans for the same patient.

    Attributes:
        options: The plans, in the order given.
        metrics: One :class:`PlanMetrics` per option.
        horizon_min: Common evaluation window, min.
    """

    options: tuple[PlanOption, ...]
    metrics: tuple[PlanMetrics, ...]
    horizon_min: float


@dataclass(frozen=True, slots=True)
class CeilingSolution:
    """Result of a ceiling solve.

    Attributes:
        dose_mg: Dose, mg.
        duration_min: Infusion duration, min.
        rate_mg_per_min: Constant rate, mg/min.
        cmax_ng_per_ml: Peak at the solution (equals the ceiling unless the bound was
            not active), ng/mL.
        site: ``"plasma"`` or ``"effect_site"``.
        monotone: Whether peak-vs-duration was verified to be decreasing.
        note: How the solution was obtained.
    """

    dose_mg: float
    duration_min: float
    rate_mg_per_min: float
    cmax_ng_per_ml: float
    site: str
    monotone: bool
    note: str


def same_dose_options(dose_mg: float, durations_min: Sequence[float]) -> tuple[PlanOption, ...]:
    """Plans giving ``dose_mg`` at a constant rate over each duration (e.g. 40-240 min)."""
    return tuple(
        PlanOption(f"{dose_mg:g} mg over {d:g} min", Regimen.constant_infusion(dose_mg, d))
        for d in durations_min
    )


def same_duration_options(
    duration_min: float, rates_mg_per_min: Sequence[float]
) -> tuple[PlanOption, ...]:
    """Plans of one duration at each of several constant rates."""
    return tuple(
        PlanOption(
            f"{r:g} mg/min over {duration_min:g} min",
            Regimen.build(infusions=[(0.0, duration_min, r)]),
        )
        for r in rates_mg_per_min
    )


def compare_plans(
    parameters: PkParameters,
    options: Sequence[PlanOption],
    *,
    horizon_min: float | None = None,
    bands: Sequence[ConcentrationBand] = DEFAULT_BANDS,
    discharge_ng_per_ml: float = DEFAULT_DISCHARGE_NG_PER_ML,
) -> Comparison:
    """Metrics of each plan on a common window.

    Args:
        parameters: The patient's parameters.
        options: Plans to compare (at least one).
        horizon_min: Common window, min; default the latest end of dosing + 240 min.
        bands: Concentration bands.
        discharge_ng_per_ml: Discharge level, ng/mL.

    Returns:
        The comparison.

    Raises:
        InputError: No options, or bad settings.
    """
    if not options:
        raise InputError("options", "must list at least one plan")
    horizon = (
        max(o.regimen.end_of_dosing_min for o in options) + 240.0
        if horizon_min is None
        else horizon_min
    )
    metrics = tuple(
        plan_metrics(
            parameters,
            o.regimen,
            horizon_min=horizon,
            bands=bands,
            discharge_ng_per_ml=discharge_ng_per_ml,
        )
        for o in options
    )
    return Comparison(tuple(options), metrics, horizon)


def _plasma_peak_per_mg(parameters: PkParameters, duration_min: float) -> float:
    """Plasma Cmax (mg/L) per mg for a constant infusion over ``duration_min`` (closed form)."""
    modes = Modes.of(as_arrays(parameters))
    x = modes.lam_per_min[0] * duration_min
    h = np.where(x < 1e-8, 1.0 - 0.5 * x, -np.expm1(-x) / np.where(x < 1e-8, 1.0, x))
    return float(np.sum(modes.coef_per_l[0] * h))


def _peak_ng_per_ml(
    parameters: PkParameters, dose_mg: float, duration_min: float, site: str
) -> float:
    if site == "plasma":
        return ng_per_ml_from_mg_per_l(dose_mg * _plasma_peak_per_mg(parameters, duration_min))
    m = plan_metrics(
        parameters,
        Regimen.constant_infusion(dose_mg, duration_min),
        horizon_min=duration_min + 60.0,
        bands=(),
        dense_step_min=1.0 / 6.0,
    )
    return m.effect_site_cmax_ng_per_ml


def _check_site(site: str) -> None:
    if site not in _SITES:
        raise InputError("site", f"must be one of {', '.join(_SITES)}")


def shortest_duration_under_ceiling(
    parameters: PkParameters,
    *,
    dose_mg: float,
    ceiling_ng_per_ml: float,
    site: str = "plasma",
    min_duration_min: float = 1.0,
    max_duration_min: float = 24 * 60.0,
) -> CeilingSolution:
    """Shortest constant-rate duration that keeps the peak at or below a ceiling.

    Args:
        parameters: The patient's parameters.
        dose_mg: Total dose, mg.
        ceiling_ng_per_ml: Peak limit, ng/mL.
        site: ``"plasma"`` (exact closed form) or ``"effect_site"``.
        min_duration_min: Shortest duration considered, min.
        max_duration_min: Longest duration considered, min.

    Returns:
        The solution; ``duration_min`` equals ``min_duration_min`` when even that
        keeps the peak under the ceiling.

    Raises:
        InputError: The ceiling cannot be met within ``max_duration_min``.
    """
    # Imported here, as every SciPy optimiser in ketacore.pk: it takes most of a second.
    from scipy.optimize import brentq

    _check_site(site)
    dose = finite_positive(dose_mg, "dose_mg")
    ceiling = finite_positive(ceiling_ng_per_ml, "ceiling_ng_per_ml")
    lo = finite_positive(min_duration_min, "min_duration_min")
    hi = finite_positive(max_duration_min, "max_duration_min")

    def excess(log_t: float) -> float:
        return _peak_ng_per_ml(parameters, dose, math.exp(log_t), site) - ceiling

    grid = np.linspace(math.log(lo), math.log(hi), 9 if site == "effect_site" else 41)
    values = np.array([excess(g) for g in grid])
    monotone = bool(np.all(np.diff(values) < 0))
    if values[0] <= 0:
        return CeilingSolution(
            dose,
            lo,
            dose / lo,
            values[0] + ceiling,
            site,
            monotone,
            "minimum duration already under the ceiling",
        )
    below = np.nonzero(values <= 0)[0]
    if below.size == 0:
        raise InputError("ceiling_ng_per_ml", f"cannot be met with {dose:g} mg within {hi:g} min")
    k = int(below[0])
    log_t = brentq(excess, grid[k - 1], grid[k], xtol=1e-12)
    t = math.exp(log_t)
    return CeilingSolution(
        dose,
        t,
        dose / t,
        excess(log_t) + ceiling,
        site,
        monotone,
        "Brent's method on peak(duration) - ceiling, bracketed on a log-spaced grid",
    )


def largest_dose_under_ceiling(
    parameters: PkParameters,
    *,
    ceiling_ng_per_ml: float,
    chair_time_min: float,
    site: str = "plasma",
) -> CeilingSolution:
    """Largest constant-rate dose whose peak stays at the ceiling, within a chair-time budget.

    The infusion may last at most ``chair_time_min``. The peak per mg decreases with
    duration (module docstring), so the best plan uses the whole budget and, by
    linearity, dose = ceiling / peak(1 mg, budget). For the effect site the
    per-mg peak is computed numerically (still exact linearity).

    Args:
        parameters: The patient's parameters.
        ceiling_ng_per_ml: Peak limit, ng/mL.
        chair_time_min: Longest infusion the chair time allows, min.
        site: ``"plasma"`` or ``"effect_site"``.

    Returns:
        The solution.

    Raises:
        InputError: Bad ceiling, budget or site.
    """
    _check_site(site)
    ceiling = finite_positive(ceiling_ng_per_ml, "ceiling_ng_per_ml")
    budget = finite_positive(chair_time_min, "chair_time_min")
    per_mg = _peak_ng_per_ml(parameters, 1.0, budget, site)
    dose = ceiling / per_mg
    return CeilingSolution(
        dose,
        budget,
        dose / budget,
        per_mg * dose,
        site,
        site == "plasma",
        "linearity: dose = ceiling / peak per mg at the longest allowed duration",
    )
