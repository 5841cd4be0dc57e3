"""Which signed decisions need a physician's review, for many patients at once.

A list (the patient list, a physician's worklist) cannot evaluate every
patient's screening. The first look is one query per list: has anything been
written to the patient's record since the decision was signed (the audit trail
records every write with the patient's code), or is another eligibility
rule set in force? Only writes to the records a screening's facts come from count
(:data:`FACT_SOURCES`): a diary day or a vital sign cannot make a decision stale. Only
those decisions are then evaluated exactly with
:func:`~ketaclinic.screening.services.decisions.staleness`, the same
comparison the screening page shows, so a list never calls a decision stale
that the page does not, nor the reverse.

:func:`clinic_review_list` is the worklist's: it reads the clinic's current decisions as
four small columns, loads whole rows only for the candidates, and evaluates the decisions
signed on other rules (stale whatever their facts) only for those it shows. At 100,000
patients it was loading every decision with its rule set's document (15 GB).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ketaclinic.accounts.models import Clinic
from ketaclinic.audit.services import last_writes
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind
from ketaclinic.screening.models import ScreeningDecision
from ketaclinic.screening.services.decisions import Staleness, authorisation_staleness
from ketaclinic.screening.services.evaluation import eligibility_rules

__all__ = ["FACT_SOURCES", "ReviewList", "clinic_review_list", "decisions_to_review"]

#: The records a screening's facts are read from (``evaluation.evaluate_screening``: the
#: chart's diagnoses, medications, demographics and weight, the screening with the
#: clinicians' facts, the intake's answers). A test checks that evaluating a screening
#: reads no other table, so a new source cannot be missed here.
FACT_SOURCES = (
    "patients.patient",
    "patients.condition",
    "patients.medication",
    "patients.bodymeasurement",
    "screening.screening",
    "questionnaires.questionnaireresponse",
)
#: Decisions loaded whole at a time.
_CHUNK = 500


def decisions_to_review(
    decisions: Sequence[ScreeningDecision], *, whole_clinic: bool = False
) -> dict[int, Staleness]:
    """The stale ones among current ``decisions`` (all of one clinic), by decision id.

    ``whole_clinic``: the decisions are all of the clinic's (a worklist), so the
    first look reads the clinic's trail since the oldest signing instead of
    naming each patient.
    """
    if not decisions:
        return {}
    clinic: Clinic = decisions[0].patient.clinic
    in_force = eligibility_rules(decisions[0].patient)
    since = min(d.signed_at for d in decisions)
    codes = None if whole_clinic else [str(d.patient.code) for d in decisions]
    written = last_writes(clinic.pk, since=since, patient_codes=codes, object_types=FACT_SOURCES)
    maybe = [
        d
        for d in decisions
        if d.patient.clinic_id == clinic.pk
        and (
            d.rule_set_id != in_force.pk
            or ((last := written.get(str(d.patient.code))) is not None and last > d.signed_at)
        )
    ]
    found = {}
    for decision in maybe:
        stale = authorisation_staleness(decision, in_force)
        if stale.stale:
            found[decision.pk] = stale
    return found


@dataclass(frozen=True, slots=True)
class ReviewList:
    """The clinic's decisions to review again: how many, and the oldest signed of them."""

    count: int
    shown: list[tuple[ScreeningDecision, Staleness]]


def clinic_review_list(clinic: Clinic, *, limit: int) -> ReviewList:
    """Every current decision of the clinic that needs review, counted; the ``limit`` signed
    longest ago with how each changed (the same staleness as the screening page)."""
    in_force = policies.in_force(clinic, PolicyKind.ELIGIBILITY)
    light = list(
        ScreeningDecision.objects.filter(patient__clinic=clinic, superseded_by__isnull=True)
        .order_by("signed_at", "pk")
        .values_list("pk", "patient__code", "signed_at", "rule_set_id")
    )
    if not light:
        return ReviewList(0, [])
    since = min(signed for _, _, signed, _ in light)
    written = last_writes(clinic.pk, since=since, object_types=FACT_SOURCES)
    other_rules = {pk for pk, _, _, rule_set in light if rule_set != in_force.pk}
    maybe = [
        pk
        for pk, code, signed, rule_set in light
        if rule_set == in_force.pk
        and (last := written.get(str(code))) is not None
        and last > signed
    ]
    found = {d.pk: s for d in _whole(maybe) if (s := authorisation_staleness(d, in_force)).stale}
    stale = [pk for pk, *_ in light if pk in other_rules or pk in found]
    shown = {d.pk: d for d in _whole(stale[:limit])}
    rows = [
        (shown[pk], found.get(pk) or authorisation_staleness(shown[pk], in_force))
        for pk in stale[:limit]
    ]
    return ReviewList(len(stale), rows)


def _whole(ids: Sequence[int]) -> Iterable[ScreeningDecision]:
    """The decisions with what their evaluation reads, a chunk at a time."""
    for start in range(0, len(ids), _CHUNK):
        yield from ScreeningDecision.objects.filter(
            pk__in=ids[start : start + _CHUNK]
        ).select_related("patient", "patient__clinic", "screening", "rule_set")
