"""Ketamine pharmacokinetics: exact plasma and effect-site prediction, plans, TCI, populations.

Quick start::

    from ketacore import pk

    params = pk.get_model("domino").parameters(pk.Patient(weight_kg=70, age_years=45))
    plan = pk.Regimen.constant_infusion(dose_mg=35.0, duration_min=40.0)
    sim = pk.simulate(params, plan, times_min=[5, 10, 40, 60])
    sim.plasma_ng_per_ml, sim.effect_site_ng_per_ml
    pk.plan_metrics(params, plan).cmax_ng_per_ml
    view = pk.preview(pk.get_model("domino"), pk.Patient(70, 45), dose_mg=35.0,
                      chosen_duration_min=60.0)   # four durations, curves, figures, band

Internal units are mg, L, min and mg/L; results are reported in ng/mL. Every
name carries its unit. The maths and the sources of every number are in
docs/pk-engine.md and in the docstrings of the private modules.
"""

from __future__ import annotations

import importlib
import typing

if typing.TYPE_CHECKING:
    from ketacore.pk._compare import (
        CeilingSolution,
        Comparison,
        PlanOption,
        compare_plans,
        largest_dose_under_ceiling,
        same_dose_options,
        same_duration_options,
        shortest_duration_under_ceiling,
    )
    from ketacore.pk._metrics import (
        ANALGESIA_BAND,
        DEFAULT_BANDS,
        DEFAULT_DISCHARGE_NG_PER_ML,
        DISSOCIATION_BAND,
        BandTime,
        ConcentrationBand,
        PlanMetrics,
        decrement_time_min,
        plan_metrics,
        time_to_level_min,
    )
    from ketacore.pk._models import (
        MODELS,
        IivCv,
        Patient,
        PkModel,
        ValidityRange,
        get_model,
        ke0_for_peak_time,
    )
    from ketacore.pk._parameters import PkParameters
    from ketacore.pk._population import (
        PeakSummary,
        PopulationResult,
        draw_population,
        simulate_population,
        summarize_peaks,
    )
    from ketacore.pk._preview import (
        DEFAULT_PREVIEW_DURATIONS_MIN,
        PREVIEW_SEED,
        PREVIEW_VIRTUAL_PATIENTS,
        Preview,
        PreviewOption,
        SiteFigures,
        preview,
    )
    from ketacore.pk._regimen import Bolus, Infusion, Regimen
    from ketacore.pk._solve import (
        BatchSimulation,
        PkParameterArrays,
        Simulation,
        simulate,
        simulate_many,
    )
    from ketacore.pk._tci import TciPlan, TciSettings, TciTarget, plan_tci

#: Where each public name is defined. A name's module is imported on first use (PEP 562
#: ``__getattr__``), so that a program loads only the parts it runs: ``ketaclinic pk
#: simulate`` then starts without the comparison, TCI and population code, and without
#: SciPy, which only the root searches of those parts import. Listed names must match
#: the imports above (tests/core/pk/test_package.py checks both ways).
_MODULES: dict[str, tuple[str, ...]] = {
    "_compare": (
        "CeilingSolution",
        "Comparison",
        "PlanOption",
        "compare_plans",
        "largest_dose_under_ceiling",
        "same_dose_options",
        "same_duration_options",
        "shortest_duration_under_ceiling",
    ),
    "_metrics": (
        "ANALGESIA_BAND",
        "DEFAULT_BANDS",
        "DEFAULT_DISCHARGE_NG_PER_ML",
        "DISSOCIATION_BAND",
        "BandTime",
        "ConcentrationBand",
        "PlanMetrics",
        "decrement_time_min",
        "plan_metrics",
        "time_to_level_min",
    ),
    "_models": (
        "MODELS",
        "IivCv",
        "Patient",
        "PkModel",
        "ValidityRange",
        "get_model",
        "ke0_for_peak_time",
    ),
    "_parameters": ("PkParameters",),
    "_population": (
        "PeakSummary",
        "PopulationResult",
        "draw_population",
        "simulate_population",
        "summarize_peaks",
    ),
    "_preview": (
        "DEFAULT_PREVIEW_DURATIONS_MIN",
        "PREVIEW_SEED",
        "PREVIEW_VIRTUAL_PATIENTS",
        "Preview",
        "PreviewOption",
        "SiteFigures",
        "preview",
    ),
    "_regimen": (
        "Bolus",
        "Infusion",
        "Regimen",
    ),
    "_solve": (
        "BatchSimulation",
        "PkParameterArrays",
        "Simulation",
        "simulate",
        "simulate_many",
    ),
    "_tci": (
        "TciPlan",
        "TciSettings",
        "TciTarget",
        "plan_tci",
    ),
}
_EXPORTS: dict[str, str] = {
    name: f"ketacore.pk.{module}" for module, names in _MODULES.items() for name in names
}


def __getattr__(name: str) -> typing.Any:
    """Import the module that defines ``name`` and return it (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Every public name, imported yet or not."""
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "ANALGESIA_BAND",
    "DEFAULT_BANDS",
    "DEFAULT_DISCHARGE_NG_PER_ML",
    "DEFAULT_PREVIEW_DURATIONS_MIN",
    "DISSOCIATION_BAND",
    "MODELS",
    "PREVIEW_SEED",
    "PREVIEW_VIRTUAL_PATIENTS",
    "BandTime",
    "BatchSimulation",
    "Bolus",
    "CeilingSolution",
    "Comparison",
    "ConcentrationBand",
    "IivCv",
    "Infusion",
    "Patient",
    "PeakSummary",
    "PkModel",
    "PkParameterArrays",
    "PkParameters",
    "PlanMetrics",
    "PlanOption",
    "PopulationResult",
    "Preview",
    "PreviewOption",
    "Regimen",
    "Simulation",
    "SiteFigures",
    "TciPlan",
    "TciSettings",
    "TciTarget",
    "ValidityRange",
    "compare_plans",
    "decrement_time_min",
    "draw_population",
    "get_model",
    "ke0_for_peak_time",
    "largest_dose_under_ceiling",
    "plan_metrics",
    "plan_tci",
    "preview",
    "same_dose_options",
    "same_duration_options",
    "shortest_duration_under_ceiling",
    "simulate",
    "simulate_many",
    "simulate_population",
    "summarize_peaks",
    "time_to_level_min",
]
