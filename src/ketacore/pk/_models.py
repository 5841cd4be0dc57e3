"""Published ketamine parameter sets, their covariates, validity ranges and ke0 sources.

Every number below cites its original publication by key (full entries in
docs/references.md, section "Pharmacokinetics") with an evidence label: [P]
printed in the paper's abstract or table, [I] taken from an open-source
implementation ([Opentiva], [StanpumpR], [Simtiva]), [C] computed by the
project from the cited parameters. Nothing here was filled in from memory.

Canonical call::

    params = get_model("domino").parameters(Patient(weight_kg=70, age_years=45))
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from ketacore.errors import InputError, OutOfValidatedRangeError
from ketacore.pk._checks import finite_non_negative, finite_positive
from ketacore.pk._parameters import PkParameters
from ketacore.units import l_per_min_from_l_per_h

__all__ = [
    "MODELS",
    "IivCv",
    "Patient",
    "PkModel",
    "ValidityRange",
    "get_model",
    "ke0_for_peak_time",
]

#: Reference weight for per-70-kg parameter sets, kg.
_REF_WEIGHT_KG = 70.0


@dataclass(frozen=True, slots=True)
class Patient:
    """The covariates the models use.

    Args:
        weight_kg: Total body weight, kg (> 0).
        age_years: Age, years (>= 0).
        weight_measured_on: The date the weight was measured, when known: a
            dose computed from it can say how old the weight is.

    Raises:
        InputError: Weight or age is not a finite number in range.
    """

    weight_kg: float
    age_years: float
    weight_measured_on: dt.date | None = None

    def __post_init__(self) -> None:
        finite_positive(self.weight_kg, "weight_kg")
        finite_non_negative(self.age_years, "age_years")


@dataclass(frozen=True, slots=True)
class ValidityRange:
    """Ages and weights a model may be used for without extrapolating.

    Attributes:
        age_min_years: Lowest age, years.
        age_max_years: Highest age, years.
        weight_min_kg: Lowest weight, kg.
        weight_max_kg: Highest weight, kg.
        source: Where the range comes from (the paper, an implementation, or a
            documented default of this project).
    """

    age_min_years: float
    age_max_years: float
    weight_min_kg: float
    weight_max_kg: float
    source: str

    def violations(self, patient: Patient) -> tuple[tuple[str, str], ...]:
        """Return ``(field, message)`` for each covariate outside the range."""
        out = []
        if not self.age_min_years <= patient.age_years <= self.age_max_years:
            out.append(
                (
                    "age_years",
                    f"{patient.age_years:g} y is outside the validated range "
                    f"{self.age_min_years:g}-{self.age_max_years:g} y ({self.source})",
                )
            )
        if not self.weight_min_kg <= patient.weight_kg <= self.weight_max_kg:
            out.append(
                (
                    "weight_kg",
                    f"{patient.weight_kg:g} kg is outside the validated range "
                    f"{self.weight_min_kg:g}-{self.weight_max_kg:g} kg ({self.source})",
                )
            )
        return tuple(out)


#: Adult range used where neither the paper's population nor an implementation's
#: range is available: a documented default of this project, not from any paper.
_ADULT_DEFAULT = ValidityRange(
    18.0, 90.0, 40.0, 150.0, "documented default for adults, not from the paper"
)


@dataclass(frozen=True, slots=True)
class IivCv:
    """Inter-individual variability as coefficients of variation (fractions, 0.3 = 30 %).

    Attributes:
        v1: CV of V1.
        v2: CV of V2.
        v3: CV of V3.
        cl: CV of CL.
        q2: CV of Q2.
        q3: CV of Q3.
        source: Citation of the numbers, or why a default is used.
        is_default: True when the values are this project's default, not published.
    """

    v1: float
    v2: float
    v3: float
    cl: float
    q2: float
    q3: float
    source: str
    is_default: bool

    def __post_init__(self) -> None:
        for name in ("v1", "v2", "v3", "cl", "q2", "q3"):
            finite_non_negative(getattr(self, name), f"iiv_cv.{name}")


#: Default IIV where no model-specific variability is published: 30 % CV on every
#: volume and clearance. A documented project default (the brief's suggestion),
#: flagged ``is_default`` so that results can say so.
DEFAULT_IIV = IivCv(0.3, 0.3, 0.3, 0.3, 0.3, 0.3, "project default 30 % CV (not published)", True)


@dataclass(frozen=True, slots=True)
class PkModel:
    """A published parameter set.

    Typical values are stored per 70 kg (volumes L, clearances L/min) and scaled as
    ``V = V70·(WT/70)^volume_exponent`` and ``CL = CL70·(WT/70)^clearance_exponent``.
    Models published as V1 per kg plus micro-constants are stored in the same form
    (V ∝ WT and Q ∝ WT reproduce them exactly).

    Attributes:
        name: Registry key, e.g. ``"domino"``.
        title: Human-readable name with year.
        citation: Reference and evidence labels.
        structure: "2-compartment" or "3-compartment".
        covariates: What the covariates are and how they enter.
        v1_l: V1 at 70 kg, L.
        v2_l: V2 at 70 kg, L (0 if absent).
        v3_l: V3 at 70 kg, L (0 if absent).
        cl_l_per_min: CL at 70 kg, L/min.
        q2_l_per_min: Q2 at 70 kg, L/min.
        q3_l_per_min: Q3 at 70 kg, L/min.
        volume_exponent: Weight exponent of volumes.
        clearance_exponent: Weight exponent of clearances.
        ke0_per_min: ke0, 1/min (with ``ke0_ln_weight_slope``: ke0 + slope·ln(WT)).
        ke0_ln_weight_slope_per_min: Slope of ke0 on ln(weight in kg), 1/min.
        ke0_peak_time_min: If set, ke0 is derived per patient so that the effect-site
            peak after a bolus falls at this time (the "tpeak method").
        ke0_source: Where ke0 comes from.
        validity: Ages and weights the model may be used for.
        iiv: Inter-individual variability used by population simulations.
        verified: False when the parameters could not be checked against the paper.
        verification_note: Why, or what was checked.
    """

    name: str
    title: str
    citation: str
    structure: str
    covariates: str
    v1_l: float
    v2_l: float
    v3_l: float
    cl_l_per_min: float
    q2_l_per_min: float
    q3_l_per_min: float
    volume_exponent: float
    clearance_exponent: float
    ke0_per_min: float
    ke0_source: str
    validity: ValidityRange
    iiv: IivCv
    verified: bool
    verification_note: str
    ke0_ln_weight_slope_per_min: float = 0.0
    ke0_peak_time_min: float | None = None

    def parameters(
        self,
        patient: Patient,
        *,
        allow_extrapolation: bool = False,
        ke0_per_min: float | None = None,
    ) -> PkParameters:
        """The patient's parameters under this model.

        Args:
            patient: Weight (kg) and age (years).
            allow_extrapolation: Accept a patient outside :attr:`validity`; the
                returned parameters then carry a warning that every result repeats.
            ke0_per_min: Override the model's ke0, 1/min.

        Returns:
            Micro-constant parameters with ``label`` = the model name.

        Raises:
            OutOfValidatedRangeError: The patient is outside the validity range and
                extrapolation was not allowed (the field is ``age_years`` or
                ``weight_kg``).
            InputError: A bad ke0 override.
        """
        warnings = []
        for fld, message in self.validity.violations(patient):
            if not allow_extrapolation:
                raise OutOfValidatedRangeError(
                    fld, f"{message}; model {self.name!r}; pass allow_extrapolation to override"
                )
            warnings.append(f"extrapolation: {message} (model {self.name!r})")
        if not self.verified:
            warnings.append(f"model {self.name!r}: {self.verification_note}")
        ratio = patient.weight_kg / _REF_WEIGHT_KG
        vs, cs = ratio**self.volume_exponent, ratio**self.clearance_exponent
        base = PkParameters.from_volumes_and_clearances(
            v1_l=self.v1_l * vs,
            cl_l_per_min=self.cl_l_per_min * cs,
            v2_l=self.v2_l * vs,
            q2_l_per_min=self.q2_l_per_min * cs,
            v3_l=self.v3_l * vs,
            q3_l_per_min=self.q3_l_per_min * cs,
            ke0_per_min=1.0,
            label=self.name,
            warnings=tuple(warnings),
        )
        if ke0_per_min is not None:
            return base.with_ke0(finite_positive(ke0_per_min, "ke0_per_min"))
        if self.ke0_peak_time_min is not None:
            return base.with_ke0(ke0_for_peak_time(base, self.ke0_peak_time_min))
        ke0 = self.ke0_per_min + self.ke0_ln_weight_slope_per_min * math.log(patient.weight_kg)
        return base.with_ke0(ke0)


def _effect_bolus_slope(params: PkParameters, t_min: float) -> float:
    """dCe/dt at ``t_min`` after a unit bolus (effect-site bolus coefficients, see ``_solve``)."""
    from ketacore.pk._solve import Modes, as_arrays

    modes = Modes.of(as_arrays(params))
    lam = modes.lam_per_min[0]
    coef = modes.coef_per_l[0]
    ke0 = params.ke0_per_min
    # Ce = Σ C_i·ke0/(ke0-λ_i)·(e^(-λ_i t) - e^(-ke0 t)); its derivative in t.
    total = 0.0
    for c, lam_i in zip(coef, lam, strict=True):
        if c == 0.0:
            continue
        total += (
            c
            * ke0
            / (ke0 - lam_i)
            * (-lam_i * math.exp(-lam_i * t_min) + ke0 * math.exp(-ke0 * t_min))
        )
    return total


def ke0_for_peak_time(params: PkParameters, peak_time_min: float) -> float:
    """ke0 (1/min) that puts the effect-site peak after a bolus at ``peak_time_min``.

    Solves dCe/dt(t_peak) = 0 for ke0 with Brent's method (the "tpeak method" of
    opentiva [Opentiva] and stanpumpR [StanpumpR]). The bracket is chosen away from
    the disposition rate constants λ_i so that no coefficient blows up.

    Args:
        params: Parameters (their ke0 is ignored).
        peak_time_min: Desired time of peak effect, min.

    Returns:
        ke0, 1/min.

    Raises:
        InputError: No ke0 in (1e-3, 100) 1/min gives that peak time.
    """
    # Imported here: SciPy's optimisers take most of a second to import, and most
    # callers (``pk simulate`` among them) never need this root.
    from scipy.optimize import brentq

    finite_positive(peak_time_min, "peak_time_min")

    def slope(log_ke0: float) -> float:
        return _effect_bolus_slope(params.with_ke0(math.exp(log_ke0)), peak_time_min)

    # The slope at t_peak is negative when ke0 is large (peak already passed) and
    # positive when ke0 is small (Ce still rising); scan for a sign change.
    grid = [math.log(1e-3) + i * (math.log(100.0) - math.log(1e-3)) / 400 for i in range(401)]
    values = [slope(g) for g in grid]
    for (a, fa), (b, fb) in zip(
        zip(grid, values, strict=True), zip(grid[1:], values[1:], strict=True), strict=False
    ):
        if fa > 0 >= fb:
            return math.exp(brentq(slope, a, b, xtol=1e-12))
    raise InputError("peak_time_min", f"no ke0 gives an effect-site peak at {peak_time_min} min")


def _from_micro(
    v1_l: float,
    k10: float,
    k12: float,
    k21: float,
    k13: float = 0.0,
    k31: float = 0.0,
) -> dict[str, float]:
    """Volumes and clearances of a set published as V1 and micro-constants (1/min).

    Uses :class:`PkParameters`' own conversions (V2 = k12·V1/k21, CL = k10·V1, ...),
    so each published constant is written once, as printed.
    """
    p = PkParameters(
        v1_l=v1_l,
        k10_per_min=k10,
        k12_per_min=k12,
        k13_per_min=k13,
        k21_per_min=k21,
        k31_per_min=k31,
        ke0_per_min=1.0,  # not used here
    )
    return {
        "v1_l": p.v1_l,
        "v2_l": p.v2_l,
        "v3_l": p.v3_l,
        "cl_l_per_min": p.cl_l_per_min,
        "q2_l_per_min": p.q2_l_per_min,
        "q3_l_per_min": p.q3_l_per_min,
    }


def _per_min(l_per_h: float) -> float:
    return l_per_min_from_l_per_h(l_per_h)


# Domino 1984 [Domino1984] ([I]: stanpumpR drugs_ketamine.R [StanpumpR]; opentiva
# [Opentiva]; simtiva [Simtiva]): V1 0.063 L/kg; k10 0.438, k12 0.592, k13 0.590,
# k21 0.247, k31 0.0146 1/min. Stored as V ∝ WT, CL ∝ WT at 70 kg: V1 = 0.063·70,
# CL = k10·V1, Q2 = k12·V1, V2 = k12·V1/k21, Q3 = k13·V1, V3 = k13·V1/k31 (the
# mammillary relations, see ``_solve``).
_DOMINO_V1_L = 0.063 * _REF_WEIGHT_KG
_DOMINO = PkModel(
    name="domino",
    title="Domino 1984 (adult default)",
    citation=(
        "Domino EF et al., Clin Pharmacol Ther 1984;36:645-653 [Domino1984], as implemented "
        "in stanpumpR, opentiva and simtiva [I]; ke0 from Navarrete et al., J Clin Monit "
        "Comput 2025;39:349-354 [Navarrete2025] [P]; docs/references.md"
    ),
    structure="3-compartment",
    covariates="weight: all volumes and clearances proportional to weight",
    **_from_micro(_DOMINO_V1_L, k10=0.438, k12=0.592, k21=0.247, k13=0.590, k31=0.0146),
    volume_exponent=1.0,
    clearance_exponent=1.0,
    ke0_per_min=0.238,  # Navarrete 2025 [Navarrete2025], 95 % CI 0.20-0.28 [P]
    ke0_source="0.238 /min, Navarrete et al. 2025 [Navarrete2025] (ANI, fitted with Domino PK) [P]",
    validity=_ADULT_DEFAULT,
    iiv=DEFAULT_IIV,
    verified=True,
    verification_note=(
        "micro-constants as in stanpumpR/opentiva/simtiva [I]; derived 70-kg volumes and "
        "clearances match stanpumpR's unit test [StanpumpR]"
    ),
)

# Kamp 2020 [Kamp2020] three-compartment set as implemented ([I], opentiva `Klamp`
# [Opentiva], simtiva [Simtiva]): V1 25, V2 56, V3 157 L/70 kg (∝ WT); CL 84, Q2 161,
# Q3 79 L/h at 70 kg. Clearance scaling follows opentiva, (WT/70)^1 (simtiva uses
# 0.75; the two implementations disagree). ke0 = 0.1876·ln(WT) + 0.5932 (simtiva,
# Navarrete-tuned) [I].
_KAMP = PkModel(
    name="kamp",
    title="Kamp 2020 three-compartment set (parameters not verified against the paper)",
    citation=(
        "Kamp J et al., Anesthesiology 2020;133:1192-1213 [Kamp2020] (abstract [P]); "
        "3-compartment set from opentiva `Klamp` and simtiva [I]; docs/references.md"
    ),
    structure="3-compartment",
    covariates="weight: volumes and clearances proportional to weight (opentiva scaling)",
    v1_l=25.0,
    v2_l=56.0,
    v3_l=157.0,
    cl_l_per_min=_per_min(84.0),
    q2_l_per_min=_per_min(161.0),
    q3_l_per_min=_per_min(79.0),
    volume_exponent=1.0,
    clearance_exponent=1.0,
    ke0_per_min=0.5932,
    ke0_ln_weight_slope_per_min=0.1876,
    ke0_source=(
        "0.1876·ln(WT) + 0.5932 /min (1.39 at 70 kg), simtiva [Simtiva], tuned to tpeak 1.6 min [I]"
    ),
    validity=_ADULT_DEFAULT,
    iiv=DEFAULT_IIV,
    verified=False,
    verification_note="parameters not verified against the paper [Kamp2020]",
)

# Herd 2007 [Herd2007] ([P] abstract): V1 38.7, V2 102 L/70 kg; CL 90, Q 215
# L/h/70 kg; volumes (WT/70)^1, clearances (WT/70)^0.75; BSV V1 64 %, V2 51.7 %,
# CL 38.1 %, Q 19 % [P]. ke0 2.995 (opentiva, assumed tpeak 1 min) [I]. Range 1-14 y,
# 10.8-74.8 kg from opentiva [Opentiva] [I].
_HERD = PkModel(
    name="herd",
    title="Herd 2007 (children)",
    citation="Herd DW et al., Paediatr Anaesth 2007;17:622-629 [Herd2007] [P]",
    structure="2-compartment",
    covariates="weight: volumes (WT/70)^1, clearances (WT/70)^0.75 (allometric) [P]",
    v1_l=38.7,
    v2_l=102.0,
    v3_l=0.0,
    cl_l_per_min=_per_min(90.0),
    q2_l_per_min=_per_min(215.0),
    q3_l_per_min=0.0,
    volume_exponent=1.0,
    clearance_exponent=0.75,
    ke0_per_min=2.995,
    ke0_source="2.995 /min, opentiva, derived from an assumed tpeak of 1 min [I]",
    validity=ValidityRange(1.0, 14.0, 10.8, 74.8, "opentiva's implementation range [I]"),
    iiv=IivCv(0.64, 0.517, 0.0, 0.381, 0.19, 0.0, "Herd 2007 BSV [P]", False),
    verified=True,
    verification_note="values from the abstract [P]",
)

# Hijazi 2003 [Hijazi2003]: V1 1.08 L/kg; k10 0.0333, k12 0.0088, k21 0.0030
# 1/min [I] (opentiva [Opentiva]), which reproduce the abstract's CL 36 mL/min/kg [C].
_HIJAZI_V1_L = 1.08 * _REF_WEIGHT_KG
_HIJAZI = PkModel(
    name="hijazi",
    title="Hijazi 2003 (adult ICU, brain or spinal-cord injury)",
    citation=(
        "Hijazi Y et al., Br J Anaesth 2003;90:155-160 [Hijazi2003]; micro-constants from "
        "opentiva [I]"
    ),
    structure="2-compartment",
    covariates="weight: all volumes and clearances proportional to weight",
    **_from_micro(_HIJAZI_V1_L, k10=0.0333, k12=0.0088, k21=0.0030),
    volume_exponent=1.0,
    clearance_exponent=1.0,
    ke0_per_min=4.773,
    ke0_source="4.773 /min, opentiva, derived from an assumed tpeak of 1 min [I]",
    validity=_ADULT_DEFAULT,
    iiv=DEFAULT_IIV,
    verified=True,
    verification_note=(
        "opentiva micro-constants reproduce the abstract's CL and half-life [C]; "
        "opentiva's age_upper = 18 is not used (adult study)"
    ),
)

# Sherwin 2015 [Sherwin2015] ([P] abstract): V1 20.5, V2 220 L/70 kg; Q 87.3,
# CL 87.9 L/h/70 kg; "standardised to 70 kg". The exponents are not in the abstract:
# the allometric 1 / 0.75 of Herd and Elkomy are assumed and flagged.
_SHERWIN = PkModel(
    name="sherwin",
    title="Sherwin 2015 (children)",
    citation="Sherwin CMT et al., Paediatr Anaesth 2015;25:211-216 [Sherwin2015] [P]",
    structure="2-compartment",
    covariates=(
        "weight, standardised to 70 kg [P]; exponents 1 (volumes) and 0.75 (clearances) "
        "assumed, not stated in the abstract"
    ),
    v1_l=20.5,
    v2_l=220.0,
    v3_l=0.0,
    cl_l_per_min=_per_min(87.9),
    q2_l_per_min=_per_min(87.3),
    q3_l_per_min=0.0,
    volume_exponent=1.0,
    clearance_exponent=0.75,
    ke0_per_min=0.0,
    ke0_peak_time_min=1.61,
    ke0_source=(
        "none published; derived per patient so the bolus Ce peak is at 1.61 min, the "
        "peak of Domino with Navarrete's ke0 [C] [Navarrete2025]"
    ),
    validity=ValidityRange(
        1.0, 18.0, 10.0, 80.0, "documented default for children, not from the paper"
    ),
    iiv=IivCv(
        0.34,
        0.34,
        0.0,
        0.34,
        0.34,
        0.0,
        "Sherwin 2015 reports 34-98 % [P] without a per-parameter split; the lower bound "
        "is applied to every parameter, which may understate variability",
        False,
    ),
    verified=True,
    verification_note="values from the abstract [P]; weight exponents assumed",
)

# Elkomy 2015 [Elkomy2015] ([P] abstract): CL 60.6·(WT/70)^0.75 L/h,
# Q 73.2·(WT/70)^0.75 L/h, V1 57.3·(WT/70) L, V2 152·(WT/70) L; 6 months-18 y.
_ELKOMY = PkModel(
    name="elkomy",
    title="Elkomy 2015 (children with heart disease)",
    citation="Elkomy MH et al., Int J Pharm 2015;478:223-231 [Elkomy2015] [P]",
    structure="2-compartment",
    covariates="weight: volumes (WT/70)^1, clearances (WT/70)^0.75 [P]",
    v1_l=57.3,
    v2_l=152.0,
    v3_l=0.0,
    cl_l_per_min=_per_min(60.6),
    q2_l_per_min=_per_min(73.2),
    q3_l_per_min=0.0,
    volume_exponent=1.0,
    clearance_exponent=0.75,
    ke0_per_min=0.0,
    ke0_peak_time_min=1.61,
    ke0_source=(
        "none published; derived per patient so the bolus Ce peak is at 1.61 min, the "
        "peak of Domino with Navarrete's ke0 [C] [Navarrete2025]"
    ),
    validity=ValidityRange(
        0.5, 18.0, 5.0, 100.0, "ages from the paper [P]; weights a documented default"
    ),
    iiv=DEFAULT_IIV,
    verified=True,
    verification_note="values from the abstract [P]",
)

# Clements & Nimmo 1981 [Clements1981] ([I], opentiva `Clements250` only):
# V1 1.7522 L/kg, k10 0.0109, k12 0.0186, k21 0.0137 1/min. Marked unverified.
_CLEMENTS_V1_L = 1.7522 * _REF_WEIGHT_KG
_CLEMENTS = PkModel(
    name="clements",
    title="Clements 1981, 250 µg/kg (unverified)",
    citation=(
        "Clements JA, Nimmo WS, Br J Anaesth 1981;53:27 [Clements1981]; values from opentiva [I]"
    ),
    structure="2-compartment",
    covariates="weight: all volumes and clearances proportional to weight",
    **_from_micro(_CLEMENTS_V1_L, k10=0.0109, k12=0.0186, k21=0.0137),
    volume_exponent=1.0,
    clearance_exponent=1.0,
    ke0_per_min=5.2,
    ke0_source="5.2 /min, opentiva, derived from an assumed tpeak of 1 min [I]",
    validity=_ADULT_DEFAULT,
    iiv=DEFAULT_IIV,
    verified=False,
    verification_note=(
        "unverified: V1 1.75 L/kg is far larger than in any other model; "
        "verify against the paper before use [Clements1981]"
    ),
)

# Hornik 2018 [Hornik2018]: V1 32.8, V2 152 L/70 kg, CL 38.9, Q 54.9 L/h/70 kg
# [I] opentiva; exponents 1 and 0.75 [P]; ke0 4.212 [I]; population 0.02-17.6 y,
# 2.4-176.1 kg [P].
_HORNIK = PkModel(
    name="hornik",
    title="Hornik 2018 (children, IV part; unverified)",
    citation=(
        "Hornik CP et al., J Clin Pharmacol 2018, doi 10.1002/jcph.1116 [Hornik2018]; values "
        "from opentiva [I]"
    ),
    structure="2-compartment",
    covariates="weight: volumes (WT/70)^1, clearances (WT/70)^0.75 [P]",
    v1_l=32.8,
    v2_l=152.0,
    v3_l=0.0,
    cl_l_per_min=_per_min(38.9),
    q2_l_per_min=_per_min(54.9),
    q3_l_per_min=0.0,
    volume_exponent=1.0,
    clearance_exponent=0.75,
    ke0_per_min=4.212,
    ke0_source="4.212 /min, opentiva, derived from an assumed tpeak of 1 min [I]",
    validity=ValidityRange(0.02, 17.6, 2.4, 176.1, "the paper's population [P]"),
    iiv=DEFAULT_IIV,
    verified=False,
    verification_note="unverified: CL about half of the other models [Hornik2018]",
)

#: Every built-in model by name.
MODELS: dict[str, PkModel] = {
    m.name: m for m in (_DOMINO, _KAMP, _HERD, _HIJAZI, _SHERWIN, _ELKOMY, _CLEMENTS, _HORNIK)
}


def get_model(name: str) -> PkModel:
    """Return a built-in model by name (case-insensitive).

    Args:
        name: One of :data:`MODELS` (``"domino"``, ``"kamp"``, ``"herd"``, ...).

    Returns:
        The model.

    Raises:
        InputError: Unknown name (field ``model``), listing the known ones.
    """
    key = name.strip().lower() if isinstance(name, str) else ""
    if key not in MODELS:
        raise InputError("model", f"unknown model {name!r}; known: {', '.join(sorted(MODELS))}")
    return MODELS[key]
