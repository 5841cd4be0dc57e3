"""Permission-checked getters for clinic policies (404 outside the user's clinic).

Policies hold no patient data, so reading them writes no audit record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.http import Http404

from ketaclinic.accounts.models import User
from ketaclinic.lib.access import require
from ketaclinic.policies import services
from ketaclinic.policies.kinds import KINDS, KindSpec
from ketaclinic.policies.models import PolicyVersion

__all__ = ["PolicyView", "policies_for", "policy_for", "version_for"]


@dataclass(frozen=True, slots=True)
class PolicyView:
    """A kind of policy as a page shows it: its spec, the version in force, every version."""

    spec: KindSpec
    in_force: PolicyVersion
    versions: list[tuple[PolicyVersion, services.Status]]

    @property
    def status(self) -> services.Status:
        return services.status_of(self.in_force, self.in_force)


def _spec(user: Any, kind: str, *, manage: bool = False) -> tuple[User, KindSpec]:
    spec = KINDS.get(kind)
    if spec is None:
        raise Http404("No such kind of policy")
    return require(user, spec.manage if manage else spec.view), spec


def policy_for(user: Any, kind: str, *, manage: bool = False) -> PolicyView:
    """One kind of policy of the user's clinic: the version in force and every version."""
    staff, spec = _spec(user, kind, manage=manage)
    current = services.in_force(staff.clinic, kind)
    stored = list(
        PolicyVersion.objects.filter(clinic_id=staff.clinic_id, kind=kind)
        .select_related("approval", "drafted_by", "based_on")
        .order_by("-drafted_at", "-pk")
    )
    if current._state.adding:
        stored.append(current)
    return PolicyView(spec, current, [(v, services.status_of(v, current)) for v in stored])


def policies_for(user: Any) -> list[PolicyView]:
    """Every kind of policy the user may read."""
    return [policy_for(user, kind) for kind, spec in KINDS.items() if user.can(spec.view)]


def version_for(
    user: Any, kind: str, code: UUID | str, *, manage: bool = False
) -> tuple[KindSpec, PolicyVersion]:
    staff, spec = _spec(user, kind, manage=manage)
    try:
        version = PolicyVersion.objects.select_related("approval", "based_on", "drafted_by").get(
            code=code, clinic_id=staff.clinic_id, kind=kind
        )
    except (PolicyVersion.DoesNotExist, ValueError):
        current = services.in_force(staff.clinic, kind)
        if current._state.adding and str(current.code) == str(code):
            return spec, current
        raise Http404("No such policy version") from None
    return spec, version
