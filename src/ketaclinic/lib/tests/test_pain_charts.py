"""The progress page's charts are drawn once per process for the same data, and redrawn
for different data (the cache must never show one patient's picture for another's)."""

from __future__ import annotations

import datetime as dt

from ketaclinic.lib.pain_charts import PainChartData, ScoreTrend, pain_svg, trends_svg

D = dt.date(2026, 3, 1)


def _data(pain: int) -> PainChartData:
    days = tuple((D + dt.timedelta(days=i), pain) for i in range(5))
    return PainChartData(start=D, end=D + dt.timedelta(days=13), pain=days, infusion_days=(D,))


def test_the_same_data_is_drawn_once_and_other_data_again() -> None:
    pain_svg.cache_clear()
    first = pain_svg(_data(6), "Pain")
    assert first.startswith("<svg")
    assert 'aria-label="Pain"' in first
    assert pain_svg(_data(6), "Pain") is first  # equal data: the drawn picture, not a new one
    assert pain_svg.cache_info().hits == 1
    other = pain_svg(_data(3), "Pain")
    assert other != first
    assert pain_svg.cache_info().misses == 2
    trend = (ScoreTrend("PHQ-9", 27, ((D, 12.0), (D + dt.timedelta(days=30), 6.0))),)
    drawn = trends_svg(trend, "Scores")
    assert trends_svg(trend, "Scores") is drawn
    assert trends_svg((ScoreTrend("PHQ-9", 27, ((D, 12.0),)),), "Scores") != drawn
