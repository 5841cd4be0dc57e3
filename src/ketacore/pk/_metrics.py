"""Plan metrics: peaks, exact AUC, time in concentration bands, time to discharge level.

Canonical call::

    m = plan_metrics(parameters, regimen)          # defaults: bands and discharge level cited below
    m.cmax_ng_per_ml, m.band("analgesia").within_min, m.time_to_discharge_min

How each number is obtained (single patient):

* Cmax/Tmax: Cp and Ce are evaluated exactly on a dense grid (1 s by default, plus
  every event time); the best grid point is then refined on the exact solution with
  a bounded Brent search in the two neighbouring intervals. A peak narrower than
  the grid step could be missed; with a 1-s grid no ketamine model here has one.
* AUC: exact (mass-balance identity, see ``_solve``).
* Time within/above a band: each crossing of a band edge is located on the dense
  grid and refined with Brent's root finder on the exact solution, so the result is
  exact up to the root tolerance (1e-9 min) unless Cp crosses a level twice within
  one grid step.
* Time to discharge level: after the last dose every partial state s_i is >= 0 and
  decays exponentially, so Cp is strictly decreasing; the single crossing is found by
  Brent's method on the exact solution (no grid involved).
* Context-sensitive decrement time: the state reached by holding Cp constant for a
  duration D is known in closed form (A1 = C·V1, A_j = (k1j/kj1)·C·V1·(1 - e^(-kj1·D)));
  the time for Cp to fall by the given fraction is then a 1-D root of a sum of
  decaying exponentials.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ketacore.errors import InputError
from ketacore.pk._checks import finite_non_negative, finite_positive
from ketacore.pk._parameters import PkParameters
from ketacore.pk._pointwise import dense_grid
from ketacore.pk._regimen import Regimen
from ketacore.pk._solve import Modes, as_arrays, simulate_many
from ketacore.units import mg_per_l_from_ng_per_ml

__all__ = [
    "ANALGESIA_BAND",
    "DEFAULT_BANDS",
    "DEFAULT_DISCHARGE_NG_PER_ML",
    "DISSOCIATION_BAND",
    "BandTime",
    "ConcentrationBand",
    "PlanMetrics",
    "decrement_time_min",
    "plan_metrics",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ConcentrationBand:
    """A named concentration range.

    Args:
        name: Short name, e.g. ``"analgesia"``.
        low_ng_per_ml: Lower edge, ng/mL.
        high_ng_per_ml: Upper edge, ng/mL (``math.inf`` for "above low").
        source: Citation.

    Raises:
        InputError: Edges not finite/ordered.
    """

    name: str
    low_ng_per_ml: float
    high_ng_per_ml: float
    source: str = "caller"

    def __post_init__(self) -> None:
        finite_non_negative(self.low_ng_per_ml, f"bands.{self.name}.low_ng_per_ml")
        high = self.high_ng_per_ml
        if not (isinstance(high, int | float) and high > self.low_ng_per_ml):
            raise InputError(
                f"bands.{self.name}.high_ng_per_ml", "must be greater than low_ng_per_ml"
            )


#: Analgesia, roughly 70-160 ng/mL: Zanos et al., Pharmacol Rev 2018;70:621, Table 1
#: (Grant 1981; Clements 1982) [Zanos2018] [P].
ANALGESIA_BAND = ConcentrationBand(
    "analgesia", 70.0, 160.0, "Zanos et al. 2018, Table 1 [Zanos2018] [P]"
)
#: Dissociation, 100-250 ng/mL: Zanos 2018 Table 1 citing Krystal 1994 [Zanos2018] [P].
DISSOCIATION_BAND = ConcentrationBand(
    "dissociation", 100.0, 250.0, "Zanos et al. 2018, Table 1 [Zanos2018] [P]"
)
DEFAULT_BANDS: tuple[ConcentrationBand, ...] = (ANALGESIA_BAND, DISSOCIATION_BAND)
#: Default discharge level, ng/mL: the lower edge of the dissociative range (100 ng/mL,
#: Zanos 2018 / Krystal 1994 [Zanos2018] [P]). A project default so the metric has a cited anchor;
#: it is not a validated discharge criterion, and clinics should set their own.
DEFAULT_DISCHARGE_NG_PER_ML = 100.0

#: Dense evaluation step for peaks and band crossings, min (1 s).
_DENSE_STEP_MIN = 1.0 / 60.0


@dataclass(frozen=True, slots=True)
class BandTime:
    """Time spent in relation to one band (plasma or effect site).

    Attributes:
        band: The band.
        within_min: Minutes with low <= C <= high.
        above_min: Minutes with C > high.
    """

    band: ConcentrationBand
    within_min: float
    above_min: float


@dataclass(frozen=True, slots=True)
class PlanMetrics:
    """Summary of one regimen for one patient over ``[0, horizon_min]``.

    Attributes:
        horizon_min: End of the evaluation window, min.
        total_dose_mg: Every bolus and infusion amount of the regimen, mg.
        cmax_ng_per_ml: Plasma peak, ng/mL.
        tmax_min: Time of the plasma peak, min.
        effect_site_cmax_ng_per_ml: Effect-site peak, ng/mL.
        effect_site_tmax_min: Time of the effect-site peak, min.
        auc_ng_min_per_ml: Exact plasma AUC over the window, ng·min/mL.
        plasma_bands: Time within/above each band for Cp.
        effect_site_bands: Time within/above each band for Ce.
        end_of_dosing_min: Last bolus or infusion stop, min.
        discharge_ng_per_ml: Discharge level used, ng/mL.
        time_to_discharge_min: Minutes after ``end_of_dosing_min`` until Cp stays
            below the discharge level (0 if already below).
        warnings: Messages to show with the metrics.
    """

    horizon_min: float
    total_dose_mg: float
    cmax_ng_per_ml: float
    tmax_min: float
    effect_site_cmax_ng_per_ml: float
    effect_site_tmax_min: float
    auc_ng_min_per_ml: float
    plasma_bands: tuple[BandTime, ...]
    effect_site_bands: tuple[BandTime, ...]
    end_of_dosing_min: float
    discharge_ng_per_ml: float
    time_to_discharge_min: float
    warnings: tuple[str, ...] = ()

    def band(self, name: str, *, site: str = "plasma") -> BandTime:
        """Return the plasma (or ``site="effect_site"``) band time named ``name``."""
        bands = self.plasma_bands if site == "plasma" else self.effect_site_bands
        for b in bands:
            if b.band.name == name:
                return b
        raise InputError("band", f"no band named {name!r}")


def _evaluate(
    parameters: PkParameters, regimen: Regimen, times: FloatArray
) -> tuple[FloatArray, FloatArray]:
    order = np.argsort(times)
    sim = simulate_many(parameters, regimen, times[order])
    assert sim.effect_site_ng_per_ml is not None
    cp = np.empty_like(times)
    ce = np.empty_like(times)
    cp[order] = sim.plasma_ng_per_ml[0]
    ce[order] = sim.effect_site_ng_per_ml[0]
    return cp, ce


def _refine_peak(
    f: object, grid: FloatArray, values: FloatArray, horizon_min: float
) -> tuple[float, float]:
    # SciPy's optimisers are imported where used: importing them takes most of a second.
    from scipy.optimize import minimize_scalar

    k = int(np.argmax(values))
    best_t, best_c = float(grid[k]), float(values[k])
    lo = float(grid[max(k - 1, 0)])
    hi = float(grid[min(k + 1, grid.size - 1)])
    if hi > lo:
        res = minimize_scalar(
            lambda t: -f(t),  # type: ignore[operator]
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-9},
        )
        if -res.fun > best_c:
            best_t, best_c = float(res.x), float(-res.fun)
    return best_c, min(best_t, horizon_min)


def _band_times(
    f: object, grid: FloatArray, values: FloatArray, bands: Sequence[ConcentrationBand]
) -> tuple[BandTime, ...]:
    from scipy.optimize import brentq

    levels = sorted(
        {b.low_ng_per_ml for b in bands}
        | {b.high_ng_per_ml for b in bands if math.isfinite(b.high_ng_per_ml)}
    )
    cuts = [float(grid[0]), float(grid[-1])]
    for level in levels:
        sign = values > level
        for k in np.nonzero(sign[1:] != sign[:-1])[0]:
            a, b = float(grid[k]), float(grid[k + 1])
            cuts.append(brentq(lambda t, lv=level: f(t) - lv, a, b, xtol=1e-10))  # type: ignore[operator]
    edges = np.unique(np.array(cuts))
    mids = 0.5 * (edges[1:] + edges[:-1])
    lengths = np.diff(edges)
    mid_values = np.array([f(t) for t in mids]) if mids.size else np.zeros(0)  # type: ignore[operator]
    out = []
    for band in bands:
        within = (mid_values >= band.low_ng_per_ml) & (mid_values <= band.high_ng_per_ml)
        above = mid_values > band.high_ng_per_ml
        out.append(BandTime(band, float(lengths[within].sum()), float(lengths[above].sum())))
    return tuple(out)


def time_to_level_min(parameters: PkParameters, regimen: Regimen, level_ng_per_ml: float) -> float:
    """Minutes after the end of dosing until Cp falls to ``level_ng_per_ml`` (exact root)."""
    from scipy.optimize import brentq

    end = regimen.end_of_dosing_min

    def cp(t: float) -> float:
        return float(
            simulate_many(parameters, regimen, [t], effect_site=False).plasma_ng_per_ml[0, 0]
        )

    if cp(end) <= level_ng_per_ml:
        return 0.0
    span = 10.0
    while cp(end + span) > level_ng_per_ml:
        span *= 2.0
        if span > 1e6:
            raise InputError("discharge_ng_per_ml", "is never reached")
    return float(brentq(lambda t: cp(end + t) - level_ng_per_ml, 0.0, span, xtol=1e-9))


def plan_metrics(
    parameters: PkParameters,
    regimen: Regimen,
    *,
    horizon_min: float | None = None,
    bands: Sequence[ConcentrationBand] = DEFAULT_BANDS,
    discharge_ng_per_ml: float = DEFAULT_DISCHARGE_NG_PER_ML,
    dense_step_min: float = _DENSE_STEP_MIN,
) -> PlanMetrics:
    """Peaks, AUC, time in bands and time to discharge level for one plan.

    Args:
        parameters: The patient's parameters.
        regimen: The plan.
        horizon_min: End of the window, min. Default: end of dosing + 240 min.
        bands: Concentration bands (defaults: analgesia 70-160 and dissociation
            100-250 ng/mL, Zanos 2018 Table 1 [Zanos2018] [P]).
        discharge_ng_per_ml: Level Cp must fall below after dosing, ng/mL
            (default 100, see :data:`DEFAULT_DISCHARGE_NG_PER_ML`).
        dense_step_min: Grid step used to locate peaks and crossings, min.

    Returns:
        The metrics.

    Raises:
        InputError: Bad horizon, level or step.

    References:
        Source: Zanos et al. (2018), Pharmacol Rev 70:621, Table 1 [Zanos2018]
        (bands); the exact solution of ``_solve``; docs/references.md.
    """
    end = regimen.end_of_dosing_min
    horizon = (
        end + 240.0 if horizon_min is None else finite_non_negative(horizon_min, "horizon_min")
    )
    finite_positive(discharge_ng_per_ml, "discharge_ng_per_ml")
    finite_positive(dense_step_min, "dense_step_min")
    grid = dense_grid(regimen, horizon, dense_step_min)
    cp, ce = _evaluate(parameters, regimen, grid)

    def f_cp(t: float) -> float:
        return float(_evaluate(parameters, regimen, np.array([t]))[0][0])

    def f_ce(t: float) -> float:
        return float(_evaluate(parameters, regimen, np.array([t]))[1][0])

    cmax, tmax = _refine_peak(f_cp, grid, cp, horizon)
    ce_max, ce_tmax = _refine_peak(f_ce, grid, ce, horizon)
    auc = float(
        simulate_many(parameters, regimen, [horizon], effect_site=False).auc_ng_min_per_ml[0]
    )
    return PlanMetrics(
        horizon_min=horizon,
        total_dose_mg=regimen.total_dose_mg,
        cmax_ng_per_ml=cmax,
        tmax_min=tmax,
        effect_site_cmax_ng_per_ml=ce_max,
        effect_site_tmax_min=ce_tmax,
        auc_ng_min_per_ml=auc,
        plasma_bands=_band_times(f_cp, grid, cp, bands),
        effect_site_bands=_band_times(f_ce, grid, ce, bands),
        end_of_dosing_min=end,
        discharge_ng_per_ml=discharge_ng_per_ml,
        time_to_discharge_min=time_to_level_min(parameters, regimen, discharge_ng_per_ml),
        warnings=parameters.warnings,
    )


def decrement_time_min(
    parameters: PkParameters, infusion_duration_min: float, decrement_fraction: float = 0.5
) -> float:
    """Context-sensitive decrement time: minutes for Cp to fall by ``decrement_fraction``.

    The context is an infusion that holds Cp constant for ``infusion_duration_min``
    (Hughes' definition, as in opentiva's decrement times [Opentiva]; Hughes' own
    publication is not yet in docs/references.md); 0.5
    gives the context-sensitive half-time.

    Args:
        parameters: The patient's parameters.
        infusion_duration_min: How long Cp was held constant, min.
        decrement_fraction: Fraction of the concentration to lose, in (0, 1).

    Returns:
        Minutes after stopping until Cp = (1 - fraction)·C.

    Raises:
        InputError: Bad duration or fraction.
    """
    from scipy.optimize import brentq

    duration = finite_non_negative(infusion_duration_min, "infusion_duration_min")
    fraction = finite_positive(decrement_fraction, "decrement_fraction")
    if fraction >= 1:
        raise InputError("decrement_fraction", "must be < 1")
    p = parameters
    # Hold Cp = 1 mg/L: A1 = V1; peripheral j obeys dA_j/dt = k1j·V1 - kj1·A_j.
    amounts = [p.v1_l]
    for kin, kout in ((p.k12_per_min, p.k21_per_min), (p.k13_per_min, p.k31_per_min)):
        amounts.append(kin / kout * p.v1_l * -math.expm1(-kout * duration) if kout > 0 else 0.0)
    modes = Modes.of(as_arrays(p))
    n = modes.lam_per_min.shape[1]
    s0 = modes.plasma_states_from_amounts(np.array([amounts[:n]]))[0]
    lam = modes.lam_per_min[0]

    def cp(t: float) -> float:
        return float(np.sum(s0 * np.exp(-lam * t))) - (1.0 - fraction)

    span = 1.0
    while cp(span) > 0:
        span *= 2.0
    return float(brentq(cp, 0.0, span, xtol=1e-10))


def mg_per_l(conc_ng_per_ml: float) -> float:
    """ng/mL to mg/L (kept here for the compare module's ceilings)."""
    return mg_per_l_from_ng_per_ml(conc_ng_per_ml)
