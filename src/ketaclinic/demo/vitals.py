"""The demo's vital signs: a patient's own baseline, ketamine's usual rise, now and then an alert.

Ketamine raises blood pressure and heart rate a little while it runs, back to baseline
in recovery; the figures stay inside the care policy's thresholds except in the few
readings drawn to cross one, which the nurse acknowledges with what was done.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ketacore.infusion.care import VitalSigns

__all__ = ["ALERT_ACTIONS", "Baseline", "alert_reading"]

#: What a nurse did about each kind of alert the demo raises (care-policy rule id ->
#: the reading's change and the action charted with the acknowledgement).
ALERT_ACTIONS: dict[str, str] = {
    "systolic-high": (
        "Patient calm, no headache or chest pain; physician informed; "
        "blood pressure rechecked after 10 minutes and falling."
    ),
    "spo2-low": (
        "Patient roused and asked to take deep breaths; oxygen saturation back "
        "above 95 % within two minutes without oxygen."
    ),
    "heart-rate-high": (
        "Patient anxious during dissociation: reassurance, lights dimmed; "
        "heart rate settling on the next reading."
    ),
}


@dataclass(frozen=True, slots=True)
class Baseline:
    """A patient's resting vital signs, drawn once per patient."""

    systolic: float
    diastolic: float
    heart_rate: float
    spo2: float
    respiratory_rate: float
    temperature: float

    @classmethod
    def draw(cls, rng: random.Random) -> Baseline:
        return cls(
            systolic=rng.randint(108, 142),
            diastolic=rng.randint(64, 88),
            heart_rate=rng.randint(58, 88),
            spo2=rng.randint(96, 99),
            respiratory_rate=rng.randint(12, 17),
            temperature=round(rng.uniform(36.3, 37.0), 1),
        )

    def reading(
        self, rng: random.Random, *, effect: float, temperature: bool = False
    ) -> VitalSigns:
        """One set of vital signs; ``effect`` 0 (at rest) to 1 (the infusion's full effect)."""
        systolic = self.systolic + effect * rng.uniform(6, 22) + rng.uniform(-5, 5)
        diastolic = self.diastolic + effect * rng.uniform(3, 12) + rng.uniform(-4, 4)
        heart_rate = self.heart_rate + effect * rng.uniform(2, 14) + rng.uniform(-4, 4)
        return VitalSigns(
            systolic_mmhg=round(min(max(systolic, 96), 174)),
            diastolic_mmhg=round(min(max(diastolic, 55), 104)),
            heart_rate_bpm=round(min(max(heart_rate, 54), 128)),
            spo2_percent=round(min(max(self.spo2 + rng.uniform(-1.5, 1), 94), 100)),
            respiratory_rate_per_min=round(
                min(max(self.respiratory_rate + rng.uniform(-2, 2), 11), 24)
            ),
            temperature_c=round(self.temperature + rng.uniform(-0.2, 0.2), 1)
            if temperature
            else None,
        )


def alert_reading(rng: random.Random, usual: VitalSigns, rule: str) -> VitalSigns:
    """``usual`` with one measure past the care policy's threshold for ``rule``."""
    values = {name: getattr(usual, name) for name in VitalSigns.__dataclass_fields__}
    if rule == "systolic-high":
        values["systolic_mmhg"] = rng.randint(182, 196)
        values["diastolic_mmhg"] = min(rng.randint(96, 108), values["systolic_mmhg"] - 40)
    elif rule == "spo2-low":
        values["spo2_percent"] = rng.randint(89, 91)
    elif rule == "heart-rate-high":
        values["heart_rate_bpm"] = rng.randint(152, 160)
    return VitalSigns(**values)
