"""Shared helpers for the PK tests: reference values and an independent ODE oracle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from ketacore import pk

REFERENCE = Path(__file__).parent.parent / "reference" / "pk_reference_values.json"


@pytest.fixture(scope="session")
def reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def domino70() -> pk.PkParameters:
    return pk.get_model("domino").parameters(pk.Patient(weight_kg=70, age_years=45))


def ode_solution(
    p: pk.PkParameters, regimen: pk.Regimen, times: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cp, Ce (mg/L) and cumulative eliminated amount (mg) by SciPy's stiff Radau solver.

    Independent of the engine: it integrates dA/dt = K·A + e1·R and dCe/dt =
    ke0·(A1/V1 - Ce) between events, adds boluses to A1 at their instants, and
    records a value at a bolus instant after the bolus.
    """
    k = np.array(
        [
            [-(p.k10_per_min + p.k12_per_min + p.k13_per_min), p.k21_per_min, p.k31_per_min, 0, 0],
            [p.k12_per_min, -p.k21_per_min, 0, 0, 0],
            [p.k13_per_min, 0, -p.k31_per_min, 0, 0],
            [p.ke0_per_min / p.v1_l, 0, 0, -p.ke0_per_min, 0],
            [p.k10_per_min, 0, 0, 0, 0],  # eliminated amount
        ],
        dtype=float,
    )
    events = {0.0, float(times[-1])}
    events.update(b.time_min for b in regimen.boluses)
    for inf in regimen.infusions:
        events.update((inf.start_min, inf.stop_min))
    bps = sorted(e for e in events if e <= times[-1])
    x = np.zeros(5)
    out = np.zeros((times.size, 5))
    # Absolute tolerance relative to the doses of the case (amounts in mg).
    atol = 1e-13 * max(regimen.total_dose_mg, 1e-6)

    def rate(t: float) -> float:
        return sum(i.rate_mg_per_min for i in regimen.infusions if i.start_min <= t < i.stop_min)

    for idx, a in enumerate(bps):
        x[0] += sum(b.dose_mg for b in regimen.boluses if b.time_min == a)
        out[times == a] = x
        if idx + 1 == len(bps):
            break
        b = bps[idx + 1]
        r = rate(a)
        inside = np.unique(times[(times > a) & (times < b)])
        sol = solve_ivp(
            lambda _t, y, r=r: k @ y + np.array([r, 0, 0, 0, 0]),
            (a, b),
            x,
            method="Radau",
            t_eval=np.concatenate([inside, [b]]),
            rtol=1e-10,
            atol=atol,
            jac=k,
        )
        for j, t in enumerate(inside):
            out[times == t] = sol.y[:, j]
        x = sol.y[:, -1].copy()
    return out[:, 0] / p.v1_l, out[:, 3], out[:, 4]
