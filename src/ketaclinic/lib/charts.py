"""Charts of ketacore PK results (matplotlib, Agg backend; no GUI, thread-safe use).

Each ``*_figure`` function takes a ketacore result object and returns a
matplotlib ``Figure``; :func:`write_png` and :func:`svg_text` render it. The CLI
writes PNGs; pages and PDFs embed the SVG text (the infusion session's chart is
``lib.session_charts``).
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ketacore.pk import (
    DEFAULT_BANDS,
    Comparison,
    PkParameters,
    PopulationResult,
    Simulation,
    TciPlan,
    simulate,
)

__all__ = [
    "comparison_figure",
    "population_figure",
    "simulation_figure",
    "svg_text",
    "tci_figure",
    "write_png",
]

# SVG text stays text, not glyph outlines: a third of the size, searchable in the session
# record PDF, and WeasyPrint draws it several times faster.
matplotlib.rcParams["svg.fonttype"] = "none"

_BAND_COLOURS = ("#2a9d8f", "#e76f51")


def _axes(title: str) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(8, 4.5), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_title(title)
    ax.set_xlabel("time (min)")
    ax.set_ylabel("ketamine (ng/mL)")
    for band, colour in zip(DEFAULT_BANDS, _BAND_COLOURS, strict=True):
        ax.axhspan(
            band.low_ng_per_ml,
            band.high_ng_per_ml,
            color=colour,
            alpha=0.08,
            label=f"{band.name} {band.low_ng_per_ml:g}-{band.high_ng_per_ml:g}",
        )
    return fig, ax


def simulation_figure(sim: Simulation) -> Figure:
    """Cp and Ce of one simulation against the default bands."""
    fig, ax = _axes(f"{sim.parameters.label}: {sim.regimen.total_dose_mg:g} mg")
    ax.plot(sim.times_min, sim.plasma_ng_per_ml, label="plasma")
    ax.plot(sim.times_min, sim.effect_site_ng_per_ml, "--", label="effect site")
    ax.legend(loc="upper right", fontsize=8)
    return fig


def comparison_figure(comparison: Comparison, parameters: PkParameters) -> Figure:
    """Plasma curves of every compared plan on one chart."""
    fig, ax = _axes(f"{parameters.label}: plan comparison")
    times = np.linspace(0.0, comparison.horizon_min, 721)
    for option in comparison.options:
        sim = simulate(parameters, option.regimen, times)
        ax.plot(times, sim.plasma_ng_per_ml, label=option.label)
    ax.legend(loc="upper right", fontsize=8)
    return fig


def tci_figure(plan: TciPlan) -> Figure:
    """Predicted Cp/Ce of a TCI plan with its rates on a second axis."""
    fig, ax = _axes(f"TCI ({plan.settings.site})")
    ax.plot(plan.times_min, plan.plasma_ng_per_ml, label="plasma")
    ax.plot(plan.times_min, plan.effect_site_ng_per_ml, "--", label="effect site")
    ax.legend(loc="upper right", fontsize=8)
    rate_ax = ax.twinx()
    rate_ax.step(plan.period_start_min, plan.rate_ml_per_h, where="post", color="grey", alpha=0.5)
    rate_ax.set_ylabel("rate (mL/h)")
    return fig


def population_figure(result: PopulationResult) -> Figure:
    """Median and outer percentile band of a virtual population."""
    fig, ax = _axes(f"{len(result.cmax_ng_per_ml)} virtual patients")
    bands = result.plasma_percentiles_ng_per_ml
    low, high = result.percentiles[0], result.percentiles[-1]
    ax.fill_between(
        result.times_min, bands[0], bands[-1], alpha=0.3, label=f"{low:g}-{high:g}th percentile"
    )
    ax.plot(result.times_min, bands[len(bands) // 2], label="median")
    ax.legend(loc="upper right", fontsize=8)
    return fig


def write_png(fig: Figure, path: Path) -> Path:
    """Render ``fig`` as a PNG at ``path`` and return the path."""
    fig.savefig(path, format="png")
    return path


def svg_text(fig: Figure) -> str:
    """Render ``fig`` as SVG markup."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    return buffer.getvalue()
