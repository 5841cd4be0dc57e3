"""The live prediction at the chair: plasma and effect-site levels from the dose delivered.

The PK model is Domino 1984 [Domino1984] (the engine's default, docs/pk-engine.md),
with the plan's weight and the patient's age; the figures are a model's
prediction for a typical patient with these covariates, shown for information.
The discharge-compatible level is the care policy's, never a discharge criterion.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ketaclinic.infusions.services.state import SessionState, minutes
from ketaclinic.patients.converters import age_on
from ketacore import pk
from ketacore.errors import InputError

__all__ = ["MODEL", "Prediction", "live_prediction"]

MODEL = "domino"


@dataclass(frozen=True, slots=True)
class Prediction:
    plasma_ng_per_ml: float
    effect_site_ng_per_ml: float
    discharge_level_ng_per_ml: float
    #: When plasma falls below the discharge-compatible level, once the pump is stopped.
    below_level_at: dt.datetime | None
    warnings: tuple[str, ...]


def parameters_of(state: SessionState) -> pk.PkParameters:
    patient = state.session.patient
    covariates = pk.Patient(
        weight_kg=state.plan.weight_kg,
        age_years=float(age_on(patient, timezone.localdate(state.now))),
    )
    return pk.get_model(MODEL).parameters(covariates, allow_extrapolation=True)


def live_prediction(state: SessionState) -> Prediction | None:
    """The prediction now, or None before anything was given."""
    if state.t0 is None or state.delivered.total_mg <= 0:
        return None
    try:
        params = parameters_of(state)
        regimen = state.delivered.regimen()
        now_min = minutes(state.t0, state.now)
        sim = pk.simulate(params, regimen, times_min=[max(now_min, 0.0)])
        level = state.care.discharge.predicted_level_ng_per_ml
        below_at = None
        if state.delivered.rate_mg_per_h == 0:
            after = pk.time_to_level_min(params, regimen, level)
            below_at = state.t0 + dt.timedelta(minutes=regimen.end_of_dosing_min + after)
    except InputError as exc:  # outside what the model can say: shown, not hidden
        return Prediction(0.0, 0.0, 0.0, None, (f"No prediction: {exc.rule}",))
    return Prediction(
        plasma_ng_per_ml=float(sim.plasma_ng_per_ml[0]),
        effect_site_ng_per_ml=float(sim.effect_site_ng_per_ml[0]),
        discharge_level_ng_per_ml=level,
        below_level_at=below_at,
        warnings=params.warnings,
    )
