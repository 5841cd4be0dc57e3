"""The chart of an infusion session: vital signs, the dose given, predicted concentrations.

One function, :func:`session_figure`, draws it for both the chair page (inline SVG,
820 px wide) and the session record PDF (the same SVG, scaled to the A4 text width),
so what the nurse saw is what the record shows. It takes plain data
(:class:`SessionChartData`, built by ``ketaclinic.infusions.charts.session_chart_data``
from a session's state), never ORM objects.

Time runs along the bottom in minutes from the session's reference time (the
check-in), each tick also labelled with its clock time in the clinic's time zone.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from ketaclinic.lib.charts import svg_text

__all__ = [
    "RateStep",
    "SessionChartData",
    "ThresholdLine",
    "VitalsPoint",
    "inline_svg",
    "session_figure",
]

#: Colours that stay apart in print and for the common colour-vision deficiencies.
_SYSTOLIC, _DIASTOLIC, _HEART = "#b2182b", "#ef8a62", "#2166ac"
_SPO2, _RATE, _PLASMA, _EFFECT = "#1b7837", "#5e3c99", "#1f4e79", "#c2185b"
_FAINT = "#9e9e9e"
_TEXT = 8.5


@dataclass(frozen=True, slots=True)
class VitalsPoint:
    """One set of vital signs at ``time_min`` (any measure may be missing)."""

    time_min: float
    systolic_mmhg: float | None = None
    diastolic_mmhg: float | None = None
    heart_rate_bpm: float | None = None
    spo2_percent: float | None = None


@dataclass(frozen=True, slots=True)
class RateStep:
    """The pump ran at ``rate_mg_per_h`` from ``start_min`` to ``end_min``."""

    start_min: float
    end_min: float
    rate_mg_per_h: float


@dataclass(frozen=True, slots=True)
class ThresholdLine:
    """An alert threshold of the care policy, drawn faintly on its measure's panel.

    ``measure`` is one of ``systolic_mmhg``, ``diastolic_mmhg``, ``heart_rate_bpm``,
    ``spo2_percent``; ``label`` is what the chart writes by the line ("180").
    """

    measure: str
    value: float
    label: str


@dataclass(frozen=True, slots=True)
class SessionChartData:
    """Everything the session chart draws, as plain numbers and words.

    Attributes:
        reference: What t = 0 is, in words ("check-in").
        start_minute_of_day: The clock time of t = 0 in the clinic's time zone, in
            minutes after midnight (ticks are labelled with clock times from it).
        end_min: Where the time axis ends (the last entry, or now while the session
            is going on).
        vitals: The vital signs, in time order.
        thresholds: Alert thresholds to draw faintly.
        rate_steps: The pump's constant-rate stretches, in time order (gaps are pauses).
        boluses: ``(time_min, dose_mg)``.
        delivered_mg: The delivered dose so far (from the replayed events).
        conc_times_min, plasma_ng_per_ml, effect_site_ng_per_ml: The predicted
            concentrations from the delivered dose.
        discharge_level_ng_per_ml: The care policy's discharge-compatible predicted
            level, drawn as information only (None: not drawn).
        model: The prediction's model and covariates, in words.
        warnings: What must be shown with the prediction (extrapolation...).
    """

    reference: str
    start_minute_of_day: float
    end_min: float
    vitals: tuple[VitalsPoint, ...] = ()
    thresholds: tuple[ThresholdLine, ...] = ()
    rate_steps: tuple[RateStep, ...] = ()
    boluses: tuple[tuple[float, float], ...] = ()
    delivered_mg: float = 0.0
    conc_times_min: tuple[float, ...] = ()
    plasma_ng_per_ml: tuple[float, ...] = ()
    effect_site_ng_per_ml: tuple[float, ...] = ()
    discharge_level_ng_per_ml: float | None = None
    model: str = ""
    warnings: tuple[str, ...] = field(default=())


def session_figure(data: SessionChartData) -> Figure:
    """The session chart: four panels over one time axis.

    1. Blood pressure (systolic, diastolic) and heart rate; 2. oxygen saturation;
    3. the infusion rate in mg/h as a step line, boluses as markers with their mg;
    4. predicted plasma and effect-site concentrations (ng/mL) from the delivered
    dose, with the discharge-compatible level dashed and marked "information only".
    8.2 × 8 inches at 100 dpi: 820 px wide on the page, scaled to the A4 text width.
    """
    fig = Figure(figsize=(8.2, 8.0), dpi=100)
    # Fixed margins (inches / 8.2 wide, / 8 high): the panels' labels are known in advance,
    # and a fixed layout draws in half the time of matplotlib's constrained layout.
    pressure, spo2, rate, conc = fig.subplots(
        4,
        1,
        sharex=True,
        gridspec_kw={
            "height_ratios": (3.0, 1.5, 1.7, 2.8),
            "left": 0.75 / 8.2,
            "right": 1 - 0.4 / 8.2,
            "top": 1 - 0.3 / 8.0,
            "bottom": 1.1 / 8.0,
            "hspace": 0.4,
        },
    )
    end = max(data.end_min, 30.0)
    _vitals_panel(pressure, data)
    _spo2_panel(spo2, data)
    _rate_panel(rate, data, end)
    _concentration_panel(conc, data)
    for ax in (pressure, spo2, rate, conc):
        ax.set_xlim(-0.01 * end, end * 1.01)  # room for a marker at either end
        ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
        ax.tick_params(labelsize=_TEXT)
        ax.spines[["top", "right"]].set_visible(False)
    conc.xaxis.set_major_locator(MultipleLocator(_tick_step(end)))
    conc.xaxis.set_major_formatter(FuncFormatter(_clock_formatter(data.start_minute_of_day)))
    conc.set_xlabel(f"Minutes from {data.reference} (clock time below)", fontsize=_TEXT + 0.5)
    return fig


def inline_svg(fig: Figure, *, label: str) -> str:
    """``fig`` as an ``<svg>`` element to put inside an HTML page (or the PDF's HTML).

    The XML declaration and doctype are dropped, the fixed width and height give way
    to the ``viewBox`` (the page's CSS sets the width), and ``label`` becomes the
    image's accessible name.
    """
    text = svg_text(fig)
    text = text[text.index("<svg") :]
    text = re.sub(r'\s(width|height)="[\d.]+pt"', "", text, count=2)
    return text.replace("<svg", f'<svg role="img" aria-label="{html.escape(label)}"', 1)


# ------------------------------------------------------------------ panels


def _vitals_panel(ax: Axes, data: SessionChartData) -> None:
    ax.set_title("Vital signs", loc="left", fontsize=_TEXT + 1, fontweight="bold")
    ax.set_ylabel("mmHg · beats/min", fontsize=_TEXT)
    drawn = False
    for name, colour, marker, label in (
        ("systolic_mmhg", _SYSTOLIC, "v", "Systolic (mmHg)"),
        ("diastolic_mmhg", _DIASTOLIC, "^", "Diastolic (mmHg)"),
        ("heart_rate_bpm", _HEART, "o", "Heart rate (/min)"),
    ):
        times, values = _series(data.vitals, name)
        if times:
            ax.plot(times, values, marker=marker, markersize=4, color=colour, label=label, lw=1.2)
            drawn = True
    measures = ("systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm")
    _thresholds(ax, data.thresholds, measures)
    if drawn:
        ax.legend(
            loc="upper left", fontsize=_TEXT - 0.5, ncols=3, framealpha=0.85, edgecolor="none"
        )
        low, high = ax.get_ylim()
        ax.set_ylim(max(0.0, min(low, 40.0)), max(high, 160.0) * 1.12)
    else:
        ax.set_ylim(40.0, 200.0)
        _empty(ax, "No vital signs charted yet")


def _spo2_panel(ax: Axes, data: SessionChartData) -> None:
    ax.set_title("Oxygen saturation", loc="left", fontsize=_TEXT + 1, fontweight="bold")
    ax.set_ylabel("SpO₂ (%)", fontsize=_TEXT)
    times, values = _series(data.vitals, "spo2_percent")
    _thresholds(ax, data.thresholds, ("spo2_percent",))
    if times:
        ax.plot(times, values, marker="s", markersize=3.5, color=_SPO2, lw=1.2)
        ax.set_ylim(min(88.0, min(values) - 2.0), 100.8)
    else:
        ax.set_ylim(88.0, 100.8)
        _empty(ax, "No oxygen saturation charted yet")


def _rate_panel(ax: Axes, data: SessionChartData, end: float) -> None:
    ax.set_title(
        f"Infusion: {data.delivered_mg:.1f} mg delivered",
        loc="left",
        fontsize=_TEXT + 1,
        fontweight="bold",
    )
    ax.set_ylabel("Rate (mg/h)", fontsize=_TEXT)
    xs, ys = _steps(data.rate_steps)
    top = max((s.rate_mg_per_h for s in data.rate_steps), default=10.0)
    if xs:
        ax.plot(xs, ys, color=_RATE, lw=1.6, label="Infusion rate (mg/h)")
        ax.fill_between(xs, ys, color=_RATE, alpha=0.12, linewidth=0)
    for t, dose in data.boluses:
        ax.plot([t], [top * 1.25], marker="v", color=_RATE, markersize=7, linestyle="none")
        ax.annotate(
            f"bolus {dose:g} mg",
            (t, top * 1.25),
            xytext=(4, 2),
            textcoords="offset points",
            fontsize=_TEXT - 0.5,
            color=_RATE,
        )
    ax.set_ylim(0, top * 1.5)
    if not xs and not data.boluses:
        _empty(ax, "The infusion has not started")


def _concentration_panel(ax: Axes, data: SessionChartData) -> None:
    ax.set_title(
        "Predicted ketamine concentration", loc="left", fontsize=_TEXT + 1, fontweight="bold"
    )
    ax.set_ylabel("Ketamine (ng/mL)", fontsize=_TEXT)
    times, plasma = data.conc_times_min, data.plasma_ng_per_ml
    level = data.discharge_level_ng_per_ml
    top = _concentration_top(data)
    notes = [data.model] if data.model else []
    if times:
        ax.plot(times, plasma, color=_PLASMA, lw=1.5, label="Plasma")
        ax.plot(times, data.effect_site_ng_per_ml, "--", color=_EFFECT, lw=1.5, label="Effect site")
        peak = max(plasma)
        if peak > top:  # a bolus's instant plasma peak: off the scale, said in words
            at = times[plasma.index(peak)]
            ax.plot([at], [top], marker="^", color=_PLASMA, markersize=6, clip_on=False)
            notes.append(
                f"Plasma peaks at {peak:.0f} ng/mL at {at:g} min, just after the bolus "
                "(above the top of the scale)."
            )
    if level is not None:
        ax.axhline(
            level,
            color=_FAINT,
            linestyle=(0, (5, 3)),
            lw=1.0,
            label=f"Discharge-compatible level {level:g} ng/mL (information only)",
        )
    ax.set_ylim(0, top)
    if times or level is not None:
        ax.legend(
            loc="upper left", fontsize=_TEXT - 0.5, ncols=3, framealpha=0.85, edgecolor="none"
        )
    if not times:
        _empty(ax, "No dose delivered yet")
    notes += data.warnings
    if notes:
        ax.annotate(
            "\n".join(notes),
            (0.0, 0.0),
            xycoords="axes fraction",
            xytext=(0, -45),
            textcoords="offset points",
            fontsize=_TEXT - 1,
            color="#616161",
            va="top",
            annotation_clip=False,
        )


def _concentration_top(data: SessionChartData) -> float:
    """The scale's top: room for every curve but a bolus's instant plasma spike."""
    after_bolus = [(t, t + 5.0) for t, _ in data.boluses]
    steady = [
        c
        for t, c in zip(data.conc_times_min, data.plasma_ng_per_ml, strict=True)
        if not any(start <= t <= end for start, end in after_bolus)
    ]
    high = max((*steady, *data.effect_site_ng_per_ml), default=0.0)
    return max(high, data.discharge_level_ng_per_ml or 0.0, 10.0) * 1.35


# ------------------------------------------------------------------ helpers


def _series(vitals: Sequence[VitalsPoint], name: str) -> tuple[list[float], list[float]]:
    times, values = [], []
    for point in vitals:
        value = getattr(point, name)
        if value is not None:
            times.append(point.time_min)
            values.append(float(value))
    return times, values


def _thresholds(ax: Axes, lines: Sequence[ThresholdLine], measures: Sequence[str]) -> None:
    """Faint dotted lines at the alert thresholds, each labelled at the right edge."""
    colours = {
        "systolic_mmhg": _SYSTOLIC,
        "diastolic_mmhg": _DIASTOLIC,
        "heart_rate_bpm": _HEART,
        "spo2_percent": _SPO2,
    }
    for line in lines:
        if line.measure not in measures:
            continue
        colour = colours[line.measure]
        ax.axhline(line.value, color=colour, alpha=0.35, linestyle=":", lw=1.0)
        ax.annotate(
            line.label,
            (1.0, line.value),
            xycoords=("axes fraction", "data"),
            xytext=(2, 0),
            textcoords="offset points",
            fontsize=_TEXT - 1.5,
            color=colour,
            alpha=0.8,
            va="center",
        )


def _steps(steps: Sequence[RateStep]) -> tuple[list[float], list[float]]:
    """The rate as a step line that drops to 0 between stretches (a pause, a stop)."""
    xs: list[float] = []
    ys: list[float] = []
    for step in steps:
        if not xs or xs[-1] < step.start_min:
            if xs:
                xs.append(xs[-1])
                ys.append(0.0)
            xs.append(step.start_min)
            ys.append(0.0)
        xs += [step.start_min, step.end_min]
        ys += [step.rate_mg_per_h, step.rate_mg_per_h]
    if xs:
        xs.append(xs[-1])
        ys.append(0.0)
    return xs, ys


def _empty(ax: Axes, text: str) -> None:
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=_TEXT,
        color="#757575",
    )


def _tick_step(span_min: float) -> float:
    """Minutes between ticks: about six to ten labels whatever the session's length."""
    for step in (5.0, 10.0, 15.0, 30.0, 60.0, 120.0):
        if span_min / step <= 10:
            return step
    return 60.0 * math.ceil(span_min / 600.0)


def _clock_formatter(start_minute_of_day: float) -> Callable[[float, object], str]:
    def label(minutes: float, _position: object) -> str:
        clock = round(start_minute_of_day + minutes) % (24 * 60)
        return f"{minutes:g}\n{clock // 60:02d}:{clock % 60:02d}"

    return label
