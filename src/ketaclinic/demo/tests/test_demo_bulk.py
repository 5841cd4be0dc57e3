"""The bulk demo generator, read back from the database after a small load.

``load_demo(40, bulk_above=12)``: twelve patients charted through the services (two of
them treated), then 28 from the bulk generator. One load per test, so the checks of one
load share a test. Run on SQLite and PostgreSQL (``DATABASE_URL``): executemany and COPY.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, models, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.audit.verify import verify_chains
from ketaclinic.conftest import login
from ketaclinic.demo import load_demo, row_counts
from ketaclinic.demo.bulk import Run, _chart, _written
from ketaclinic.demo.bulk import tables as t
from ketaclinic.demo.bulk.context import Context
from ketaclinic.demo.bulk.writer import Ids, Tables
from ketaclinic.infusions import services as infusions
from ketaclinic.infusions.models import InfusionSession, SessionEntry, SessionSignOff
from ketaclinic.lib import clock
from ketaclinic.outcomes.models import DiaryEntry
from ketaclinic.patients.models import Patient
from ketaclinic.plans.models import PlanVersion
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.screening.models import ScreeningDecision
from ketacore.infusion import InfusionState

pytestmark = pytest.mark.django_db

SERVICES, TOTAL = 12, 40


def test_a_small_bulk_load_reads_back_whole_signed_and_append_only() -> None:
    clinic = load_demo(TOTAL, bulk_above=SERVICES, seed=7)
    bulk = Patient.objects.filter(clinic=clinic).order_by("pk")[SERVICES:]
    bulk_ids = [p.pk for p in bulk]

    # Counts: every patient made; every bulk patient screened with a signed decision.
    assert Patient.objects.filter(clinic=clinic).count() == TOTAL
    decisions = ScreeningDecision.objects.filter(patient_id__in=bulk_ids)
    assert decisions.count() == TOTAL - SERVICES
    assert decisions.filter(decision="not_a_candidate").count() < (TOTAL - SERVICES) / 2
    sessions = InfusionSession.objects.filter(patient_id__in=bulk_ids)
    assert sessions.count() >= 3 * (TOTAL - SERVICES)
    vitals = SessionEntry.objects.filter(session__patient_id__in=bulk_ids, kind="vitals")
    assert vitals.count() >= 5 * sessions.count()
    assert DiaryEntry.objects.filter(patient_id__in=bulk_ids).count() > 20 * (TOTAL - SERVICES)
    follow_ups = QuestionnaireResponse.objects.filter(
        patient_id__in=bulk_ids, encounter_type="", questionnaire__in=("phq9", "gad7")
    )
    assert follow_ups.exists()
    assert all(r.complete and r.score for r in follow_ups)

    # One audit record of the bulk load, naming what it generated; the chains verify.
    loads = AuditEvent.objects.filter(action=Action.BULK_LOAD, clinic_id=clinic.pk)
    generated = [e for e in loads if e.changes.get("generator") == "ketaclinic.demo.bulk"]
    assert len(generated) == 1
    rows = generated[0].changes["rows"]
    assert rows["InfusionSession"] == sessions.count()
    assert rows["DiaryEntry"] == DiaryEntry.objects.filter(patient_id__in=bulk_ids).count()
    assert rows["Patient"] == TOTAL - SERVICES
    assert all(report.ok for report in verify_chains())
    assert row_counts()["patients"] == TOTAL

    # Referential integrity, as the database sees it, and as the records read.
    connection.check_constraints()
    for session in sessions.select_related("plan_version__plan"):
        assert session.plan_version.plan.patient_id == session.patient_id
        state = infusions.session_state(session)
        assert state.sign_off is not None
        assert state.check_in is not None
        assert not state.check_in_missing
        assert state.discharge is not None
        assert state.delivered.state is InfusionState.STOPPED
        assert 0 < state.sign_off.delivered_mg <= session.plan_version.hard_ceiling_session_mg
        assert not state.open_alerts
        seqs = list(session.entries.values_list("seq", flat=True).order_by("seq"))
        assert seqs == list(range(1, session.last_seq + 1))
    versions = PlanVersion.objects.filter(plan__patient_id__in=bulk_ids)
    for version in versions.filter(number=2):
        assert version.revises is not None
        assert version.revises.plan_id == version.plan_id
        assert version.revision_reason
    assert not versions.exclude(decision__decision__in=("candidate", "candidate_with_precautions"))
    today = clock.today()
    assert not DiaryEntry.objects.filter(day__gt=today).exists()
    assert not sessions.filter(opened_at__gt=timezone.now()).exists()

    # The append-only tables still refuse UPDATE after the bulk load.
    harmless: dict[type[models.Model], dict[str, object]] = {
        SessionEntry: {"reason": "changed"},
        SessionSignOff: {"revision_reason": "changed"},
        DiaryEntry: {"pain_nrs": 0},
        PlanVersion: {"note": "changed"},
        ScreeningDecision: {"note": "changed"},
    }
    for model, change in harmless.items():
        rows = model._default_manager.all()
        newest = rows.order_by("-pk").values_list("pk", flat=True)[0]
        with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
            rows.filter(pk=newest).update(**change)

    # A bulk patient's chart, diary (the staff's progress view) and an infusion record render.
    patient = Patient.objects.get(pk=sessions.order_by("-pk").first().patient_id)  # type: ignore[union-attr]
    client = login(Client(), User.objects.get(username="dr.rivera"))
    for url in (
        reverse("patients:chart", kwargs={"code": patient.code}),
        reverse("outcomes:patient_diary", kwargs={"code": patient.code}),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert patient.family_name in page.content.decode()
    record = sessions.filter(patient=patient).first()
    assert record is not None
    page = client.get(
        reverse("infusions:session", kwargs={"code": patient.code, "session_code": record.code})
    )
    assert page.status_code == 200


def test_a_patients_history_depends_on_the_seed_and_the_patient_only() -> None:
    clinic = load_demo(SERVICES + 3, bulk_above=SERVICES, seed=11)
    ctx = Context.read(clinic)
    run = Run(ctx, 11, clock.today(), timezone.get_current_timezone(), 5)
    patient = _written(clinic, SERVICES, 3)[1]

    def rows() -> dict[str, list[tuple[object, ...]]]:
        out = Tables(t.ALL)
        _chart(run, patient, out, Ids(t.ALL))
        return {name: [tuple(r) for r in table] for name, table in out.rows.items()}

    first, again = rows(), rows()
    assert first == again
    assert first[t.SESSION.name]
    other = Run(ctx, 12, run.today, run.tz, 5)
    out = Tables(t.ALL)
    _chart(other, patient, out, Ids(t.ALL))
    assert [tuple(r) for r in out.rows[t.DIARY.name]] != first[t.DIARY.name]
