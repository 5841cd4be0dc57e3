"""A bulk patient's questionnaires and pain diary, following their infusions (docs/demo.md).

Pain follows the infusions: a patient's untreated pain, reduced by the fraction their
infusions take away (their *peak*: a responder's is large, a non-responder's small),
reached over the first infusions of a series, held for a while after the last one and
then fading back over the patient's own *relief duration*. Mood (PHQ-9, GAD-7) improves
with part of the pain relief. Days are missed as people miss them: each patient keeps
the diary on most days, with the odd run of days away, and fewer patients keep it up
around boosters than around their first series.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import uuid
from typing import Any

from ketaclinic.demo.bulk import tables as t
from ketaclinic.demo.bulk.context import Context, score
from ketaclinic.demo.bulk.course import Course, Patient, at, new_uuid
from ketaclinic.demo.bulk.writer import Ids, Tables
from ketaclinic.demo.screening import DEMO_INSTRUMENT_ANSWERS, DEMO_INTAKE
from ketaclinic.questionnaires.models import NO_ENCOUNTER

__all__ = ["diary", "follow_ups", "relief", "screening_answers"]

#: The diary around a series (days before its first, after its last infusion) and a booster.
SERIES_WINDOW = (14, 56)
BOOSTER_WINDOW = (7, 42)
#: Of the patients, how many keep a diary around their series, and around each booster.
KEEPS_SERIES, KEEPS_BOOSTER = 0.9, 0.6
#: Follow-up questionnaires: after the first infusion, after the series, then monthly.
MONTHLY, MONTHS = 30, 11
ANSWERS_FOLLOW_UP = 0.7


def _items(names: list[str], mean: float, rng: random.Random, *, top: int = 3) -> dict[str, int]:
    return {n: max(0, min(top, round(rng.gauss(mean, 0.7)))) for n in names}


def _mood_answers(questionnaire: str, level: float, rng: random.Random) -> dict[str, int]:
    names = list(DEMO_INSTRUMENT_ANSWERS[questionnaire])
    answers = _items(names, level, rng)
    if questionnaire == "phq9":
        answers["q9_self_harm_thoughts"] = 0  # an item-9 answer alerts the care team: not bulk
    return answers


def _response(
    p: Patient,
    questionnaire: str,
    answers: dict[str, Any],
    encounter: tuple[str, str | uuid.UUID],
    when: dt.datetime,
    ctx: Context,
    rng: random.Random,
    out: Tables,
    ids: Ids,
) -> None:
    checked = score(questionnaire, answers)
    out.add(
        t.RESPONSE,
        (
            ids.take(t.RESPONSE),
            new_uuid(rng),
            p.id,
            questionnaire,
            encounter[0],
            encounter[1],
            1,
            checked.answers,
            checked.options,
            checked.missing,
            checked.score,
            ctx.nurse.pk,
            "staff",
            when,
        ),
    )


def screening_answers(
    ctx: Context,
    p: Patient,
    course: Course,
    screening: str,
    when: dt.datetime,
    rng: random.Random,
    out: Tables,
    ids: Ids,
) -> dict[str, Any]:
    """The intake's sections and instruments, entered by the nurse; the facts they give."""
    months = rng.randint(7, 96)
    pain = round(course.pain)
    instruments = {
        "bpi-sf": {
            "q1_worst": min(10, pain + rng.randint(1, 3)),
            "q2_least": max(0, pain - rng.randint(2, 4)),
            "q3_average": pain,
            "q4_now": max(0, min(10, pain + rng.randint(-1, 1))),
        },
        "gad7": _mood_answers("gad7", course.anxiety, rng),
        "phq9": _mood_answers("phq9", course.mood, rng),
        "s-lanss": dict(DEMO_INSTRUMENT_ANSWERS["s-lanss"]),
    }
    sections = {**DEMO_INTAKE, "pain": {**DEMO_INTAKE["pain"], "pain_duration_months": months}}
    encounter = ("screening", screening)
    for name, answers in (*sections.items(), *instruments.items()):
        _response(p, name, answers, encounter, when, ctx, rng, out, ids)
        when += dt.timedelta(minutes=rng.randint(1, 4))
    listed = [
        {"instrument": name, "answers": answers, "options": {}}
        for name, answers in sorted(instruments.items())
    ]
    return {"instruments": listed, "pain_duration_months": months}


def relief(course: Course, days: list[dt.date], day: dt.date) -> float:
    """The fraction of the untreated pain the infusions take away on ``day``."""
    i = bisect.bisect_right(days, day) - 1
    if i < 0:
        return 0.0
    last = days[i]
    for n, episode in enumerate(course.episodes):
        if episode[0] <= last <= episode[-1]:
            ramp = 1.0 if n else min(1.0, (episode.index(last) + 1) / min(3, len(episode)))
            break
    else:
        ramp = 1.0
    since = (day - last).days
    held = 0.4 * course.relief_days
    fade = max(0.0, 1 - max(0, since - held) / course.relief_days)
    return course.peak * ramp * fade


def diary(
    ctx: Context,
    p: Patient,
    course: Course,
    today: dt.date,
    rng: random.Random,
    out: Tables,
    ids: Ids,
    tz: Any,
) -> None:
    days = sorted(d for e in course.episodes for d in e)
    wanted: set[dt.date] = set()
    for n, episode in enumerate(course.episodes):
        before, after = BOOSTER_WINDOW if n else SERIES_WINDOW
        if rng.random() >= (KEEPS_BOOSTER if n else KEEPS_SERIES):
            continue
        first = episode[0] - dt.timedelta(days=before)
        span = (min(today, episode[-1] + dt.timedelta(days=after)) - first).days
        wanted.update(first + dt.timedelta(days=k) for k in range(span + 1))
    away = 0
    for day in sorted(wanted):
        if away:
            away -= 1
            continue
        if rng.random() < 0.02:
            away = rng.randint(2, 9)  # a run of days away
            continue
        if rng.random() >= course.adherence:
            continue
        pain = course.pain * (1 - relief(course, days, day))
        for seq in (1, 2) if rng.random() < 0.03 else (1,):  # now and then an edit
            late = rng.randint(1, 3) if rng.random() < 0.1 else 0
            entered = at(day + dt.timedelta(days=late), rng.randint(18 * 60, 22 * 60), tz)
            score_of = [
                round(pain + rng.gauss(0, 0.6)),
                round(pain - 1 + rng.gauss(0, 0.8)),
                round(pain - 1.5 + rng.gauss(0, 1.0)),
            ]
            scores = [max(0, min(10, s)) for s in score_of]
            row = (ids.take(t.DIARY), new_uuid(rng), p.id, day, seq, *scores)
            out.add(t.DIARY, (*row, ctx.nurse.pk, "clinic", entered + dt.timedelta(minutes=seq)))


def follow_ups(
    ctx: Context,
    p: Patient,
    course: Course,
    today: dt.date,
    rng: random.Random,
    out: Tables,
    ids: Ids,
    tz: Any,
) -> None:
    """PHQ-9 and GAD-7 after the first infusion, after the series, then monthly."""
    series = course.episodes[0]
    days = sorted(d for e in course.episodes for d in e)
    due = [series[0] + dt.timedelta(days=1), series[-1] + dt.timedelta(days=1)]
    due += [series[-1] + dt.timedelta(days=MONTHLY * k) for k in range(1, MONTHS + 1)]
    for n, day in enumerate(due):
        if day > today or rng.random() >= ANSWERS_FOLLOW_UP:
            continue
        better = 1 - 0.8 * relief(course, days, day)
        when = at(day + dt.timedelta(days=rng.randint(0, 4)), rng.randint(9 * 60, 20 * 60), tz)
        if when.date() > today:
            continue
        # One encounter per time point until the follow-up schedule's own records exist.
        encounter = ("", uuid.uuid5(NO_ENCOUNTER, f"{p.code}:{n}"))
        for name, level in (("phq9", course.mood), ("gad7", course.anxiety)):
            answers = _mood_answers(name, level * better, rng)
            _response(p, name, answers, encounter, when, ctx, rng, out, ids)
