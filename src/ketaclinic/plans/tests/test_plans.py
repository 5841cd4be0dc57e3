"""Signing a treatment plan: authorised, computed by the server, hard limits refused everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import PASSWORD
from ketaclinic.plans import services
from ketaclinic.plans.models import PlanVersion
from ketaclinic.plans.tests.helpers import authorised, weigh
from ketaclinic.screening import services as screening

pytestmark = pytest.mark.django_db
CRPS = services.PlanChoices(protocol_id="crps-schwartzman")


def test_a_signed_plan_stores_the_server_computed_figures(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina, kg=72)
    version = services.sign_plan(rivera, ada, CRPS, password=PASSWORD, note="First series")
    stored = PlanVersion.objects.get(pk=version.pk)
    assert (stored.number, stored.status, stored.protocol_id) == (1, "active", "crps-schwartzman")
    assert stored.rate_mg_per_h == pytest.approx(12.6)  # 0.175 mg/kg/h x 72 kg
    assert stored.rate_ml_per_h == pytest.approx(12.6)
    assert stored.total_mg == pytest.approx(50.4)
    assert stored.max_rate_mg_per_h == pytest.approx(25.0)  # capped at 25 mg/h
    assert stored.hard_ceiling_rate_mg_per_h == pytest.approx(25.0)
    assert (stored.series_count, stored.series_spacing_days) == (10, 1)
    assert stored.signed_by == rivera
    assert stored.meaning == "decided"
    assert stored.library.version == "2026.1-draft"
    assert stored.calculation["steps"][0]["working"] == "0.175 mg/kg/h × 72 kg"
    # The PK preview the physician saw: the same 50.4 mg over 40 min to 4 h.
    assert stored.preview is not None
    options = stored.preview["options"]
    assert [o["duration_min"] for o in options] == [40, 60, 120, 240]
    assert [o["chosen"] for o in options] == [False, False, False, True]
    peaks = [o["plasma_cmax_ng_per_ml"] for o in options]
    assert peaks == sorted(peaks, reverse=True)  # longer infusions peak lower
    assert options[0]["probability_cmax_above"] > options[3]["probability_cmax_above"]
    event = AuditEvent.objects.filter(action=Action.SIGN).latest("pk")
    assert event.summary == "Treatment plan signed"
    assert event.changes["rate_mg_per_h"] == 12.6


def test_no_plan_without_a_current_positive_decision(ada, rivera, nina) -> None:
    weigh(ada, 72)
    with pytest.raises(ValidationError) as caught:
        services.sign_plan(rivera, ada, CRPS, password=PASSWORD)
    assert "decision: no current positive screening decision" in str(caught.value)
    assert not PlanVersion.objects.exists()


def test_a_stale_decision_does_not_authorise_a_plan(ada, rivera, nina) -> None:
    facts = authorised(ada, rivera, nina)
    # A new blood pressure above the exclusion threshold changes the facts.
    screening.add_bp_reading(nina, facts, 190, 100)
    with pytest.raises(ValidationError) as caught:
        services.sign_plan(rivera, ada, CRPS, password=PASSWORD)
    assert "changed since it was signed" in str(caught.value)
    assert not PlanVersion.objects.exists()


def test_a_dose_over_a_hard_limit_is_refused_and_nothing_is_stored(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina, kg=100)
    over = services.PlanChoices(protocol_id="crps-schwartzman", dose=0.35)
    with pytest.raises(ValidationError) as caught:
        services.sign_plan(rivera, ada, over, password=PASSWORD)
    assert "35 mg/h, above this protocol's hard limit of 25 mg/h" in str(caught.value)
    assert not PlanVersion.objects.exists()


def test_the_database_refuses_a_row_over_its_hard_ceiling(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina)
    version = services.sign_plan(rivera, ada, CRPS, password=PASSWORD)
    row: dict[str, Any] = dict(PlanVersion.objects.filter(pk=version.pk).values()[0])
    for key in ("id", "code"):
        del row[key]
    row.update(number=2, revises_id=None, rate_mg_per_h=30.0)  # over the 25 mg/h ceiling
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersion.objects.create(**row)
    assert PlanVersion.objects.count() == 1


def test_a_soft_limit_needs_a_reason_which_is_stored_and_audited(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina, kg=70)
    high = services.PlanChoices(protocol_id="four-hour", dose=0.7)
    with pytest.raises(ValidationError) as caught:
        services.sign_plan(rivera, ada, high, password=PASSWORD)
    assert "soft_reasons: give a reason to go on" in str(caught.value)
    assert not PlanVersion.objects.exists()
    draft = services.draft_plan(ada, high)
    reasons = {c.key: "Tolerated 0.6 well for 3 sessions" for c in draft.calculation.soft_breaches}
    version = services.sign_plan(rivera, ada, high, password=PASSWORD, soft_reasons=reasons)
    assert {o["reason"] for o in version.soft_overrides} == {"Tolerated 0.6 well for 3 sessions"}
    assert len(version.soft_overrides) == 2
    event = AuditEvent.objects.filter(action=Action.SIGN).latest("pk")
    assert len(event.changes["soft_limits_passed"]) == 2


def test_a_change_is_a_new_signed_version_with_a_reason(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina)
    first = services.sign_plan(rivera, ada, CRPS, password=PASSWORD)
    with pytest.raises(ValidationError, match="already has a plan in progress"):
        services.sign_plan(rivera, ada, CRPS, password=PASSWORD)
    with pytest.raises(ValidationError, match="reason: say why"):
        services.sign_plan(rivera, ada, CRPS, password=PASSWORD, revises=first)
    longer = services.PlanChoices(protocol_id="four-hour")
    second = services.sign_plan(
        rivera, ada, longer, password=PASSWORD, revises=first, reason="Relief too short"
    )
    assert (second.number, second.revises, second.plan) == (2, first, first.plan)
    assert second.revision_reason == "Relief too short"
    assert services.active_version(ada) == second
    with pytest.raises(ValidationError, match="changed meanwhile"):
        services.sign_plan(rivera, ada, CRPS, password=PASSWORD, revises=first, reason="again")
    assert [v.number for v in services.history(first.plan)] == [2, 1]


def test_only_a_physician_signs_and_a_wrong_password_stores_nothing(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina)
    with pytest.raises(PermissionDenied):
        services.sign_plan(nina, ada, CRPS, password=PASSWORD)
    with pytest.raises(ValidationError, match="password"):
        services.sign_plan(rivera, ada, CRPS, password="wrong")
    assert not PlanVersion.objects.exists()


def test_an_old_weight_is_a_warning_on_the_plan(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina, kg=80, weighed_days_ago=45)
    draft = services.draft_plan(ada, CRPS)
    assert draft.weight.stale
    assert "measured 45 days ago, longer than the clinic's 30 days" in draft.weight.warning
    version = services.sign_plan(rivera, ada, CRPS, password=PASSWORD)
    assert version.weight_stale
    assert version.weight_kg == 80


def test_no_weight_no_plan(ada, rivera, nina) -> None:
    authorised(ada, rivera, nina)
    ada.measurements.all().delete()  # (makes the decision stale too, but the weight is asked first)
    with pytest.raises(ValidationError, match="weight_kg: no weight is recorded"):
        services.draft_plan(ada, CRPS)
