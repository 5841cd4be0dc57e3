"""Dosing schedules: boluses and piecewise-constant infusions.

A :class:`Regimen` is any mix of instantaneous boluses and constant-rate
infusions. Infusions may overlap (their rates add), start and stop at any time,
and a "rate change" or "pause" is written as consecutive infusions. Times are
minutes from the start of the session (t = 0); doses are mg; rates mg/min.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketacore.errors import InputError
from ketacore.pk._checks import finite_non_negative, finite_positive

__all__ = ["Bolus", "Infusion", "Regimen"]


@dataclass(frozen=True, slots=True)
class Bolus:
    """An instantaneous IV bolus into the central compartment.

    Args:
        time_min: When it is given, minutes from t = 0 (>= 0).
        dose_mg: Amount in mg (>= 0).

    Raises:
        InputError: Negative, NaN or infinite time or dose.
    """

    time_min: float
    dose_mg: float

    def __post_init__(self) -> None:
        finite_non_negative(self.time_min, "time_min")
        finite_non_negative(self.dose_mg, "dose_mg")


@dataclass(frozen=True, slots=True)
class Infusion:
    """A constant-rate IV infusion over ``[start_min, start_min + duration_min)``.

    Args:
        start_min: Start, minutes from t = 0 (>= 0).
        duration_min: Length in minutes (> 0).
        rate_mg_per_min: Rate in mg/min (>= 0; 0 is allowed and means a pause).

    Raises:
        InputError: Negative, NaN or infinite values, or a zero duration.
    """

    start_min: float
    duration_min: float
    rate_mg_per_min: float

    def __post_init__(self) -> None:
        finite_non_negative(self.start_min, "start_min")
        finite_positive(self.duration_min, "duration_min")
        finite_non_negative(self.rate_mg_per_min, "rate_mg_per_min")

    @classmethod
    def of_dose(cls, dose_mg: float, duration_min: float, start_min: float = 0.0) -> Infusion:
        """An infusion that delivers ``dose_mg`` evenly over ``duration_min`` minutes.

        Args:
            dose_mg: Total amount, mg.
            duration_min: Length, min (> 0).
            start_min: Start, min.

        Returns:
            The infusion with rate dose/duration in mg/min.

        Raises:
            InputError: Bad dose, duration or start.
        """
        finite_non_negative(dose_mg, "dose_mg")
        duration = finite_positive(duration_min, "duration_min")
        return cls(start_min=start_min, duration_min=duration, rate_mg_per_min=dose_mg / duration)

    @property
    def stop_min(self) -> float:
        """End of the infusion, min."""
        return self.start_min + self.duration_min

    @property
    def dose_mg(self) -> float:
        """Amount delivered by this infusion, mg."""
        return self.rate_mg_per_min * self.duration_min


def _prefixed(prefix: str, exc: InputError) -> InputError:
    return InputError(f"{prefix}.{exc.field}", exc.rule)


@dataclass(frozen=True, slots=True)
class Regimen:
    """A dosing schedule: boluses plus piecewise-constant infusions.

    Args:
        boluses: Instantaneous doses, in any order.
        infusions: Constant-rate infusions, in any order; overlapping rates add.

    Raises:
        InputError: An element is not a :class:`Bolus` / :class:`Infusion`
            (for example a bolus given as a rate); the field is named
            ``boluses[i]`` or ``infusions[i]``.
    """

    boluses: tuple[Bolus, ...] = ()
    infusions: tuple[Infusion, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "boluses", tuple(self.boluses))
        object.__setattr__(self, "infusions", tuple(self.infusions))
        for i, bolus in enumerate(self.boluses):
            if not isinstance(bolus, Bolus):
                raise InputError(f"boluses[{i}]", "must be a Bolus(time_min, dose_mg)")
        for i, infusion in enumerate(self.infusions):
            if not isinstance(infusion, Infusion):
                raise InputError(
                    f"infusions[{i}]",
                    "must be an Infusion(start_min, duration_min, rate_mg_per_min)",
                )

    @classmethod
    def build(
        cls,
        boluses: Sequence[tuple[float, float]] = (),
        infusions: Sequence[tuple[float, float, float]] = (),
    ) -> Regimen:
        """Build a regimen from plain tuples, naming the bad field on error.

        Args:
            boluses: ``(time_min, dose_mg)`` pairs.
            infusions: ``(start_min, duration_min, rate_mg_per_min)`` triples.

        Returns:
            The regimen.

        Raises:
            InputError: With the field named like ``infusions[1].rate_mg_per_min``.
        """
        bolus_objs = []
        for i, (t, d) in enumerate(boluses):
            try:
                bolus_objs.append(Bolus(t, d))
            except InputError as exc:
                raise _prefixed(f"boluses[{i}]", exc) from None
        infusion_objs = []
        for i, (s, dur, r) in enumerate(infusions):
            try:
                infusion_objs.append(Infusion(s, dur, r))
            except InputError as exc:
                raise _prefixed(f"infusions[{i}]", exc) from None
        return cls(tuple(bolus_objs), tuple(infusion_objs))

    @classmethod
    def constant_infusion(
        cls, dose_mg: float, duration_min: float, start_min: float = 0.0
    ) -> Regimen:
        """A regimen of one infusion delivering ``dose_mg`` over ``duration_min``.

        Args:
            dose_mg: Total dose, mg.
            duration_min: Infusion length, min.
            start_min: Start, min.

        Returns:
            The regimen.

        Raises:
            InputError: Bad dose, duration or start.
        """
        return cls(infusions=(Infusion.of_dose(dose_mg, duration_min, start_min),))

    @property
    def total_dose_mg(self) -> float:
        """All boluses plus all infusion amounts, mg."""
        return sum(b.dose_mg for b in self.boluses) + sum(i.dose_mg for i in self.infusions)

    @property
    def end_of_dosing_min(self) -> float:
        """Time of the last bolus or the last infusion stop (0 for an empty regimen), min."""
        ends = [b.time_min for b in self.boluses if b.dose_mg > 0]
        ends += [i.stop_min for i in self.infusions if i.rate_mg_per_min > 0]
        return max(ends, default=0.0)

    def dose_given_by_mg(self, t_min: float) -> float:
        """Cumulative amount given up to and including time ``t_min``, mg."""
        total = sum(b.dose_mg for b in self.boluses if b.time_min <= t_min)
        for inf in self.infusions:
            overlap = min(t_min, inf.stop_min) - inf.start_min
            if overlap > 0:
                total += inf.rate_mg_per_min * overlap
        return total

    def scaled(self, factor: float) -> Regimen:
        """Return the same schedule with every dose and rate multiplied by ``factor``."""
        finite_non_negative(factor, "factor")
        return Regimen(
            tuple(Bolus(b.time_min, b.dose_mg * factor) for b in self.boluses),
            tuple(
                Infusion(i.start_min, i.duration_min, i.rate_mg_per_min * factor)
                for i in self.infusions
            ),
        )
