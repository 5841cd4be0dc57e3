"""The session chart's data, gathered once for the chair page and the session record PDF.

:func:`session_chart_data` turns a session's state (``services.session_state``) into
the plain numbers ``ketaclinic.lib.session_charts.session_figure`` draws: vital signs,
the care policy's alert thresholds, the pump's constant-rate stretches and boluses
as replayed from the charted events, and the plasma and effect-site concentrations
the PK engine predicts from that delivered dose. :func:`session_chart_svg` is the
chart as inline SVG, for a page or the PDF.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.utils import timezone

from ketaclinic.infusions.services.state import SessionState, minutes
from ketaclinic.lib.session_charts import (
    RateStep,
    SessionChartData,
    ThresholdLine,
    VitalsPoint,
    inline_svg,
    session_figure,
)
from ketaclinic.patients.converters import age_on
from ketacore import pk
from ketacore.errors import InputError
from ketacore.infusion import InfusionState
from ketacore.infusion.care import Measure

__all__ = ["MODEL", "SessionChartData", "session_chart_data", "session_chart_svg"]

#: The PK model of the prediction: the adult default of docs/pk-engine.md (Domino 1984).
MODEL = "domino"
#: A session not discharged within this long of its start is not "going on" any more:
#: its chart ends at its last entry rather than stretching to now.
_LIVE_FOR = dt.timedelta(hours=24)
#: At most this many predicted points (a 4-hour session: one every 30 s).
_MAX_POINTS = 1200
_CHARTED = (Measure.SYSTOLIC, Measure.DIASTOLIC, Measure.HEART_RATE, Measure.SPO2)


def session_chart_data(state: SessionState) -> SessionChartData:
    """What the session chart draws, from the session as it stands (reads only)."""
    t0 = state.t0
    if t0 is None:
        local = timezone.localtime(state.session.opened_at)
        return SessionChartData(
            reference="opening", start_minute_of_day=local.hour * 60.0 + local.minute, end_min=0
        )
    local = timezone.localtime(t0)
    end = _end_min(state, t0)
    delivered = state.delivered
    steps = tuple(
        RateStep(s.start_min, min(s.end_min, end), s.rate_mg_per_h)
        for s in delivered.segments
        if s.start_min < end
    )
    times, plasma, effect, model, warnings = _prediction(state, t0, end)
    level = state.care.discharge.predicted_level_ng_per_ml
    return SessionChartData(
        reference="check-in" if state.check_in is not None else "the first entry",
        start_minute_of_day=local.hour * 60.0 + local.minute + local.second / 60.0,
        end_min=end,
        vitals=tuple(
            VitalsPoint(
                minutes(t0, e.occurred_at),
                systolic_mmhg=e.systolic_mmhg,
                diastolic_mmhg=e.diastolic_mmhg,
                heart_rate_bpm=e.heart_rate_bpm,
                spo2_percent=e.spo2_percent,
            )
            for e in state.vitals
        ),
        thresholds=tuple(
            ThresholdLine(rule.measure.value, value, f"{value:g}")
            for rule in state.care.alerts
            if rule.measure in _CHARTED
            for value in (rule.above, rule.below)
            if value is not None
        ),
        rate_steps=steps,
        boluses=tuple((t, d) for t, d in delivered.boluses),
        delivered_mg=delivered.total_mg,
        conc_times_min=times,
        plasma_ng_per_ml=plasma,
        effect_site_ng_per_ml=effect,
        discharge_level_ng_per_ml=level,
        model=model,
        warnings=warnings,
    )


def session_chart_svg(state: SessionState) -> str:
    """The session chart as an inline ``<svg>`` element (the page's CSS sets its width)."""
    return inline_svg(
        session_figure(session_chart_data(state)),
        label="Chart of the infusion session: vital signs, infusion rate and predicted "
        "ketamine concentration over time",
    )


def _end_min(state: SessionState, t0: dt.datetime) -> float:
    """The last entry; while the session is going on (not discharged), now."""
    last = max((minutes(t0, e.occurred_at) for e in state.entries), default=0.0)
    if state.delivered.segments:
        last = max(last, state.delivered.segments[-1].end_min)
    going_on = state.discharge is None and state.now - t0 < _LIVE_FOR
    return max(last, minutes(t0, state.now)) if going_on else last


def _prediction(
    state: SessionState, t0: dt.datetime, end: float
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...], str, tuple[str, ...]]:
    """Cp and Ce from the delivered dose, for the plan's weight and the patient's age."""
    delivered = state.delivered
    if not delivered.segments and not delivered.boluses:
        return (), (), (), "", ()
    if delivered.state in (InfusionState.RUNNING, InfusionState.PAUSED):
        end = min(end, delivered.as_of_min)  # nothing is known after "now"
    patient = state.session.patient
    weight = state.plan.weight_kg
    age = age_on(patient, timezone.localdate(t0))
    model = pk.get_model(MODEL)
    covariates = pk.Patient(weight_kg=weight, age_years=age)
    try:
        params = model.parameters(covariates)
    except InputError:  # outside the model's validated range: shown, with the warning
        params = model.parameters(covariates, allow_extrapolation=True)
    step = max(0.5, end / _MAX_POINTS)
    grid = np.union1d(
        np.append(np.arange(0.0, end, step), end),
        [t for t, _ in delivered.boluses if t <= end],
    )
    sim = pk.simulate(params, delivered.regimen(), times_min=grid)
    words = (
        f"Predicted with the {model.title.split(' (')[0]} model for {weight:g} kg and "
        f"{age} years; a population prediction, not a measured level."
    )
    return (
        tuple(float(t) for t in grid),
        tuple(float(c) for c in sim.plasma_ng_per_ml),
        tuple(float(c) for c in sim.effect_site_ng_per_ml),
        words,
        tuple(sim.warnings),
    )
