"""Each role's home page lists what waits for it; lists show statuses (issue 10 #10)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import PASSWORD, login, make_patient
from ketaclinic.invitations.models import Invitation
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.services import record_answers
from ketaclinic.screening import services
from ketaclinic.screening.tests.helpers import complete_intake


def _home(user: Any) -> str:
    response = login(Client(), user).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, section: str) -> str:
    start = html.index(f'id="{section}"')
    end = html.find("</section>", start)
    return html[start:end]


def _invitation(patient: Patient, *, expired: bool = False) -> Invitation:
    now = timezone.now()
    sent = now - Invitation.lifetime() - dt.timedelta(hours=1) if expired else now
    return Invitation.objects.create(
        patient=patient,
        email="someone@example.org",
        token_hash=Invitation.hash_token(f"{patient.code}"),
        created_at=sent,
        sent_at=sent,
        expires_at=sent + Invitation.lifetime(),
    )


def _sent_questionnaire(patient: Patient, *, complete: bool = True) -> Any:
    assert patient.portal_user is not None
    if complete:
        screening = complete_intake(patient)
    else:
        screening = services.start_screening(patient.portal_user, patient)
        services.save_intake_section(
            patient.portal_user, screening, "pain", {"pain_duration_months": 14}, via="portal"
        )
    return services.submit_intake(patient.portal_user, screening)


def test_a_nurse_sees_alerts_questionnaires_and_invitations(ada, ben, clinic, nina) -> None:
    record_answers(ada.portal_user, ada, "phq9", {"q9_self_harm_thoughts": 2}, via="portal")
    _sent_questionnaire(ben, complete=False)
    carol = make_patient(clinic, given_name="Carol", family_name="Nguyen", phone="")
    _invitation(carol, expired=True)
    html = _home(nina)
    alerts = _section(html, "alerts")
    assert "Okafor" not in alerts
    assert "Lovelace" in alerts
    assert "More than half the days" in alerts
    review = _section(html, "review")
    assert "Okafor" in review
    assert "not answered:" in review
    assert "Ready for a decision" not in html, "signing is a physician's"
    invitations = _section(html, "invitations")
    assert "Nguyen" in invitations
    assert "expired unused" in invitations
    # One list record names every patient shown.
    event = AuditEvent.objects.filter(action=Action.LIST, actor_username="nina").get()
    assert event.summary == "Worklist (3 shown)"
    assert sorted(event.changes["patients"]) == sorted(str(p.code) for p in (ada, ben, carol))


def test_a_physician_sees_what_to_sign_and_what_to_review_again(ada, ben, rivera) -> None:
    screening = _sent_questionnaire(ada)
    _sent_questionnaire(ben, complete=False)
    html = _home(rivera)
    assert "Lovelace" in _section(html, "sign")
    assert "Okafor" not in _section(html, "sign")
    assert "Okafor" in _section(html, "review")
    assert "No signed decision rests on facts or rules that have changed" in _section(
        html, "rereview"
    )
    services.sign_decision(
        rivera, screening, decision="not_a_candidate", note="", password=PASSWORD
    )
    html = _home(rivera)
    assert "Lovelace" not in html, "decided: off the list"
    # A write that changes no fact the decision rests on (half a questionnaire,
    # not scored) does not; a changed fact puts the decision back on the list,
    # as the screening page says (the same comparison).
    services.save_instrument_answers(rivera, screening, "dn4", {"q1_burning": 1}, via="staff")
    assert "Lovelace" not in _section(_home(rivera), "rereview")
    services.record_clinician_facts(rivera, screening, {"cardiac": "unstable"})
    rereview = _section(_home(rivera), "rereview")
    assert "Lovelace" in rereview
    assert "Not a candidate" in rereview
    assert "the facts changed" in rereview
    screening.refresh_from_db()
    assert services.authorisation(screening).staleness.stale
    listed = login(Client(), rivera).get(reverse("patients:list")).content.decode()
    assert "to review again" in listed


def test_the_front_desk_sees_invitations_and_registrations_but_nothing_clinical(
    ada, ben, clinic, desmond
) -> None:
    record_answers(ada.portal_user, ada, "phq9", {"q9_self_harm_thoughts": 3}, via="portal")
    _sent_questionnaire(ben)
    new = make_patient(clinic, given_name="Dora", family_name="Quist", email="dora@example.org")
    invited = make_patient(clinic, given_name="Eve", family_name="Rossi", phone="")
    _invitation(invited)
    html = _home(desmond)
    assert "PHQ" not in html
    assert "Safety alert" not in html
    assert "Questionnaire" not in html
    assert "Lovelace" not in html  # Ada and Ben have portal accounts
    assert "Okafor" not in html
    assert "Quist" in _section(html, "registrations")
    assert "Invite to the portal" in _section(html, "registrations")
    assert "Rossi" in _section(html, "invitations")
    assert new.pk


def test_patients_go_to_the_portal(ada) -> None:
    response = login(Client(), ada.portal_user).get(reverse("home"))
    assert response["Location"] == reverse("portal:home")


def test_the_patient_list_shows_statuses_in_a_fixed_number_of_queries(
    clinic, rivera, desmond, django_assert_max_num_queries
) -> None:
    from ketaclinic.accounts.roles import Role
    from ketaclinic.conftest import make_user

    for i in range(30):
        patient = make_patient(
            clinic, family_name=f"Test{i:02d}", chart_number=f"KC-{i + 10:06d}", phone=""
        )
        if i % 3 == 0:
            patient.portal_user = make_user(clinic, f"patient{i}", Role.PATIENT)
            patient.save()
            screening = _sent_questionnaire(patient, complete=i % 2 == 0)
            if i % 2 == 0:
                services.sign_decision(
                    rivera, screening, decision="not_a_candidate", note="", password=PASSWORD
                )
        elif i % 3 == 1:
            _invitation(patient, expired=i % 2 == 0)
    for user, clinical in ((rivera, True), (desmond, False)):
        client = login(Client(), user)
        client.get(reverse("patients:list"))  # warm the session
        # Two more for clinical roles: the current decisions and the trail's first
        # look for changes since signing (only a changed one is then evaluated).
        with django_assert_max_num_queries(16):
            response = client.get(reverse("patients:list"))
        html = response.content.decode()
        assert "Invitation expired" in html
        assert "Invited, not yet set up" in html
        assert "Active" in html
        assert ("Decided: Not a candidate" in html) is clinical
        assert ("Questionnaire sent, awaiting decision" in html) is clinical
        assert ("Screening" in html) is clinical
        with django_assert_max_num_queries(14):
            found = client.post(reverse("patients:list"), {"q": "test0"})
        assert "Test00" in found.content.decode()


def test_it_suggests_a_booster_marked_due_to_the_front_desk(ada, rivera, desmond) -> None:
    from ketaclinic.scheduling import services as scheduling

    scheduling.mark_booster_due(
        rivera, ada, timezone.localdate() + dt.timedelta(days=14), "Relief fading"
    )
    section = _section(_home(desmond), "boosters")
    assert "Lovelace" in section
    assert "Relief fading" in section
    assert reverse("scheduling:book", args=[ada.code]) in section
