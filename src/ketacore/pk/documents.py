"""JSON documents <-> PK value objects: the contracts of ``ketaclinic pk ...``.

The CLI (and later the web API) stays thin: it parses JSON, calls one ``run_*``
function here and prints the returned dict. Every parsing error is an
:class:`~ketacore.errors.InputError` naming the offending field, e.g.
``infusions[1].rate_mg_per_min``. Unknown keys are refused so that a typo (or a
bolus given as a rate) cannot be silently ignored. The contracts are documented
with examples in docs/pk-engine.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ketacore.errors import InputError
from ketacore.pk._checks import finite_non_negative, finite_positive
from ketacore.pk._models import Patient, get_model
from ketacore.pk._parameters import PkParameters
from ketacore.pk._pointwise import peaks_in_window
from ketacore.pk._regimen import Bolus, Infusion, Regimen
from ketacore.pk._solve import Simulation, simulate

if TYPE_CHECKING:
    from ketacore.pk._compare import Comparison
    from ketacore.pk._metrics import ConcentrationBand, PlanMetrics
    from ketacore.pk._population import PopulationResult
    from ketacore.pk._tci import TciPlan

# The comparison, TCI and population modules are imported by the run_* function that
# needs them: ``pk simulate`` is run once per plan and must start quickly.

__all__ = [
    "parameters_from_json",
    "regimen_from_json",
    "run_compare",
    "run_population",
    "run_simulate",
    "run_tci",
]

Json = Mapping[str, Any]

_PATIENT_KEYS = {"model", "weight_kg", "age_years", "ke0_per_min", "allow_extrapolation"}
_REGIMEN_KEYS = {"boluses", "infusions"}
_MICRO = ("v1_l", "k10", "k12", "k13", "k21", "k31", "ke0")
_PHYSIO = ("v1_l", "cl_l_per_min", "v2_l", "q2_l_per_min", "v3_l", "q3_l_per_min", "ke0")


def _mapping(value: object, field: str) -> Json:
    if not isinstance(value, Mapping):
        raise InputError(field, "must be a JSON object")
    return value


def _only(doc: Json, allowed: set[str], where: str = "") -> None:
    for key in doc:
        if key not in allowed:
            hint = f"; allowed: {', '.join(sorted(allowed))}"
            raise InputError(f"{where}{key}", f"unknown field{hint}")


def _required(doc: Json, key: str, where: str = "") -> Any:
    if key not in doc:
        raise InputError(f"{where}{key}", "is required")
    return doc[key]


def _list(value: object, field: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise InputError(field, "must be a JSON list")
    return value


def _bool(doc: Json, key: str) -> bool:
    value = doc.get(key, False)
    if not isinstance(value, bool):
        raise InputError(key, "must be true or false")
    return value


def _floats(values: NDArray[np.float64]) -> list[float]:
    out = [float(v) for v in values]
    if not all(math.isfinite(v) for v in out):  # pragma: no cover - guarded upstream
        raise InputError("output", "contains a non-finite value")
    return out


def parameters_from_json(doc: Json) -> PkParameters:
    """Patient parameters from ``model`` (a name or a custom parameter object) and covariates.

    A custom model is an object with either micro-constants ``v1_l, k10, k12, k13,
    k21, k31, ke0`` (L, 1/min) or volumes and clearances ``v1_l, cl_l_per_min, v2_l,
    q2_l_per_min, v3_l, q3_l_per_min, ke0`` (L, L/min, 1/min); missing peripheral
    terms are 0. A named model needs ``weight_kg`` and ``age_years``.

    Args:
        doc: The input document.

    Returns:
        The parameters.

    Raises:
        InputError: Unknown model, missing covariates, bad values, or a patient outside
            the model's range without ``allow_extrapolation``.
    """
    model = _required(doc, "model")
    ke0 = doc.get("ke0_per_min")
    if isinstance(model, str):
        patient = Patient(
            finite_positive(_required(doc, "weight_kg"), "weight_kg"),
            finite_non_negative(_required(doc, "age_years"), "age_years"),
        )
        return get_model(model).parameters(
            patient,
            allow_extrapolation=_bool(doc, "allow_extrapolation"),
            ke0_per_min=None if ke0 is None else finite_positive(ke0, "ke0_per_min"),
        )
    custom = _mapping(model, "model")
    for key in ("weight_kg", "age_years"):
        if key in doc:
            finite_non_negative(doc[key], key)
    if "k10" in custom:
        _only(custom, set(_MICRO), "model.")
        values = {k: custom.get(k, 0.0) for k in _MICRO}
        try:
            params = PkParameters(
                v1_l=values["v1_l"],
                k10_per_min=values["k10"],
                k12_per_min=values["k12"],
                k13_per_min=values["k13"],
                k21_per_min=values["k21"],
                k31_per_min=values["k31"],
                ke0_per_min=_required(custom, "ke0", "model."),
            )
        except InputError as exc:
            raise InputError(f"model.{exc.field}", exc.rule) from None
    else:
        _only(custom, set(_PHYSIO), "model.")
        try:
            params = PkParameters.from_volumes_and_clearances(
                v1_l=_required(custom, "v1_l", "model."),
                cl_l_per_min=_required(custom, "cl_l_per_min", "model."),
                v2_l=custom.get("v2_l", 0.0),
                q2_l_per_min=custom.get("q2_l_per_min", 0.0),
                v3_l=custom.get("v3_l", 0.0),
                q3_l_per_min=custom.get("q3_l_per_min", 0.0),
                ke0_per_min=_required(custom, "ke0", "model."),
            )
        except InputError as exc:
            field = exc.field if exc.field.startswith("model.") else f"model.{exc.field}"
            raise InputError(field, exc.rule) from None
    if ke0 is not None:
        params = params.with_ke0(finite_positive(ke0, "ke0_per_min"))
    return params


def regimen_from_json(doc: Json) -> Regimen:
    """A regimen from ``boluses`` and ``infusions`` lists.

    Args:
        doc: Document with ``boluses: [{time_min, dose_mg}]`` and ``infusions:
            [{start_min, duration_min, rate_mg_per_min}]`` (either may be absent).

    Returns:
        The regimen.

    Raises:
        InputError: Naming e.g. ``boluses[0].rate_mg_per_min`` for a bolus given as a rate.
    """
    boluses = []
    for i, item in enumerate(_list(doc.get("boluses", []), "boluses")):
        where = f"boluses[{i}]."
        entry = _mapping(item, f"boluses[{i}]")
        for key in entry:
            if "rate" in key:
                raise InputError(
                    f"{where}{key}", "a bolus takes dose_mg (mg); give a rate as an infusion"
                )
        _only(entry, {"time_min", "dose_mg"}, where)
        try:
            boluses.append(
                Bolus(_required(entry, "time_min", where), _required(entry, "dose_mg", where))
            )
        except InputError as exc:
            raise InputError(
                exc.field if exc.field.startswith(where) else where + exc.field, exc.rule
            ) from None
    infusions = []
    for i, item in enumerate(_list(doc.get("infusions", []), "infusions")):
        where = f"infusions[{i}]."
        entry = _mapping(item, f"infusions[{i}]")
        _only(entry, {"start_min", "duration_min", "rate_mg_per_min"}, where)
        try:
            infusions.append(
                Infusion(
                    _required(entry, "start_min", where),
                    _required(entry, "duration_min", where),
                    _required(entry, "rate_mg_per_min", where),
                )
            )
        except InputError as exc:
            raise InputError(
                exc.field if exc.field.startswith(where) else where + exc.field, exc.rule
            ) from None
    return Regimen(tuple(boluses), tuple(infusions))


def _times(doc: Json, regimen: Regimen, default_tail_min: float = 240.0) -> list[float]:
    if "times_min" in doc:
        values = _list(doc["times_min"], "times_min")
        for i, v in enumerate(values):
            finite_non_negative(v, f"times_min[{i}]")
        return [float(v) for v in values]
    end = regimen.end_of_dosing_min + default_tail_min
    return [float(t) for t in np.arange(0.0, end + 1e-9, 1.0)]


def _bands(doc: Json) -> tuple[ConcentrationBand, ...]:
    from ketacore.pk._metrics import DEFAULT_BANDS, ConcentrationBand

    if "bands" not in doc:
        return DEFAULT_BANDS
    out = []
    for i, item in enumerate(_list(doc["bands"], "bands")):
        entry = _mapping(item, f"bands[{i}]")
        _only(entry, {"name", "low_ng_per_ml", "high_ng_per_ml"}, f"bands[{i}].")
        high = entry.get("high_ng_per_ml")
        out.append(
            ConcentrationBand(
                str(_required(entry, "name", f"bands[{i}].")),
                finite_non_negative(
                    _required(entry, "low_ng_per_ml", f"bands[{i}]."), f"bands[{i}].low_ng_per_ml"
                ),
                math.inf if high is None else finite_positive(high, f"bands[{i}].high_ng_per_ml"),
            )
        )
    return tuple(out)


def _metrics_json(m: PlanMetrics) -> dict[str, Any]:
    def bands(items: Sequence[Any]) -> dict[str, Any]:
        return {
            b.band.name: {
                "low_ng_per_ml": b.band.low_ng_per_ml,
                "high_ng_per_ml": b.band.high_ng_per_ml
                if math.isfinite(b.band.high_ng_per_ml)
                else None,
                "within_min": b.within_min,
                "above_min": b.above_min,
            }
            for b in items
        }

    return {
        "total_dose_mg": m.total_dose_mg,
        "cmax_ng_per_ml": m.cmax_ng_per_ml,
        "tmax_min": m.tmax_min,
        "effect_site_cmax_ng_per_ml": m.effect_site_cmax_ng_per_ml,
        "effect_site_tmax_min": m.effect_site_tmax_min,
        "auc_ng_min_per_ml": m.auc_ng_min_per_ml,
        "plasma_bands": bands(m.plasma_bands),
        "effect_site_bands": bands(m.effect_site_bands),
        "end_of_dosing_min": m.end_of_dosing_min,
        "discharge_ng_per_ml": m.discharge_ng_per_ml,
        "time_to_discharge_min": m.time_to_discharge_min,
    }


def run_simulate(doc: Json) -> tuple[dict[str, Any], Simulation]:
    """The ``pk simulate`` contract.

    Input: ``model``, ``weight_kg``, ``age_years``, optional ``ke0_per_min`` and
    ``allow_extrapolation``, ``boluses``, ``infusions``, ``times_min`` (default every
    minute to 240 min after dosing ends).

    Output: ``times_min``, ``plasma_ng_per_ml``, ``effect_site_ng_per_ml``, ``metrics``
    (``cmax_ng_per_ml``, ``tmax_min``, ``effect_site_cmax_ng_per_ml``,
    ``effect_site_tmax_min``, ``auc_ng_min_per_ml`` over [0, last time],
    ``total_dose_mg``), ``model``, ``warnings``.

    Args:
        doc: The input document.

    Returns:
        ``(output document, simulation)``.

    Raises:
        InputError: Any bad field, named.
    """
    doc = _mapping(doc, "input")
    _only(doc, _PATIENT_KEYS | _REGIMEN_KEYS | {"times_min"})
    params = parameters_from_json(doc)
    regimen = regimen_from_json(doc)
    sim = simulate(params, regimen, _times(doc, regimen))
    horizon = float(sim.times_min[-1])
    # The peaks of plan_metrics, found without SciPy (kept off this start-up path).
    cmax, tmax, ce_max, ce_tmax = peaks_in_window(params, regimen, horizon, 1.0 / 60.0)
    out = {
        "model": params.label,
        "times_min": _floats(sim.times_min),
        "plasma_ng_per_ml": _floats(sim.plasma_ng_per_ml),
        "effect_site_ng_per_ml": _floats(sim.effect_site_ng_per_ml),
        "metrics": {
            "cmax_ng_per_ml": cmax,
            "tmax_min": tmax,
            "effect_site_cmax_ng_per_ml": ce_max,
            "effect_site_tmax_min": ce_tmax,
            "auc_ng_min_per_ml": sim.auc_ng_min_per_ml,
            "total_dose_mg": regimen.total_dose_mg,
        },
        "warnings": list(sim.warnings),
    }
    return out, sim


def run_compare(doc: Json) -> tuple[dict[str, Any], Comparison, PkParameters]:
    """The ``pk compare`` contract.

    Input: patient fields as for simulate, plus exactly one of ``options`` (a list of
    ``{label, boluses, infusions}``), ``same_dose`` (``{dose_mg, durations_min}``) or
    ``same_duration`` (``{duration_min, rates_mg_per_min}``); optional ``horizon_min``,
    ``bands``, ``discharge_ng_per_ml`` and ``ceiling`` (``{ceiling_ng_per_ml, site,
    dose_mg, chair_time_min}``: solves the shortest duration for ``dose_mg`` and the
    largest dose within ``chair_time_min``).

    Args:
        doc: The input document.

    Returns:
        ``(output document, comparison, parameters)``.

    Raises:
        InputError: Any bad field, named.
    """
    from ketacore.pk._compare import (
        PlanOption,
        compare_plans,
        largest_dose_under_ceiling,
        same_dose_options,
        same_duration_options,
        shortest_duration_under_ceiling,
    )
    from ketacore.pk._metrics import DEFAULT_DISCHARGE_NG_PER_ML

    doc = _mapping(doc, "input")
    _only(
        doc,
        _PATIENT_KEYS
        | {"options", "same_dose", "same_duration", "horizon_min", "bands"}
        | {"discharge_ng_per_ml", "ceiling"},
    )
    params = parameters_from_json(doc)
    kinds = [k for k in ("options", "same_dose", "same_duration") if k in doc]
    if len(kinds) != 1:
        raise InputError("options", "give exactly one of options, same_dose, same_duration")
    options: tuple[PlanOption, ...]
    if kinds[0] == "options":
        items = []
        for i, item in enumerate(_list(doc["options"], "options")):
            entry = _mapping(item, f"options[{i}]")
            _only(entry, {"label"} | _REGIMEN_KEYS, f"options[{i}].")
            try:
                regimen = regimen_from_json(entry)
            except InputError as exc:
                raise InputError(f"options[{i}].{exc.field}", exc.rule) from None
            items.append(PlanOption(str(entry.get("label", f"option {i + 1}")), regimen))
        options = tuple(items)
    elif kinds[0] == "same_dose":
        spec = _mapping(doc["same_dose"], "same_dose")
        _only(spec, {"dose_mg", "durations_min"}, "same_dose.")
        dose = finite_positive(_required(spec, "dose_mg", "same_dose."), "same_dose.dose_mg")
        durations = [
            finite_positive(d, f"same_dose.durations_min[{i}]")
            for i, d in enumerate(
                _list(_required(spec, "durations_min", "same_dose."), "same_dose.durations_min")
            )
        ]
        options = same_dose_options(dose, durations)
    else:
        spec = _mapping(doc["same_duration"], "same_duration")
        _only(spec, {"duration_min", "rates_mg_per_min"}, "same_duration.")
        duration = finite_positive(
            _required(spec, "duration_min", "same_duration."), "same_duration.duration_min"
        )
        rates = [
            finite_non_negative(r, f"same_duration.rates_mg_per_min[{i}]")
            for i, r in enumerate(
                _list(
                    _required(spec, "rates_mg_per_min", "same_duration."),
                    "same_duration.rates_mg_per_min",
                )
            )
        ]
        options = same_duration_options(duration, rates)
    if not options:
        raise InputError("options", "must list at least one plan")
    horizon = doc.get("horizon_min")
    comparison = compare_plans(
        params,
        options,
        horizon_min=None if horizon is None else finite_positive(horizon, "horizon_min"),
        bands=_bands(doc),
        discharge_ng_per_ml=finite_positive(
            doc.get("discharge_ng_per_ml", DEFAULT_DISCHARGE_NG_PER_ML), "discharge_ng_per_ml"
        ),
    )
    out: dict[str, Any] = {
        "model": params.label,
        "horizon_min": comparison.horizon_min,
        "rows": [
            {"label": o.label, **_metrics_json(m)}
            for o, m in zip(comparison.options, comparison.metrics, strict=True)
        ],
        "warnings": list(params.warnings),
    }
    if "ceiling" in doc:
        spec = _mapping(doc["ceiling"], "ceiling")
        _only(spec, {"ceiling_ng_per_ml", "site", "dose_mg", "chair_time_min"}, "ceiling.")
        ceiling = finite_positive(
            _required(spec, "ceiling_ng_per_ml", "ceiling."), "ceiling.ceiling_ng_per_ml"
        )
        site = str(spec.get("site", "plasma"))
        if "dose_mg" in spec:
            sol = shortest_duration_under_ceiling(
                params,
                dose_mg=finite_positive(spec["dose_mg"], "ceiling.dose_mg"),
                ceiling_ng_per_ml=ceiling,
                site=site,
            )
            out["shortest_duration"] = _solution_json(sol)
        if "chair_time_min" in spec:
            sol = largest_dose_under_ceiling(
                params,
                ceiling_ng_per_ml=ceiling,
                chair_time_min=finite_positive(spec["chair_time_min"], "ceiling.chair_time_min"),
                site=site,
            )
            out["largest_dose"] = _solution_json(sol)
    return out, comparison, params


def _solution_json(sol: Any) -> dict[str, Any]:
    return {
        "dose_mg": sol.dose_mg,
        "duration_min": sol.duration_min,
        "rate_mg_per_min": sol.rate_mg_per_min,
        "cmax_ng_per_ml": sol.cmax_ng_per_ml,
        "site": sol.site,
        "monotone_checked": sol.monotone,
        "method": sol.note,
    }


def run_tci(doc: Json) -> tuple[dict[str, Any], TciPlan]:
    """The ``pk tci`` contract.

    Input: patient fields, ``target_site`` (``"plasma"`` or ``"effect_site"``),
    ``targets`` (``[{start_min, target_ng_per_ml}]``), ``duration_min``,
    ``syringe_mg_per_ml``, optional ``pump_max_ml_per_h`` (default 1200) and
    ``period_s`` (default 10).

    Output: ``period_start_min``, ``rate_mg_per_min``, ``rate_ml_per_h``,
    ``times_min``, ``plasma_ng_per_ml``, ``effect_site_ng_per_ml`` (every 10 s),
    ``total_dose_mg``, ``warnings``.

    Args:
        doc: The input document.

    Returns:
        ``(output document, plan)``.

    Raises:
        InputError: Any bad field, named.
    """
    from ketacore.pk._tci import TciSettings, TciTarget, plan_tci

    doc = _mapping(doc, "input")
    _only(
        doc,
        _PATIENT_KEYS
        | {"target_site", "targets", "duration_min", "syringe_mg_per_ml"}
        | {"pump_max_ml_per_h", "period_s"},
    )
    params = parameters_from_json(doc)
    targets = []
    for i, item in enumerate(_list(_required(doc, "targets"), "targets")):
        entry = _mapping(item, f"targets[{i}]")
        _only(entry, {"start_min", "target_ng_per_ml"}, f"targets[{i}].")
        try:
            targets.append(
                TciTarget(
                    entry.get("start_min", 0.0),
                    _required(entry, "target_ng_per_ml", f"targets[{i}]."),
                )
            )
        except InputError as exc:
            raise InputError(f"targets[{i}].{exc.field.split('.')[-1]}", exc.rule) from None
    settings = TciSettings(
        syringe_mg_per_ml=finite_positive(_required(doc, "syringe_mg_per_ml"), "syringe_mg_per_ml"),
        pump_max_ml_per_h=finite_positive(
            doc.get("pump_max_ml_per_h", 1200.0), "pump_max_ml_per_h"
        ),
        period_min=finite_positive(doc.get("period_s", 10.0), "period_s") / 60.0,
        site=str(doc.get("target_site", "plasma")),
    )
    plan = plan_tci(
        params,
        targets=targets,
        duration_min=finite_positive(_required(doc, "duration_min"), "duration_min"),
        settings=settings,
        output_step_min=settings.period_min,
    )
    out = {
        "model": params.label,
        "target_site": settings.site,
        "period_start_min": _floats(plan.period_start_min),
        "rate_mg_per_min": _floats(plan.rate_mg_per_min),
        "rate_ml_per_h": _floats(plan.rate_ml_per_h),
        "times_min": _floats(plan.times_min),
        "plasma_ng_per_ml": _floats(plan.plasma_ng_per_ml),
        "effect_site_ng_per_ml": _floats(plan.effect_site_ng_per_ml),
        "total_dose_mg": plan.total_dose_mg,
        "max_rate_mg_per_min": settings.max_rate_mg_per_min,
        "warnings": list(plan.warnings),
    }
    return out, plan


def run_population(doc: Json) -> tuple[dict[str, Any], PopulationResult]:
    """The ``pk population`` contract.

    Input: ``model`` (a name), ``n_patients``, ``weight_kg`` or ``weight_range_kg``
    (``[low, high]``, uniform), ``age_years``, ``seed``, ``boluses``, ``infusions``,
    optional ``times_min``, ``threshold_ng_per_ml``, ``iiv_cv`` (``{v1, v2, v3, cl,
    q2, q3}`` fractions), ``allow_extrapolation``, ``ke0_per_min``, ``dose_per_kg``
    (doses in mg/kg and rates in mg/kg/min, each virtual patient's scaled by their weight).

    Output: ``times_min``, ``plasma_p5_ng_per_ml``, ``plasma_p50_ng_per_ml``,
    ``plasma_p95_ng_per_ml``, ``cmax_percentiles_ng_per_ml``, ``threshold_ng_per_ml``,
    ``probability_cmax_above_threshold``, ``iiv``, ``seed``, ``warnings``.

    Args:
        doc: The input document.

    Returns:
        ``(output document, result)``.

    Raises:
        InputError: Any bad field, named.
    """
    from ketacore.pk._models import IivCv
    from ketacore.pk._population import simulate_population

    doc = _mapping(doc, "input")
    _only(
        doc,
        {"model", "n_patients", "weight_kg", "weight_range_kg", "age_years", "seed"}
        | {"times_min", "threshold_ng_per_ml", "iiv_cv", "allow_extrapolation", "ke0_per_min"}
        | {"dose_per_kg"}
        | _REGIMEN_KEYS,
    )
    name = _required(doc, "model")
    if not isinstance(name, str):
        raise InputError("model", "must be a model name for population simulations")
    model = get_model(name)
    n = _required(doc, "n_patients")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 1_000_000:
        raise InputError("n_patients", "must be an integer from 1 to 1000000")
    seed = _required(doc, "seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError("seed", "must be an integer >= 0")
    weights: float | tuple[float, float]
    if "weight_range_kg" in doc:
        pair = _list(doc["weight_range_kg"], "weight_range_kg")
        if len(pair) != 2:
            raise InputError("weight_range_kg", "must be [low, high]")
        weights = (
            finite_positive(pair[0], "weight_range_kg[0]"),
            finite_positive(pair[1], "weight_range_kg[1]"),
        )
    else:
        weights = finite_positive(_required(doc, "weight_kg"), "weight_kg")
    iiv = None
    if "iiv_cv" in doc:
        spec = _mapping(doc["iiv_cv"], "iiv_cv")
        _only(spec, {"v1", "v2", "v3", "cl", "q2", "q3"}, "iiv_cv.")
        base = model.iiv
        values = {
            k: finite_non_negative(spec.get(k, getattr(base, k)), f"iiv_cv.{k}")
            for k in ("v1", "v2", "v3", "cl", "q2", "q3")
        }
        iiv = IivCv(**values, source="caller", is_default=False)
    regimen = regimen_from_json(doc)
    threshold = doc.get("threshold_ng_per_ml")
    ke0 = doc.get("ke0_per_min")
    result = simulate_population(
        model,
        regimen,
        _times(doc, regimen),
        n_patients=n,
        weights_kg=weights,
        age_years=finite_non_negative(_required(doc, "age_years"), "age_years"),
        seed=seed,
        threshold_ng_per_ml=None
        if threshold is None
        else finite_non_negative(threshold, "threshold_ng_per_ml"),
        iiv=iiv,
        allow_extrapolation=_bool(doc, "allow_extrapolation"),
        ke0_per_min=None if ke0 is None else finite_positive(ke0, "ke0_per_min"),
        dose_per_kg=_bool(doc, "dose_per_kg"),
    )
    bands = result.plasma_percentiles_ng_per_ml
    cmax_q = np.percentile(result.cmax_ng_per_ml, result.percentiles)
    out = {
        "model": model.name,
        "n_patients": n,
        "seed": seed,
        "times_min": _floats(result.times_min),
        "plasma_p5_ng_per_ml": _floats(bands[0]),
        "plasma_p50_ng_per_ml": _floats(bands[1]),
        "plasma_p95_ng_per_ml": _floats(bands[2]),
        "cmax_percentiles_ng_per_ml": {
            f"p{q:g}": float(v) for q, v in zip(result.percentiles, cmax_q, strict=True)
        },
        "threshold_ng_per_ml": threshold,
        "probability_cmax_above_threshold": result.probability_cmax_above,
        "iiv": {
            "v1": result.iiv.v1,
            "v2": result.iiv.v2,
            "v3": result.iiv.v3,
            "cl": result.iiv.cl,
            "q2": result.iiv.q2,
            "q3": result.iiv.q3,
            "source": result.iiv.source,
            "is_default": result.iiv.is_default,
        },
        "warnings": list(result.warnings),
    }
    return out, result
