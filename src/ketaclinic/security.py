"""The permission matrix, in one place.

``ROUTE_ACCESS`` names every URL route of the project and what it requires.
A test walks every route the URL resolver knows, as every role, and fails for a
route missing here, so a new page or endpoint cannot ship without a decision.
docs/security.md shows :func:`render_markdown`'s output; a test keeps it true.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from django.urls import URLPattern, URLResolver, get_resolver

from ketaclinic.accounts.roles import CAPABILITIES, Capability, Role

PUBLIC: Final = "public"
SIGNED_IN: Final = "signed in"

Requirement = Capability | str
_C = Capability

#: route name -> {HTTP method -> requirement}
ROUTE_ACCESS: dict[str, dict[str, Requirement]] = {
    # Signed in: the role's worklist; a visitor: the clinic's public home page.
    "home": {"GET": PUBLIC},
    "public:topic": {"GET": PUBLIC},
    "public:contact": {"GET": PUBLIC},
    # Booking online: anyone may ask for a free consultation (rate-limited per address);
    # the manage page acts only with a valid signed link (booking/links.py).
    "booking:book": {"GET": PUBLIC, "POST": PUBLIC},
    "booking:done": {"GET": PUBLIC},
    "booking:manage": {"GET": PUBLIC, "POST": PUBLIC},
    # A clinician's own calendar feed: the page makes or stops its address; the feed is
    # read by calendar apps with the address's token (no session), and names no patient.
    "booking:my_feed": {"GET": _C.SCHEDULE_VIEW, "POST": _C.SCHEDULE_VIEW},
    "booking:feed": {"GET": PUBLIC},
    "public:profile": {"GET": _C.CLINIC_PROFILE_MANAGE, "POST": _C.CLINIC_PROFILE_MANAGE},
    "healthz": {"GET": PUBLIC},
    "references": {"GET": SIGNED_IN},
    "accounts:login": {"GET": PUBLIC, "POST": PUBLIC},
    "accounts:logout": {"POST": PUBLIC},  # harmless when signed out
    "accounts:two_factor": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    # One's own password and API tokens; staff must have passed two-factor.
    "accounts:password": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "accounts:tokens": {"GET": SIGNED_IN},
    "accounts:token_revoke": {"POST": SIGNED_IN},  # one's own token; another's is a 404
    "patients:list": {"GET": _C.PATIENT_SEARCH, "POST": _C.PATIENT_SEARCH},
    "patients:create": {"GET": _C.PATIENT_CREATE, "POST": _C.PATIENT_CREATE},
    "patients:chart": {"GET": _C.PATIENT_VIEW_DEMOGRAPHICS},
    "patients:edit": {"GET": _C.PATIENT_EDIT_DEMOGRAPHICS, "POST": _C.PATIENT_EDIT_DEMOGRAPHICS},
    "patients:entry_create": {"GET": _C.PATIENT_EDIT_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    "patients:entry_retire": {"GET": _C.PATIENT_EDIT_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    # Public: the invitation link itself is the credential (single use, expiring);
    # a link that does not work counts toward a lockout of the client's address.
    "invitations:welcome": {"GET": PUBLIC, "POST": PUBLIC},
    "invitations:portal_access": {"GET": _C.PATIENT_INVITE, "POST": _C.PATIENT_INVITE},
    "invitations:resend": {"POST": _C.PATIENT_INVITE},
    "invitations:revoke": {"POST": _C.PATIENT_INVITE},
    "alerts:acknowledge": {"GET": _C.ALERT_ACKNOWLEDGE, "POST": _C.ALERT_ACKNOWLEDGE},
    "screening:summary": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "screening:facts": {"GET": _C.PATIENT_EDIT_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    "screening:intake_section": {"GET": _C.PATIENT_EDIT_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    "screening:intake_submit": {"POST": _C.PATIENT_EDIT_CLINICAL},
    "screening:sign": {"GET": _C.SCREENING_DECIDE, "POST": _C.SCREENING_DECIDE},
    "screening:revise": {"GET": _C.SCREENING_DECIDE, "POST": _C.SCREENING_DECIDE},
    "screening:rules": {"GET": _C.POLICY_VIEW},
    "plans:new": {"GET": _C.PLAN_SIGN, "POST": _C.PLAN_SIGN},
    "api:protocols": {"GET": _C.POLICY_VIEW},
    "infusions:today": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "infusions:open": {"POST": _C.PATIENT_EDIT_CLINICAL},
    "infusions:session": {"GET": _C.PATIENT_VIEW_CLINICAL},
    # Physician-only actions (overrides, the signature) are refused by the services.
    "infusions:chart": {"POST": _C.PATIENT_EDIT_CLINICAL},
    "api:patient-sessions": {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    "api:patient-session": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "api:session-check-in": {"POST": _C.PATIENT_EDIT_CLINICAL},
    "api:session-events": {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    "api:session-vitals": {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    "api:session-alerts": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "api:session-alert-acknowledge": {"POST": _C.ALERT_ACKNOWLEDGE},
    "api:patient-plans": {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PLAN_SIGN},
    "api:patient-plan-calculate": {"POST": _C.PLAN_SIGN},
    "api:patient-plan": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "plans:detail": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "plans:revise": {
        "GET": _C.PLAN_SIGN,
        "POST": _C.PLAN_SIGN,
    },  # moved: redirects to the policy page
    "infusions:pdf": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "policies:list": {"GET": _C.POLICY_VIEW},
    "policies:detail": {"GET": _C.POLICY_VIEW},
    "policies:edit": {"GET": _C.POLICY_MANAGE, "POST": _C.POLICY_MANAGE},
    "policies:import": {"GET": _C.POLICY_MANAGE, "POST": _C.POLICY_MANAGE},
    "policies:version": {"GET": _C.POLICY_VIEW},
    "policies:approve": {"POST": _C.POLICY_MANAGE},
    "policies:export": {"GET": _C.POLICY_VIEW},
    "audit:list": {"GET": _C.AUDIT_VIEW},
    "portal:home": {"GET": _C.PORTAL_OWN_RECORD},
    "portal:intake": {"GET": _C.PORTAL_OWN_RECORD, "POST": _C.PORTAL_OWN_RECORD},
    "portal:intake_section": {"GET": _C.PORTAL_OWN_RECORD, "POST": _C.PORTAL_OWN_RECORD},
    # The patient's own diary and progress (docs/outcomes.md).
    "portal:diary": {"GET": _C.PORTAL_OWN_RECORD, "POST": _C.PORTAL_OWN_RECORD},
    "portal:progress": {"GET": _C.PORTAL_OWN_RECORD},
    # The patient's questionnaires on the follow-up schedule (docs/outcomes.md).
    "portal:followup": {"GET": _C.PORTAL_OWN_RECORD},
    "portal:followup_part": {"GET": _C.PORTAL_OWN_RECORD, "POST": _C.PORTAL_OWN_RECORD},
    # The care team reads a patient's diary; nurses and physicians may enter a day for them.
    "outcomes:patient_diary": {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    # The care team's view of response, relief and the booster estimate; the report (PDF)
    # for referrers and for the patient; a nurse or physician marks the booster due.
    "outcomes:patient_progress": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "qschedule:staff_part": {"GET": _C.PATIENT_EDIT_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    "outcomes:progress_pain_chart": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "outcomes:progress_scores_chart": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "outcomes:progress_pdf": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "outcomes:mark_booster": {"POST": _C.BOOSTER_MARK},
    "portal:progress_pdf": {"GET": _C.PORTAL_OWN_RECORD},
    # Follow-up visits (docs/outcomes.md): the care team reads them, a physician signs.
    "visits:new": {"GET": _C.VISIT_SIGN, "POST": _C.VISIT_SIGN},
    "visits:detail": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "visits:correct": {"GET": _C.VISIT_SIGN, "POST": _C.VISIT_SIGN},
    "api:patient-visits": {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.VISIT_SIGN},
    "api:patient-visit": {"GET": _C.PATIENT_VIEW_CLINICAL},
    # The clinic's outcomes in aggregate (no patient named); the export is de-identified
    # unless a clinician asks for names (refused by export.py without PATIENT_VIEW_CLINICAL).
    "outcomes:analytics": {"GET": _C.OUTCOMES_ANALYTICS},
    "outcomes:analytics_export": {"GET": _C.OUTCOMES_ANALYTICS},
    "api-schema": {"GET": SIGNED_IN},
    "api-root": {"GET": _C.API_DOCS},
    "api-docs": {"GET": _C.API_DOCS},
    "api:me": {"GET": SIGNED_IN},
    "api:token": {"POST": SIGNED_IN},  # a browser session only: never a token
    "api:tokens": {"GET": SIGNED_IN},
    "api:token-revoke": {"DELETE": SIGNED_IN},  # one's own token; another's is a 404
    "api:patient-list": {"GET": _C.PATIENT_SEARCH, "POST": _C.PATIENT_CREATE},
    "api:patient-search": {"POST": _C.PATIENT_SEARCH},
    "api:patient-detail": {
        "GET": _C.PATIENT_VIEW_DEMOGRAPHICS,
        "PATCH": _C.PATIENT_EDIT_DEMOGRAPHICS,
    },
    "api:patient-conditions": {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    "api:patient-medications": {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    "api:patient-allergies": {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    "api:patient-measurements": {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
    "api:patient-invitations": {"GET": _C.PATIENT_INVITE, "POST": _C.PATIENT_INVITE},
    "api:patient-invitation": {"GET": _C.PATIENT_INVITE, "DELETE": _C.PATIENT_INVITE},
    "api:patient-invitation-resend": {"POST": _C.PATIENT_INVITE},
    "api:portal-me": {"GET": _C.PORTAL_OWN_RECORD},
    "api:instrument-list": {"GET": SIGNED_IN},
    "api:instrument-detail": {"GET": SIGNED_IN},
    "api:patient-screening": {"GET": _C.PATIENT_VIEW_CLINICAL},
    "api:patient-screening-intake": {"PATCH": _C.PATIENT_EDIT_CLINICAL},
    "api:patient-screening-facts": {"PATCH": _C.PATIENT_EDIT_CLINICAL},
    "api:patient-screening-decisions": {
        "GET": _C.PATIENT_VIEW_CLINICAL,
        "POST": _C.SCREENING_DECIDE,
    },
    "api:rule-sets": {"GET": _C.POLICY_VIEW, "POST": _C.POLICY_MANAGE},
    "api:policy": {"GET": _C.POLICY_VIEW, "POST": _C.POLICY_MANAGE},
    "api:policy-version": {"GET": _C.POLICY_VIEW},
    "api:policy-approve": {"POST": _C.POLICY_MANAGE},
    "api:portal-intake": {"GET": _C.PORTAL_OWN_RECORD},
    "api:portal-intake-submit": {"POST": _C.PORTAL_OWN_RECORD},
    "api:portal-intake-part": {"PATCH": _C.PORTAL_OWN_RECORD},
    # The calendar (docs/scheduling.md): every staff role books; a patient sees their own.
    "scheduling:day": {"GET": _C.SCHEDULE_VIEW},
    "scheduling:week": {"GET": _C.SCHEDULE_VIEW},
    "scheduling:utilisation": {"GET": _C.SCHEDULE_MANAGE},
    # The calendar's set-up (chairs, rooms, hours, closures, settings): the clinic admin.
    "scheduling:setup": {"GET": _C.SCHEDULE_MANAGE, "POST": _C.SCHEDULE_MANAGE},
    "scheduling:setup_hours": {"GET": _C.SCHEDULE_MANAGE, "POST": _C.SCHEDULE_MANAGE},
    "scheduling:appointment": {"GET": _C.SCHEDULE_VIEW, "POST": _C.SCHEDULE_BOOK},
    "scheduling:book": {"GET": _C.SCHEDULE_BOOK, "POST": _C.SCHEDULE_BOOK},
    "scheduling:series": {"GET": _C.SCHEDULE_BOOK, "POST": _C.SCHEDULE_BOOK},
    "api:availability": {"GET": _C.SCHEDULE_VIEW},
    "api:appointments": {"GET": _C.SCHEDULE_VIEW, "POST": _C.SCHEDULE_BOOK},
    "api:appointment": {"GET": _C.SCHEDULE_VIEW},
    "api:appointment-move": {"POST": _C.SCHEDULE_BOOK},
    "api:appointment-cancel": {"POST": _C.SCHEDULE_BOOK},
    "api:appointment-no-show": {"POST": _C.SCHEDULE_BOOK},
    "api:patient-series": {"POST": _C.SCHEDULE_BOOK},
    "api:patient-boosters": {"POST": _C.BOOSTER_MARK},
    "api:portal-appointments": {"GET": _C.PORTAL_OWN_RECORD},
    "api:portal-diary": {"GET": _C.PORTAL_OWN_RECORD, "POST": _C.PORTAL_OWN_RECORD},
    "api:patient-diary": {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.PATIENT_EDIT_CLINICAL},
}


#: Routes a staff member who has given only a password may reach: signing in and
#: out, the two-factor step itself, and the load balancer's health check.
TWO_FACTOR_EXEMPT: Final = frozenset(
    {"accounts:login", "accounts:logout", "accounts:two_factor", "healthz"}
)


def route_names(
    patterns: Sequence[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> set[str]:
    """Every named route the URL resolver knows, with its namespace ("api:me").

    The keys ``ROUTE_ACCESS`` must have, no more and no fewer; ``make rules`` and
    accounts/tests/test_route_matrix.py compare the two.
    """
    names: set[str] = set()
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            names |= route_names(
                p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix
            )
        elif p.name:
            names.add(prefix + p.name)
    return names


def is_api_route(name: str) -> bool:
    """Whether a route (by resolved name) is served by the REST API."""
    return name.startswith("api:") or name in ("api-schema", "api-root", "api-docs")


def allowed(role: str | None, requirement: Requirement) -> bool:
    """Whether a user of ``role`` (None: anonymous) meets ``requirement``."""
    if requirement == PUBLIC:
        return True
    if role is None:
        return False
    if requirement == SIGNED_IN:
        return True
    return Capability(requirement) in CAPABILITIES[Role(role)]


def render_markdown() -> str:
    """The two permission tables of docs/security.md."""
    roles = list(Role)
    lines = [
        "| capability | " + " | ".join(r.label for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for capability in Capability:
        marks = ["✓" if capability in CAPABILITIES[r] else "–" for r in roles]
        lines.append(f"| `{capability}` | " + " | ".join(marks) + " |")
    lines += ["", "| route | method | requires |", "|---|---|---|"]
    for name, methods in ROUTE_ACCESS.items():
        for method, requirement in methods.items():
            lines.append(f"| `{name}` | {method} | `{requirement}` |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render_markdown(), end="")
