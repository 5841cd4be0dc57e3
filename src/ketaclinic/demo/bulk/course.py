"""One bulk patient's screening, plan and infusions (the model: docs/demo.md).

Each function adds rows to the chunk's :class:`~ketaclinic.demo.bulk.writer.Tables` and
takes its primary keys from :class:`~ketaclinic.demo.bulk.writer.Ids`. All chance comes
from the patient's own ``random.Random``, so a patient's history depends only on the seed
and the patient's place in the clinic, never on the chunk it was written in.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from ketaclinic.demo.bulk import tables as t
from ketaclinic.demo.bulk.context import Context
from ketaclinic.demo.bulk.writer import Ids, Tables
from ketaclinic.demo.infusions import RECOVERY_MIN
from ketaclinic.demo.vitals import ALERT_ACTIONS, Baseline, alert_reading
from ketacore.infusion.care import VitalSigns
from ketacore.rules.facts import completed_years

__all__ = ["Course", "Patient", "at", "new_uuid", "weekday"]

#: An empty JSON object, written as it is stored.
EMPTY = "{}"

#: Protocols other than the CRPS regimen, with the share of plans that use them.
PROTOCOL_MIX = (
    ("four-hour", 55),
    ("half-mg-per-kg-40-min", 15),
    ("one-hour-higher-dose", 20),
    ("guideline-80-mg", 10),
)
_PROTOCOLS = tuple(name for name, _ in PROTOCOL_MIX)
_SHARES = tuple(share for _, share in PROTOCOL_MIX)
CRPS_PROTOCOL = "crps-schwartzman"
#: Facts that make a screening "not a candidate", each for some of the 12 % refused.
REFUSALS = (
    ("psychosis", "current"),
    ("active_substance_use", True),
    ("hypertension", "uncontrolled"),
    ("cardiac", "unstable"),
)
_SIDE_EFFECTS = (
    ("dream_like", "mild", ["reassurance"], 5),
    ("nausea", "mild", ["reassurance"], 3),
    ("anxiety", "moderate", ["reassurance"], 2),
    ("headache", "mild", ["none"], 2),
    ("dizziness", "mild", ["reassurance"], 2),
)


@dataclass(frozen=True, slots=True)
class Patient:
    """What the generator needs of a patient row written by ``population.bulk_patients``."""

    id: int
    code: uuid.UUID
    index: int
    female: bool
    born: dt.date
    diagnosis: str
    weight_kg: float


@dataclass
class Course:
    """A treated patient's plan and infusion days, for the diary and questionnaires."""

    joined: dt.date
    pain: float  # untreated pain, 0-10
    mood: float  # the mean PHQ-9 item before treatment, 0-3
    anxiety: float  # the mean GAD-7 item before treatment, 0-3
    adherence: float  # the share of days the diary is kept, when it is kept
    peak: float  # the fraction of pain the infusions take away at best
    relief_days: float  # how long relief lasts after the last infusion of an episode
    episodes: list[list[dt.date]] = field(default_factory=list)


_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)
_VERSION_MASK = ~((0xF000 << 64) | (0xC000 << 48))


def new_uuid(rng: random.Random) -> str:
    """A random (version 4) UUID from the patient's generator, as 32 hex digits."""
    return f"{(rng.getrandbits(128) & _VERSION_MASK) | _VERSION_4:032x}"


def weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, minutes: float, tz: dt.tzinfo) -> dt.datetime:
    """``minutes`` after midnight of ``day`` in the clinic's time zone."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(minutes=minutes)


def _signed(ctx: Context, when: dt.datetime, meaning: str, reason: str = "") -> tuple[Any, ...]:
    name = f"{ctx.physician.first_name} {ctx.physician.last_name}"
    return (ctx.physician.pk, name, when, meaning, reason)


def screen(
    ctx: Context, p: Patient, course: Course, rng: random.Random, out: Tables, ids: Ids, tz: Any
) -> tuple[int, str, dt.datetime]:
    """The intake answers, a blood pressure and the physician's signed decision.

    Returns the decision's id, its value and when it was signed.
    """
    from ketaclinic.demo.bulk.outcomes import screening_answers

    day = course.joined
    created = at(day, rng.randint(8 * 60, 14 * 60), tz)
    screening_id, screening_code = ids.take(t.SCREENING), new_uuid(rng)
    systolic, diastolic = rng.randint(112, 146), rng.randint(66, 90)
    clinician = {
        "bp_readings": [
            {"systolic_mmhg": systolic, "diastolic_mmhg": diastolic, "measured_on": str(day)}
        ]
    }
    out.add(
        t.SCREENING,
        (screening_id, screening_code, p.id, 1, clinician, None, None, created, created),
    )
    answered = screening_answers(ctx, p, course, screening_code, created, rng, out, ids)
    facts = dict(ctx.facts_template)
    facts.update(answered)
    facts.update(
        diagnoses=[p.diagnosis],
        bp_readings=clinician["bp_readings"],
        sex="female" if p.female else "male",
        date_of_birth=str(p.born),
        age_years=completed_years(p.born, day),
        weight_kg=p.weight_kg,
        weight_measured_on=str(day),
        assessed_on=str(day),
        pregnant=False,
        breastfeeding=False,
    )
    variant = ""
    if rng.random() < 0.12:
        name, value = rng.choice(REFUSALS)
        facts[name], variant = value, name
    decided, evaluation = ctx.decision(facts, variant)
    decision_id = ids.take(t.DECISION)
    signed = created + dt.timedelta(minutes=rng.randint(30, 90))
    out.add(
        t.DECISION,
        (
            decision_id,
            new_uuid(rng),
            screening_id,
            p.id,
            decided,
            decided,
            "",
            facts,
            evaluation,
            ctx.eligibility.pk,
            ctx.rule_set_version,
            None,
            *_signed(ctx, signed, "decided"),
        ),
    )
    return decision_id, decided, signed


def protocol_for(p: Patient, rng: random.Random) -> str:
    if p.diagnosis.startswith(("G90.5", "G56.4", "G57.7")):
        return CRPS_PROTOCOL
    return rng.choices(_PROTOCOLS, _SHARES)[0]


def plan_version(
    ctx: Context,
    p: Patient,
    plan_id: int,
    number: int,
    revises: int | None,
    decision_id: int,
    figures: dict[str, Any],
    when: dt.datetime,
    rng: random.Random,
    out: Tables,
    ids: Ids,
    reason: str = "",
) -> int:
    version_id = ids.take(t.VERSION)
    out.add(
        t.VERSION,
        (
            version_id,
            new_uuid(rng),
            plan_id,
            number,
            revises,
            "active",
            decision_id,
            ctx.library_version.pk,
            when.date(),
            False,
            None,  # the PK preview is not recomputed for bulk plans
            "",
            *(figures[name] for name in t.FIGURES),
            *_signed(ctx, when, "decided", reason),
        ),
    )
    return version_id


def infusion(
    ctx: Context,
    p: Patient,
    version_id: int,
    figures: dict[str, Any],
    number: int,
    day: dt.date,
    baseline: Baseline,
    rng: random.Random,
    out: Tables,
    ids: Ids,
    tz: Any,
    chairs: int,
) -> None:
    """One signed session: check-in, start, vital signs every interval, stop, discharge."""
    duration = float(figures["duration_min"])
    latest = max(8 * 60, 17 * 60 - duration - RECOVERY_MIN - 45)
    opened = at(day, 8 * 60 + 15 * rng.randint(0, int((latest - 8 * 60) // 15)), tz)
    session_id, nurse = ids.take(t.SESSION), ctx.nurse.pk
    seq = 0

    def entry(when: dt.datetime, kind: str, data: Any, *columns: Any) -> int:
        nonlocal seq
        seq += 1
        entry_id = ids.take(t.ENTRY)
        rest = columns or (None,) * 8
        row = (entry_id, new_uuid(rng), session_id, seq, kind, when, when, nurse, new_uuid(rng))
        out.add(t.ENTRY, (*row, data, "", *rest))
        return entry_id

    def vitals(reading: VitalSigns) -> tuple[Any, ...]:
        return (None, None, *(getattr(reading, name) for name in t.VITALS))

    pregnancy = "negative_test" if p.female and (day - p.born).days < 55 * 365 else "not_applicable"
    checked_in = opened + dt.timedelta(minutes=rng.randint(3, 8))
    check = {"consent": True, "fasted": True, "escort": True, "pregnancy": pregnancy}
    check |= {"weight_kg": figures["weight_kg"], "missing": []}
    reading = baseline.reading(rng, effect=0, temperature=True)
    entry(checked_in, "check_in", check, *vitals(reading))
    t0 = checked_in + dt.timedelta(minutes=rng.randint(8, 15))
    rate, ceiling = figures["rate_mg_per_h"], figures["hard_ceiling_rate_mg_per_h"]
    entry(t0, "start", EMPTY, rate, ceiling, *(None,) * 6)
    interval = ctx.care.vitals_interval_min
    alert_at = rng.randrange(1, int(duration // interval) + 1) if rng.random() < 0.1 else -1
    rule = rng.choice(tuple(ALERT_ACTIONS))
    side_at = rng.randint(10, max(10, int(duration) - 8)) if rng.random() < 0.22 else -1
    minute, step, stopped = 0, 0, False
    while minute <= duration + RECOVERY_MIN:
        if not stopped and minute >= duration:
            entry(t0 + dt.timedelta(minutes=duration), "stop", EMPTY)
            stopped = True
        if 0 <= side_at <= minute:
            effect, severity, interventions, _ = rng.choices(
                _SIDE_EFFECTS, [s[3] for s in _SIDE_EFFECTS]
            )[0]
            data = {"effect": effect, "severity": severity, "interventions": interventions}
            entry(t0 + dt.timedelta(minutes=side_at), "side_effect", data | {"note": ""})
            side_at = -1
        effect_now = 0.0 if minute == 0 else 1.0 if minute <= duration else 0.3
        reading = baseline.reading(rng, effect=effect_now)
        if step == alert_at:
            reading = alert_reading(rng, reading, rule)
        when = t0 + dt.timedelta(minutes=minute)
        entry_id = entry(when, "vitals", EMPTY, *vitals(reading))
        if step == alert_at:  # a usual reading is below every threshold (demo.vitals)
            for fired, value in ctx.fired(reading):
                _alert(ctx, session_id, entry_id, fired, value, when, rng, out, ids)
        minute += interval
        step += 1
    discharged = t0 + dt.timedelta(minutes=duration + RECOVERY_MIN + rng.randint(2, 8))
    entry(discharged, "discharge", {"escort_present": True, "overridden": False})
    delivered = round(rate * duration / 60, 3)
    summary = {
        "delivered_mg": delivered,
        "infused_mg": delivered,
        "bolus_mg": 0.0,
        "segments": [
            {"start_min": 0.0, "end_min": duration, "rate_mg_per_h": rate, "dose_mg": delivered}
        ],
        "alerts": int(alert_at >= 0),
    }
    out.add(
        t.SESSION,
        (
            session_id,
            new_uuid(rng),
            ctx.clinic.pk,
            p.id,
            version_id,
            ctx.care_version.pk,
            number,
            f"Chair {rng.randint(1, chairs)}",
            opened,
            nurse,
            seq,
        ),
    )
    signed = discharged + dt.timedelta(minutes=rng.randint(15, 75))
    out.add(
        t.SIGNOFF,
        (
            ids.take(t.SIGNOFF),
            new_uuid(rng),
            session_id,
            delivered,
            summary,
            *_signed(ctx, signed, "reviewed"),
        ),
    )


def _alert(
    ctx: Context,
    session_id: int,
    entry_id: int,
    rule: Any,
    value: float,
    when: dt.datetime,
    rng: random.Random,
    out: Tables,
    ids: Ids,
) -> None:
    alert_id = ids.take(t.ALERT)
    threshold = f"{rule.measure.label} {rule.threshold_text}"
    row = (alert_id, new_uuid(rng), session_id, entry_id, rule.id, rule.message, value)
    out.add(t.ALERT, (*row, threshold, rule.source, when))
    action = ALERT_ACTIONS.get(rule.id, "Patient reviewed at the chair; rechecked.")
    acknowledged = when + dt.timedelta(minutes=rng.randint(1, 5))
    out.add(t.ACK, (ids.take(t.ACK), new_uuid(rng), alert_id, ctx.nurse.pk, acknowledged, action))
