"""The session chart from plain data: the same SVG for the chair page and the PDF."""

from __future__ import annotations

import re

from ketaclinic.lib.session_charts import (
    RateStep,
    SessionChartData,
    ThresholdLine,
    VitalsPoint,
    inline_svg,
    session_figure,
)

DATA = SessionChartData(
    reference="check-in",
    start_minute_of_day=9 * 60 + 50,
    end_min=130,
    vitals=(
        VitalsPoint(0, 124, 78, 72, 98),
        VitalsPoint(30, 186, 96, 88, 97),
        VitalsPoint(60, 130, None, None, None),  # a pressure with no partner is not drawn
    ),
    thresholds=(
        ThresholdLine("systolic_mmhg", 180, "180"),
        ThresholdLine("spo2_percent", 92, "92"),
    ),
    rate_steps=(RateStep(10, 40, 14), RateStep(40, 70, 28), RateStep(80, 100, 28)),
    boluses=((60, 5.0),),
    delivered_mg=35.33,
    conc_times_min=(0.0, 10.0, 60.0, 100.0, 130.0),
    plasma_ng_per_ml=(0.0, 0.0, 1250.0, 150.0, 50.0),
    effect_site_ng_per_ml=(0.0, 0.0, 120.0, 140.0, 60.0),
    discharge_level_ng_per_ml=100,
    model="Predicted with the Domino 1984 model for 70 kg and 50 years.",
)


def _texts(svg: str) -> str:
    return " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def test_it_draws_every_panel_with_units_and_clock_times() -> None:
    svg = inline_svg(session_figure(DATA), label="Session chart")
    assert svg.startswith('<svg role="img" aria-label="Session chart"')
    assert "<?xml" not in svg
    assert "<!DOCTYPE" not in svg
    assert 'width="' not in svg.split(">", 1)[0]  # the page's CSS sets the width
    words = _texts(svg)
    for expected in (
        "Vital signs",
        "Systolic (mmHg)",
        "Heart rate (/min)",
        "SpO₂ (%)",
        "Rate (mg/h)",
        "Infusion: 35.3 mg delivered",
        "bolus 5 mg",
        "Ketamine (ng/mL)",
        "Effect site",
        "Discharge-compatible level 100 ng/mL (information only)",
        "Minutes from check-in (clock time below)",
        "10:20",  # 30 min after 09:50
        "Plasma peaks at 1250 ng/mL at 60 min",
    ):
        assert expected in words, expected
    assert not re.search(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", words), "an internal key is shown"


def test_an_empty_session_draws_the_axes_and_says_what_is_missing() -> None:
    words = _texts(
        inline_svg(session_figure(SessionChartData("check-in", 600, 0)), label="Session chart")
    )
    assert "No vital signs charted yet" in words
    assert "The infusion has not started" in words
    assert "No dose delivered yet" in words


def test_an_accessible_name_is_escaped() -> None:
    svg = inline_svg(session_figure(DATA), label='A "quoted" <chart> & more')
    assert 'aria-label="A &quot;quoted&quot; &lt;chart&gt; &amp; more"' in svg
