"""Every URL route x every role against the matrix in ketaclinic.security.

Also: a route missing from the matrix fails here: nothing ships without an access decision.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.accounts.services import issue_api_token
from ketaclinic.accounts.tests import route_records as rr
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.booking import feeds
from ketaclinic.conftest import PASSWORD, login
from ketaclinic.infusions import services as infusions
from ketaclinic.infusions.models import InfusionSession
from ketaclinic.patients.models import Patient
from ketaclinic.plans.models import PlanVersion
from ketaclinic.plans.tests.helpers import stored_plan
from ketaclinic.policies import services as policies
from ketaclinic.public.models import ClinicProfile
from ketaclinic.qschedule.tests.helpers import route_kwargs
from ketaclinic.scheduling.tests.helpers import stored_appointment
from ketaclinic.screening import services
from ketaclinic.security import (
    PUBLIC,
    ROUTE_ACCESS,
    TWO_FACTOR_EXEMPT,
    allowed,
    render_markdown,
    route_names,
)


def test_it_lists_every_route_in_the_matrix() -> None:
    known = route_names()
    assert known - set(ROUTE_ACCESS) == set(), (
        "add these routes to ketaclinic.security.ROUTE_ACCESS"
    )
    assert set(ROUTE_ACCESS) - known == set(), "the matrix names routes that no longer exist"


def test_it_keeps_docs_security_md_true() -> None:
    doc = (Path(__file__).parents[4] / "docs" / "security.md").read_text(encoding="utf-8")
    assert render_markdown() in doc, "regenerate the tables: python -m ketaclinic.security"


def _url(name: str, ada: Patient, user: User | None = None) -> str:
    if name in ("api:token-revoke", "accounts:token_revoke"):
        # One's own token (someone else's is a 404, checked in test_api_tokens.py).
        code = issue_api_token(user)[0].code if user is not None else uuid.uuid4()
        return reverse(name, kwargs={"code": code})
    if name == "booking:feed":  # a live feed address of the physician's
        return reverse(name, kwargs={"token": feeds.issue(User.objects.get(username="rivera"))})
    invitation = rr.open_invitation(ada)
    alert = rr.safety_alert(ada)
    ClinicProfile.objects.get_or_create(  # the public site's pages exist once published
        clinic=ada.clinic, defaults={"phone": "(602) 555-0123", "published": True}
    )
    condition = ada.conditions.get()
    screening = services.start_screening(None, ada)
    decision = screening.decisions.first()
    if decision is None:
        decision = services.sign_decision(
            User.objects.get(username="rivera"),
            screening,
            decision="not_a_candidate",
            note="",
            password=PASSWORD,
        )
    rule_set = policies.store_in_force(None, ada.clinic, "eligibility")
    physician = User.objects.get(username="rivera")
    plan = PlanVersion.objects.filter(plan__patient=ada).first() or stored_plan(
        ada, decision, physician
    )
    session = InfusionSession.objects.filter(patient=ada).first() or infusions.open_session(
        physician, plan
    )
    appointment = stored_appointment(ada)
    screening_routes = ("summary", "facts", "intake_submit", "sign")
    per_route: dict[str, dict[str, object]] = {
        **{f"screening:{r}": {"code": ada.code} for r in screening_routes},
        "screening:intake_section": {"code": ada.code, "section": "pain"},
        "screening:revise": {"code": ada.code, "decision_code": decision.code},
        **{
            name: {"kind": "eligibility", "code": rule_set.code}
            for name in ("policies:version", "policies:approve", "policies:export")
        },
        **{
            name: {"kind": "eligibility"}
            for name in ("policies:detail", "policies:edit", "policies:import", "api:policy")
        },
        **{
            name: {"kind": "eligibility", "code": rule_set.code}
            for name in ("api:policy-version", "api:policy-approve")
        },
        "portal:intake_section": {"section": "pain"},
        "invitations:portal_access": {"code": ada.code},
        "alerts:acknowledge": {"code": alert.code},
        **{
            name: {"code": ada.code, "invitation": invitation.code}
            for name in (
                "invitations:resend",
                "invitations:revoke",
                "api:patient-invitation",
                "api:patient-invitation-resend",
            )
        },
        "api:instrument-detail": {"instrument": "dn4"},
        **{
            name: {"code": appointment.code}
            for name in (
                "api:appointment",
                "api:appointment-move",
                "api:appointment-cancel",
                "api:appointment-no-show",
                "scheduling:appointment",
            )
        },
        "scheduling:book": {"code": ada.code},
        "scheduling:series": {"code": ada.code},
        "scheduling:setup_hours": {"code": physician.code},
        "public:topic": {"slug": "evidence"},
        "api:portal-intake-part": {"section": "pain"},
        "api:patient-screening-intake": {"code": ada.code, "section": "pain"},
        "plans:new": {"code": ada.code},
        **{
            n: {"code": ada.code, "plan_code": plan.plan.code}
            for n in ("plans:detail", "plans:revise", "api:patient-plan", "infusions:open")
        },
        **{
            n: {"code": ada.code, "session_code": session.code}
            for n in (
                "infusions:session",
                "infusions:chart",
                "api:patient-session",
                "api:session-check-in",
                "api:session-events",
                "api:session-vitals",
                "api:session-alerts",
            )
        },
        "api:session-alert-acknowledge": {
            "code": ada.code,
            "session_code": session.code,
            "alert_code": rr.session_alert(session, physician).code,
        },
        "infusions:pdf": {"code": ada.code, "session_code": session.code},
        **{key: {"code": ada.code} for key in ("patients:chart", "patients:edit")},
        **rr.visit_routes(ada, plan, physician),
        "patients:entry_create": {"code": ada.code, "kind": "condition"},
        "patients:entry_retire": {
            "code": ada.code,
            "kind": "condition",
            "entry_code": condition.code,
        },
    }
    kwargs = per_route.get(name) or route_kwargs(name, ada)
    no_code = ("api:patient-list", "api:patient-search", "outcomes:analytics")
    if name.startswith(("api:patient-", "outcomes:")) and not name.startswith(no_code):
        kwargs = kwargs or {"code": ada.code}
    return reverse(name, kwargs=kwargs)


def _granted(status: int, location: str) -> bool:
    """Whether a response shows the request got past access control."""
    if status in (401, 403, 404):
        return False
    return not (status == 302 and "/accounts/login/" in location and "next=" in location)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *Role])
def test_it_enforces_the_matrix_for_every_route(role, staff, ada) -> None:
    client = Client()
    user = ada.portal_user if role == Role.PATIENT else staff.get(role)
    # Sign-out last, since it ends the session the other requests need.
    for name, methods in sorted(ROUTE_ACCESS.items(), key=lambda kv: kv[0] == "accounts:logout"):
        if user is not None:
            login(client, user)
        url = _url(name, ada, user)
        for method, requirement in methods.items():
            response = client.generic(method, url, data="{}", content_type="application/json")
            expected = allowed(role, requirement)
            got = _granted(response.status_code, response.headers.get("Location", ""))
            assert got == expected, f"{role} {method} {name}: {response.status_code}"


@pytest.mark.django_db
def test_it_hides_another_clinics_patient(charlie, rivera, ada) -> None:
    client = login(Client(), charlie)
    for name in (
        "patients:chart",
        "patients:edit",
        "api:patient-detail",
        "api:patient-conditions",
        "screening:summary",
        "api:patient-screening",
        "api:patient-screening-decisions",
        "infusions:pdf",
    ):
        response = client.get(_url(name, ada))
        assert response.status_code == 404, name
    search = client.post(reverse("api:patient-search"), {"q": "lovelace"})
    assert search.json() == []


ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *Role])
def test_it_refuses_every_undeclared_method(role, staff, ada) -> None:
    """Deny by default: a method a route does not declare is refused and writes nothing."""
    client = Client()
    user = ada.portal_user if role == Role.PATIENT else staff.get(role)
    if user is not None:
        login(client, user)
    urls = {name: _url(name, ada) for name in ROUTE_ACCESS}
    records = AuditEvent.objects.count()
    for name, methods in ROUTE_ACCESS.items():
        url = urls[name]
        for method in ALL_METHODS:
            if method in methods:
                continue
            response = client.generic(method, url, data="{}", content_type="application/json")
            assert response.status_code == 405, f"{role} {method} {name}"
            assert set(response.headers["Allow"].split(", ")) == set(methods)
    assert AuditEvent.objects.count() == records, "a refused request wrote an audit record"


# ------------------------------------------------------------------ two-factor


#: Ways a proxy, or a client talking to one, can make the request path differ
#: from the path Django routes on. Each is (path transformation, extra environ).
HEADER_TRICKS = [
    *[
        pytest.param(lambda p: p, {"SCRIPT_NAME": prefix}, id=f"SCRIPT_NAME {prefix}")
        for prefix in ("/api", "/accounts", "/static", "/healthz", "/accounts/login")
    ],
    pytest.param(lambda p: p, {"HTTP_X_FORWARDED_PREFIX": "/api"}, id="X-Forwarded-Prefix"),
    pytest.param(lambda p: p, {"HTTP_X_FORWARDED_PATH": "/api/me/"}, id="X-Forwarded-Path"),
    pytest.param(lambda p: p, {"HTTP_X_FORWARDED_HOST": "localhost"}, id="X-Forwarded-Host"),
    pytest.param(lambda p: p, {"HTTP_X_FORWARDED_PROTO": "https"}, id="X-Forwarded-Proto"),
    pytest.param(lambda p: p, {"HTTP_X_FORWARDED_FOR": "127.0.0.1"}, id="X-Forwarded-For"),
    pytest.param(lambda p: p, {"HTTP_X_ORIGINAL_URL": "/accounts/login/"}, id="X-Original-URL"),
    pytest.param(lambda p: p, {"HTTP_X_REWRITE_URL": "/healthz"}, id="X-Rewrite-URL"),
    pytest.param(lambda p: "/" + p, {}, id="double slash"),
    pytest.param(lambda p: p.replace("/", "//", 2), {}, id="inner double slash"),
    pytest.param(lambda p: "/" + p[1:].replace("/", "%2F"), {}, id="encoded slash"),
    pytest.param(
        lambda p: "".join(f"%{ord(c):02X}" if c.isalpha() else c for c in p), {}, id="encoded"
    ),
    pytest.param(lambda p: p + ".", {}, id="trailing dot"),
    pytest.param(lambda p: p.rstrip("/") + "/./", {}, id="dot segment"),
    pytest.param(lambda p: "/accounts/../" + p.lstrip("/"), {}, id="dot-dot segment"),
    pytest.param(lambda p: "/api/./.." + p, {}, id="api dot-dot segment"),
]


def _exempt(response: Any) -> bool:
    match = getattr(response, "resolver_match", None)
    return match is not None and match.view_name in TWO_FACTOR_EXEMPT


@pytest.mark.django_db
@pytest.mark.parametrize(("rewrite", "environ"), HEADER_TRICKS)
def test_a_password_only_staff_session_reaches_nothing(
    rewrite, environ, staff, ada, settings
) -> None:
    """With a password but no second factor, no header or path trick reaches a protected route."""
    # The route guard must hold on its own, even where a deployment lets
    # SCRIPT_NAME through (tests/server tries the whole stack).
    settings.FORCE_SCRIPT_NAME = None
    physician = staff[Role.PHYSICIAN]
    client = Client()
    client.force_login(physician)  # password only: no OTP device in the session
    patients = Patient.objects.count()
    for name, methods in ROUTE_ACCESS.items():
        if name in TWO_FACTOR_EXEMPT or PUBLIC in methods.values():
            continue
        url = rewrite(_url(name, ada))
        for method in methods:
            response = client.generic(
                method, url, data="{}", content_type="application/json", **environ
            )
            status = response.status_code
            where = f"{environ}: {method} {url} -> {status}"
            assert not (200 <= status < 300) or _exempt(response), where
            if 300 <= status < 400:
                location = response.headers["Location"]
                assert (
                    "two-factor" in location
                    or "login" in location
                    or (response.status_code == 301 and "two-factor" not in url)
                ), where
            assert ada.family_name.encode() not in response.content, where
    assert Patient.objects.count() == patients, "a patient was registered without two-factor"


# ------------------------------------------------------------------ read audit

#: GET routes that show no patient's data (clinic policy, the user's own account,
#: reference data): they write no view record.
NO_PATIENT_DATA = {
    "invitations:welcome",  # without a working link it shows nothing of anyone
    "public:topic",  # the public site: the clinic's own pages
    # Booking online: the visitor's own booking, reached only through their session or
    # their signed link (booking/links.py), never by a staff role's reading.
    "booking:book",
    "booking:done",
    "booking:manage",
    "booking:my_feed",
    "scheduling:utilisation",  # chairs' booked shares and idle times, no patient named
    "outcomes:analytics",  # the clinic's outcomes in aggregate, no patient named
    "scheduling:setup",  # chairs, rooms, hours, closures, settings: no patient
    "scheduling:setup_hours",  # a clinician's working hours
    "booking:feed",  # a clinician's appointments, without any patient's name or details
    "public:contact",
    "public:profile",
    "patients:create",
    "healthz",
    "references",
    "accounts:login",
    "accounts:two_factor",
    "accounts:password",
    "accounts:tokens",
    "api:tokens",
    "screening:rules",
    "policies:list",
    "policies:detail",
    "policies:edit",
    "policies:import",
    "policies:version",
    "policies:export",
    "api:policy",
    "api:policy-version",
    "api-schema",
    "api-root",
    "api-docs",
    "api:me",
    "api:instrument-list",
    "api:instrument-detail",
    "api:rule-sets",
    "api:protocols",
    "api:availability",  # free times, no one's booking
}


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in ("patients", "screening", "accounts")
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*Role])
def test_every_read_of_patient_data_writes_exactly_one_view_record(role, staff, ada) -> None:
    """Reads are audited where they happen: one record per request, and nothing else written."""
    client = Client()
    user = ada.portal_user if role == Role.PATIENT else staff[role]
    login(client, user)
    urls = {name: _url(name, ada) for name in ROUTE_ACCESS}
    for name, methods in ROUTE_ACCESS.items():
        if "GET" not in methods or not allowed(role, methods["GET"]):
            continue
        rows = _row_counts()
        last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.get(urls[name])
        assert response.status_code in (200, 302), f"{role} GET {name}: {response.status_code}"
        written = list(AuditEvent.objects.filter(pk__gt=last))
        expected = 0 if name in NO_PATIENT_DATA or response.status_code == 302 else 1
        assert len(written) == expected, f"{role} GET {name}: {[e.summary for e in written]}"
        if expected:
            assert written[0].action in (Action.VIEW, Action.LIST), name
            assert written[0].actor_username == user.username
        assert _row_counts() == rows, f"{role} GET {name} wrote more than its view record"


@pytest.mark.django_db
def test_a_list_read_names_the_patients_shown(ada, ben, nina) -> None:
    for client, url in (
        (login(Client(), nina), reverse("patients:list")),
        (login(Client(), nina), reverse("api:patient-list")),
    ):
        client.get(url)
        event = AuditEvent.objects.filter(action=Action.LIST).latest("pk")
        assert sorted(event.changes["patients"]) == sorted([str(ada.code), str(ben.code)])
