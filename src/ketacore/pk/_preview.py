"""Preview of one dose given over different durations, fast enough to follow a slider.

Canonical call::

    view = preview(get_model("domino"), Patient(weight_kg=70, age_years=45),
                   dose_mg=35.0, chosen_duration_min=60.0)
    view.times_min                      # the chart grid, min
    view.chosen.plasma.cmax_ng_per_ml   # figures of the chosen option
    view.options[0].population_p95_ng_per_ml

For each option (the same total dose at a constant rate over each duration, default
40, 60, 120 and 240 min, plus the chosen one) the preview gives:

* Cp and Ce on a chart grid (every ``step_min``, plus every infusion stop) up to a
  horizon past the time every option's Cp and Ce have fallen below every level (the
  discharge level, the dissociation level and the analgesic band's edges), so that no
  figure is cut short; exact at every grid time (the block path of ``_blocks``).
* Cmax/Tmax of Cp and of Ce: the best grid value refined between grid points by
  bisection on the sign of the exact derivative (``_pointwise``), to 1e-9 min.
* Minutes within the analgesic band and above the dissociation level, for Cp and for
  Ce, over [0, horizon]: each crossing of a level located between grid points by
  bisection on the exact solution, to 1e-9 min. A level crossed in and out again
  within one grid step would be missed.
* The time from the start until Cp falls to the discharge level and stays below it
  (not earlier than the end of the infusion): Newton's method on the exact decay,
  independent of the grid, to 1e-9 min.
* A population band: the 5th and 95th percentiles of Cp at each grid time over
  ``n_virtual_patients`` virtual patients with this patient's weight and age and the
  model's inter-individual variability (``draw_population``, a fixed seed, so the
  same inputs give the same band), and the fraction of them whose Cp peak exceeds
  ``threshold_ng_per_ml``. The peak of a constant infusion started from zero is at its
  end, a grid time, so each virtual patient's peak is exact; the fraction is a Monte
  Carlo estimate with a standard error of at most 0.5/sqrt(n) (1.6 percentage points
  for 1000).

Every figure is a model prediction for the physician's information; none is a dose
recommendation or a discharge criterion (docs/pk-engine.md, "Preview").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ketacore.errors import InputError
from ketacore.pk._checks import finite_positive
from ketacore.pk._metrics import (
    ANALGESIA_BAND,
    DEFAULT_DISCHARGE_NG_PER_ML,
    DISSOCIATION_BAND,
    ConcentrationBand,
)
from ketacore.pk._models import IivCv, Patient, PkModel
from ketacore.pk._pointwise import (
    SegmentStates,
    refine_peaks,
    settled_min,
    sorted_distinct,
    time_above_min,
    time_to_level_min,
)
from ketacore.pk._population import draw_population, percentiles_over_rows
from ketacore.pk._regimen import Regimen
from ketacore.pk._solve import (
    Modes,
    PkParameterArrays,
    Schedule,
    concentrations_into,
    simulate_many,
)

__all__ = [
    "DEFAULT_PREVIEW_DURATIONS_MIN",
    "PREVIEW_SEED",
    "PREVIEW_VIRTUAL_PATIENTS",
    "Preview",
    "PreviewOption",
    "SiteFigures",
    "preview",
]

FloatArray = NDArray[np.float64]

#: Durations offered side by side, min (the project's usual comparison, docs/pk-engine.md §4).
DEFAULT_PREVIEW_DURATIONS_MIN: tuple[float, ...] = (40.0, 60.0, 120.0, 240.0)
#: Virtual patients of the population band: the fraction above a threshold then has a
#: standard error of at most 1.6 percentage points.
PREVIEW_VIRTUAL_PATIENTS = 1000
#: Seed of the virtual population, fixed so that a preview can be reproduced.
PREVIEW_SEED = 2026
#: Percentiles of the population band.
_BAND_PERCENTILES = (5.0, 95.0)
#: Times closer than this to an infusion stop are replaced by it on the grid, min.
_SNAP_MIN = 1e-9


@dataclass(frozen=True, slots=True)
class SiteFigures:
    """Figures of one site (plasma or effect site) for one option.

    Attributes:
        cmax_ng_per_ml: Peak concentration, ng/mL.
        tmax_min: Time of the peak from the start, min.
        analgesia_min: Minutes within the analgesic band (low <= C <= high) over the
            preview's window.
        above_dissociation_min: Minutes above the dissociation level over the window.
    """

    cmax_ng_per_ml: float
    tmax_min: float
    analgesia_min: float
    above_dissociation_min: float


@dataclass(frozen=True, slots=True, eq=False)
class PreviewOption:
    """One duration for the total dose: curves, figures and the population band.

    Attributes:
        label: E.g. ``"35 mg over 60 min"``.
        duration_min: Infusion duration, min.
        rate_mg_per_min: Constant rate, mg/min.
        chosen: Whether this is the duration the physician chose.
        regimen: The plan (one constant-rate infusion from t = 0).
        plasma_ng_per_ml: Cp on :attr:`Preview.times_min`, shape (T,), ng/mL.
        effect_site_ng_per_ml: Ce on the same grid, shape (T,), ng/mL.
        plasma: Cmax, Tmax and band times of Cp.
        effect_site: The same for Ce.
        discharge_min: Minutes from the start until Cp falls to the discharge level
            and stays below it; never before the end of the infusion.
        population_p5_ng_per_ml: 5th percentile of Cp over the virtual patients at each
            grid time, shape (T,), ng/mL.
        population_p95_ng_per_ml: 95th percentile, shape (T,), ng/mL.
        probability_cmax_above: Fraction of the virtual patients whose Cp peak exceeds
            :attr:`Preview.threshold_ng_per_ml`.
    """

    label: str
    duration_min: float
    rate_mg_per_min: float
    chosen: bool
    regimen: Regimen
    plasma_ng_per_ml: FloatArray
    effect_site_ng_per_ml: FloatArray
    plasma: SiteFigures
    effect_site: SiteFigures
    discharge_min: float
    population_p5_ng_per_ml: FloatArray
    population_p95_ng_per_ml: FloatArray
    probability_cmax_above: float


@dataclass(frozen=True, slots=True, eq=False)
class Preview:
    """The options for one total dose, on one chart grid.

    Attributes:
        times_min: The chart grid, shape (T,), min: every ``step_min`` from 0, the
            horizon (the last time), and every infusion stop before it.
        dose_mg: Total dose of every option, mg.
        chosen_duration_min: The chosen duration, min.
        options: One per duration, shortest first.
        analgesia_band: The analgesic band used.
        dissociation_ng_per_ml: The dissociation level used, ng/mL.
        discharge_ng_per_ml: The discharge-compatible level used, ng/mL.
        threshold_ng_per_ml: The level of the population's peak risk, ng/mL.
        n_virtual_patients: Size of the virtual population.
        seed: Its seed.
        iiv: The variability it was drawn with.
        assumptions: What the figures assume, each starting with ``"assumed:"``; to
            show with them.
        warnings: The model's and the population's warnings; to show with them.
    """

    times_min: FloatArray
    dose_mg: float
    chosen_duration_min: float
    options: tuple[PreviewOption, ...]
    analgesia_band: ConcentrationBand
    dissociation_ng_per_ml: float
    discharge_ng_per_ml: float
    threshold_ng_per_ml: float
    n_virtual_patients: int
    seed: int
    iiv: IivCv
    assumptions: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def chosen(self) -> PreviewOption:
        """The option of the chosen duration."""
        return next(o for o in self.options if o.chosen)


def _durations(durations_min: Sequence[float], chosen_min: float) -> FloatArray:
    if isinstance(durations_min, str | bytes) or not isinstance(durations_min, Sequence):
        raise InputError("durations_min", "must be a list of durations in minutes")
    if not durations_min:
        raise InputError("durations_min", "must list at least one duration")
    values = [finite_positive(d, f"durations_min[{i}]") for i, d in enumerate(durations_min)]
    return np.unique(np.array([*values, chosen_min]))


def _chart_grid(events_min: FloatArray, horizon_min: float, step_min: float) -> FloatArray:
    """Every ``step_min`` from 0, the horizon itself, and each event time before it."""
    count = math.floor(horizon_min / step_min + 1e-9) + 1
    grid = np.arange(count, dtype=np.float64) * step_min
    grid[-1] = min(grid[-1], horizon_min)  # k·step may round past the horizon
    if horizon_min - grid[-1] > _SNAP_MIN * max(1.0, horizon_min):
        grid = np.append(grid, horizon_min)
    near = np.abs(grid[:, None] - events_min[None, :]) <= _SNAP_MIN * max(1.0, horizon_min)
    keep = ~np.any(near, axis=1)
    inside = events_min[events_min <= horizon_min]
    return sorted_distinct(np.concatenate((grid[keep], inside)))


def _assumptions(iiv: IivCv, weight_kg: float, age_years: float) -> tuple[str, ...]:
    return (
        "assumed: no ketamine on board at the start of each option",
        "assumed: the rate stays constant for the whole duration (no pause or change)",
        "assumed: the population band varies volumes and clearances by the model's "
        f"inter-individual variability: {iiv.source}",
        f"assumed: every virtual patient weighs {weight_kg:g} kg and is {age_years:g} years "
        "old, like this patient",
        "assumed: ke0 is the same for every virtual patient (no variability is published)",
    )


def preview(
    model: PkModel,
    patient: Patient,
    *,
    dose_mg: float,
    chosen_duration_min: float,
    durations_min: Sequence[float] = DEFAULT_PREVIEW_DURATIONS_MIN,
    analgesia_band: ConcentrationBand = ANALGESIA_BAND,
    dissociation_ng_per_ml: float = DISSOCIATION_BAND.low_ng_per_ml,
    discharge_ng_per_ml: float = DEFAULT_DISCHARGE_NG_PER_ML,
    threshold_ng_per_ml: float = DISSOCIATION_BAND.high_ng_per_ml,
    step_min: float = 1.0,
    horizon_min: float | None = None,
    n_virtual_patients: int = PREVIEW_VIRTUAL_PATIENTS,
    seed: int = PREVIEW_SEED,
    allow_extrapolation: bool = False,
    ke0_per_min: float | None = None,
) -> Preview:
    """The same total dose over several durations, for one patient.

    Args:
        model: The parameter set (its variability drives the population band).
        patient: Weight and age.
        dose_mg: Total dose of every option, mg.
        chosen_duration_min: The duration chosen, min; added to the options if absent.
        durations_min: Durations to compare, min.
        analgesia_band: Analgesic band (default 70-160 ng/mL, Zanos 2018 Table 1
            [Zanos2018] [P]); the clinic's own when configured.
        dissociation_ng_per_ml: Dissociation level (default 100 ng/mL, the lower edge of
            Zanos 2018's dissociative range [Zanos2018] [P]).
        discharge_ng_per_ml: Discharge-compatible level (default
            :data:`DEFAULT_DISCHARGE_NG_PER_ML`, a project default, not a validated
            criterion).
        threshold_ng_per_ml: Level for the population's P(Cmax > threshold) (default
            250 ng/mL, the upper edge of the dissociative range [Zanos2018] [P]).
        step_min: Chart grid step, min.
        horizon_min: End of the chart and of the band times, min; default the first
            grid time after every option's Cp and Ce stay below every level.
        n_virtual_patients: Size of the virtual population.
        seed: Its seed.
        allow_extrapolation: Accept a patient outside the model's range (warned).
        ke0_per_min: Override the model's ke0, 1/min.

    Returns:
        The preview.

    Raises:
        InputError: A bad dose, duration, level, step or horizon, named; or
            OutOfValidatedRangeError for a patient outside the model's range.
    """
    dose = finite_positive(dose_mg, "dose_mg")
    chosen = finite_positive(chosen_duration_min, "chosen_duration_min")
    durations = _durations(durations_min, chosen)
    if not isinstance(analgesia_band, ConcentrationBand):
        raise InputError("analgesia_band", "must be a ConcentrationBand")
    dissociation = finite_positive(dissociation_ng_per_ml, "dissociation_ng_per_ml")
    discharge = finite_positive(discharge_ng_per_ml, "discharge_ng_per_ml")
    threshold = finite_positive(threshold_ng_per_ml, "threshold_ng_per_ml")
    step = finite_positive(step_min, "step_min")
    for name, number, least in (("n_virtual_patients", n_virtual_patients, 1), ("seed", seed, 0)):
        if isinstance(number, bool) or not isinstance(number, int) or number < least:
            raise InputError(name, f"must be an integer >= {least}")
    params = model.parameters(
        patient, allow_extrapolation=allow_extrapolation, ke0_per_min=ke0_per_min
    )
    regimens = [Regimen.constant_infusion(dose, float(d)) for d in durations]
    rows = PkParameterArrays.from_parameters([params] * durations.size)
    states = SegmentStates.of(Modes.of(rows), Schedule.of(regimens))
    discharge_min = durations + time_to_level_min(states, durations, discharge)
    if horizon_min is None:
        # Past the time every option's Cp and Ce stay below every level, so that no
        # band time is cut short (the discharge level among them).
        edges = (analgesia_band.low_ng_per_ml, analgesia_band.high_ng_per_ml)
        lowest = min(x for x in (*edges, dissociation, discharge) if x > 0)
        settled = max(float(np.max(settled_min(states, durations, lowest))), *discharge_min)
        horizon = math.floor(settled / step + 1e-9) * step + step
    else:
        horizon = finite_positive(horizon_min, "horizon_min")
    grid = _chart_grid(durations, horizon, step)
    if grid.size < 2:
        raise InputError("step_min", "must leave at least two chart times before the horizon")

    values = np.empty((2, durations.size, grid.size))  # Cp and Ce of each option, ng/mL
    simulate_many(rows, regimens, grid, out=values)
    peak, when = refine_peaks(states, grid, values)
    levels = np.array([analgesia_band.low_ng_per_ml, analgesia_band.high_ng_per_ml, dissociation])
    above = time_above_min(states, grid, values, levels)  # (2, 3, O)
    within = above[:, 0] - above[:, 1]

    population, _ = draw_population(
        model,
        n_patients=n_virtual_patients,
        weights_kg=patient.weight_kg,
        age_years=patient.age_years,
        seed=seed,
        allow_extrapolation=allow_extrapolation,
        ke0_per_min=ke0_per_min,
    )
    modes = Modes.of(population)
    band = np.empty((durations.size, len(_BAND_PERCENTILES), grid.size))
    probability = np.empty(durations.size)
    cp = np.empty((n_virtual_patients, grid.size))  # one option's virtual patients, ng/mL
    for k, regimen in enumerate(regimens):
        concentrations_into(modes, Schedule.of((regimen,)), grid, cp, None)
        probability[k] = float(np.mean(np.max(cp, axis=1) > threshold))
        band[k] = percentiles_over_rows(cp, _BAND_PERCENTILES)

    options = []
    for k, duration in enumerate(durations):
        sites = [
            SiteFigures(
                float(peak[site, k]),
                float(when[site, k]),
                float(within[site, k]),
                float(above[site, 2, k]),
            )
            for site in (0, 1)
        ]
        options.append(
            PreviewOption(
                label=f"{dose:g} mg over {duration:g} min",
                duration_min=float(duration),
                rate_mg_per_min=dose / float(duration),
                chosen=bool(duration == chosen),
                regimen=regimens[k],
                plasma_ng_per_ml=values[0, k],
                effect_site_ng_per_ml=values[1, k],
                plasma=sites[0],
                effect_site=sites[1],
                discharge_min=float(discharge_min[k]),
                population_p5_ng_per_ml=band[k, 0],
                population_p95_ng_per_ml=band[k, 1],
                probability_cmax_above=float(probability[k]),
            )
        )
    for array in (grid, values, band):
        array.setflags(write=False)
    iiv = model.iiv
    warnings = list(params.warnings)
    warnings += [w for w in population.warnings if w not in warnings]
    return Preview(
        times_min=grid,
        dose_mg=dose,
        chosen_duration_min=chosen,
        options=tuple(options),
        analgesia_band=analgesia_band,
        dissociation_ng_per_ml=dissociation,
        discharge_ng_per_ml=discharge,
        threshold_ng_per_ml=threshold,
        n_virtual_patients=n_virtual_patients,
        seed=seed,
        iiv=iiv,
        assumptions=_assumptions(iiv, patient.weight_kg, patient.age_years),
        warnings=tuple(warnings),
    )
