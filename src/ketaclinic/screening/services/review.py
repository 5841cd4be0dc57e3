"""Which signed decisions need a physician's review, for many patients at once.

A list (the patient list, a physician's worklist) cannot evaluate every
patient's screening. The first look is one query per list: has anything been
written to the patient's record since the decision was signed (the audit trail
records every write with the patient's code), or is another eligibility
rule set in force? Only those decisions are then evaluated exactly with
:func:`~ketaclinic.screening.services.decisions.staleness`, the same
comparison the screening page shows, so a list never calls a decision stale
that the page does not, nor the reverse.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketaclinic.accounts.models import Clinic
from ketaclinic.audit.services import last_writes
from ketaclinic.screening.models import ScreeningDecision
from ketaclinic.screening.services.decisions import Staleness, authorisation_staleness
from ketaclinic.screening.services.evaluation import eligibility_rules

__all__ = ["decisions_to_review"]


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
    written = last_writes(clinic.pk, since=since, patient_codes=codes)
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
