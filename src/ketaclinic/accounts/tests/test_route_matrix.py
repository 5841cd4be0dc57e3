"""Every URL route x every role against the matrix in ketaclinic.security.

Also: a route the resolver knows but the matrix does not fails here, so a new
page or endpoint cannot ship without an access decision.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.accounts.services import issue_api_token
from ketaclinic.conftest import PASSWORD, login
from ketaclinic.patients.models import Patient
from ketaclinic.screening import services
from ketaclinic.security import ROUTE_ACCESS, allowed, render_markdown


def _route_names(patterns: list[URLPattern | URLResolver], prefix: str = "") -> set[str]:
    names: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            names |= _route_names(p.url_patterns, ns)
        elif p.name:
            names.add(prefix + p.name)
    return names


def test_it_lists_every_route_in_the_matrix() -> None:
    known = _route_names(get_resolver().url_patterns)
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
    condition = ada.conditions.get()
    screening = services.current_screening(ada)
    decision = screening.decisions.first()
    if decision is None:
        decision = services.sign_decision(
            User.objects.get(username="rivera"),
            screening,
            decision="not_a_candidate",
            note="",
            password=PASSWORD,
        )
    rule_set = services.active_rule_set(ada.clinic)
    screening_routes = ("summary", "facts", "intake_submit", "sign")
    per_route: dict[str, dict[str, object]] = {
        **{f"screening:{r}": {"code": ada.code} for r in screening_routes},
        "screening:intake_section": {"code": ada.code, "section": "pain"},
        "screening:revise": {"code": ada.code, "decision_code": decision.code},
        "screening:rule_set": {"version_code": rule_set.code},
        "portal:intake_section": {"section": "pain"},
        "api:instrument-detail": {"instrument": "dn4"},
        "api:portal-intake-part": {"section": "pain"},
        "api:patient-screening-intake": {"code": ada.code, "section": "pain"},
        "patients:chart": {"code": ada.code},
        "patients:edit": {"code": ada.code},
        "patients:entry_create": {"code": ada.code, "kind": "condition"},
        "patients:entry_retire": {
            "code": ada.code,
            "kind": "condition",
            "entry_code": condition.code,
        },
    }
    kwargs = per_route.get(name)
    if name.startswith("api:patient-") and name not in ("api:patient-list", "api:patient-search"):
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
    ):
        response = client.get(_url(name, ada))
        assert response.status_code == 404, name
    search = client.post(reverse("api:patient-search"), {"q": "lovelace"})
    assert search.json() == []
