"""Target-controlled infusion (TCI): plasma (Jacobs 1990) and effect-site (Shafer & Gregg 1992).

Canonical call::

    plan = plan_tci(params, targets=(TciTarget(0.0, 200.0),), duration_min=60.0,
                    settings=TciSettings(syringe_mg_per_ml=10.0))

Both algorithms make one decision per update period Δ (10 s by convention, as in
R ``tci`` [TciR] and STANPUMP [Shafer1992]), hold that rate for the period, and
advance the model exactly
(the same modal update as ``_solve``). Linearity gives each decision in closed form:

* Plasma (Jacobs-style, Jacobs 1990 [Jacobs1990]): B = Cp at the end of the period with
  no input (free response), U = Cp at the end of the period from a unit rate into
  an empty patient; rate = (target - B)/U, clamped to [0, pump maximum] *before*
  the state is advanced.
* Effect site (Shafer & Gregg 1992 [Shafer1992]): E(t) is the effect-site
  response to a unit rate over one period, B(t) the free effect-site response of
  the current state, both on a 0.1-s grid up to 10 min ahead (R ``tci`` [TciR]
  searches 10 min). The rate I solves max_t B(t) + I·E(t) = target by the fixed-point
  iteration I = (target - B(t*))/E(t*), t* = argmax(B + I·E), until t* stops moving;
  I = 0 when the free response already reaches the target. The same rule, applied
  every period, also maintains the target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ketacore.errors import InputError
from ketacore.pk._checks import finite_non_negative, finite_positive
from ketacore.pk._parameters import PkParameters
from ketacore.pk._regimen import Infusion, Regimen
from ketacore.pk._solve import Modes, as_arrays, simulate
from ketacore.units import mg_per_l_from_ng_per_ml

__all__ = ["TciPlan", "TciSettings", "TciTarget", "plan_tci"]

FloatArray = NDArray[np.float64]

#: Effect-site look-ahead and its resolution, min (10 min as in R ``tci``; 0.1 s).
_SEARCH_HORIZON_MIN = 10.0
_SEARCH_STEP_MIN = 0.1 / 60.0


@dataclass(frozen=True, slots=True)
class TciTarget:
    """A target concentration from ``start_min`` until the next target.

    Args:
        start_min: When the target takes effect, min.
        target_ng_per_ml: Target, ng/mL (0 stops the infusion).
    """

    start_min: float
    target_ng_per_ml: float

    def __post_init__(self) -> None:
        finite_non_negative(self.start_min, "start_min")
        finite_non_negative(self.target_ng_per_ml, "target_ng_per_ml")


@dataclass(frozen=True, slots=True)
class TciSettings:
    """Pump settings.

    Args:
        syringe_mg_per_ml: Concentration in the syringe, mg/mL (converts mg/min to mL/h).
        pump_max_ml_per_h: Pump maximum, mL/h. Default 1200 mL/h, the default of
            opentiva [Opentiva] and R ``tci`` [TciR] (``maxrt = 1200``) [I].
        period_min: Update period, min. Default 10 s (the convention of [TciR] and
            [Shafer1992]).
        site: ``"plasma"`` or ``"effect_site"``.

    Raises:
        InputError: Non-positive values or an unknown site.
    """

    syringe_mg_per_ml: float
    pump_max_ml_per_h: float = 1200.0
    period_min: float = 10.0 / 60.0
    site: str = "plasma"

    def __post_init__(self) -> None:
        finite_positive(self.syringe_mg_per_ml, "syringe_mg_per_ml")
        finite_positive(self.pump_max_ml_per_h, "pump_max_ml_per_h")
        finite_positive(self.period_min, "period_min")
        if self.site not in ("plasma", "effect_site"):
            raise InputError("site", "must be 'plasma' or 'effect_site'")

    @property
    def max_rate_mg_per_min(self) -> float:
        """Pump maximum in mg/min = mL/h × mg/mL / 60."""
        return self.pump_max_ml_per_h * self.syringe_mg_per_ml / 60.0


@dataclass(frozen=True, slots=True, eq=False)
class TciPlan:
    """Rates per update period and the concentrations they are predicted to give.

    Attributes:
        period_start_min: Start of each period, shape (K,), min.
        rate_mg_per_min: Rate held during each period, shape (K,), mg/min.
        rate_ml_per_h: The same in mL/h for the syringe, shape (K,).
        times_min: Prediction grid, shape (T,), min.
        plasma_ng_per_ml: Predicted Cp, shape (T,), ng/mL.
        effect_site_ng_per_ml: Predicted Ce, shape (T,), ng/mL.
        total_dose_mg: Amount delivered, mg.
        settings: Pump settings used.
        targets: Targets used.
        warnings: Messages to show with the plan.
    """

    period_start_min: FloatArray
    rate_mg_per_min: FloatArray
    rate_ml_per_h: FloatArray
    times_min: FloatArray
    plasma_ng_per_ml: FloatArray
    effect_site_ng_per_ml: FloatArray
    total_dose_mg: float
    settings: TciSettings
    targets: tuple[TciTarget, ...]
    warnings: tuple[str, ...] = ()

    @property
    def regimen(self) -> Regimen:
        """The plan as a regimen of back-to-back constant-rate infusions."""
        period = self.settings.period_min
        return Regimen(
            infusions=tuple(
                Infusion(float(t), period, float(r))
                for t, r in zip(self.period_start_min, self.rate_mg_per_min, strict=True)
                if r > 0
            )
        )


def _target_at(targets: Sequence[TciTarget], t_min: float) -> float:
    current = 0.0
    for target in targets:
        if target.start_min <= t_min + 1e-12:
            current = target.target_ng_per_ml
    return mg_per_l_from_ng_per_ml(current)


def plan_tci(
    parameters: PkParameters,
    *,
    targets: Sequence[TciTarget],
    duration_min: float,
    settings: TciSettings,
    output_step_min: float | None = None,
) -> TciPlan:
    """Plan a TCI session and predict its concentrations.

    Args:
        parameters: The patient's parameters.
        targets: Targets in ng/mL with their start times, sorted by start.
        duration_min: Length of the session, min.
        settings: Pump, syringe, period and target site.
        output_step_min: Prediction grid step, min (default: 1 s).

    Returns:
        Rates per period (clamped to [0, pump maximum]) and predicted Cp/Ce.

    Raises:
        InputError: Empty or unsorted targets, or a bad duration.

    References:
        Source: Jacobs (1990), IEEE Trans Biomed Eng, doi:10.1109/10.43622
        [Jacobs1990] (plasma); Shafer SL, Gregg KM (1992), J Pharmacokinet Biopharm
        20:147-169 [Shafer1992] (effect site); docs/references.md.
    """
    if not targets:
        raise InputError("targets", "must list at least one target")
    starts = [t.start_min for t in targets]
    if starts != sorted(starts):
        raise InputError("targets", "must be sorted by start_min")
    duration = finite_positive(duration_min, "duration_min")
    period = settings.period_min
    count = int(np.ceil(duration / period - 1e-9))
    modes = Modes.of(as_arrays(parameters))
    decay, gain, ke_decay, alpha, beta = (a[0] for a in modes.step(period))
    unit_plasma = float(gain.sum())  # Cp at Δ from 1 mg/min over Δ, mg/L
    max_rate = settings.max_rate_mg_per_min

    if settings.site == "effect_site":
        horizon = np.arange(1, int(_SEARCH_HORIZON_MIN / _SEARCH_STEP_MIN) + 1) * _SEARCH_STEP_MIN
        # Free response over the horizon: Ce(t) = e^(-ke0 t)·Ce + Σ ke0·φ_i(t)·s_i.
        free_coef = [modes.step(float(t)) for t in horizon]
        free_ke = np.array([c[2][0] for c in free_coef])
        free_alpha = np.array([c[3][0] for c in free_coef])
        # Unit response E(t): 1 mg/min for one period, then nothing.
        unit_s = gain
        unit_ce = float(beta)
        unit_effect = np.where(
            horizon <= period,
            np.nan,  # filled below by simulation of the same rule
            0.0,
        )
        # After the period: E(t) = free response of (unit_s, unit_ce) at t - Δ.
        later = horizon > period
        shifted = [modes.step(float(t - period)) for t in horizon[later]]
        unit_effect[later] = [c[2][0] * unit_ce + float(np.dot(c[3][0], unit_s)) for c in shifted]
        within = ~later
        unit_effect[within] = [float(modes.step(float(t))[4][0]) for t in horizon[within]]

    s = np.zeros_like(decay)
    ce = 0.0
    rates = np.zeros(count)
    for k in range(count):
        target = _target_at(targets, k * period)
        if settings.site == "plasma":
            free = float(np.dot(s, decay))
            rate = (target - free) / unit_plasma
        else:
            free_curve = free_ke * ce + free_alpha @ s
            if target <= 0 or free_curve.max() >= target:
                rate = 0.0
            else:
                peak = int(np.argmax(unit_effect))
                rate = 0.0
                for _ in range(100):
                    rate = (target - free_curve[peak]) / unit_effect[peak]
                    new_peak = int(np.argmax(free_curve + rate * unit_effect))
                    if new_peak == peak:
                        break
                    peak = new_peak
        # Clamp before advancing the state (applying an unclamped negative rate was a
        # bug in legacy PyTCI [PyTCI]; PyTCI 1.2 clamps first).
        rate = min(max(rate, 0.0), max_rate)
        rates[k] = rate
        ce = float(ke_decay) * ce + float(np.dot(alpha, s)) + rate * float(beta)
        s = s * decay + rate * gain

    period_start = np.arange(count, dtype=np.float64) * period
    step = (
        (1.0 / 60.0)
        if output_step_min is None
        else finite_positive(output_step_min, "output_step_min")
    )
    times = np.union1d(np.arange(0.0, duration, step), [duration])
    plan_regimen = Regimen(
        infusions=tuple(
            Infusion(float(t), min(period, duration - float(t)), float(r))
            for t, r in zip(period_start, rates, strict=True)
            if r > 0
        )
    )
    sim = simulate(parameters, plan_regimen, times)
    return TciPlan(
        period_start_min=period_start,
        rate_mg_per_min=rates,
        rate_ml_per_h=rates * 60.0 / settings.syringe_mg_per_ml,
        times_min=times,
        plasma_ng_per_ml=sim.plasma_ng_per_ml,
        effect_site_ng_per_ml=sim.effect_site_ng_per_ml,
        total_dose_mg=plan_regimen.total_dose_mg,
        settings=settings,
        targets=tuple(targets),
        warnings=parameters.warnings,
    )
