"""The clinic analytics' charts: responder rates with their intervals, relief curves.

Plain data in (:class:`RateBar`, :class:`Curve`), a matplotlib figure out; the page puts it
inline through ``session_charts.inline_svg`` and gives the same numbers as a table for
screen readers. The page's CSS sets the width, so the charts fit a phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

__all__ = ["Curve", "RateBar", "rates_figure", "relief_figure"]

_BAR, _TEXT = "#2166ac", 10
_CURVES = ("#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214", "#4d4d4d")


@dataclass(frozen=True, slots=True)
class RateBar:
    """One bar: a proportion (0-1) and its interval, or None without data."""

    label: str
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class Curve:
    """A Kaplan-Meier step curve (days, survival) and its band."""

    label: str
    times: tuple[float, ...]
    survival: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]


def rates_figure(bars: Sequence[RateBar], *, title: str) -> Figure:
    """Horizontal bars (percent) with the 95 % interval as error bars."""
    height = 1.2 + 0.45 * max(len(bars), 1)
    fig = Figure(figsize=(8.0, height), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=0.34, right=0.97, top=1 - 0.5 / height, bottom=0.6 / height)
    shown = [b for b in bars if b.value is not None]
    ys = list(range(len(shown)))
    values = [100 * (b.value or 0.0) for b in shown]
    below = [100 * ((b.value or 0.0) - (b.low or 0.0)) for b in shown]
    above = [100 * ((b.high or 0.0) - (b.value or 0.0)) for b in shown]
    ax.barh(ys, values, color=_BAR, alpha=0.75, xerr=[below, above], capsize=4)
    ax.set_yticks(ys, [b.label for b in shown], fontsize=_TEXT)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of series (bars: 95 % confidence interval)", fontsize=_TEXT)
    ax.set_title(title, fontsize=_TEXT + 1, loc="left")
    if not shown:
        ax.text(0.5, 0.5, "No series to show", transform=ax.transAxes, ha="center")
    return fig


def relief_figure(curves: Sequence[Curve]) -> Figure:
    """Share of series still relieved by day since the last infusion, with 95 % bands."""
    fig = Figure(figsize=(8.0, 3.6), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.86, bottom=0.16)
    for curve, colour in zip(curves, _CURVES, strict=False):
        xs = [0.0, *curve.times]
        ax.step(xs, [1.0, *curve.survival], where="post", color=colour, label=curve.label)
        ax.fill_between(
            xs, [1.0, *curve.low], [1.0, *curve.high], step="post", color=colour, alpha=0.15
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel("days after the last infusion of the series", fontsize=_TEXT)
    ax.set_ylabel("still relieved", fontsize=_TEXT)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    if curves:
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, 1.16), ncol=3, frameon=False, fontsize=_TEXT
        )
    else:
        ax.text(0.5, 0.5, "No relief to show", transform=ax.transAxes, ha="center")
    return fig
