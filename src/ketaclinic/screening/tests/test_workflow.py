"""Intake to signed decision, through the pages (real database, real sessions)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import PASSWORD, login
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.screening import access, services
from ketaclinic.screening.models import ScreeningDecision
from ketaclinic.screening.tests.helpers import INSTRUMENT_ANSWERS, complete_intake

pytestmark = pytest.mark.django_db


def _portal(ada: Patient) -> Client:
    assert ada.portal_user is not None
    return login(Client(), ada.portal_user)


def _newest(patient: Patient, questionnaire: str) -> QuestionnaireResponse:
    rows = QuestionnaireResponse.objects.filter(patient=patient, questionnaire=questionnaire)
    return rows.order_by("-seq").first() or pytest.fail(f"no {questionnaire} response")


def test_the_patient_answers_in_the_portal_and_scores_arrive_with_the_answers(
    ada: Patient,
) -> None:
    client = _portal(ada)
    page = client.get(reverse("portal:intake"))
    assert page.status_code == 200
    assert "not started" in page.content.decode()

    url = reverse("portal:intake_section", args=["phq9"])
    # htmx posts the form on every change: a partial answer is saved at once.
    partial = client.post(url, {"q1_little_interest": "2"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "8 questions still to answer" in partial.content.decode()
    response = _newest(ada, "phq9")
    assert response.score is None
    assert response.answers == {"q1_little_interest": 2}

    full = {k: str(v) for k, v in INSTRUMENT_ANSWERS["phq9"].items()}
    done = client.post(url, {**full, "save": "1"})
    assert done.status_code == 302
    newest = _newest(ada, "phq9")
    result = newest.score
    assert result is not None
    assert result["total"] == 8
    assert result["band"]["id"] == "mild"
    assert newest.entered_via == "portal"
    # Every save is kept: the partial answer is the first step of the history.
    steps = QuestionnaireResponse.objects.filter(patient=ada, questionnaire="phq9")
    assert [r.seq for r in steps.order_by("seq")] == [1, 2]

    # A section of questions, with a bad value, is refused and names the question.
    bad = client.post(
        reverse("portal:intake_section", args=["pain"]),
        {"pain_duration_months": "-3"},
        headers={"HX-Request": "true"},
    )
    assert "Not saved" in bad.content.decode()
    assert "pain" not in services.answers_of(access.current_screening(ada))


def test_the_portal_offers_only_intake_instruments_and_only_the_patients_own(
    ada: Patient, ben: Patient
) -> None:
    client = _portal(ada)
    assert client.get(reverse("portal:intake_section", args=["dn4"])).status_code == 404
    client.post(reverse("portal:intake_section", args=["gad7"]), {"q1_nervous": "1"})
    assert services.answers_of(access.current_screening(ben)) == {}
    assert list(services.answers_of(access.current_screening(ada))) == ["gad7"]


def test_after_sending_the_patient_cannot_change_answers(ada: Patient) -> None:
    client = _portal(ada)
    client.post(reverse("portal:intake_section", args=["gad7"]), {"q1_nervous": "1"})
    # Sending is a deliberate act: without the confirming tick nothing is sent.
    unticked = client.post(reverse("portal:intake"), follow=True)
    assert "tick the box" in unticked.content.decode()
    assert access.current_screening(ada).submitted_at is None
    assert client.post(reverse("portal:intake"), {"confirm": "yes"}).status_code == 302
    screening = access.current_screening(ada)
    assert screening.submitted_at is not None

    page = client.post(reverse("portal:intake_section", args=["gad7"]), {"q1_nervous": "3"})
    assert "already sent" in page.content.decode()
    assert _newest(ada, "gad7").answers == {"q1_nervous": 1}


def test_thoughts_of_self_harm_show_crisis_help_at_once(ada: Patient) -> None:
    client = _portal(ada)
    url = reverse("portal:intake_section", args=["phq9"])
    calm = client.post(url, {"q9_self_harm_thoughts": "0"}, headers={"HX-Request": "true"})
    assert "If you are thinking of hurting yourself" not in calm.content.decode()
    status = client.post(url, {"q9_self_harm_thoughts": "1"}, headers={"HX-Request": "true"})
    assert "If you are thinking of hurting yourself" in status.content.decode()
    assert "988" in status.content.decode()
    # The help stays on the page and on the overview when the patient comes back.
    assert "If you are thinking of hurting yourself" in client.get(url).content.decode()
    overview = client.get(reverse("portal:intake")).content.decode()
    assert "If you are thinking of hurting yourself" in overview
    # Another questionnaire's page does not repeat it.
    other = client.get(reverse("portal:intake_section", args=["gad7"])).content.decode()
    assert "If you are thinking of hurting yourself" not in other


def test_the_percent_relief_scale_is_a_list_in_steps_of_ten(ada: Patient, nina) -> None:
    client = _portal(ada)
    url = reverse("portal:intake_section", args=["bpi-sf"])
    page = client.get(url)
    field = page.context["form"]["q5_relief"].field
    offered = [value for value, _ in field.choices]
    assert offered == ["", *range(0, 101, 10)]
    html = page.content.decode()
    assert '<select name="q5_relief"' in html
    assert 'type="radio" name="q5_relief"' not in html
    client.post(url, {"q5_relief": "40"}, headers={"HX-Request": "true"})
    assert _newest(ada, "bpi-sf").answers["q5_relief"] == 40
    # An in-between answer recorded another way is still shown, not dropped.
    services.save_instrument_answers(
        nina, access.current_screening(ada), "bpi-sf", {"q5_relief": 35}, via="staff"
    )
    again = client.get(url).context["form"]["q5_relief"]
    assert 35 in [value for value, _ in again.field.choices]
    assert again.value() == 35


def test_the_desk_marks_the_questionnaire_sent_only_when_confirmed(ada: Patient, nina) -> None:
    client = login(Client(), nina)
    url = reverse("screening:intake_submit", args=[ada.code])
    page = client.post(url, follow=True)
    assert "tick the box" in page.content.decode()
    assert access.current_screening(ada).submitted_at is None
    client.post(url, {"confirm": "yes"})
    assert access.current_screening(ada).submitted_at is not None


def test_a_nurse_enters_the_questionnaire_at_the_desk(ada: Patient, nina, desmond) -> None:
    url = reverse("screening:intake_section", args=[ada.code, "dn4"])
    assert login(Client(), desmond).get(url).status_code == 403
    client = login(Client(), nina)
    answers = {f"q{i}": "1" for i in range(1, 11)}
    page = client.get(url)
    names = [f.name for f in page.context["form"]]
    client.post(url, dict(zip(names, answers.values(), strict=True)))
    response = _newest(ada, "dn4")
    assert response.score is not None
    assert response.score["total"] == 10
    assert response.entered_via == "staff"
    assert response.entered_by == nina


def test_the_summary_shows_scores_findings_sources_and_unknowns(ada: Patient, rivera, nina) -> None:
    complete_intake(ada)
    page = login(Client(), rivera).get(reverse("screening:summary", args=[ada.code]))
    html = page.content.decode()
    # Blood pressure is still unknown: the rules say so, and name the question.
    assert page.context["result"].decision == "incomplete"
    assert "Record a blood-pressure reading with the date it was taken." in html
    assert "predominantly neuropathic origin suggested" in html  # S-LANSS band
    # Findings cite their sources as "Author Year [Key]" (keys in docs/references.md).
    assert 'Cohen et al. 2018 <a class="cite" href="/references/#Cohen2018">[Cohen2018]</a>' in html
    assert "docs/references.md" not in html  # a link to the references page instead
    assert "moderate" in html  # CRPS evidence grade
    sources = {row["key"]: row["source"] for row in page.context["facts"]}
    assert sources["diagnoses"] == "chart"
    assert sources["hypertension"] == "patient"

    nurse = login(Client(), nina)
    nurse.post(
        reverse("screening:facts", args=[ada.code]),
        {"systolic_mmhg": "128", "diastolic_mmhg": "82"},
    )
    page = nurse.get(reverse("screening:summary", args=[ada.code]))
    assert page.context["result"].decision == "candidate"
    assert page.context["result"].complete


def test_staff_without_clinical_access_and_other_clinics_see_nothing(
    ada: Patient, desmond, alice, charlie
) -> None:
    url = reverse("screening:summary", args=[ada.code])
    assert login(Client(), desmond).get(url).status_code == 403
    assert login(Client(), alice).get(url).status_code == 403
    assert login(Client(), charlie).get(url).status_code == 404


def _errors(page) -> str:
    """The form's error messages, unescaped."""
    return " ".join(str(e) for errors in page.context["form"].errors.values() for e in errors)


def _sign(client: Client, ada: Patient, **data: str):
    return client.post(reverse("screening:sign", args=[ada.code]), data)


def test_signing_needs_the_password_and_a_wrong_one_is_audited(ada: Patient, rivera) -> None:
    complete_intake(ada)
    client = login(Client(), rivera)
    page = _sign(client, ada, decision="not_a_candidate", note="", password="guess")
    assert "is not your password" in page.content.decode()
    assert not ScreeningDecision.objects.exists()
    failed = AuditEvent.objects.get(action=Action.SIGN_FAILED)
    assert failed.actor_username == "rivera"
    assert failed.patient_code == str(ada.code)


def test_candidate_cannot_be_signed_while_facts_are_unknown(ada: Patient, rivera) -> None:
    complete_intake(ada)  # no blood pressure yet
    page = _sign(login(Client(), rivera), ada, decision="candidate", password=PASSWORD)
    assert "while facts are unknown" in page.content.decode()
    assert "bp_readings" in page.content.decode()
    assert not ScreeningDecision.objects.exists()


def test_a_decision_less_restrictive_than_the_rules_needs_a_note(
    ada: Patient, rivera, nina
) -> None:
    screening = complete_intake(ada)
    services.record_clinician_facts(
        nina, screening, {"bp_readings": [{"systolic_mmhg": 130, "diastolic_mmhg": 80}]}
    )
    services.record_clinician_facts(nina, screening, {"liver_function": "mild"})
    client = login(Client(), rivera)
    page = _sign(client, ada, decision="candidate", password=PASSWORD)
    assert "the rules give 'candidate_with_precautions'" in _errors(page)
    done = _sign(client, ada, decision="candidate", note="LFTs normal on repeat", password=PASSWORD)
    assert done.status_code == 302
    decision = ScreeningDecision.objects.get()
    assert decision.engine_decision == "candidate_with_precautions"
    assert decision.note == "LFTs normal on repeat"


def test_a_signed_decision_keeps_what_was_decided_on_and_is_audited(
    ada: Patient, rivera, nina
) -> None:
    screening = complete_intake(ada)
    services.record_clinician_facts(
        nina, screening, {"bp_readings": [{"systolic_mmhg": 128, "diastolic_mmhg": 82}]}
    )
    client = login(Client(), rivera)
    assert _sign(client, ada, decision="candidate", password=PASSWORD).status_code == 302
    decision = ScreeningDecision.objects.get()
    assert decision.decision == "candidate"
    assert decision.signed_by == rivera
    assert decision.rule_set_version == "2026.3-draft"
    assert decision.facts["diagnoses"] == ["G90.521"]
    assert decision.evaluation["decision"] == "candidate"
    event = AuditEvent.objects.get(action=Action.SIGN)
    assert event.object_code == str(decision.code)
    assert event.changes["decision"] == "candidate"

    # Later answers change what the page shows, not the signed record.
    services.record_clinician_facts(nina, screening, {"cardiac": "unstable"})
    decision.refresh_from_db()
    assert decision.evaluation["decision"] == "candidate"

    # A second signature is refused: the decision is revised, never replaced.
    again = _sign(client, ada, decision="not_a_candidate", password=PASSWORD)
    assert "revise it instead" in again.content.decode()


def test_a_revision_needs_a_reason_and_keeps_the_old_decision(ada: Patient, rivera, nina) -> None:
    screening = complete_intake(ada)
    services.record_clinician_facts(
        nina, screening, {"bp_readings": [{"systolic_mmhg": 128, "diastolic_mmhg": 82}]}
    )
    client = login(Client(), rivera)
    _sign(client, ada, decision="candidate", password=PASSWORD)
    first = ScreeningDecision.objects.get()
    url = reverse("screening:revise", args=[ada.code, first.code])
    page = client.post(url, {"decision": "not_a_candidate", "reason": "", "password": PASSWORD})
    assert "This field is required" in page.content.decode()
    services.record_clinician_facts(nina, screening, {"cardiac": "unstable"})
    done = client.post(
        url,
        {"decision": "not_a_candidate", "reason": "Angina since screening", "password": PASSWORD},
    )
    assert done.status_code == 302
    second = ScreeningDecision.objects.exclude(pk=first.pk).get()
    assert second.supersedes == first
    assert second.engine_decision == "not_a_candidate"
    assert not first.is_current
    assert second.is_current
    # The first decision can no longer be revised.
    stale = client.post(
        url, {"decision": "candidate", "reason": "x", "note": "x", "password": PASSWORD}
    )
    assert "only the current decision" in stale.content.decode()


def test_only_a_physician_signs(ada: Patient, nina) -> None:
    complete_intake(ada)
    assert _sign(login(Client(), nina), ada, decision="not_a_candidate").status_code == 403
    with pytest.raises(Exception, match="Only a physician"):
        services.sign_decision(
            nina,
            access.current_screening(ada),
            decision="not_a_candidate",
            note="",
            password=PASSWORD,
        )


def test_the_database_refuses_to_change_a_signed_decision(ada: Patient, rivera) -> None:
    complete_intake(ada)
    decision = services.sign_decision(
        rivera,
        access.current_screening(ada),
        decision="not_a_candidate",
        note="",
        password=PASSWORD,
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        ScreeningDecision.objects.filter(pk=decision.pk).update(decision="candidate")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            ScreeningDecision.objects.filter(pk=decision.pk).delete()
    assert ScreeningDecision.objects.get().decision == "not_a_candidate"


def test_clinician_facts_are_validated_and_nothing_is_half_saved(ada: Patient, nina) -> None:
    screening = services.start_screening(nina, ada)
    with pytest.raises(ValidationError) as exc:
        services.record_clinician_facts(
            nina,
            screening,
            {"cardiac": "stable", "bp_readings": [{"systolic_mmhg": 80, "diastolic_mmhg": 90}]},
        )
    assert "bp_readings[0]" in str(exc.value)
    screening.refresh_from_db()
    assert screening.clinician_facts == {}
