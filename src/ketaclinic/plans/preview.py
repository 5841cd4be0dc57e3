"""The PK preview of a plan: its dose over 40 min, 1 h, 2 h and 4 h, side by side.

``ketacore.pk.preview`` computes it (docs/pk-engine.md, "Preview"); this module
takes the patient's covariates from the plan, the model and the peak threshold
from the protocol library, and the discharge-compatible level from the care
policy, and keeps the figures a signed plan stores. Every figure is a model's
prediction for the physician's information, not a dose recommendation.
"""

from __future__ import annotations

from typing import Any

from ketaclinic.lib import clock
from ketaclinic.patients.converters import age_on
from ketaclinic.patients.models import Patient
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind
from ketacore import pk
from ketacore.infusion import DoseCalculation, ProtocolLibrary
from ketacore.infusion.care import CarePolicy

__all__ = ["plan_preview", "preview_summary"]


def plan_preview(patient: Patient, library: ProtocolLibrary, calc: DoseCalculation) -> pk.Preview:
    """The preview of the plan's total dose (as the pump gives it) for this patient."""
    care: CarePolicy = policies.loaded(policies.in_force(patient.clinic, PolicyKind.INFUSION_CARE))
    covariates = pk.Patient(
        weight_kg=calc.weight_kg, age_years=float(age_on(patient, clock.today()))
    )
    return pk.preview(
        pk.get_model(library.preview.model),
        covariates,
        dose_mg=calc.pumped_total_mg,
        chosen_duration_min=calc.duration_min,
        discharge_ng_per_ml=care.discharge.predicted_level_ng_per_ml,
        threshold_ng_per_ml=library.preview.cmax_threshold_ng_per_ml,
        allow_extrapolation=True,
    )


def preview_summary(view: pk.Preview) -> dict[str, Any]:
    """The figures of each option, as a signed plan keeps them (no curves)."""
    return {
        "dose_mg": round(view.dose_mg, 3),
        "threshold_ng_per_ml": view.threshold_ng_per_ml,
        "discharge_ng_per_ml": view.discharge_ng_per_ml,
        "n_virtual_patients": view.n_virtual_patients,
        "assumptions": list(view.assumptions),
        "warnings": list(view.warnings),
        "options": [
            {
                "duration_min": o.duration_min,
                "chosen": o.chosen,
                "plasma_cmax_ng_per_ml": round(o.plasma.cmax_ng_per_ml, 1),
                "plasma_tmax_min": round(o.plasma.tmax_min, 1),
                "effect_site_cmax_ng_per_ml": round(o.effect_site.cmax_ng_per_ml, 1),
                "analgesia_min": round(o.plasma.analgesia_min, 1),
                "above_dissociation_min": round(o.plasma.above_dissociation_min, 1),
                "discharge_min": round(o.discharge_min, 1),
                "population_cmax_p5_ng_per_ml": round(float(o.population_p5_ng_per_ml.max()), 1),
                "population_cmax_p95_ng_per_ml": round(float(o.population_p95_ng_per_ml.max()), 1),
                "probability_cmax_above": round(o.probability_cmax_above, 3),
            }
            for o in view.options
        ],
    }
