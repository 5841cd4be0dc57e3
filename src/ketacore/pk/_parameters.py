"""Patient-level PK parameters: the numbers the solver consumes.

A :class:`PkParameters` is one patient's mammillary model in micro-constant form
(V1 in L, rate constants in 1/min) plus the effect-site rate constant ke0. It can
be built from micro-constants or from volumes and clearances, and it reports the
derived volumes and clearances either way. It is immutable: nothing is ever
converted in place (STYLE.md §3.6 rule 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ketacore.errors import InputError
from ketacore.pk._checks import finite_non_negative, finite_positive

__all__ = ["PkParameters"]


@dataclass(frozen=True, slots=True)
class PkParameters:
    """One patient's linear mammillary model (1 to 3 compartments) plus an effect site.

    Compartment 1 is central (plasma). Compartments 2 and 3 exchange drug with it
    only; elimination is from compartment 1. A compartment is absent when both of
    its rate constants are 0 (a 2-compartment model has ``k13 = k31 = 0``).

    Args:
        v1_l: Central volume V1 in L.
        k10_per_min: Elimination rate constant in 1/min (CL = k10·V1).
        k12_per_min: Central to compartment 2, 1/min.
        k13_per_min: Central to compartment 3, 1/min.
        k21_per_min: Compartment 2 to central, 1/min.
        k31_per_min: Compartment 3 to central, 1/min.
        ke0_per_min: Effect-site equilibration rate constant in 1/min.
        label: Free text naming where the numbers came from (model name, "custom").
        warnings: Messages a caller must show with any result (for example that the
            patient is outside the model's validated range).

    Raises:
        InputError: A volume or ke0 is not a finite number > 0, a rate constant is
            negative or not finite, k10 is 0, or a peripheral compartment receives
            drug but never returns it (k12 > 0 with k21 = 0, or k13 > 0 with k31 = 0).
    """

    v1_l: float
    k10_per_min: float
    k12_per_min: float = 0.0
    k13_per_min: float = 0.0
    k21_per_min: float = 0.0
    k31_per_min: float = 0.0
    ke0_per_min: float = 1.0
    label: str = "custom"
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        finite_positive(self.v1_l, "v1_l")
        finite_positive(self.k10_per_min, "k10")
        finite_positive(self.ke0_per_min, "ke0")
        for name in ("k12", "k13", "k21", "k31"):
            finite_non_negative(getattr(self, f"{name}_per_min"), name)
        # A compartment that takes drug and never gives it back is not mammillary;
        # it has no steady state and is almost always a typo.
        for into, back in (("k12", "k21"), ("k13", "k31")):
            into_v = getattr(self, f"{into}_per_min")
            back_v = getattr(self, f"{back}_per_min")
            if (into_v > 0) != (back_v > 0):
                raise InputError(back, f"must be > 0 exactly when {into} is > 0")

    @classmethod
    def from_volumes_and_clearances(
        cls,
        *,
        v1_l: float,
        cl_l_per_min: float,
        v2_l: float = 0.0,
        q2_l_per_min: float = 0.0,
        v3_l: float = 0.0,
        q3_l_per_min: float = 0.0,
        ke0_per_min: float,
        label: str = "custom",
        warnings: tuple[str, ...] = (),
    ) -> PkParameters:
        """Build parameters from volumes (L) and clearances (L/min).

        k10 = CL/V1, k12 = Q2/V1, k21 = Q2/V2, k13 = Q3/V1, k31 = Q3/V3
        (the standard mammillary relations). A peripheral compartment is left out when both its
        volume and its clearance are 0.

        Args:
            v1_l: Central volume, L.
            cl_l_per_min: Elimination clearance, L/min.
            v2_l: Volume of compartment 2, L (0 if absent).
            q2_l_per_min: Inter-compartmental clearance 1-2, L/min.
            v3_l: Volume of compartment 3, L (0 if absent).
            q3_l_per_min: Inter-compartmental clearance 1-3, L/min.
            ke0_per_min: Effect-site rate constant, 1/min.
            label: Where the numbers came from.
            warnings: Messages to carry into results.

        Returns:
            The equivalent micro-constant parameters.

        Raises:
            InputError: A value is negative or not finite, or a compartment has a
                clearance but no volume (or the reverse).
        """
        finite_positive(v1_l, "v1_l")
        finite_positive(cl_l_per_min, "cl_l_per_min")
        micro = {}
        for n, v, q in ((2, v2_l, q2_l_per_min), (3, v3_l, q3_l_per_min)):
            finite_non_negative(v, f"v{n}_l")
            finite_non_negative(q, f"q{n}_l_per_min")
            if (v > 0) != (q > 0):
                raise InputError(f"v{n}_l", f"must be > 0 exactly when q{n}_l_per_min is > 0")
            micro[f"k1{n}_per_min"] = q / v1_l
            micro[f"k{n}1_per_min"] = q / v if v > 0 else 0.0
        return cls(
            v1_l=v1_l,
            k10_per_min=cl_l_per_min / v1_l,
            ke0_per_min=ke0_per_min,
            label=label,
            warnings=warnings,
            **micro,
        )

    @property
    def n_compartments(self) -> int:
        """Number of compartments (1, 2 or 3) not counting the effect site."""
        return 1 + (self.k12_per_min > 0) + (self.k13_per_min > 0)

    @property
    def cl_l_per_min(self) -> float:
        """Elimination clearance CL = k10·V1 in L/min."""
        return self.k10_per_min * self.v1_l

    @property
    def q2_l_per_min(self) -> float:
        """Inter-compartmental clearance Q2 = k12·V1 in L/min."""
        return self.k12_per_min * self.v1_l

    @property
    def q3_l_per_min(self) -> float:
        """Inter-compartmental clearance Q3 = k13·V1 in L/min."""
        return self.k13_per_min * self.v1_l

    @property
    def v2_l(self) -> float:
        """Volume of compartment 2, V2 = k12·V1/k21 in L (0 if absent)."""
        return self.q2_l_per_min / self.k21_per_min if self.k21_per_min > 0 else 0.0

    @property
    def v3_l(self) -> float:
        """Volume of compartment 3, V3 = k13·V1/k31 in L (0 if absent)."""
        return self.q3_l_per_min / self.k31_per_min if self.k31_per_min > 0 else 0.0

    @property
    def vss_l(self) -> float:
        """Volume of distribution at steady state V1 + V2 + V3, in L."""
        return self.v1_l + self.v2_l + self.v3_l

    def with_ke0(self, ke0_per_min: float) -> PkParameters:
        """Return a copy with another ke0 (1/min); the original is untouched."""
        return PkParameters(
            v1_l=self.v1_l,
            k10_per_min=self.k10_per_min,
            k12_per_min=self.k12_per_min,
            k13_per_min=self.k13_per_min,
            k21_per_min=self.k21_per_min,
            k31_per_min=self.k31_per_min,
            ke0_per_min=ke0_per_min,
            label=self.label,
            warnings=self.warnings,
        )
