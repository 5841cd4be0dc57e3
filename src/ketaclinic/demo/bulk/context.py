"""What the bulk generator reads once from the services-driven demo, and its caches.

The clinic's staff, the policy versions in force (eligibility, protocol library, care), a
screening decision the physician signed (its facts are the template of the bulk ones) and
the scoring of questionnaires. Every figure a bulk row carries is computed by the same
``ketacore`` functions the services call: a plan's dose by ``calculate`` for the patient's
weight, a screening's evaluation by the rule set in force, a questionnaire's score by its
instrument, an alert by the care policy's rules. Results are cached (weights are rounded
to the half kilogram, the pump's step), so 100,000 patients cost a few hundred calls.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.plans.services import version_figures
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind, PolicyVersion
from ketaclinic.screening.models import ScreeningDecision
from ketacore.errors import InputError
from ketacore.infusion import (
    HardLimitError,
    ProtocolLibrary,
    calculate,
    require_within_hard_limits,
)
from ketacore.infusion.care import CarePolicy, VitalSigns, alerts_for
from ketacore.questionnaires import check_response
from ketacore.rules import RuleSet, decision_to_dict, evaluate, facts_from_dict

__all__ = ["SOFT_REASON", "Context", "Score"]

SOFT_REASON = "Reviewed: tolerated at this weight; monitored at the chair."


@dataclass(frozen=True, slots=True)
class Score:
    answers: dict[str, Any]
    options: dict[str, Any]
    missing: list[str]
    score: dict[str, Any] | None


@dataclass
class Context:
    clinic: Clinic
    physician: User
    nurse: User
    eligibility: PolicyVersion
    library_version: PolicyVersion
    care_version: PolicyVersion
    rules: RuleSet
    library: ProtocolLibrary
    care: CarePolicy
    facts_template: dict[str, Any]
    rule_set_version: str
    _plans: dict[tuple[str, float], dict[str, Any] | None] = field(default_factory=dict)
    _decisions: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def read(cls, clinic: Clinic) -> Context:
        """After ``load_demo``: its physician, nurse, policies and first signed decision."""
        template = ScreeningDecision.objects.filter(patient__clinic=clinic).order_by("pk").first()
        if template is None:
            raise ValueError("the bulk generator needs one decision signed through the services")
        versions = {
            kind: policies.store_in_force(None, clinic, kind)
            for kind in (PolicyKind.ELIGIBILITY, PolicyKind.PROTOCOLS, PolicyKind.INFUSION_CARE)
        }
        return cls(
            clinic=clinic,
            physician=User.objects.get(clinic=clinic, username="dr.rivera"),
            nurse=User.objects.get(clinic=clinic, username="nurse.kim"),
            eligibility=versions[PolicyKind.ELIGIBILITY],
            library_version=versions[PolicyKind.PROTOCOLS],
            care_version=versions[PolicyKind.INFUSION_CARE],
            rules=policies.loaded(versions[PolicyKind.ELIGIBILITY]),
            library=policies.loaded(versions[PolicyKind.PROTOCOLS]),
            care=policies.loaded(versions[PolicyKind.INFUSION_CARE]),
            facts_template=dict(template.facts),
            rule_set_version=template.rule_set_version,
        )

    def plan_figures(self, protocol_id: str, weight_kg: float) -> dict[str, Any] | None:
        """A plan version's computed columns for a weight (None: past a hard limit)."""
        key = (protocol_id, round(weight_kg * 2) / 2)
        if key not in self._plans:
            protocol = self.library.get(protocol_id)
            try:
                calc = calculate(self.library, protocol, weight_kg=key[1])
                require_within_hard_limits(calc)
            except (HardLimitError, InputError):
                self._plans[key] = None
            else:
                figures = version_figures(protocol, calc)
                figures["soft_overrides"] = [
                    {"key": c.key, "message": c.message, "reason": SOFT_REASON}
                    for c in calc.soft_breaches
                ]
                self._plans[key] = figures
        return self._plans[key]

    def decision(self, facts: dict[str, Any], variant: str) -> tuple[str, dict[str, Any]]:
        """The rule set's decision and its evaluation for a patient's facts.

        Cached by (diagnoses, variant): the evaluation depends on the diagnoses and on the
        one fact a variant changes; the rest of the facts are the template's.
        """
        bands = tuple(
            str((score(i["instrument"], i["answers"]).score or {}).get("band"))
            for i in facts["instruments"]
            if i["instrument"] in ("phq9", "gad7")
        )
        key = (",".join(facts["diagnoses"]), variant, bands)
        if key not in self._decisions:
            result = evaluate(facts_from_dict(facts), self.rules)
            self._decisions[key] = (result.decision.value, decision_to_dict(result))
        decided, evaluation = self._decisions[key]
        return decided, copy.deepcopy(evaluation)

    def fired(self, vitals: VitalSigns) -> list[tuple[Any, float]]:
        return list(alerts_for(self.care, vitals))


@cache
def _scored(questionnaire: str, answers: tuple[tuple[str, int], ...]) -> Score:
    checked = check_response(questionnaire, dict(answers), None)
    return Score(dict(checked.answers), dict(checked.options), list(checked.missing), checked.score)


def score(questionnaire: str, answers: dict[str, int]) -> Score:
    """The stored answers, options, missing items and score of a complete response."""
    return _scored(questionnaire, tuple(sorted(answers.items())))
