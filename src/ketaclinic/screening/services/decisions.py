"""Signed screening decisions: the physician's decision, its revisions and its history."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.signing import Meaning, Signature, sign
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind
from ketaclinic.screening.models import SIGNABLE, Screening, ScreeningDecision
from ketaclinic.screening.services.evaluation import evaluate_screening
from ketaclinic.screening.services.intake import locked_screening
from ketacore.rules import Decision

__all__ = ["current_decision", "decision_history", "sign_decision"]

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
