"""The demo clinic's two years: policies approved, patients screened and planned, infusions given.

Everything goes through the services a clinic's staff use, on the replay clock
(``ketaclinic.lib.clock.replaying``), which only this loader moves:

1. Two years and a month ago the physician approves the policies in force (the shipped
   eligibility rules, protocol library, infusion care and follow-up policies), as a clinic
   does before its first patient.
2. Patients join one after another over the next twenty months. Each is weighed,
   screened (the intake entered by the nurse, a blood pressure) and signed a candidate,
   and given a signed plan: the CRPS regimen for CRPS (one such patient), else one of the 40-minute
   0.5 mg/kg, 1-hour, 4-hour and guideline 80 mg protocols in turn.
3. Each plan's series is given at its spacing (on weekdays), then a booster every 16
   to 26 weeks until a few days ago; every third plan is revised (a second signed version)
   before the first booster, after a new weight. One to two weeks after the first series
   the physician signs a follow-up visit (continue the plan).
4. The longest-treated patient is in a chair now (``infusions.chart_in_progress``).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.demo.infusions import Chairside, chart_in_progress, chart_past_session
from ketaclinic.demo.screening import DEMO_INSTRUMENT_ANSWERS, DEMO_INTAKE
from ketaclinic.demo.vitals import Baseline
from ketaclinic.lib import clock
from ketaclinic.lib.clock import Replay
from ketaclinic.patients.converters import age_on, latest_weight
from ketaclinic.patients.models import Patient, Sex
from ketaclinic.patients.services import record_measurement
from ketaclinic.plans import services as plans
from ketaclinic.plans.models import PlanVersion
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind
from ketaclinic.questionnaires.models import EnteredVia
from ketaclinic.screening import services as screening
from ketaclinic.visits import services as visits
from ketacore.rules import Decision

__all__ = ["HISTORY_DAYS", "PATIENTS_PER_TREATED", "TREATED", "load_history"]

#: The first patient joins this many days before today (two years of sessions and more).
HISTORY_DAYS = 745
#: The last patient joins this many days after the first.
JOIN_SPAN_DAYS = 600
#: Patients with a treatment history, at most: each session costs a physician's signature
#: (a password check, 0.1-0.4 s) and its charting (docs/performance.md, "Demo clinic").
TREATED = 8
#: One treated patient for this many in the demo: a small demo (a test server's) loads fast.
PATIENTS_PER_TREATED = 6
#: Boosters after the series, every this many weeks (drawn per booster).
BOOSTER_WEEKS = (16, 26)
_PROTOCOLS = ("half-mg-per-kg-40-min", "guideline-80-mg", "four-hour", "one-hour-higher-dose")
_CRPS = ("G90.5", "G56.4", "G57.7")  # complex regional pain syndrome (ICD-10-CM prefixes)
_CRPS_PROTOCOL = "crps-schwartzman"
#: How a plan of each protocol is revised: (protocol, dose, duration in minutes, the
#: physician's reason); None keeps the plan's value (the protocol's, for a new protocol).
_REVISIONS: dict[str, tuple[str, float | None, float | None, str]] = {
    "half-mg-per-kg-40-min": (
        "half-mg-per-kg-40-min",
        None,
        60,
        "Dissociation was unpleasant over 40 minutes: the same dose over 60 minutes.",
    ),
    "one-hour-higher-dose": (
        "one-hour-higher-dose",
        0.875,
        None,
        "Relief lasted under two weeks at 0.75 mg/kg/h; infusions were well tolerated.",
    ),
    "four-hour": (
        "four-hour",
        None,
        180,
        "The patient cannot stay four hours; relief was the same with three-hour infusions.",
    ),
    "guideline-80-mg": (
        "four-hour",
        None,
        None,
        "Partial relief after the single 80 mg infusion: go on with 4-hour infusions.",
    ),
}


@dataclass
class _Course:
    """One patient's treatment as it is charted."""

    patient: Patient
    who: Chairside
    plan: PlanVersion
    revise: bool


def load_history(
    clinic: Clinic, physician: User, nurse: User, password: str, seed: int, *, patients: int
) -> None:
    """Chart the clinic's history (see the module docstring); deterministic for a seed.

    ``patients``: the demo's size; one in ``PATIENTS_PER_TREATED`` is treated, up to ``TREATED``.
    """
    treated = min(TREATED, patients // PATIENTS_PER_TREATED)
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    today = timezone.localdate()
    first = today - dt.timedelta(days=HISTORY_DAYS)
    with transaction.atomic(), clock.replaying(_at(first - dt.timedelta(days=30), 8, 0)):
        for kind in PolicyKind:
            version = policies.in_force(clinic, kind)
            policies.approve(physician, version, password=password, note="Reviewed for the clinic.")
    courses: list[_Course] = []
    crps_given = False
    for patient in _candidates(clinic):
        if len(courses) == treated:
            break
        crps = _has_crps(patient)
        if crps and crps_given:
            continue  # one patient on the ten-day CRPS regimen is enough for the demo
        k = len(courses)
        joined = first + dt.timedelta(days=round(k * JOIN_SPAN_DAYS / (TREATED - 1)))
        onset = patient.pain_onset_date
        if onset is None or (joined - onset).days < 183:
            continue  # the pain must have lasted before the screening
        with transaction.atomic(), clock.replaying(_at(joined, 8, 30)) as replay:
            course = _admit(
                patient,
                k,
                Chairside(nurse, physician, password, *_traits(patient, joined, rng)),
                replay,
                rng,
            )
            if course is None:
                transaction.set_rollback(True)
                continue
            last = today - dt.timedelta(days=21 if k == 0 else 4)
            _treat(course, replay, last, rng)
        courses.append(course)
        crps_given = crps_given or crps
    if courses:
        _in_chair_now(courses[0], rng)


def _candidates(clinic: Clinic) -> list[Patient]:
    """Patients of the demo without a portal account, with one (pain) diagnosis."""
    patients = (
        clinic.patients.filter(portal_user__isnull=True)
        .prefetch_related("conditions")
        .order_by("pk")
    )
    return [p for p in patients if len(p.conditions.all()) == 1]


def _has_crps(patient: Patient) -> bool:
    return patient.conditions.all()[0].icd10_code.startswith(_CRPS)


def _traits(patient: Patient, joined: dt.date, rng: random.Random) -> tuple[Baseline, float, str]:
    measured = latest_weight(patient, on=timezone.localdate())
    kg = float(measured.weight_kg) if measured and measured.weight_kg else 75.0
    kg = round(kg + rng.uniform(-3, 3), 1)
    fertile = patient.sex == Sex.FEMALE and age_on(patient, joined) < 55
    return Baseline.draw(rng), kg, "negative_test" if fertile else "not_applicable"


def _admit(
    patient: Patient, k: int, who: Chairside, replay: Replay, rng: random.Random
) -> _Course | None:
    """Weigh, screen, decide and plan, on the day the patient joins (None: not a candidate)."""
    day = timezone.localdate(replay.at)
    record_measurement(who.nurse, patient, {"weight_kg": _kg(who.weight_kg), "measured_on": day})
    current = screening.start_screening(who.nurse, patient)
    for section, answers in DEMO_INTAKE.items():
        screening.save_intake_section(who.nurse, current, section, answers, via=EnteredVia.STAFF)
    for instrument, answers in DEMO_INSTRUMENT_ANSWERS.items():
        screening.save_instrument_answers(
            who.nurse, current, instrument, answers, via=EnteredVia.STAFF
        )
    systolic, diastolic = who.baseline.systolic, who.baseline.diastolic
    current = screening.add_bp_reading(who.nurse, current, int(systolic), int(diastolic), day)
    replay.advance(minutes=rng.randint(30, 90))
    result = screening.evaluate_screening(current).result
    positive = (Decision.CANDIDATE, Decision.CANDIDATE_WITH_PRECAUTIONS)
    if result is None or not result.complete or result.decision not in positive:
        return None
    screening.sign_decision(
        who.physician, current, decision=result.decision.value, note="", password=who.password
    )
    replay.advance(minutes=rng.randint(15, 40))
    protocol = _CRPS_PROTOCOL if _has_crps(patient) else _PROTOCOLS[k % len(_PROTOCOLS)]
    plan = _sign(who, patient, plans.PlanChoices(protocol))
    return _Course(patient, who, plan, revise=k % 3 == 1 and protocol in _REVISIONS)


def _sign(
    who: Chairside,
    patient: Patient,
    choices: plans.PlanChoices,
    *,
    revises: PlanVersion | None = None,
    reason: str = "",
) -> PlanVersion:
    """Sign a plan as the physician would, giving a reason for each soft limit passed."""
    draft = plans.draft_plan(patient, choices)
    soft = {
        check.key: "Reviewed: tolerated at this weight; monitored at the chair."
        for check in draft.calculation.soft_breaches
    }
    return plans.sign_plan(
        who.physician,
        patient,
        choices,
        password=who.password,
        soft_reasons=soft,
        revises=revises,
        reason=reason,
    )


def _treat(course: _Course, replay: Replay, last: dt.date, rng: random.Random) -> None:
    """The plan's series, then boosters until ``last``; the plan revised once if chosen."""
    day = _weekday(timezone.localdate(replay.at) + dt.timedelta(days=rng.randint(5, 12)))
    day = _series(course, replay, day, last, rng)
    _follow_up(course, replay, day + dt.timedelta(days=rng.randint(7, 14)), rng)
    while True:
        day = _weekday(day + dt.timedelta(weeks=rng.randint(*BOOSTER_WEEKS)))
        if day > last:
            return
        if course.revise:
            course.revise = False
            old_protocol = course.plan.protocol_id
            _revise(course, replay, day, rng)
            if course.plan.protocol_id != old_protocol:  # a new protocol: its own series
                day = _series(course, replay, day, last, rng)
                continue
        _session(course, replay, day, rng)


def _series(
    course: _Course, replay: Replay, day: dt.date, last: dt.date, rng: random.Random
) -> dt.date:
    """The plan's series from ``day``; returns the day of its last infusion."""
    spacing = max(1, course.plan.series_spacing_days)
    for n in range(course.plan.series_count):
        if n:
            day = _weekday(day + dt.timedelta(days=spacing))
        if day > last:
            break
        _session(course, replay, day, rng)
    return day


def _follow_up(course: _Course, replay: Replay, day: dt.date, rng: random.Random) -> None:
    """The physician's follow-up visit after the first series (none if its day is still ahead)."""
    day = _weekday(day)
    if day >= timezone.localdate():
        return
    replay.set(max(_at(day, 16, 0), replay.at))
    therapy = rng.random() < 0.6
    entry = visits.VisitInput(
        visit_date=day,
        decision="continue",
        decision_reason="Tolerated the series; continue the plan and review at the next visit.",
        side_effects_note="Brief light-headedness during the infusions, settled on the day.",
        care={
            "physical_therapy": therapy,
            "physical_therapy_note": "Graded exercise twice a week." if therapy else "",
            "medication_changes": False,
        },
    )
    who = course.who
    visits.sign_visit(
        who.physician, course.patient, entry, follows=course.plan, password=who.password
    )


def _session(course: _Course, replay: Replay, day: dt.date, rng: random.Random) -> None:
    start = _at(day, rng.choice((8, 9, 10, 12)), rng.choice((0, 15, 30, 45)))
    chart_past_session(replay, course.who, course.plan, max(start, replay.at), rng)


def _revise(course: _Course, replay: Replay, day: dt.date, rng: random.Random) -> None:
    """A new weight that morning, then the physician signs the plan's second version."""
    replay.set(max(_at(day, 7, 30), replay.at))
    who = replace(course.who, weight_kg=round(course.who.weight_kg + rng.uniform(-2.5, 2.5), 1))
    nurse, patient = who.nurse, course.patient
    record_measurement(nurse, patient, {"weight_kg": _kg(who.weight_kg), "measured_on": day})
    replay.advance(minutes=20)
    protocol, dose, duration, reason = _REVISIONS[course.plan.protocol_id]
    version = course.plan
    if protocol == version.protocol_id:
        dose, duration = dose or version.dose, duration or version.duration_min
    choices = plans.PlanChoices(protocol, dose=dose, duration_min=duration)
    course.plan = _sign(who, patient, choices, revises=version, reason=reason)
    course.who = who
    replay.advance(minutes=15)


def _in_chair_now(course: _Course, rng: random.Random) -> None:
    """Today's session, opened within the last hour, running for well under its duration."""
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    opened = dt.timedelta(minutes=min(55.0, 0.75 * course.plan.duration_min))
    begin = max(now - opened, midnight + dt.timedelta(seconds=30))
    with transaction.atomic(), clock.replaying(min(begin, now)) as replay:
        chart_in_progress(replay, course.who, course.plan, now, rng)


def _kg(kg: float) -> Decimal:
    return Decimal(str(kg))


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """An aware time on ``day`` in the clinic's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
