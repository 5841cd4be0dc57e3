"""Signed screening decisions: the physician's decision, its revisions and its history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.signing import Meaning, Signature, sign
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind, PolicyVersion
from ketaclinic.screening.models import SIGNABLE, Screening, ScreeningDecision
from ketaclinic.screening.services.evaluation import Evaluation, evaluate_screening
from ketaclinic.screening.services.intake import locked_screening
from ketacore.rules import Decision

__all__ = [
    "Authorisation",
    "FactChange",
    "Staleness",
    "authorisation",
    "authorisation_staleness",
    "current_decision",
    "decision_history",
    "sign_decision",
    "staleness",
]

#: Decision order, most restrictive first (ketacore.rules.Decision's order).
_RESTRICTIVENESS = {d: i for i, d in enumerate(Decision)}


def current_decision(screening: Screening) -> ScreeningDecision | None:
    if screening._state.adding:
        return None
    return (
        screening.decisions.filter(superseded_by__isnull=True)
        .select_related("signed_by", "rule_set", "supersedes")
        .first()
    )


def decision_history(screening: Screening) -> list[tuple[ScreeningDecision, bool]]:
    """Every signed decision, newest first, each with whether it is the current one.

    One query: a decision is current when no other decision supersedes it.
    """
    if screening._state.adding:
        return []
    decisions = list(
        screening.decisions.select_related("signed_by", "rule_set", "supersedes").order_by(
            "-signed_at", "-pk"
        )
    )
    superseded = {d.supersedes_id for d in decisions if d.supersedes_id}
    return [(d, d.pk not in superseded) for d in decisions]


def sign_decision(
    actor: User,
    screening: Screening,
    *,
    decision: str,
    note: str,
    password: str,
    revises: ScreeningDecision | None = None,
    reason: str = "",
) -> ScreeningDecision:
    """Sign a screening decision, re-entering the password; or revise one.

    Rules (docs/screening.md §5): the password must be the signer's; a
    *candidate* decision needs a complete evaluation (no unknown fact, nothing to
    review); a decision less restrictive than the rules' result needs a note
    saying why; a revision names the current decision and gives a reason. The
    signed record keeps the facts, the evaluation and the rule-set version.

    Raises:
        PermissionDenied: The actor may not sign.
        ValidationError: Naming the field and the rule.
    """
    if not actor.can(Capability.SCREENING_DECIDE):
        raise PermissionDenied("Only a physician signs screening decisions.")
    summary = "Screening decision revised" if revises else "Screening decision signed"
    return sign(
        actor,
        password,
        meaning=Meaning.DECIDED,
        write=lambda signature: _write(actor, screening, decision, note, revises, signature),
        summary=summary,
        attempted_on=None if screening._state.adding else screening,
        patient_code=str(screening.patient.code),
        revises=revises,
        reason=reason,
        changes=lambda signed: {
            "decision": signed.decision,
            "engine_decision": signed.engine_decision,
            "rule_set": f"{signed.rule_set.document.get('id', '')} {signed.rule_set_version}",
        },
    )


def _write(
    actor: User,
    screening: Screening,
    decision: str,
    note: str,
    revises: ScreeningDecision | None,
    signature: Signature,
) -> ScreeningDecision:
    """Check the decision against the rules and store it (inside the signature's transaction)."""
    screening = locked_screening(actor, screening)
    if decision not in {d.value for d in SIGNABLE}:
        raise ValidationError(
            {"decision": f"decision: must be one of {', '.join(d.value for d in SIGNABLE)}"}
        )
    current = current_decision(screening)
    if revises is None and current is not None:
        raise ValidationError(
            {"decision": "decision: already signed for this screening; revise it instead"}
        )
    if revises is not None and (current is None or revises.pk != current.pk):
        raise ValidationError({"revises": "revises: only the current decision can be revised"})
    # The decision points at the exact rules it was made with: store them if
    # they are still the shipped default, not yet stored.
    rules = policies.store_in_force(actor, screening.patient.clinic, PolicyKind.ELIGIBILITY)
    evaluation = evaluate_screening(screening, rules)
    if evaluation.result is None:
        raise ValidationError({"facts": f"facts: {evaluation.error}"})
    engine = evaluation.result.decision
    chosen = Decision(decision)
    if chosen in (Decision.CANDIDATE, Decision.CANDIDATE_WITH_PRECAUTIONS) and not (
        evaluation.result.complete
    ):
        missing = ", ".join(evaluation.result.unknowns) or "findings awaiting review"
        raise ValidationError(
            {
                "decision": f"decision: cannot be '{chosen.value}' while facts are unknown "
                f"or contradictory ({missing})"
            }
        )
    if _RESTRICTIVENESS[chosen] > _RESTRICTIVENESS[engine] and not note.strip():
        raise ValidationError(
            {"note": f"note: the rules give '{engine.value}'; say why you decide '{chosen.value}'"}
        )
    return ScreeningDecision.objects.create(
        screening=screening,
        patient=screening.patient,
        decision=chosen.value,
        engine_decision=engine.value,
        note=note.strip(),
        facts=evaluation.facts,
        evaluation=evaluation.as_dict(),
        rule_set=rules,
        rule_set_version=rules.version,
        supersedes=revises,
        **signature.fields(),
    )


# ------------------------------------------------------------------ stale decisions


@dataclass(frozen=True, slots=True)
class FactChange:
    """A fact that differs from what the decision was signed on."""

    key: str
    signed_on: Any
    now: Any


@dataclass(frozen=True, slots=True)
class Staleness:
    """How the facts and rules today differ from those a decision was signed on.

    Attributes:
        facts: The facts that changed (a pain duration that only grew with time
            is not a change: the decision already rested on the pain lasting).
        rules: (version signed with, version in force) when the eligibility
            rules in force are another version.
        result: (the rules' result then, now) when the rules give another result.
    """

    facts: tuple[FactChange, ...] = ()
    rules: tuple[str, str] | None = None
    result: tuple[str, str] | None = None

    @property
    def stale(self) -> bool:
        return bool(self.facts or self.rules or self.result)


def staleness(decision: ScreeningDecision, evaluation: Evaluation) -> Staleness:
    """Compare a signed decision with the screening's evaluation now."""
    before, now = decision.facts, evaluation.facts
    changes = []
    for key in sorted({*before, *now}):
        old, new = before.get(key), now.get(key)
        if old == new:
            continue
        grew = key == "pain_duration_months" and old is not None and new is not None
        if grew and new >= old:
            continue
        changes.append(FactChange(key, old, new))
    rules = None
    if evaluation.rule_set.code != decision.rule_set.code:
        rules = (decision.rule_set_version, evaluation.rule_set.version)
    result = None
    engine_now = evaluation.result.decision.value if evaluation.result else "incomplete"
    if engine_now != decision.engine_decision:
        result = (decision.engine_decision, engine_now)
    return Staleness(tuple(changes), rules, result)


def authorisation_staleness(
    decision: ScreeningDecision, rule_set: PolicyVersion | None = None
) -> Staleness:
    """How a decision's ground changed, with the rules in force (or ``rule_set``).

    Compared as on the day it was signed: time passing (an age, a reading
    growing older) is not a change of what the decision rests on.
    """
    signed_on = timezone.localdate(decision.signed_at)
    return staleness(decision, evaluate_screening(decision.screening, rule_set, on=signed_on))


@dataclass(frozen=True, slots=True)
class Authorisation:
    """Whether a screening authorises a treatment plan now, and if not, why."""

    decision: ScreeningDecision | None
    staleness: Staleness
    reasons: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.reasons


#: Signed decisions that allow a treatment plan.
_AUTHORISING = (Decision.CANDIDATE, Decision.CANDIDATE_WITH_PRECAUTIONS)


def authorisation(screening: Screening, evaluation: Evaluation | None = None) -> Authorisation:
    """A treatment plan needs a current, positive decision that still rests on today's facts.

    A decision that is stale (facts or rules changed since signing) or that the
    rules no longer give does not authorise a plan until a physician revises it.
    """
    decision = current_decision(screening)
    if decision is None:
        return Authorisation(None, Staleness(), ("No screening decision is signed.",))
    rule_set = evaluation.rule_set if evaluation is not None else None
    stale = authorisation_staleness(decision, rule_set)
    reasons = []
    if Decision(decision.decision) not in _AUTHORISING:
        reasons.append(f"The signed decision is '{decision.get_decision_display()}'.")
    if stale.stale:
        reasons.append(
            "The decision rests on facts or rules that have changed since it was signed: "
            "a physician must review and sign it again."
        )
    return Authorisation(decision, stale, tuple(reasons))
