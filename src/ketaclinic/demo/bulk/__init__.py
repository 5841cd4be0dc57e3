"""The bulk demo generator: thousands of patients with two years of history, in minutes.

``ketaclinic demo --patients N`` charts its first patients through the services (see
``demo.history``: every screen then has records signed as a clinic signs them); above
``--bulk-above`` the rest come from here. Each chunk of patients is created
(``population.bulk_patients``), then given a history (the model is in ``course`` and
``outcomes``; docs/demo.md), and written in one transaction with COPY on PostgreSQL and
executemany on SQLite (``writer``): memory stays bounded by one chunk.

Nothing here writes an audit record per row: these rows were never entered by anyone.
One audit record of the whole load (``Action.BULK_LOAD``) says what was generated.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import Clinic
from ketaclinic.audit.services import Action, record
from ketaclinic.demo.bulk import tables as t
from ketaclinic.demo.bulk.context import Context
from ketaclinic.demo.bulk.course import (
    Course,
    Patient,
    infusion,
    new_uuid,
    plan_version,
    protocol_for,
    screen,
    weekday,
)
from ketaclinic.demo.bulk.outcomes import diary, follow_ups
from ketaclinic.demo.bulk.writer import Ids, Tables, reset_sequences
from ketaclinic.demo.population import bulk_patients
from ketaclinic.demo.vitals import Baseline
from ketaclinic.lib import clock
from ketaclinic.patients.models import BodyMeasurement, Condition, Sex
from ketaclinic.patients.models import Patient as PatientRow

__all__ = ["CHUNK", "HISTORY_DAYS", "load_bulk"]

#: Patients per transaction (and per buffer of rows: about 150,000 rows).
CHUNK = 500
#: The first bulk patient joins this many days before today; the last JOIN_SPAN later.
HISTORY_DAYS, JOIN_SPAN = 1460, 1240
#: Patients per chair: the generated clinic has as many chairs as its load needs.
PATIENTS_PER_CHAIR = 100
POSITIVE = ("candidate", "candidate_with_precautions")
#: Response classes: (share, peak relief range, median relief days).
CLASSES = (
    (0.30, (0.50, 0.80), 24.0),  # substantial responders
    (0.25, (0.30, 0.50), 16.0),  # moderate responders
    (0.45, (0.00, 0.25), 6.0),  # little or no response
)
REVISION = "New weight before the first booster: the dose computed again for it."


@dataclass(frozen=True, slots=True)
class Run:
    ctx: Context
    seed: int
    today: dt.date
    tz: dt.tzinfo
    chairs: int


def load_bulk(
    clinic: Clinic,
    *,
    start: int,
    count: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    id_base: int = 0,
    clinic_patients: int | None = None,
) -> dict[str, int]:
    """Create ``count`` patients (numbered from ``start``) with their histories.

    Returns the rows written per table. Deterministic for a seed (and today's date): a
    patient's history depends on its number only, so a load may be split into ranges run
    by separate processes at once, each with its own ``id_base`` (the first id of its
    rows) and the same ``clinic_patients`` (the whole clinic's size, which sets its chairs).
    """
    ctx = Context.read(clinic)
    run = Run(
        ctx,
        seed,
        clock.today(),
        timezone.get_current_timezone(),
        max(5, (clinic_patients or start + count) // PATIENTS_PER_CHAIR),
    )
    ids = Ids(t.ALL, base=id_base)
    out = Tables(t.ALL)
    people = 0
    done = 0
    while done < count:
        size = min(CHUNK, count - done)
        with transaction.atomic():
            rng = random.Random(f"{seed}:patients:{start + done}")  # noqa: S311 (synthetic)
            bulk_patients(clinic, ctx.nurse, rng, start=start + done, count=size)
            for patient in _written(clinic, start + done, size):
                _chart(run, patient, out, ids)
            out.flush()
        people += size
        done += size
        if progress:
            progress(size)
    counts = {table.model.__name__: out.counts[table.name] for table in t.ALL}
    counts["Patient"] = people
    with transaction.atomic():
        reset_sequences(t.ALL)
        record(
            None,
            Action.BULK_LOAD,
            clinic_id=clinic.pk,
            summary=f"Bulk demo history generated for {people} synthetic patients (seed {seed})",
            changes={"generator": "ketaclinic.demo.bulk", "seed": seed, "rows": counts},
        )
    return counts


def _written(clinic: Clinic, start: int, size: int) -> list[Patient]:
    """The chunk's patients as ``bulk_patients`` wrote them (chart numbers KC-…)."""
    numbers = [f"KC-{i + 1:06d}" for i in range(start, start + size)]
    rows = list(
        PatientRow.objects.filter(clinic=clinic, chart_number__in=numbers).values_list(
            "pk", "code", "chart_number", "sex", "date_of_birth"
        )
    )
    ids = [r[0] for r in rows]
    codes = dict(
        Condition.objects.filter(patient_id__in=ids, is_primary_pain_diagnosis=True).values_list(
            "patient_id", "icd10_code"
        )
    )
    weights = dict(
        BodyMeasurement.objects.filter(patient_id__in=ids).values_list("patient_id", "weight_kg")
    )
    return sorted(
        (
            Patient(
                pk,
                code,
                int(number[3:]) - 1,
                sex == Sex.FEMALE,
                born,
                codes[pk],
                float(weights.get(pk) or 75),
            )
            for pk, code, number, sex, born in rows
        ),
        key=lambda p: p.index,
    )


def _course(run: Run, rng: random.Random) -> Course:
    first = run.today - dt.timedelta(days=HISTORY_DAYS)
    _share, (low, high), median = rng.choices(CLASSES, [c[0] for c in CLASSES])[0]
    return Course(
        joined=weekday(first + dt.timedelta(days=rng.randint(0, JOIN_SPAN))),
        pain=min(9.5, max(4.0, rng.gauss(6.8, 1.1))),
        mood=min(2.5, max(0.2, rng.gauss(1.2, 0.5))),
        anxiety=min(2.5, max(0.2, rng.gauss(1.0, 0.5))),
        adherence=rng.betavariate(8, 2),
        peak=rng.uniform(low, high),
        relief_days=rng.lognormvariate(0, 0.35) * median,
    )


def _chart(run: Run, p: Patient, out: Tables, ids: Ids) -> None:
    """One patient's screening, plan, infusions, diary and questionnaires."""
    ctx, tz = run.ctx, run.tz
    rng = random.Random(f"{run.seed}:{p.index}")  # noqa: S311 (synthetic data)
    course = _course(run, rng)
    decision_id, decided, signed = screen(ctx, p, course, rng, out, ids, tz)
    if decided not in POSITIVE:
        return
    weight = round(p.weight_kg + rng.uniform(-2, 2), 1)
    protocol = protocol_for(p, rng)
    computed = ctx.plan_figures(protocol, weight) or ctx.plan_figures("four-hour", weight)
    if computed is None:
        return  # past a hard limit at this weight: the physician would not sign it
    figures: dict[str, Any] = computed
    plan_id = ids.take(t.PLAN)
    planned = signed + dt.timedelta(minutes=rng.randint(15, 40))
    out.add(t.PLAN, (plan_id, new_uuid(rng), ctx.clinic.pk, p.id, planned, ctx.physician.pk))
    version = plan_version(ctx, p, plan_id, 1, None, decision_id, figures, planned, rng, out, ids)
    if rng.random() < 0.04:
        return  # planned, never came
    baseline = Baseline.draw(rng)
    given = 0
    last_day = run.today - dt.timedelta(days=1)

    def give(day: dt.date) -> None:
        nonlocal given
        given += 1
        infusion(ctx, p, version, figures, given, day, baseline, rng, out, ids, tz, run.chairs)

    count = int(figures["series_count"])
    if course.peak < 0.3 and count >= 4 and rng.random() < 0.4:
        count = rng.randint(2, count - 1)  # no relief: the series stopped early
    day = weekday(course.joined + dt.timedelta(days=rng.randint(5, 12)))
    series: list[dt.date] = []
    for n in range(count):
        if n:
            day = weekday(day + dt.timedelta(days=max(1, int(figures["series_spacing_days"]))))
        if day > last_day:
            break
        give(day)
        series.append(day)
    if not series:
        return
    course.episodes.append(series)
    revise = rng.random() < 1 / 3
    boosters = 99 if course.peak >= 0.3 else (1 if rng.random() < 0.25 else 0)
    while boosters > 0:
        boosters -= 1
        wait = max(21, round(course.relief_days * rng.uniform(0.9, 1.3)) + 7)
        day = weekday(day + dt.timedelta(days=wait))
        if day > last_day or rng.random() < 0.05:
            break
        if revise:
            revise = False
            weight = round(weight + rng.uniform(-2.5, 2.5), 1)
            again = ctx.plan_figures(figures["protocol_id"], weight)
            if again is not None:
                figures = again
                when = _morning(day, tz)
                version = plan_version(
                    ctx,
                    p,
                    plan_id,
                    2,
                    version,
                    decision_id,
                    figures,
                    when,
                    rng,
                    out,
                    ids,
                    REVISION,
                )
        give(day)
        course.episodes.append([day])
    diary(ctx, p, course, run.today, rng, out, ids, tz)
    follow_ups(ctx, p, course, run.today, rng, out, ids, tz)


def _morning(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(7, 30), tzinfo=tz)
