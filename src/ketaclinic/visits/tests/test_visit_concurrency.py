"""Two physicians signing a visit on the same plan version at once: one wins, nothing doubles.

Real threads, each with its own connection, against the real database (SQLite in WAL mode, or
PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.conftest import PASSWORD, at_once, make_user
from ketaclinic.plans import services as plans
from ketaclinic.plans.models import PlanStatus, PlanVersion
from ketaclinic.visits.models import FollowUpVisit
from ketaclinic.visits.services import sign_visit
from ketaclinic.visits.tests.helpers import given, visit_input

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_visits_deciding_on_one_plan_version_at_once(ada, rivera, nina) -> None:
    given(ada, rivera, nina, 10)
    okafor = make_user(ada.clinic, "okafor", Role.PHYSICIAN)
    version = plans.in_progress_version(ada)
    assert version is not None

    def decide(physician: User, decision: str) -> Callable[[], str]:
        def call() -> str:
            try:
                sign_visit(
                    physician, ada, visit_input(decision), follows=version, password=PASSWORD
                )
            except ValidationError as exc:
                return " ".join(exc.messages)
            return "signed"

        return call

    results = at_once(decide(rivera, "pause"), decide(okafor, "stop"))
    assert sorted(str(r)[:6] for r in results) == ["plan: ", "signed"]
    assert any("changed meanwhile" in str(r) for r in results)
    assert FollowUpVisit.objects.count() == 1
    visit = FollowUpVisit.objects.select_related("plan_version_after").get()
    after = visit.plan_version_after
    assert after is not None
    assert after.number == 2
    assert PlanVersion.objects.count() == 2
    expected = PlanStatus.PAUSED if visit.decision == "pause" else PlanStatus.STOPPED
    assert after.status == expected


def test_refreshes_of_the_visit_owed_at_once_leave_one_row(ada, rivera, nina) -> None:
    # A sign-off's refresh beside the daily run's batch: they queue on the patient row.
    from ketaclinic.visits import owed
    from ketaclinic.visits.models import VisitOwed

    given(ada, rivera, nina, 10)
    VisitOwed.objects.all().delete()
    counts = at_once(*(lambda: owed.refresh_owed([ada.pk]) for _ in range(3)))
    assert counts == [1, 1, 1]
    assert VisitOwed.objects.filter(patient=ada).count() == 1
