"""Exact solution of the linear mammillary model with an effect site.

Canonical call::

    sim = simulate(parameters, regimen, times_min)        # one patient, shape (T,)
    many = simulate_many(parameter_arrays, regimens, times_min)  # shape (P, T)

Derivation (the STANPUMP-style poly-exponential solution, as in stanpumpR
[StanpumpR]; written out here in full so a reviewer can check it)
--------------------------------------------------------------------------------

State: amounts A = (A1, A2, A3) in mg; R(t) the infusion rate into compartment 1
(mg/min), piecewise constant; boluses add to A1 instantly::

    dA/dt = K·A + e1·R,      K = [ -(k10+k12+k13)   k21    k31 ]
                                 [   k12           -k21     0  ]
                                 [   k13             0    -k31 ]

1. Symmetrise. With V = diag(V1, V2, V3), V2 = k12·V1/k21, V3 = k13·V1/k31, the
   matrix S = V^(-1/2)·K·V^(1/2) is symmetric: S12 = S21 = sqrt(k12·k21),
   S13 = S31 = sqrt(k13·k31), diagonal as K. So S = U·diag(-λ)·Uᵀ with U
   orthogonal and λ >= 0 real (numpy.linalg.eigh; batched over patients).
   Repeated eigenvalues need no special case: an orthogonal eigenbasis always
   exists for a symmetric matrix.

2. Modal coordinates z = Uᵀ·V^(-1/2)·A decouple: dz_i/dt = -λ_i·z_i + g_i·R with
   g_i = U_1i/sqrt(V1). Plasma is Cp = A1/V1 = Σ_i w_i·z_i with w_i = g_i too.
   Define the partial concentrations s_i = w_i·z_i (mg/L). Then::

       ds_i/dt = -λ_i·s_i + C_i·R,   C_i = U_1i²/V1 >= 0   (unit: 1/L),
       Cp = Σ_i s_i,   a bolus D adds C_i·D to s_i.

   C_i are the familiar poly-exponential bolus coefficients (Cp = D·Σ C_i e^(-λ_i t)).

3. Over an interval of length Δ with constant R the exact update is::

       s_i(Δ) = s_i(0)·e^(-λ_i·Δ) + C_i·R·(1 - e^(-λ_i·Δ))/λ_i

   ((1 - e^(-λΔ))/λ is evaluated as Δ·h(λΔ), h(x) = -expm1(-x)/x, which tends
   to Δ as λ -> 0, so an absent compartment with λ = 0 is harmless).

4. Effect site: dCe/dt = ke0·(Cp - Ce). Variation of constants over the interval::

       Ce(Δ) = e^(-ke0·Δ)·Ce(0) + ke0·∫_0^Δ e^(-ke0·(Δ-τ))·Cp(τ) dτ

   and with Cp(τ) from step 3 the integral is a sum of two closed forms::

       ∫_0^Δ e^(-ke0(Δ-τ)) e^(-λτ) dτ = φ(λ, ke0) = (e^(-λΔ) - e^(-ke0Δ))/(ke0 - λ)
       ∫_0^Δ e^(-ke0(Δ-τ)) dτ       = (1 - e^(-ke0Δ))/ke0

   giving Ce(Δ) = e^(-ke0Δ)·Ce(0) + Σ_i ke0·φ_i·s_i(0) + R·Σ_i (C_i/λ_i)·(1 - e^(-ke0Δ) - ke0·φ_i).
   φ is symmetric in its two rates; with m = min, M = max it is computed as
   e^(-mΔ)·Δ·h((M-m)Δ), which is exact in the limit ke0 -> λ (where it becomes
   Δ·e^(-λΔ), the t·e^(-λt) form of a repeated root). So ke0 ≈ λ needs no
   matrix-exponential fallback: the formula is continuous through it.

5. Exact AUC. Integrating ds_i/dt over [0, T] gives λ_i·∫s_i = C_i·Dose(T) - s_i(T),
   so AUC(0..T) = Σ_i (C_i·Dose(T) - s_i(T))/λ_i with Dose(T) the amount given by
   T (boluses at T included). This costs O(1) after the last step.

6. Amount in the body (for mass balance): A = V^(1/2)·U·z, z_i = s_i/w_i, so
   ΣA = Σ_i a_i·s_i with a_i = (Σ_j sqrt(V_j)·U_ji)/w_i (a mode with w_i = 0 is
   never excited by input into compartment 1, so its s_i stays 0).

The solver walks the union of event times and requested times once. Each step
costs O(P·n) multiply-adds, independent of history, so P patients × T times cost
O(P·T·n). The per-step coefficients depend only on Δ; they are computed once per
distinct Δ (Δ is rounded to 1e-12 min for this grouping only; the drift that can
introduce is below 1e-12 min per step).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ketacore.errors import InputError
from ketacore.pk._parameters import PkParameters
from ketacore.pk._regimen import Regimen
from ketacore.units import ng_per_ml_array_from_mg_per_l

__all__ = [
    "BatchSimulation",
    "PkParameterArrays",
    "Simulation",
    "check_times",
    "simulate",
    "simulate_many",
]

FloatArray = NDArray[np.float64]

#: Above this many distinct step lengths, step coefficients are computed per step.
_MAX_CACHED_STEPS = 256


def check_times(times_min: ArrayLike, field_name: str = "times_min") -> FloatArray:
    """Validate a time grid: 1-D, finite, >= 0, non-decreasing, not empty.

    Args:
        times_min: Times in minutes.
        field_name: Name used in the error.

    Returns:
        The times as a float64 array.

    Raises:
        InputError: Empty, not 1-D, NaN/infinite, negative or unsorted times.
    """
    try:
        times = np.asarray(times_min, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(field_name, "must be a list of numbers") from None
    if times.ndim != 1 or times.size == 0:
        raise InputError(field_name, "must be a non-empty list of times")
    if not np.all(np.isfinite(times)):
        raise InputError(field_name, "must contain only finite numbers")
    if np.any(times < 0):
        raise InputError(field_name, "must be >= 0 (minutes from the start)")
    if np.any(np.diff(times) < 0):
        raise InputError(field_name, "must be sorted in increasing order")
    return times


@dataclass(frozen=True, slots=True, eq=False)
class PkParameterArrays:
    """Parameters of P patients stacked as arrays of shape (P,), for vectorised solving.

    Args:
        v1_l: Central volumes, L.
        k10_per_min: Elimination rate constants, 1/min.
        k12_per_min: 1→2 rate constants, 1/min.
        k13_per_min: 1→3 rate constants, 1/min.
        k21_per_min: 2→1 rate constants, 1/min.
        k31_per_min: 3→1 rate constants, 1/min.
        ke0_per_min: Effect-site rate constants, 1/min.
        warnings: Messages to carry into results.

    Raises:
        InputError: Shapes differ, or a value breaks the rules of :class:`PkParameters`.
    """

    v1_l: FloatArray
    k10_per_min: FloatArray
    k12_per_min: FloatArray
    k13_per_min: FloatArray
    k21_per_min: FloatArray
    k31_per_min: FloatArray
    ke0_per_min: FloatArray
    warnings: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        names: tuple[str, ...] = ("v1_l", "k10_per_min", "k12_per_min", "k13_per_min")
        names += ("k21_per_min", "k31_per_min", "ke0_per_min")
        arrays = [np.atleast_1d(np.asarray(getattr(self, n), dtype=np.float64)) for n in names]
        size = arrays[0].shape
        for name, arr in zip(names, arrays, strict=True):
            if arr.ndim != 1 or arr.shape != size:
                raise InputError(name, f"must have shape {size}, got {arr.shape}")
            if not np.all(np.isfinite(arr)):
                raise InputError(name, "must contain only finite numbers")
            positive = name in ("v1_l", "k10_per_min", "ke0_per_min")
            if np.any(arr <= 0) if positive else np.any(arr < 0):
                raise InputError(name, "must be > 0" if positive else "must be >= 0")
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        for into, back in (("k12_per_min", "k21_per_min"), ("k13_per_min", "k31_per_min")):
            if np.any((getattr(self, into) > 0) != (getattr(self, back) > 0)):
                raise InputError(back, f"must be > 0 exactly where {into} is > 0")

    @classmethod
    def from_parameters(cls, parameters: Sequence[PkParameters]) -> PkParameterArrays:
        """Stack per-patient :class:`PkParameters` into arrays (warnings are merged)."""
        if len(parameters) == 0:
            raise InputError("parameters", "must not be empty")
        warnings: list[str] = []
        for p in parameters:
            warnings.extend(w for w in p.warnings if w not in warnings)
        return cls(
            v1_l=np.array([p.v1_l for p in parameters]),
            k10_per_min=np.array([p.k10_per_min for p in parameters]),
            k12_per_min=np.array([p.k12_per_min for p in parameters]),
            k13_per_min=np.array([p.k13_per_min for p in parameters]),
            k21_per_min=np.array([p.k21_per_min for p in parameters]),
            k31_per_min=np.array([p.k31_per_min for p in parameters]),
            ke0_per_min=np.array([p.ke0_per_min for p in parameters]),
            warnings=tuple(warnings),
        )

    def __len__(self) -> int:
        return int(self.v1_l.shape[0])

    @property
    def cl_l_per_min(self) -> FloatArray:
        """Elimination clearances, L/min, shape (P,)."""
        return self.k10_per_min * self.v1_l

    def take(self, index: slice | NDArray[np.intp]) -> PkParameterArrays:
        """Return the patients selected by ``index`` (a slice or integer array)."""
        return PkParameterArrays(
            v1_l=self.v1_l[index],
            k10_per_min=self.k10_per_min[index],
            k12_per_min=self.k12_per_min[index],
            k13_per_min=self.k13_per_min[index],
            k21_per_min=self.k21_per_min[index],
            k31_per_min=self.k31_per_min[index],
            ke0_per_min=self.ke0_per_min[index],
            warnings=self.warnings,
        )


def as_arrays(
    parameters: PkParameters | Sequence[PkParameters] | PkParameterArrays,
) -> PkParameterArrays:
    """Normalise any parameter input to :class:`PkParameterArrays`."""
    if isinstance(parameters, PkParameterArrays):
        return parameters
    if isinstance(parameters, PkParameters):
        return PkParameterArrays.from_parameters([parameters])
    return PkParameterArrays.from_parameters(list(parameters))


# ----------------------------------------------------------------- modal form


def _h(x: FloatArray) -> FloatArray:
    """h(x) = (1 - e^(-x))/x for x >= 0, with h(0) = 1 (series below 1e-8)."""
    small = x < 1e-8
    safe = np.where(small, 1.0, x)
    return np.where(small, 1.0 - 0.5 * x, -np.expm1(-safe) / safe)


@dataclass(frozen=True, slots=True, eq=False)
class Modes:
    """Poly-exponential form of P patients (see the module derivation, steps 1-2, 6).

    Attributes:
        lam_per_min: Disposition rate constants λ_i, shape (P, n), >= 0.
        coef_per_l: Bolus coefficients C_i (Cp = D·Σ C_i e^(-λ_i t)), shape (P, n).
        ke0_per_min: Effect-site rate constants, shape (P,).
        amount_weight_l: a_i with amount in body = Σ a_i·s_i, shape (P, n).
        cl_l_per_min: Elimination clearance, shape (P,).
        basis: Orthonormal eigenvectors U of the symmetrised matrix, shape (P, n, n).
        sqrt_v_l: sqrt(V_j) in sqrt(L), shape (P, n) (0 for an absent compartment).
    """

    lam_per_min: FloatArray
    coef_per_l: FloatArray
    ke0_per_min: FloatArray
    amount_weight_l: FloatArray
    cl_l_per_min: FloatArray
    basis: FloatArray
    sqrt_v_l: FloatArray

    @classmethod
    def of(cls, p: PkParameterArrays) -> Modes:
        """Eigen-decompose the symmetrised compartment matrix of every patient."""
        n = 3 if np.any(p.k13_per_min > 0) else 2 if np.any(p.k12_per_min > 0) else 1
        count = len(p)
        s = np.zeros((count, n, n))
        s[:, 0, 0] = -(p.k10_per_min + p.k12_per_min + p.k13_per_min)
        # sqrt(V_j/V1) = sqrt(k1j/kj1); 0 for an absent compartment.
        sqrt_v_ratio = np.ones((count, n))
        for j, (kin, kout) in enumerate(
            ((p.k12_per_min, p.k21_per_min), (p.k13_per_min, p.k31_per_min))[: n - 1], start=1
        ):
            s[:, j, j] = -kout
            s[:, 0, j] = s[:, j, 0] = np.sqrt(kin * kout)
            sqrt_v_ratio[:, j] = np.sqrt(np.divide(kin, kout, out=np.zeros(count), where=kout > 0))
        mu, u = np.linalg.eigh(s)
        lam = np.maximum(-mu, 0.0)
        sqrt_v1 = np.sqrt(p.v1_l)
        w = u[:, 0, :] / sqrt_v1[:, None]
        coef = w * w
        col = np.einsum("pj,pji->pi", sqrt_v_ratio, u) * sqrt_v1[:, None]
        amount_weight = np.divide(col, w, out=np.zeros_like(w), where=np.abs(w) > 1e-300)
        return cls(
            lam,
            coef,
            p.ke0_per_min.copy(),
            amount_weight,
            p.cl_l_per_min,
            u,
            sqrt_v_ratio * sqrt_v1[:, None],
        )

    def take(self, index: slice) -> Modes:
        """Return the patients selected by ``index`` (views of every array)."""
        return Modes(
            self.lam_per_min[index],
            self.coef_per_l[index],
            self.ke0_per_min[index],
            self.amount_weight_l[index],
            self.cl_l_per_min[index],
            self.basis[index],
            self.sqrt_v_l[index],
        )

    def plasma_states_from_amounts(self, amounts_mg: FloatArray) -> FloatArray:
        """Partial states s (P, n) for compartment amounts A (P, n) in mg (derivation 2)."""
        y = np.divide(
            amounts_mg, self.sqrt_v_l, out=np.zeros_like(self.sqrt_v_l), where=self.sqrt_v_l > 0
        )
        z: FloatArray = np.einsum("pji,pj->pi", self.basis, y)
        w: FloatArray = self.basis[:, 0, :] / self.sqrt_v_l[:, :1]
        return w * z

    def step(
        self, dt_min: float
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """Exact one-interval coefficients for a step of ``dt_min`` (derivation steps 3-4).

        Returns:
            ``(decay, gain, ke_decay, alpha, beta)`` with shapes (P,n), (P,n), (P,),
            (P,n), (P,) such that ``s' = decay*s + R*gain`` and
            ``Ce' = ke_decay*Ce + Σ alpha*s + R*beta``.
        """
        lam = self.lam_per_min
        ke0 = self.ke0_per_min[:, None]
        decay = np.exp(-lam * dt_min)
        one_minus_over_lam = dt_min * _h(lam * dt_min)  # (1 - e^(-λΔ))/λ
        gain = self.coef_per_l * one_minus_over_lam
        ke_decay = np.exp(-self.ke0_per_min * dt_min)
        low = np.minimum(lam, ke0)
        phi = np.exp(-low * dt_min) * dt_min * _h(np.abs(ke0 - lam) * dt_min)
        alpha = ke0 * phi
        c_over_lam = np.divide(self.coef_per_l, lam, out=np.zeros_like(lam), where=lam > 0)
        beta = np.sum(c_over_lam * ((1.0 - ke_decay)[:, None] - ke0 * phi), axis=1)
        return decay, gain, ke_decay, alpha, beta


# ----------------------------------------------------------------- schedules


@dataclass(frozen=True, slots=True, eq=False)
class Schedule:
    """Regimens compiled onto the union of their event times.

    Attributes:
        event_min: Sorted unique event times (E,).
        rate_after: Total infusion rate from each event to the next, (R, E) mg/min.
        bolus_at: Bolus amount at each event, (R, E) mg. R is 1 or P.
        regimens: The source regimens (length R).
        dose_scale: Per-patient multipliers applied to a single regimen (P,), or None.
    """

    event_min: FloatArray
    rate_after: FloatArray
    bolus_at: FloatArray
    regimens: tuple[Regimen, ...]
    dose_scale: FloatArray | None = None

    @classmethod
    def of(cls, regimens: Sequence[Regimen]) -> Schedule:
        """Compile regimens; overlapping infusion rates add."""
        times: set[float] = {0.0}
        for reg in regimens:
            times.update(b.time_min for b in reg.boluses)
            for inf in reg.infusions:
                times.update((inf.start_min, inf.stop_min))
        event = np.array(sorted(times))
        rate = np.zeros((len(regimens), event.size))
        bolus = np.zeros((len(regimens), event.size))
        for r, reg in enumerate(regimens):
            for b in reg.boluses:
                bolus[r, np.searchsorted(event, b.time_min)] += b.dose_mg
            for inf in reg.infusions:
                # Summing each infusion's rate over the segments it covers (rather than a
                # running sum of +rate/-rate steps) leaves exact zeros after every stop.
                lo = np.searchsorted(event, inf.start_min)
                hi = np.searchsorted(event, inf.stop_min)
                rate[r, lo:hi] += inf.rate_mg_per_min
        return cls(event, rate, bolus, tuple(regimens))

    def dose_by_mg(self, t_min: float) -> FloatArray:
        """Cumulative dose given up to and including ``t_min`` per regimen, (R,) mg."""
        dose = np.array([reg.dose_given_by_mg(t_min) for reg in self.regimens])
        return dose if self.dose_scale is None else dose * self.dose_scale

    def take(self, index: slice) -> Schedule:
        """Return the rows of patients ``index`` of a per-patient schedule (itself if shared)."""
        many_rows = self.rate_after.shape[0] > 1
        return Schedule(
            self.event_min,
            self.rate_after[index] if many_rows else self.rate_after,
            self.bolus_at[index] if many_rows else self.bolus_at,
            self.regimens[index] if len(self.regimens) > 1 else self.regimens,
            None if self.dose_scale is None else self.dose_scale[index],
        )

    def scaled(self, factor: FloatArray) -> Schedule:
        """One regimen given to P patients with per-patient dose multipliers (P,).

        Used for weight-based dosing: a regimen written per kg scaled by each weight.
        """
        if len(self.regimens) != 1:
            raise InputError("dose_scale", "needs a single shared regimen")
        f = np.asarray(factor, dtype=np.float64)
        if f.ndim != 1 or not np.all(np.isfinite(f)) or np.any(f < 0):
            raise InputError("dose_scale", "must be a 1-D array of finite numbers >= 0")
        return Schedule(
            self.event_min,
            self.rate_after * f[:, None],
            self.bolus_at * f[:, None],
            self.regimens,
            f,
        )


def as_regimens(regimens: Regimen | Sequence[Regimen], count: int) -> tuple[Regimen, ...]:
    """Normalise to a tuple of length 1 or ``count``."""
    regs = (regimens,) if isinstance(regimens, Regimen) else tuple(regimens)
    if len(regs) not in (1, count):
        raise InputError("regimens", f"must be one regimen or one per patient ({count})")
    for i, reg in enumerate(regs):
        if not isinstance(reg, Regimen):
            raise InputError(f"regimens[{i}]", "must be a Regimen")
    return regs


def march(
    modes: Modes,
    schedule: Schedule,
    times_min: FloatArray,
    *,
    effect_site: bool,
    initial_plasma_states: FloatArray | None = None,
) -> Iterator[tuple[int, FloatArray, FloatArray | None, FloatArray]]:
    """Advance the exact state through events and requested times.

    Yields, for every requested time index k (in order), ``(k, cp, ce, s)``: Cp and
    Ce in mg/L of shape (P,), and the partial states s of shape (P, n). These are
    live buffers, overwritten by the next step: copy what you keep. A value at a
    bolus instant includes the bolus.

    Internally the state is stored as (n, P) so that every per-step operation runs
    over contiguous rows of length P (fast even for n = 3).
    """
    count, n = modes.lam_per_min.shape
    # Nothing after the last requested time matters: stop there, so the final state
    # handed out is the state at times_min[-1].
    merged = np.union1d(schedule.event_min[schedule.event_min <= times_min[-1]], times_min)
    starts = np.concatenate(([0.0], merged[:-1]))
    dts = np.round(merged - starts, 12)
    unique_dts, dt_index = np.unique(dts, return_inverse=True)

    def transposed_step(dt: float) -> tuple[FloatArray, ...]:
        decay, gain, ke_decay, alpha, beta = modes.step(dt)
        return (
            np.ascontiguousarray(decay.T),
            np.ascontiguousarray(gain.T),
            ke_decay,
            np.ascontiguousarray(alpha.T),
            beta,
        )

    cached = (
        [transposed_step(float(dt)) for dt in unique_dts]
        if unique_dts.size <= _MAX_CACHED_STEPS
        else None
    )
    # Segment that is active during (starts[m], merged[m]): the last event <= starts[m].
    seg = np.searchsorted(schedule.event_min, starts, side="right") - 1
    event_at = np.searchsorted(schedule.event_min, merged)
    is_event = (event_at < schedule.event_min.size) & (
        schedule.event_min[np.minimum(event_at, schedule.event_min.size - 1)] == merged
    )
    out_first = np.searchsorted(merged, times_min, side="left")
    # Requested times may repeat; output indices out_slices[m]:out_slices[m+1] map to m.
    out_slices = np.searchsorted(out_first, np.arange(merged.size + 1), side="left")

    s = (
        np.zeros((n, count))
        if initial_plasma_states is None
        else np.array(initial_plasma_states, dtype=np.float64).T.copy()
    )
    ce = np.zeros(count)
    cp = np.zeros(count)
    rate_rows = schedule.rate_after.T[:, None, :]  # (E, 1, R): broadcasts over (n, P)
    has_rate = np.any(schedule.rate_after != 0, axis=0)
    coef = np.ascontiguousarray(modes.coef_per_l.T)
    # rate × gain is reused for every step of a segment with the same Δ.
    forced: dict[tuple[int, int], FloatArray] = {}
    for m in range(merged.size):
        if dts[m] > 0:
            u = int(dt_index[m])
            if cached is not None:
                decay, gain, ke_decay, alpha, beta = cached[u]
            else:
                decay, gain, ke_decay, alpha, beta = transposed_step(float(dts[m]))
            j = int(seg[m])
            active = j >= 0 and bool(has_rate[j])
            if effect_site:
                ce *= ke_decay
                ce += np.einsum("ip,ip->p", s, alpha)
                if active:
                    ce += rate_rows[j, 0] * beta
            s *= decay
            if active:
                key = (j, u)
                term = forced.get(key) if cached is not None else None
                if term is None:
                    term = rate_rows[j] * gain
                    if cached is not None:
                        forced[key] = term
                s += term
        if is_event[m]:
            e = event_at[m]
            if np.any(schedule.bolus_at[:, e] != 0):
                s += schedule.bolus_at[:, e][None, :] * coef
        lo, hi = out_slices[m], out_slices[m + 1]
        if hi > lo:
            np.sum(s, axis=0, out=cp)
            for k in range(lo, hi):
                yield k, cp, (ce if effect_site else None), s.T


# ----------------------------------------------------------------- results


@dataclass(frozen=True, slots=True, eq=False)
class Simulation:
    """Predicted concentrations for one patient and one regimen.

    Attributes:
        times_min: Requested times, shape (T,), min.
        plasma_ng_per_ml: Cp at those times, shape (T,), ng/mL.
        effect_site_ng_per_ml: Ce at those times, shape (T,), ng/mL.
        auc_ng_min_per_ml: Exact area under Cp over [0, times_min[-1]], ng·min/mL.
        amount_in_body_mg: Drug in all compartments at ``times_min[-1]``, mg.
        parameters: The patient's parameters.
        regimen: The regimen simulated.
        warnings: Messages that must be shown with the result.
    """

    times_min: FloatArray
    plasma_ng_per_ml: FloatArray
    effect_site_ng_per_ml: FloatArray
    auc_ng_min_per_ml: float
    amount_in_body_mg: float
    parameters: PkParameters
    regimen: Regimen
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class BatchSimulation:
    """Predicted concentrations for P patients (and 1 or P regimens).

    Attributes:
        times_min: Requested times, shape (T,), min.
        plasma_ng_per_ml: Cp, shape (P, T), ng/mL.
        effect_site_ng_per_ml: Ce, shape (P, T), ng/mL; ``None`` if not requested.
        auc_ng_min_per_ml: Exact AUC over [0, times_min[-1]], shape (P,), ng·min/mL.
        amount_in_body_mg: Drug in the body at ``times_min[-1]``, shape (P,), mg.
        warnings: Messages that must be shown with the result.
    """

    times_min: FloatArray
    plasma_ng_per_ml: FloatArray
    effect_site_ng_per_ml: FloatArray | None
    auc_ng_min_per_ml: FloatArray
    amount_in_body_mg: FloatArray
    warnings: tuple[str, ...] = ()


def final_auc_and_amount(
    modes: Modes, schedule: Schedule, t_end_min: float, s_end: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Exact AUC(0..T) in mg·min/L and amount in body at T in mg (derivation 5, 6)."""
    dose = schedule.dose_by_mg(t_end_min)[:, None]  # (R, 1)
    lam = modes.lam_per_min
    excess = modes.coef_per_l * dose - s_end
    auc = np.sum(np.divide(excess, lam, out=np.zeros_like(lam), where=lam > 0), axis=1)
    amount = np.sum(modes.amount_weight_l * s_end, axis=1)
    return auc, amount


def _by_blocks(
    modes: Modes,
    schedule: Schedule,
    times: FloatArray,
    cp_out: FloatArray,
    ce_out: FloatArray | None,
) -> FloatArray | None:
    """Cp (and Ce) in ng/mL by whole evenly spaced runs into (P, T) arrays; final states.

    Returns None, writing nothing, when the grid is too irregular for blocks to pay
    (``GridPlan.for_blocks``); the caller then marches. The values are written straight
    into the results, converted on the way; they need no clipping at 0, being sums of
    non-negative terms (``_blocks`` derivation steps 3 and 6).
    """
    # Imported here: ketacore.pk._blocks builds on this module's Modes and Schedule.
    from ketacore.pk._blocks import GridPlan, sweep, sweep_with_effect

    grid, which = np.unique(times, return_inverse=True)
    plan = GridPlan.for_blocks(schedule, grid)
    if plan is None:
        return None
    count = modes.lam_per_min.shape[0]
    repeated = grid.size != times.size
    cp = np.empty((count, grid.size)) if repeated else cp_out
    s_end = np.empty_like(modes.coef_per_l)
    if ce_out is None:
        for run, rows, values in sweep(modes, schedule, plan, s_end):
            ng_per_ml_array_from_mg_per_l(
                values[:, : run.count], out=cp[rows, run.first : run.first + run.count]
            )
    else:
        ce = np.empty((count, grid.size)) if repeated else ce_out
        blocks = sweep_with_effect(modes, schedule, plan, s_end, np.empty(count))
        for run, rows, values, effect in blocks:
            where = slice(run.first, run.first + run.count)
            ng_per_ml_array_from_mg_per_l(values[:, : run.count], out=cp[rows, where])
            ng_per_ml_array_from_mg_per_l(effect[:, : run.count], out=ce[rows, where])
        if repeated:
            np.take(ce, which, axis=1, out=ce_out)
    if repeated:
        np.take(cp, which, axis=1, out=cp_out)
    return s_end


def concentrations_into(
    modes: Modes,
    schedule: Schedule,
    times: FloatArray,
    cp_out: FloatArray,
    ce_out: FloatArray | None,
) -> FloatArray:
    """Cp (and Ce) in ng/mL into (P, T) arrays, by blocks or else by the march.

    Args:
        modes: P patients' modal form.
        schedule: Their regimen(s), 1 or P rows.
        times: Checked sorted times (``check_times``), (T,).
        cp_out: Filled with Cp, (P, T), ng/mL.
        ce_out: Filled with Ce, (P, T), ng/mL, or None to skip the effect site.

    Returns:
        The partial states s at the last time, (P, n), mg/L.
    """
    s_end = _by_blocks(modes, schedule, times, cp_out, ce_out)
    if s_end is not None:
        return s_end
    count = modes.lam_per_min.shape[0]
    cp_steps = np.empty((times.size, count))
    ce_steps = np.empty((times.size, count)) if ce_out is not None else None
    s_end = np.zeros_like(modes.coef_per_l)
    for k, cp, ce, s in march(modes, schedule, times, effect_site=ce_out is not None):
        cp_steps[k] = cp
        if ce_steps is not None and ce is not None:
            ce_steps[k] = ce
        s_end = s.copy()
    # Round-off can leave -1e-19 mg/L where the exact value is 0; concentrations are
    # non-negative by construction (C_i >= 0, s_i >= 0), so clip the noise.
    ng_per_ml_array_from_mg_per_l(np.maximum(cp_steps.T, 0.0), out=cp_out)
    if ce_steps is not None and ce_out is not None:
        ng_per_ml_array_from_mg_per_l(np.maximum(ce_steps.T, 0.0), out=ce_out)
    return s_end


def _check_out(out: object, shape: tuple[int, ...]) -> FloatArray:
    """``out`` if it is a writeable float64 array of ``shape``, else InputError."""
    if not (
        isinstance(out, np.ndarray)
        and out.dtype == np.float64
        and out.shape == shape
        and out.flags.writeable
    ):
        raise InputError("out", f"must be a writeable float64 array of shape {shape}")
    return out


def simulate_many(
    parameters: PkParameters | Sequence[PkParameters] | PkParameterArrays,
    regimens: Regimen | Sequence[Regimen],
    times_min: ArrayLike,
    *,
    effect_site: bool = True,
    dose_scale: ArrayLike | None = None,
    out: FloatArray | None = None,
) -> BatchSimulation:
    """Exact Cp (and Ce) for P patients on a shared time grid.

    The same code path serves one patient or 100,000: parameters are stacked as
    arrays of shape (P,), and every step is a vectorised multiply-add. On a grid of
    long evenly spaced runs (a chart grid, every second or minute) Cp and Ce are instead
    evaluated a whole run at a time in closed form by matrix products
    (``ketacore.pk._blocks``), written straight into the (P, T) result.

    Args:
        parameters: One patient, a sequence, or stacked :class:`PkParameterArrays` (P,).
        regimens: One regimen for everyone, or one per patient (P,).
        times_min: Sorted output times, min, shape (T,).
        effect_site: Also compute Ce.
        dose_scale: Per-patient multipliers of every dose and rate of a single shared
            regimen, shape (P,) (e.g. weights for a regimen written per kg).
        out: A caller's float64 array to write the concentrations into, in ng/mL,
            instead of allocating them: shape (P, T) for Cp alone, or (2, P, T) with
            ``effect_site`` (``out[0]`` Cp, ``out[1]`` Ce). The result's arrays are then
            views of it, and the values are the same as without ``out``.

    Returns:
        Concentrations of shape (P, T) in ng/mL, exact AUC and amounts.

    Raises:
        InputError: Bad times, parameters, regimens or ``out``.

    References:
        The derivation in this module's docstring (STANPUMP-style poly-exponential
        recursion, as in stanpumpR [StanpumpR]; docs/references.md).
    """
    times = check_times(times_min)
    arrays = as_arrays(parameters)
    regs = as_regimens(regimens, len(arrays))
    count = len(arrays)
    if out is None:
        buffer = np.empty((2, count, times.size) if effect_site else (count, times.size))
    else:
        buffer = _check_out(out, (2, count, times.size) if effect_site else (count, times.size))
    cp_ng_per_ml = buffer[0] if effect_site else buffer
    ce_ng_per_ml = buffer[1] if effect_site else None
    modes = Modes.of(arrays)
    schedule = Schedule.of(regs)
    if dose_scale is not None:
        scale = np.asarray(dose_scale, dtype=np.float64)
        if scale.shape != (count,):
            raise InputError("dose_scale", f"must have shape ({count},)")
        schedule = schedule.scaled(scale)
    s_end = concentrations_into(modes, schedule, times, cp_ng_per_ml, ce_ng_per_ml)
    auc, amount = final_auc_and_amount(modes, schedule, float(times[-1]), s_end)
    return BatchSimulation(
        times_min=times,
        plasma_ng_per_ml=cp_ng_per_ml,
        effect_site_ng_per_ml=ce_ng_per_ml,
        auc_ng_min_per_ml=ng_per_ml_array_from_mg_per_l(np.maximum(auc, 0.0)),
        amount_in_body_mg=amount,
        warnings=arrays.warnings,
    )


def simulate(parameters: PkParameters, regimen: Regimen, times_min: ArrayLike) -> Simulation:
    """Exact plasma and effect-site concentrations for one patient.

    Args:
        parameters: The patient's model parameters (see :func:`patient_parameters`).
        regimen: Boluses and infusions.
        times_min: Sorted output times, min (any grid; need not include event times).

    Returns:
        Cp and Ce at ``times_min`` in ng/mL, with exact AUC over [0, last time].
        A value at a bolus instant includes that bolus.

    Raises:
        InputError: Bad times, parameters or regimen.

    References:
        The exact solution derived in this module's docstring.
    """
    if not isinstance(parameters, PkParameters):
        raise InputError("parameters", "must be PkParameters")
    batch = simulate_many(parameters, regimen, times_min)
    assert batch.effect_site_ng_per_ml is not None
    return Simulation(
        times_min=batch.times_min,
        plasma_ng_per_ml=batch.plasma_ng_per_ml[0],
        effect_site_ng_per_ml=batch.effect_site_ng_per_ml[0],
        auc_ng_min_per_ml=float(batch.auc_ng_min_per_ml[0]),
        amount_in_body_mg=float(batch.amount_in_body_mg[0]),
        parameters=parameters,
        regimen=regimen,
        warnings=parameters.warnings,
    )
