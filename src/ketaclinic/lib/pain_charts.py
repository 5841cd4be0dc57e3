"""The pain-over-time chart of a patient's diary, with their infusion days marked.

:func:`pain_figure` takes plain data (:class:`PainChartData`, built by
``ketaclinic.outcomes.progress`` from the diary), never ORM objects, and draws one
figure for the patient's progress page and the staff's diary page (inline SVG through
``session_charts.inline_svg``; the page's CSS sets the width, so it fits a phone).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

from ketaclinic.lib.session_charts import inline_svg

__all__ = [
    "PAIN_SIZE",
    "PainChartData",
    "ScoreTrend",
    "pain_figure",
    "pain_svg",
    "trends_figure",
    "trends_size",
    "trends_svg",
]

#: Drawn charts kept per process (a few tens of kB each): drawing is most of a progress
#: page's time (docs/performance.md), and the same data always gives the same picture.
CACHED_CHARTS = 256

_PAIN, _INFUSION, _BASELINE, _RELIEF = "#b2182b", "#2166ac", "#616161", "#1b7837"
_TEXT = 10


@dataclass(frozen=True, slots=True)
class PainChartData:
    """Diary days and their pain (0-10), infusion days, and the baseline if known."""

    start: dt.date
    end: dt.date
    pain: tuple[tuple[dt.date, int], ...] = ()
    infusion_days: tuple[dt.date, ...] = ()
    baseline: float | None = None
    #: Relief periods (onset, end or the last day known), shaded.
    relief: tuple[tuple[dt.date, dt.date], ...] = ()


#: The pain chart's size in inches.
PAIN_SIZE = (8.0, 3.2)


def pain_figure(data: PainChartData, *, height_in: float = PAIN_SIZE[1]) -> Figure:
    """Pain 0-10 by day: points joined where days follow each other, infusions as bars."""
    fig = Figure(figsize=(PAIN_SIZE[0], height_in), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.16)
    ax.set_xlim(_x(data.start) - 0.5, _x(data.end) + 0.5)
    ax.set_ylim(-0.3, 10.3)
    ax.set_yticks(range(0, 11, 2))
    ax.set_ylabel("pain (0-10)", fontsize=_TEXT)
    for i, day in enumerate(d for d in data.infusion_days if data.start <= d <= data.end):
        ax.axvline(
            _x(day), color=_INFUSION, linewidth=2, alpha=0.35, label="infusion" if i == 0 else None
        )
    for i, (onset, end) in enumerate(data.relief):
        ax.axvspan(
            _x(onset) - 0.5,
            _x(end) + 0.5,
            color=_RELIEF,
            alpha=0.18,
            linewidth=0,
            label="relief" if i == 0 else None,
        )
    if data.baseline is not None:
        ax.axhline(
            data.baseline, color=_BASELINE, linestyle="--", linewidth=1, label="before treatment"
        )
    for run in _runs(data.pain):
        ax.plot([_x(d) for d, _ in run], [p for _, p in run], color=_PAIN, marker="o", markersize=4)
    if data.pain:
        ax.plot([], [], color=_PAIN, marker="o", markersize=4, label="pain")
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, 1.16), ncol=4, frameon=False, fontsize=_TEXT
        )
    else:
        ax.text(
            0.5, 0.5, "No diary entries yet", transform=ax.transAxes, ha="center", color="#757575"
        )
    locator = AutoDateLocator(minticks=3, maxticks=7)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.tick_params(labelsize=_TEXT)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


@dataclass(frozen=True, slots=True)
class ScoreTrend:
    """One questionnaire's score by date, on its own scale (0 to ``top``)."""

    title: str
    top: float
    points: tuple[tuple[dt.date, float], ...]
    bottom: float = 0


def trends_size(count: int, *, height_in: float = 4.0) -> tuple[float, float]:
    """The trends chart's size in inches for ``count`` questionnaires (two a row)."""
    rows = max(1, (count + 1) // 2)
    return 8.0, height_in * rows / 2


def trends_figure(trends: tuple[ScoreTrend, ...], *, height_in: float = 4.0) -> Figure:
    """Small multiples, two a row: each questionnaire's score by date on its own scale."""
    rows = max(1, (len(trends) + 1) // 2)
    days = [d for t in trends for d, _ in t.points]
    # One date range for all, two weeks at least, so a single answer is not lost in years.
    pad = max(2, (14 - (max(days) - min(days)).days) // 2) if days else 0
    span = (_x(min(days)) - pad, _x(max(days)) + pad) if days else None
    fig = Figure(figsize=trends_size(len(trends), height_in=height_in), dpi=100)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.9, bottom=0.12, hspace=0.7, wspace=0.2)
    for i, trend in enumerate(trends):
        ax = fig.add_subplot(rows, 2, i + 1)
        ax.set_title(trend.title, fontsize=_TEXT)
        ax.set_ylim(trend.bottom - 0.03 * (trend.top - trend.bottom), trend.top * 1.03)
        if span is not None:
            ax.set_xlim(*span)
        if trend.points:
            ax.plot(
                [_x(d) for d, _ in trend.points],
                [v for _, v in trend.points],
                color=_INFUSION,
                marker="o",
                markersize=4,
            )
            locator = AutoDateLocator(minticks=2, maxticks=4)  # type: ignore[no-untyped-call]
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        else:
            ax.set_xticks([])
            ax.text(0.5, 0.5, "none yet", transform=ax.transAxes, ha="center", color="#757575")
        ax.tick_params(labelsize=_TEXT - 1)
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
    return fig


def _runs(points: tuple[tuple[dt.date, int], ...]) -> list[list[tuple[dt.date, int]]]:
    """Consecutive days together: a missed day breaks the line (nothing is guessed)."""
    runs: list[list[tuple[dt.date, int]]] = []
    for day, pain in sorted(points):
        if runs and (day - runs[-1][-1][0]).days == 1:
            runs[-1].append((day, pain))
        else:
            runs.append([(day, pain)])
    return runs


def _x(day: dt.date) -> float:
    """A day as matplotlib's date number (days since its epoch)."""
    return float(date2num(day))  # type: ignore[no-untyped-call]


@lru_cache(maxsize=CACHED_CHARTS)
def pain_svg(data: PainChartData, label: str) -> str:
    """:func:`pain_figure` as inline SVG, drawn once per process for the same data."""
    return inline_svg(pain_figure(data), label=label)


@lru_cache(maxsize=CACHED_CHARTS)
def trends_svg(trends: tuple[ScoreTrend, ...], label: str) -> str:
    """:func:`trends_figure` as inline SVG, drawn once per process for the same data."""
    return inline_svg(trends_figure(trends), label=label)
