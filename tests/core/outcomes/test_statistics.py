"""Clinic statistics against published values.

Kaplan-Meier: the 6-MP arm of Freireich's remission trial [Freireich1963], 21 patients,
weeks in remission (+ censored): 6, 6, 6, 6+, 7, 9+, 10, 10+, 11+, 13, 16, 17+, 19+, 20+,
22, 23, 25+, 32+, 32+, 34+, 35+. Kleinbaum and Klein [KleinbaumKlein2012] (chapter 2,
the remission data's KM table) give S(t) = 0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378,
0.4482 at 6, 7, 10, 13, 16, 22, 23 weeks; Klein and Moeschberger [KleinMoeschberger2003]
(section 4.2, the 6-MP example) give Greenwood's standard errors 0.0764, 0.0869, 0.0963,
0.1068, 0.1141, 0.1282, 0.1346, and the log-log band at 6 weeks 0.620-0.952.
"""

from __future__ import annotations

import math

import pytest

from ketacore.errors import InputError
from ketacore.outcomes.statistics import kaplan_meier, mean_change, rate

#: (weeks, censored, count), grouped as the database hands them over.
SIX_MP = [
    (6, False, 3),
    (6, True, 1),
    (7, False, 1),
    (9, True, 1),
    (10, False, 1),
    (10, True, 1),
    (11, True, 1),
    (13, False, 1),
    (16, False, 1),
    (17, True, 1),
    (19, True, 1),
    (20, True, 1),
    (22, False, 1),
    (23, False, 1),
    (25, True, 1),
    (32, True, 2),
    (34, True, 1),
    (35, True, 1),
]
#: weeks -> (S(t), Greenwood SE), the textbooks' tables.
PUBLISHED = {
    6: (0.8571, 0.0764),
    7: (0.8067, 0.0869),
    10: (0.7529, 0.0963),
    13: (0.6902, 0.1068),
    16: (0.6275, 0.1141),
    22: (0.5378, 0.1282),
    23: (0.4482, 0.1346),
}


def test_kaplan_meier_matches_the_textbook_6mp_table() -> None:
    km = kaplan_meier(SIX_MP)
    assert km is not None
    assert km.n == 21
    assert km.events_total == 9
    at = dict(zip(km.times, range(len(km.times)), strict=True))
    for week, (survival, _se) in PUBLISHED.items():
        assert km.survival[at[week]] == pytest.approx(survival, abs=5e-5), week
    # Between events the curve is flat (a censored time changes nothing).
    assert km.survival[at[9]] == km.survival[at[7]]
    assert km.at_risk[at[6]] == 21
    assert km.events[at[6]] == 3
    assert km.at_risk[at[7]] == 17
    assert km.at_risk[at[23]] == 6
    assert km.median == 23


def test_the_band_is_greenwoods_on_the_log_log_scale() -> None:
    km = kaplan_meier(SIX_MP)
    assert km is not None
    at = dict(zip(km.times, range(len(km.times)), strict=True))
    assert (km.low[at[6]], km.high[at[6]]) == pytest.approx((0.620, 0.952), abs=5e-4)
    z = 1.959964
    for week, (survival, se) in PUBLISHED.items():
        i = at[week]
        # The log-log band from the published S and SE (Klein and Moeschberger eq. 4.3.2).
        theta = math.exp(z * se / (survival * math.log(survival)))
        assert km.low[i] == pytest.approx(survival ** (1 / theta), abs=2e-3), week
        assert km.high[i] == pytest.approx(survival**theta, abs=2e-3), week
        assert km.low[i] < km.survival[i] < km.high[i]


def test_kaplan_meier_without_observations_or_events() -> None:
    assert kaplan_meier([]) is None
    assert kaplan_meier([(5, False, 0)]) is None
    km = kaplan_meier([(5, True, 2), (9, True, 1)])
    assert km is not None
    assert km.survival == (1.0, 1.0)
    assert km.median is None
    assert km.at_risk == (3, 1)
    assert km.events_total == 0


def test_kaplan_meier_refuses_bad_input_by_field() -> None:
    with pytest.raises(InputError) as bad:
        kaplan_meier([(-1, False, 1)])
    assert bad.value.field == "duration"
    with pytest.raises(InputError) as bad:
        kaplan_meier([(1, False, -2)])
    assert bad.value.field == "count"


def _tail(k: int, n: int, p: float, *, upper: bool) -> float:
    ks = range(k, n + 1) if upper else range(k + 1)
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in ks)


def test_wilson_and_exact_intervals() -> None:
    k, n, z = 7, 10, 1.959964
    wilson = rate(k, n)
    assert wilson.proportion == 0.7
    # Wilson's score interval in closed form [Wilson1927].
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert (wilson.low, wilson.high) == pytest.approx((centre - half, centre + half), abs=1e-6)
    # Clopper-Pearson by its definition: each bound leaves 2.5 % in the binomial tail.
    exact = rate(k, n, method="exact")
    assert exact.method == "exact"
    assert exact.low is not None
    assert exact.high is not None
    assert _tail(k, n, exact.low, upper=True) == pytest.approx(0.025, abs=1e-6)
    assert _tail(k, n, exact.high, upper=False) == pytest.approx(0.025, abs=1e-6)
    none = rate(0, 0)
    assert none.proportion is None
    assert none.low is None


def test_rate_refuses_impossible_counts() -> None:
    with pytest.raises(InputError) as bad:
        rate(3, 2)
    assert bad.value.field == "k"
    with pytest.raises(InputError) as bad:
        rate(1, 2, method="bayes")  # type: ignore[arg-type]
    assert bad.value.field == "method"


def test_mean_change_with_its_t_interval() -> None:
    values = [-4.0, -2.0, 0.0, -6.0, -3.0]
    change = mean_change(len(values), sum(values), sum(v * v for v in values))
    assert change.mean == pytest.approx(-3.0)
    # sd = sqrt(5) (hand-computed), t(0.975, 4) = 2.776445.
    half = 2.776445 * math.sqrt(5.0) / math.sqrt(5)
    assert (change.low, change.high) == pytest.approx((-3.0 - half, -3.0 + half), abs=1e-5)
    assert mean_change(1, -2.0, 4.0).low is None
    assert mean_change(0, 0.0, 0.0).mean is None


def test_the_band_where_it_is_undefined_is_the_estimate() -> None:
    # A censoring before any event (S = 1) and the last at risk ending (S = 0).
    km = kaplan_meier([(2, True, 1), (5, False, 1), (9, False, 1)])
    assert km is not None
    assert km.survival == pytest.approx((1.0, 0.5, 0.0))
    assert (km.low[0], km.high[0]) == (1.0, 1.0)
    assert (km.low[-1], km.high[-1]) == (0.0, 0.0)
    assert km.low[1] < 0.5 < km.high[1]
