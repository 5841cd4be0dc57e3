"""The only place in ketaclinic where units are converted.

Inside the core, quantities carry their unit in their name (``weight_kg``,
``rate_mg_per_min``, ``t_min``, ``conc_mg_per_l``). The internal units are:

* amount: mg
* volume: L
* time: min
* concentration: mg/L (which equals µg/mL); reported to people as ng/mL
* weight: kg; height: cm

References:
    Molar mass of ketamine free base (C13H16ClNO) 237.73 g/mol (computed from the
    formula; no primary source is cited yet), checked against the conversion
    185 ng/mL = 0.78 µM used by Zanos et al., Pharmacol Rev 2018;70:621, Table 1
    [Zanos2018] (docs/references.md).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "KETAMINE_MOLAR_MASS_G_PER_MOL",
    "cm_from_in",
    "kg_from_lb",
    "l_per_min_from_l_per_h",
    "mg_per_l_from_ng_per_ml",
    "mg_per_min_from_mg_per_h",
    "ng_per_ml_array_from_mg_per_l",
    "ng_per_ml_from_mg_per_l",
    "ng_per_ml_from_umol_per_l",
    "per_min_from_per_h",
    "umol_per_l_from_ng_per_ml",
]

#: g/mol, ketamine free base C13H16ClNO (see the module docstring).
KETAMINE_MOLAR_MASS_G_PER_MOL = 237.73

_LB_IN_KG = 0.45359237  # exact, by definition of the international pound
_IN_IN_CM = 2.54  # exact, by definition of the international inch


def ng_per_ml_from_mg_per_l(conc_mg_per_l: float) -> float:
    """Return a concentration in ng/mL from mg/L (1 mg/L = 1000 ng/mL)."""
    return conc_mg_per_l * 1000.0


def ng_per_ml_array_from_mg_per_l(
    conc_mg_per_l: NDArray[np.float64], out: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """Return concentrations in ng/mL from an array in mg/L (element-wise × 1000).

    Args:
        conc_mg_per_l: Concentrations, mg/L.
        out: Array to write the result into (e.g. a slice of a larger result), or None
            for a new array.
    """
    result: NDArray[np.float64] = np.multiply(
        np.asarray(conc_mg_per_l, dtype=np.float64), 1000.0, out=out
    )
    return result


def mg_per_l_from_ng_per_ml(conc_ng_per_ml: float) -> float:
    """Return a concentration in mg/L from ng/mL."""
    return conc_ng_per_ml / 1000.0


def umol_per_l_from_ng_per_ml(conc_ng_per_ml: float) -> float:
    """Return a ketamine concentration in µmol/L from ng/mL."""
    return conc_ng_per_ml / KETAMINE_MOLAR_MASS_G_PER_MOL


def ng_per_ml_from_umol_per_l(conc_umol_per_l: float) -> float:
    """Return a ketamine concentration in ng/mL from µmol/L."""
    return conc_umol_per_l * KETAMINE_MOLAR_MASS_G_PER_MOL


def per_min_from_per_h(rate_per_h: float) -> float:
    """Return a first-order rate constant in 1/min from 1/h."""
    return rate_per_h / 60.0


def l_per_min_from_l_per_h(clearance_l_per_h: float) -> float:
    """Return a clearance in L/min from L/h."""
    return clearance_l_per_h / 60.0


def mg_per_min_from_mg_per_h(rate_mg_per_h: float) -> float:
    """Return an infusion rate in mg/min from mg/h (a pump's unit to the solver's)."""
    return rate_mg_per_h / 60.0


def kg_from_lb(weight_lb: float) -> float:
    """Return a weight in kg from pounds."""
    return weight_lb * _LB_IN_KG


def cm_from_in(length_in: float) -> float:
    """Return a length in cm from inches."""
    return length_in * _IN_IN_CM
