"""The chart of a plan's PK preview (matplotlib SVG, the same library as every chart).

Each duration option's predicted plasma level over time; for the chosen option the
5th-95th percentile band of the virtual population; the discharge-compatible level
and the clinic's peak threshold as dashed lines.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from ketaclinic.lib.charts import svg_text
from ketacore import pk

__all__ = ["preview_svg"]

_COLOURS = ("#9a3d00", "#b5838d", "#2f6f8f", "#2d6a4f", "#6d597a", "#264653")


def preview_svg(view: pk.Preview) -> str:
    fig = Figure(figsize=(8, 4.2), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    t = view.times_min
    for option, colour in zip(view.options, _COLOURS, strict=False):
        width = 2.6 if option.chosen else 1.3
        label = f"{option.duration_min:g} min" + (" (chosen)" if option.chosen else "")
        ax.plot(t, option.plasma_ng_per_ml, color=colour, linewidth=width, label=label)
        if option.chosen:
            ax.fill_between(
                t,
                option.population_p5_ng_per_ml,
                option.population_p95_ng_per_ml,
                color=colour,
                alpha=0.15,
                label="5th-95th percentile (chosen)",
            )
    ax.axhline(view.discharge_ng_per_ml, color="#555", linestyle="--", linewidth=1)
    ax.axhline(view.threshold_ng_per_ml, color="#a4161a", linestyle=":", linewidth=1)
    ax.text(
        t[-1],
        view.discharge_ng_per_ml,
        " discharge-compatible",
        va="bottom",
        ha="right",
        fontsize=8,
    )
    ax.text(
        t[-1], view.threshold_ng_per_ml, " clinic threshold", va="bottom", ha="right", fontsize=8
    )
    ax.set_xlabel("minutes from the start")
    ax.set_ylabel("predicted plasma ketamine (ng/mL)")
    ax.set_xlim(0, float(t[-1]))
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return svg_text(fig)
