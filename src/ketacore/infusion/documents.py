"""JSON documents <-> infusion replays: the contract of ``ketaclinic session replay``.

The CLI stays thin: it parses JSON strictly, calls :func:`run_replay` and prints the
returned dict. Every error is an :class:`~ketacore.errors.InputError` naming the field
(``events[3].rate_mg_per_h``, ``patient.weight_kg``, ``output_times_min[2]``); an
impossible sequence names the event (``events[2]: a rate change needs a running
infusion (it is stopped)``). Unknown keys are refused. The contract, with a real
example, is in docs/infusions.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ketacore import pk
from ketacore.errors import InputError
from ketacore.infusion._rules import as_float, short
from ketacore.infusion.replay import DeliveredDose, InfusionEvent, InfusionState, replay
from ketacore.pk.documents import parameters_from_json

__all__ = ["delivered_to_json", "events_from_json", "run_replay"]

Json = Mapping[str, Any]

#: The patient object of ``pk simulate``: a model (name or parameters) and covariates.
_PATIENT_KEYS = frozenset({"model", "weight_kg", "age_years", "ke0_per_min", "allow_extrapolation"})
_EVENT_KEYS = frozenset({"kind", "time_min", "rate_mg_per_h", "dose_mg"})
_DOCUMENT_KEYS = frozenset({"patient", "events", "as_of_min", "output_times_min"})


def _mapping(value: object, field: str) -> Json:
    if not isinstance(value, Mapping):
        raise InputError(field, "must be a JSON object")
    return value


def _only(doc: Json, allowed: frozenset[str], where: str = "") -> None:
    for key in doc:
        if key not in allowed:
            raise InputError(
                f"{where}{key}", f"unknown field; allowed: {', '.join(sorted(allowed))}"
            )


def _required(doc: Json, key: str, where: str = "") -> Any:
    if key not in doc:
        raise InputError(f"{where}{key}", "is required")
    return doc[key]


def _list(value: object, field: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise InputError(field, "must be a JSON list")
    return value


def events_from_json(value: object) -> list[InfusionEvent]:
    """Events from a JSON list of ``{kind, time_min, rate_mg_per_h, dose_mg}`` objects.

    Only the shape is checked here (objects, known keys, ``kind`` and ``time_min``
    present); the values and the sequence are checked by :func:`replay`.

    Args:
        value: The ``events`` list.

    Returns:
        The events, in the order given.

    Raises:
        InputError: Not a list, an entry not an object, an unknown or missing key
            (named like ``events[3].rate``).
    """
    events = []
    for i, item in enumerate(_list(value, "events")):
        where = f"events[{i}]."
        entry = _mapping(item, f"events[{i}]")
        _only(entry, _EVENT_KEYS, where)
        events.append(
            InfusionEvent(
                kind=_required(entry, "kind", where),
                time_min=_required(entry, "time_min", where),
                rate_mg_per_h=entry.get("rate_mg_per_h"),
                dose_mg=entry.get("dose_mg"),
            )
        )
    return events


def delivered_to_json(delivered: DeliveredDose) -> dict[str, Any]:
    """The ``delivered`` object of the output.

    Args:
        delivered: A replay's result.

    Returns:
        ``total_mg``, ``infused_mg``, ``bolus_mg``, ``state``, ``rate_mg_per_h``,
        ``as_of_min``, ``segments`` (``[{start_min, end_min, rate_mg_per_h, dose_mg}]``)
        and ``boluses`` (``[{time_min, dose_mg}]``); numbers unrounded.
    """
    return {
        "total_mg": delivered.total_mg,
        "infused_mg": delivered.infused_mg,
        "bolus_mg": delivered.bolus_mg,
        "state": delivered.state.value,
        "rate_mg_per_h": delivered.rate_mg_per_h,
        "as_of_min": delivered.as_of_min,
        "segments": [
            {
                "start_min": s.start_min,
                "end_min": s.end_min,
                "rate_mg_per_h": s.rate_mg_per_h,
                "dose_mg": s.dose_mg,
            }
            for s in delivered.segments
        ],
        "boluses": [{"time_min": t, "dose_mg": d} for t, d in delivered.boluses],
    }


def _parameters(value: object) -> pk.PkParameters:
    patient = _mapping(value, "patient")
    _only(patient, _PATIENT_KEYS, "patient.")
    try:
        return parameters_from_json(patient)
    except InputError as exc:
        raise type(exc)(f"patient.{exc.field}", exc.rule) from None


def _output_times(value: object, delivered: DeliveredDose) -> list[float]:
    times: list[float] = []
    for i, item in enumerate(_list(value, "output_times_min")):
        field = f"output_times_min[{i}]"
        t = as_float(item)
        if t is None or not math.isfinite(t) or t < 0:
            got = repr(item) if t is None else short(t)
            raise InputError(field, f"must be a finite number of minutes, 0 or more (got {got})")
        if times and t < times[-1]:
            raise InputError(
                field, f"must not be before the time before it ({short(times[-1])} min)"
            )
        if delivered.state is InfusionState.RUNNING and t > delivered.as_of_min:
            raise InputError(
                field,
                f"is after as_of_min ({short(delivered.as_of_min)} min) while the infusion is "
                "still running: the prediction would assume it stopped then (chart the stop, "
                "or ask only for times up to as_of_min)",
            )
        times.append(t)
    if not times:
        raise InputError("output_times_min", "must list at least one time")
    return times


def run_replay(document: object) -> dict[str, Any]:
    """The ``session replay`` contract: charted events in, delivered dose and levels out.

    Input: ``patient`` (the patient object of ``pk simulate``: ``model``, ``weight_kg``,
    ``age_years``, optional ``ke0_per_min`` and ``allow_extrapolation``), ``events``
    (``[{kind, time_min, rate_mg_per_h, dose_mg}]``), optional ``as_of_min``, and
    ``output_times_min`` (sorted; for a running infusion, none after ``as_of_min``).

    Output: ``delivered`` (:func:`delivered_to_json`), ``concentrations``
    (``times_min``, ``plasma_ng_per_ml``, ``effect_site_ng_per_ml``), ``model`` (the
    model's label, as ``pk simulate`` reports it) and ``warnings`` (to be shown with
    any result, e.g. a patient outside the model's validated range).

    Args:
        document: The parsed input document.

    Returns:
        The output document.

    Raises:
        InputError: Any bad field, named; an impossible sequence as
            :class:`~ketacore.infusion.replay.EventSequenceError` naming ``events[i]``.
    """
    doc = _mapping(document, "input")
    _only(doc, _DOCUMENT_KEYS)
    params = _parameters(_required(doc, "patient"))
    events = events_from_json(_required(doc, "events"))
    delivered = replay(events, as_of_min=doc.get("as_of_min"))
    times = _output_times(_required(doc, "output_times_min"), delivered)
    sim = pk.simulate(params, delivered.regimen(), times)
    return {
        "delivered": delivered_to_json(delivered),
        "concentrations": {
            "times_min": [float(t) for t in sim.times_min],
            "plasma_ng_per_ml": [float(c) for c in sim.plasma_ng_per_ml],
            "effect_site_ng_per_ml": [float(c) for c in sim.effect_site_ng_per_ml],
        },
        "model": params.label,
        "warnings": list(sim.warnings),
    }
