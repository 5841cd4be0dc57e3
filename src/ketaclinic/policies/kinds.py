"""The kinds of policy a clinic keeps, and how each is read, defaulted and described.

Adding a kind (dose limits, alert thresholds…) is one entry here plus its
loader in ``ketacore`` and its edit form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ketaclinic.accounts.roles import Capability
from ketaclinic.policies.models import PolicyKind
from ketacore.infusion import default_protocol_document, load_protocol_library
from ketacore.infusion.care import default_care_document, load_care_policy
from ketacore.outcomes import default_follow_up_document, load_follow_up_policy
from ketacore.rules import default_rule_document, load_rule_set

__all__ = ["KINDS", "KindSpec", "kind_spec"]


@dataclass(frozen=True, slots=True)
class KindSpec:
    """One kind of policy.

    Attributes:
        kind: Its key.
        governs: What it decides, in a sentence for the policy pages.
        view: The capability to read it.
        manage: The capability to draft and approve versions (a physician's).
        load: Validates a document and returns the core's object; raises
            ``InputError`` naming the field.
        default_document: The document ketaclinic ships, with its sources.
        used_by: Where the clinic sees it used, for the pages.
        template: The page part that shows a version's content.
        editable: Whether it has an edit form of labelled fields (every kind
            can be imported from a file).
    """

    kind: PolicyKind
    governs: str
    view: Capability
    manage: Capability
    load: Callable[[Mapping[str, Any]], Any]
    default_document: Callable[[], dict[str, Any]]
    used_by: str
    template: str
    editable: bool = False

    @property
    def label(self) -> str:
        return str(self.kind.label)

    @staticmethod
    def version_of(document: Mapping[str, Any]) -> str:
        return str(document.get("version", ""))


KINDS: dict[str, KindSpec] = {
    PolicyKind.ELIGIBILITY: KindSpec(
        kind=PolicyKind.ELIGIBILITY,
        governs=(
            "Who may be offered IV ketamine: the indications, the safety checks and their "
            "thresholds, the interactions, and the contradictions to review."
        ),
        view=Capability.POLICY_VIEW,
        manage=Capability.POLICY_MANAGE,
        load=load_rule_set,
        default_document=default_rule_document,
        used_by="every screening evaluation and every signed screening decision",
        template="policies/_rules.html",
        editable=True,
    ),
    PolicyKind.PROTOCOLS: KindSpec(
        kind=PolicyKind.PROTOCOLS,
        governs=(
            "The clinic's ketamine drug library: each infusion protocol's dose, duration, "
            "series, titration, premedication and rescue medicines, concentration and bag, "
            "and the soft and hard dose limits every plan and every charted rate is held to."
        ),
        view=Capability.POLICY_VIEW,
        manage=Capability.POLICY_MANAGE,
        load=load_protocol_library,
        default_document=default_protocol_document,
        used_by="every treatment plan and every rate or bolus charted at the chair",
        template="policies/_protocols.html",
        editable=True,
    ),
    PolicyKind.INFUSION_CARE: KindSpec(
        kind=PolicyKind.INFUSION_CARE,
        governs=(
            "What an infusion session needs: check-in before the start, how often vital "
            "signs are due, the values that raise an alert, the sedation scale, and what "
            "discharge needs."
        ),
        view=Capability.POLICY_VIEW,
        manage=Capability.POLICY_MANAGE,
        load=load_care_policy,
        default_document=default_care_document,
        used_by="every infusion session at the chair",
        template="policies/_care.html",
        editable=True,
    ),
    PolicyKind.FOLLOW_UP: KindSpec(
        kind=PolicyKind.FOLLOW_UP,
        governs=(
            "What follows the infusions: which questionnaires a patient is asked to fill in "
            "and when, when a follow-up visit is due, how response and relief are read from "
            "the pain diary, and when a booster is suggested."
        ),
        view=Capability.POLICY_VIEW,
        manage=Capability.POLICY_MANAGE,
        load=load_follow_up_policy,
        default_document=default_follow_up_document,
        used_by="questionnaire reminders, follow-up visits, responder status and booster estimates",
        template="policies/_follow_up.html",
        editable=True,
    ),
}


def kind_spec(kind: str) -> KindSpec:
    """The spec of ``kind``; a KeyError for a kind that does not exist."""
    return KINDS[kind]
