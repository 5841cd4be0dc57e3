"""The demo's infusion sessions, each charted at the chair through the infusion services.

A past session is replayed minute by minute on the replay clock (``lib.clock``): the
nurse opens it and checks the patient in, starts the pump at the plan's rate, takes the
vital signs on the care policy's clock, titrates as the protocol allows, scores sedation,
dissociation and recovery, charts the odd side effect, rescue medicine or alert, stops the
pump, discharges the patient, and the physician signs the record. Every check and limit
of a nurse's tablet applies; nothing is written around the services.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from ketaclinic.accounts.models import User
from ketaclinic.demo.vitals import ALERT_ACTIONS, Baseline, alert_reading
from ketaclinic.infusions import services as infusions
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.lib.clock import Replay
from ketaclinic.plans import services as plans
from ketaclinic.plans.models import PlanVersion

__all__ = ["Chairside", "chart_in_progress", "chart_past_session"]

#: Recovery after the pump stops, before the discharge score (minutes).
RECOVERY_MIN = 30
CHAIRS = tuple(f"Chair {n}" for n in (1, 2, 3, 5, 6))
_SIDE_EFFECTS = (
    # effect, severity, interventions, weight
    ("dream_like", "mild", ["reassurance"], 5),
    ("nausea", "mild", ["rescue"], 3),
    ("anxiety", "moderate", ["reassurance", "rate_lowered"], 2),
    ("headache", "mild", ["none"], 2),
    ("dizziness", "mild", ["reassurance"], 2),
    ("dysphoria", "moderate", ["rate_lowered", "rescue"], 1),
)


@dataclass(frozen=True, slots=True)
class Chairside:
    """Who is at the chair and what the patient is like."""

    nurse: User
    physician: User
    password: str
    baseline: Baseline
    weight_kg: float
    pregnancy: str


@dataclass
class _Pump:
    """The rate running and what it would deliver if kept to the end."""

    rate_mg_per_h: float
    delivered_mg: float = 0.0
    since_min: float = 0.0

    def projected_mg(self, at_min: float, rate: float, end_min: float) -> float:
        so_far = self.delivered_mg + self.rate_mg_per_h * (at_min - self.since_min) / 60
        return so_far + rate * (end_min - at_min) / 60

    def change(self, at_min: float, rate: float) -> None:
        self.delivered_mg += self.rate_mg_per_h * (at_min - self.since_min) / 60
        self.rate_mg_per_h, self.since_min = rate, at_min


def chart_past_session(
    replay: Replay, who: Chairside, plan: PlanVersion, start: dt.datetime, rng: random.Random
) -> InfusionSession:
    """One whole session from check-in to the physician's signature, from ``start``."""
    nurse = who.nurse
    replay.set(start)
    session = infusions.open_session(nurse, plan, chair=rng.choice(CHAIRS))
    replay.advance(minutes=rng.randint(3, 8))
    _check_in(session, who, rng)
    t0 = replay.advance(minutes=rng.randint(8, 15))
    duration = float(plan.duration_min)
    pump = _Pump(plan.rate_mg_per_h)
    infusions.record_pump_event(
        nurse, session, "start", rate_mg_per_h=plan.rate_mg_per_h, reason=_start_reason(plan)
    )
    at = _timeline(who, session, plan, pump, duration, rng)
    for minute, step in sorted(at, key=lambda item: item[0]):
        replay.set(t0 + dt.timedelta(minutes=minute))
        step()
    replay.set(t0 + dt.timedelta(minutes=duration + RECOVERY_MIN + rng.randint(2, 8)))
    infusions.discharge(nurse, session, escort_present=True)
    replay.advance(minutes=rng.randint(15, 75))
    infusions.sign_off(who.physician, session, password=who.password)
    return session


def _start_reason(plan: PlanVersion) -> str:
    """A start above a soft limit needs a reason: the physician's, from the signed plan."""
    passed = [o["reason"] for o in plan.soft_overrides if o.get("reason")]
    return f"The rate of the signed plan ({passed[0]})" if passed else ""


def _check_in(session: InfusionSession, who: Chairside, rng: random.Random) -> None:
    infusions.check_in(
        who.nurse,
        session,
        consent=True,
        fasted=True,
        escort=True,
        pregnancy=who.pregnancy,
        weight_kg=who.weight_kg,
        vitals=who.baseline.reading(rng, effect=0, temperature=True),
    )


Step = tuple[float, Callable[[], object]]


def _timeline(
    who: Chairside,
    session: InfusionSession,
    plan: PlanVersion,
    pump: _Pump,
    duration: float,
    rng: random.Random,
) -> list[Step]:
    """What happens at which minute after the start (the caller runs them in order)."""
    nurse, interval = who.nurse, infusions.care_of(session).vitals_interval_min
    steps: list[Step] = []
    alert_at = (
        rng.choice(range(interval, int(duration) + 1, interval)) if rng.random() < 0.1 else -1
    )
    rule = rng.choice(tuple(ALERT_ACTIONS))
    minute = 0.0  # as the pump starts, within the care policy's interval of the check-in
    while minute <= duration + RECOVERY_MIN:
        effect = 0.0 if minute == 0 else 1.0 if minute <= duration else 0.3
        steps.append(
            (minute, _vitals(who, session, rng, effect, alert=rule if minute == alert_at else ""))
        )
        minute += interval
    steps += _titration(nurse, session, plan, pump, duration, rng)
    steps.append((duration, lambda: infusions.record_pump_event(nurse, session, "stop")))
    steps.append((min(30.0, duration - 5), lambda: _score(nurse, session, "rass", _rass(rng))))
    steps.append((max(duration - 10, 10.0), lambda: _score(nurse, session, "cadss", _cadss(rng))))
    aldrete = _aldrete(rng)
    steps.append((duration + RECOVERY_MIN + 1, lambda: _score(nurse, session, "aldrete", aldrete)))
    if rng.random() < 0.22:
        steps += _side_effect(who, session, plan, pump, duration, rng)
    return steps


def _vitals(
    who: Chairside, session: InfusionSession, rng: random.Random, effect: float, *, alert: str
) -> Callable[[], object]:
    usual = who.baseline.reading(rng, effect=effect)
    reading = alert_reading(rng, usual, alert) if alert else usual

    def chart() -> None:
        _, raised = infusions.record_vitals(who.nurse, session, reading)
        for item in raised:
            action = ALERT_ACTIONS.get(item.rule_id, "Patient reviewed at the chair; rechecked.")
            infusions.acknowledge(who.nurse, item, action_taken=action)

    return chart


def _titration(
    nurse: User,
    session: InfusionSession,
    plan: PlanVersion,
    pump: _Pump,
    duration: float,
    rng: random.Random,
) -> list[Step]:
    """The protocol's rate steps, taken as the patient tolerates them, within every limit."""
    titration = plans.protocol_of(plan).titration
    if titration is None or plan.dose_basis != "mg_per_kg_per_h":
        return []
    steps: list[Step] = []
    ceiling = min(
        plan.max_rate_mg_per_h or plan.hard_ceiling_rate_mg_per_h, plan.hard_ceiling_rate_mg_per_h
    )
    dose = float(plan.dose)
    minute = float(titration.interval_min)
    while minute < duration - 5 and dose + titration.step <= titration.max + 1e-9:
        if rng.random() < 0.35:  # relief enough, or side effects: the rate stays
            break
        dose += titration.step
        rate = math.floor(min(dose * plan.weight_kg, ceiling) * 10) / 10  # a pump step
        if (
            rate <= pump.rate_mg_per_h
            or pump.projected_mg(minute, rate, duration) > 0.95 * plan.hard_ceiling_session_mg
        ):
            break
        pump.change(minute, rate)
        reason = (
            f"Titrated per protocol to {dose:g} mg/kg/h: relief too little, side effects tolerable."
        )
        steps.append((minute, _rate(nurse, session, rate, reason)))
        minute += titration.interval_min
    return steps


def _rate(nurse: User, session: InfusionSession, rate: float, reason: str) -> Callable[[], object]:
    return lambda: infusions.record_pump_event(
        nurse, session, "rate_change", rate_mg_per_h=rate, reason=reason
    )


def _side_effect(
    who: Chairside,
    session: InfusionSession,
    plan: PlanVersion,
    pump: _Pump,
    duration: float,
    rng: random.Random,
) -> list[Step]:
    effect, severity, interventions, _ = rng.choices(_SIDE_EFFECTS, [s[3] for s in _SIDE_EFFECTS])[
        0
    ]
    # After the last titration step: a rate lowered for a side effect is not raised again.
    earliest = max(10, int(pump.since_min) + 5)
    minute = float(rng.randint(earliest, max(earliest, int(duration) - 8)))
    steps: list[Step] = [
        (
            minute,
            lambda: infusions.record_side_effect(
                who.nurse, session, effect=effect, severity=severity, interventions=interventions
            ),
        )
    ]
    if "rescue" in interventions:
        wanted = "Ondansetron" if effect == "nausea" else ""
        rescue = plans.protocol_of(plan).rescue
        given = next((m for m in rescue if m.drug == wanted), rescue[0] if rescue else None)
        if given is not None:
            steps.append(
                (
                    minute + 1,
                    lambda: infusions.record_rescue(
                        who.nurse,
                        session,
                        drug=given.drug,
                        dose=given.dose.split("-")[0].strip()
                        + (" mg" if "-" in given.dose else ""),
                        route=given.route.split(" ")[0],
                        indication=given.when,
                    ),
                )
            )
    if "rate_lowered" in interventions and minute + 2 < duration:
        lower = math.floor(pump.rate_mg_per_h * 7.5) / 10
        pump.change(minute + 2, lower)
        steps.append(
            (
                minute + 2,
                _rate(who.nurse, session, lower, f"Lowered for {effect.replace('_', ' ')}."),
            )
        )
    return steps


def _score(nurse: User, session: InfusionSession, instrument: str, answers: dict[str, int]) -> None:
    infusions.record_score(nurse, session, instrument, answers)


def _rass(rng: random.Random) -> dict[str, int]:
    return {"q1_level": rng.choices((0, -1, -2, 1), (5, 4, 1, 1))[0]}


def _cadss(rng: random.Random) -> dict[str, int]:
    return {f"q{n}": rng.choices((0, 1, 2, 3), (10, 5, 2, 1))[0] for n in range(1, 24)}


def _aldrete(rng: random.Random) -> dict[str, int]:
    answers = {
        "q1_activity": 2,
        "q2_respiration": 2,
        "q3_circulation": 2,
        "q4_consciousness": 2,
        "q5_oxygen_saturation": 2,
    }
    if rng.random() < 0.3:
        answers[rng.choice(("q1_activity", "q4_consciousness"))] = 1
    return answers


def chart_in_progress(
    replay: Replay, who: Chairside, plan: PlanVersion, now: dt.datetime, rng: random.Random
) -> InfusionSession:
    """A session at a chair now: opened, checked in and running, its vital signs on time.

    ``replay`` starts at most an hour before ``now`` and today; entries end before ``now``.
    """
    span = now - replay.at
    session = infusions.open_session(who.nurse, plan, chair="Chair 2")
    replay.advance(seconds=span.total_seconds() * 0.05)
    _check_in(session, who, rng)
    start = replay.advance(seconds=span.total_seconds() * 0.15)
    infusions.record_pump_event(
        who.nurse, session, "start", rate_mg_per_h=plan.rate_mg_per_h, reason=_start_reason(plan)
    )
    interval = dt.timedelta(minutes=infusions.care_of(session).vitals_interval_min)
    at = start
    while at < now - dt.timedelta(minutes=1):
        replay.set(at)
        effect = 0.0 if at == start else 1.0
        reading = who.baseline.reading(rng, effect=effect)
        _, raised = infusions.record_vitals(who.nurse, session, reading)
        assert not raised
        at += interval
    return session
