"""The OpenAPI schema tells the truth: schemathesis calls every operation of the served
schema through the real WSGI app and the real test database, as a physician with an
API token (the portal's operations as a patient), and checks each answer against it.

Checks: no server error; every status code is documented; the content type, the
headers and the body match what the schema says for that status. Both valid requests
and requests that break the schema (negative mode) are sent; the API may refuse the
latter in any documented way.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ketaclinic.accounts.models import User
from ketaclinic.accounts.services import issue_api_token
from ketaclinic.conftest import PASSWORD
from ketaclinic.infusions import services as infusions
from ketaclinic.invitations.models import Invitation
from ketaclinic.patients.models import Patient
from ketaclinic.plans.tests.helpers import stored_plan
from ketaclinic.policies import services as policies
from ketaclinic.policies.models import PolicyKind
from ketaclinic.scheduling.tests.helpers import stored_appointment
from ketaclinic.screening import services as screening
from ketaclinic.screening.tests.helpers import complete_intake
from ketaclinic.visits.tests.helpers import stored_visit
from ketacore import intake
from ketacore.scoring import INSTRUMENTS

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: Calls per operation and mode; about 30 operations take some 20-40 s in all.
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}


@pytest.fixture
def physician_key(rivera: User) -> str:
    return issue_api_token(rivera, name="schemathesis")[1]


@pytest.fixture
def patient_key(ada: Patient) -> str:
    assert ada.portal_user is not None
    return issue_api_token(ada.portal_user, name="schemathesis")[1]


@pytest.fixture
def known(rivera: User, ada: Patient) -> dict[str, list[str]]:
    """Real values for path parameters, so most calls reach a record instead of a 404."""
    complete_intake(ada)
    spare = issue_api_token(rivera, name="to revoke")[0]
    rules = policies.in_force(ada.clinic, PolicyKind.ELIGIBILITY)
    now = timezone.now()
    plan = _a_plan(ada, rivera)
    session = infusions.open_session(rivera, plan, chair="Chair 1")
    invitation = Invitation.objects.create(
        patient=ada,
        email="ada@example.org",
        token_hash=Invitation.hash_token("schemathesis"),
        created_at=now,
        sent_at=now,
        expires_at=now + Invitation.lifetime(),
    )
    return {
        "code": [str(ada.code)],
        "token_code": [str(spare.code)],
        "policy_code": [str(rules.code)],
        "section": [*intake.FACT_SECTIONS, *INSTRUMENTS],
        "instrument": list(INSTRUMENTS),
        "invitation": [str(invitation.code)],
        "plan_code": [str(plan.plan.code)],
        "session_code": [str(session.code)],
        "appointment_code": [str(stored_appointment(ada).code)],
        "visit_code": [str(stored_visit(ada, plan, rivera).code)],
    }


def _a_plan(ada: Patient, rivera: User) -> Any:
    """A plan row to read (the API's writes are tested in plans/tests/test_plan_api.py)."""
    decision = screening.sign_decision(
        rivera,
        screening.start_screening(None, ada),
        decision="not_a_candidate",
        note="",
        password=PASSWORD,
    )
    return stored_plan(ada, decision, rivera)


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """The project's WSGI application, kept on the test's database connection.

    Django closes "old" connections at the start and end of every request; inside the
    test's transaction that would close the connection itself (PostgreSQL). Django's
    own test client disconnects the same two signal handlers while it runs.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app: Any, physician_key: str) -> Any:
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json",
        wsgi_app,
        headers={"Authorization": f"Token {physician_key}"},
    )


def _aim(case: Any, known: dict[str, list[str]]) -> None:
    """Point three calls in four at real records; the rest keep the generated values."""
    for name, value in list((case.path_parameters or {}).items()):
        digest = hashlib.sha256(str(value).encode()).digest()
        if digest[0] < 64:
            continue
        pool = None
        if name == "code" and "/auth/tokens/" in case.path:
            pool = known["token_code"]
        elif name == "code" and "/policies/" in case.path:
            pool = known["policy_code"]
        elif name == "code" and "/appointments/{code}" in case.path:
            pool = known["appointment_code"]
        choices = pool or known.get(name)
        if choices:
            case.path_parameters[name] = choices[digest[1] % len(choices)]


def _run(
    operation: Any,
    mode: GenerationMode,
    key: str,
    known: dict[str, list[str]],
    seen: Counter[int],
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,  # the same calls on every run: CI does not flake
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        _aim(case, known)
        response = case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)
        seen[response.status_code] += 1

    call()


@pytest.mark.slow
def test_it_answers_every_operation_as_the_schema_says(
    api_schema: Any, physician_key: str, patient_key: str, known: dict[str, list[str]]
) -> None:
    # schemathesis' pytest integration (schema.parametrize) does not run under pytest 9.2
    # (it sets Function._nodeid), so the operations are driven through its Python API.
    failures = []
    seen: dict[str, Counter[int]] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:
        # The portal is the patient's (a physician only ever gets 403 there).
        key = patient_key if operation.path.startswith("/api/portal/") else physician_key
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, key, known, seen.setdefault(operation.label, Counter()))
            except Unsatisfiable:
                # Negative mode on an operation with nothing that can be broken and still
                # sent (no body; a path parameter any string satisfies).
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, FailureGroup) as exc:  # collect them all, then report
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    print("\n".join(f"{label}: {dict(statuses)}" for label, statuses in seen.items()))
    assert not failures, "\n\n".join(failures)
    # The run reached real records, not only 404s: every read succeeded at least once.
    for label, statuses in seen.items():
        if label.startswith("GET "):
            assert any(200 <= status < 300 for status in statuses), (label, statuses)
