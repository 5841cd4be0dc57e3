"""What is waiting for each role, and each patient's status in lists (issue 10 #10).

Every list is scoped to the user's clinic and to what the role may see: the
front desk and the clinic admin get invitations and registrations, never
clinical details (no screening status, no alert). Reading a worklist is
audited like a patient list: one record naming every patient shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.alerts import access as alerts_access
from ketaclinic.invitations import access as invitations_access
from ketaclinic.invitations.models import Invitation, PortalAccess
from ketaclinic.lib.access import require
from ketaclinic.outcomes.report import boosters_to_book
from ketaclinic.patients import services as patient_services
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import EncounterType, QuestionnaireResponse
from ketaclinic.screening import services as screening_services
from ketaclinic.screening.models import DECISION_LABELS, Screening, ScreeningDecision
from ketaclinic.screening.services import intake_instruments
from ketaclinic.worklists import follow_up
from ketacore import intake
from ketacore.questionnaires import title_of
from ketacore.rules import Decision
from ketacore.scoring.phq9 import FREQUENCY

__all__ = ["Item", "Section", "StatusRow", "status_rows", "with_status", "worklist"]

#: Items shown per section at most (the count says how many there are).
SECTION_LIMIT = 50
#: Registrations this recent without portal access are listed for the front desk.
RECENT_REGISTRATION_DAYS = 30


@dataclass(frozen=True)
class Item:
    patient: Patient
    what: str
    when: dt.datetime | None
    url: str
    action: str
    urgent: bool = False


@dataclass
class Section:
    id: str
    title: str
    empty: str
    items: list[Item] = field(default_factory=list)
    #: How many are waiting (may be more than the items shown).
    count: int = 0


def worklist(user: Any) -> list[Section]:
    """The sections of the user's home page, each in the order to work through it.

    The read is audited as one list record naming every patient shown.
    """
    staff = require(user, Capability.PATIENT_SEARCH)  # every staff role, no patient
    sections: list[Section] = []
    if staff.can(Capability.ALERT_ACKNOWLEDGE):
        sections.append(_alerts(staff))
    if staff.can(Capability.PATIENT_VIEW_CLINICAL):
        sections.extend(_screenings(staff))
    if staff.can(Capability.PATIENT_INVITE):
        sections.append(_invitations(staff))
        if not staff.can(Capability.PATIENT_VIEW_CLINICAL):
            sections.append(_registrations(staff))
    if staff.can(Capability.SCHEDULE_BOOK) and not staff.can(Capability.PATIENT_VIEW_CLINICAL):
        sections.append(_boosters(staff))
    sections += follow_up.follow_up_sections(staff)
    shown = {item.patient.pk: item.patient for s in sections for item in s.items}
    patient_services.record_list(staff, list(shown.values()), summary="Worklist")
    return sections


# ------------------------------------------------------------------ sections


def _alerts(staff: User) -> Section:
    section = Section(
        "alerts",
        "Safety alerts to acknowledge",
        "No safety alert is waiting.",
    )
    labels = {c.value: c.label for c in FREQUENCY}
    for alert in alerts_access.open_alerts(staff):
        section.items.append(
            Item(
                alert.patient,
                f"PHQ-9 item 9 (thoughts of death or self-harm): "
                f"“{labels.get(alert.value, alert.value)}”",
                alert.raised_at,
                reverse("alerts:acknowledge", args=[alert.code]),
                "Follow up and acknowledge",
                urgent=True,
            )
        )
    section.count = len(section.items)
    return section


def _screenings(staff: User) -> list[Section]:
    """Questionnaires sent and not decided; those with every part answered are ready to sign."""
    latest = Screening.objects.filter(patient=OuterRef("patient")).order_by("-number")
    waiting = list(
        Screening.objects.filter(
            patient__clinic_id=staff.clinic_id,
            submitted_at__isnull=False,
            pk=Subquery(latest.values("pk")[:1]),
        )
        .exclude(Exists(ScreeningDecision.objects.filter(screening=OuterRef("pk"))))
        .select_related("patient")
        .order_by("submitted_at", "pk")
    )
    unanswered = _unanswered_parts(waiting)
    review = Section(
        "review",
        "Questionnaires sent, to review",
        "No sent questionnaire is waiting for review.",
    )
    sign = Section(
        "sign",
        "Ready for a decision",
        "No screening is waiting for a decision.",
    )
    physician = staff.can(Capability.SCREENING_DECIDE)
    for screening in waiting:
        missing = unanswered[screening.pk]
        what = (
            "Questionnaire sent; every part answered"
            if not missing
            else f"Questionnaire sent; not answered: {', '.join(missing)}"
        )
        item = Item(
            screening.patient,
            what,
            screening.submitted_at,
            reverse("screening:summary", args=[screening.patient.code]),
            "Review the screening",
        )
        if physician and not missing:
            sign.items.append(
                Item(item.patient, what, item.when, item.url, "Review and sign the decision")
            )
        else:
            review.items.append(item)
    sections = [review]
    if physician:
        sections = [sign, _stale_decisions(staff), review]
    for s in (sign, review):
        s.count = len(s.items)
        s.items = s.items[:SECTION_LIMIT]
    return sections


def _stale_decisions(staff: User) -> Section:
    """Current decisions whose facts or rules changed since signing (as the screening page says)."""
    section = Section(
        "rereview",
        "Decisions to review again",
        "No signed decision rests on facts or rules that have changed.",
    )
    listed = screening_services.clinic_review_list(staff.clinic, limit=SECTION_LIMIT)
    for decision, staleness in listed.shown:
        section.items.append(
            Item(
                decision.patient,
                f"Signed “{decision.get_decision_display()}”; {_what_changed(staleness)} since",
                decision.signed_at,
                reverse("screening:summary", args=[decision.patient.code]),
                "Review the decision",
            )
        )
    section.count = listed.count
    return section


def _what_changed(staleness: screening_services.Staleness) -> str:
    changed = []
    if staleness.facts:
        changed.append("the facts changed")
    if staleness.rules:
        changed.append("the rules in force changed")
    if staleness.result and not changed:
        changed.append("the rules' result changed")
    return " and ".join(changed) or "something changed"


def _unanswered_parts(screenings: Sequence[Screening]) -> dict[int, list[str]]:
    """Screening id -> the intake parts not (completely) answered; one query for all."""
    parts = {q: title_of(q) for q in (*intake.FACT_SECTIONS, *intake_instruments())}
    by_code = {s.code: s.pk for s in screenings}
    newest: dict[tuple[int, str], bool] = {}
    rows = (
        QuestionnaireResponse.objects.filter(
            encounter_type=EncounterType.SCREENING,
            encounter_code__in=list(by_code),
            questionnaire__in=list(parts),
        )
        .order_by("seq")
        .values_list("encounter_code", "questionnaire", "missing")
    )
    for code, questionnaire, missing in rows:
        newest[(by_code[code], questionnaire)] = not missing
    return {
        s.pk: [title for q, title in parts.items() if not newest.get((s.pk, q), False)]
        for s in screenings
    }


def _boosters(staff: User) -> Section:
    """Boosters marked due, then estimates no one marked yet (dates only; docs/outcomes.md)."""
    section = Section("boosters", "Boosters to book", "No booster is waiting to be booked.")
    count, waiting = boosters_to_book(staff, limit=SECTION_LIMIT)
    for patient, what, when in waiting:
        url = reverse("scheduling:book", args=[patient.code])
        section.items.append(Item(patient, what, when, url, "Book the booster"))
    section.count = count
    return section


def _invitations(staff: User) -> Section:
    section = Section(
        "invitations",
        "Portal invitations pending",
        "No portal invitation is waiting for the patient.",
    )
    now = timezone.now()
    for invitation in invitations_access.pending_invitations(staff):
        state = invitation.state(now)
        if state == PortalAccess.NOT_SENT:
            what, action, urgent = "The invitation email was not sent", "Check and resend", True
        elif state == PortalAccess.EXPIRED:
            what, action, urgent = "The invitation link expired unused", "Send a new link", True
        else:
            until = timezone.localtime(invitation.expires_at)
            what = f"Invited; the link works until {until:%Y-%m-%d %H:%M}"
            action, urgent = "See the invitation", False
        section.items.append(
            Item(
                invitation.patient,
                what,
                invitation.sent_at,
                reverse("invitations:portal_access", args=[invitation.patient.code]),
                action,
                urgent=urgent,
            )
        )
    section.items.sort(key=lambda i: not i.urgent)  # problems first
    section.count = len(section.items)
    return section


def _registrations(staff: User) -> Section:
    """Patients registered lately who have no portal account and no open invitation."""
    section = Section(
        "registrations",
        "Registered lately, not invited to the portal",
        "Every patient registered lately has portal access or an invitation.",
    )
    since = timezone.now() - dt.timedelta(days=RECENT_REGISTRATION_DAYS)
    rows = (
        Patient.objects.filter(clinic_id=staff.clinic_id, created_at__gte=since, portal_user=None)
        .exclude(
            Exists(
                Invitation.objects.filter(patient=OuterRef("pk"), accepted_at=None, revoked_at=None)
            )
        )
        .order_by("created_at", "pk")
    )
    for patient in rows[:SECTION_LIMIT]:
        section.items.append(
            Item(
                patient,
                "Registered; no email address yet" if not patient.email else "Registered",
                patient.created_at,
                reverse("invitations:portal_access", args=[patient.code]),
                "Invite to the portal" if patient.email else "Add an email, then invite",
            )
        )
    section.count = len(section.items)
    return section


# ------------------------------------------------------------------ patient lists


def with_status(rows: QuerySet[Patient], user: Any) -> QuerySet[Patient]:
    """``rows`` with what :func:`status_rows` shows, in the same query (no N+1).

    Portal access for every staff role; the screening's status and decision
    only for roles that see clinical details.
    """
    rows = invitations_access.with_portal_access(rows)
    if not _clinical(user):
        return rows
    latest = Screening.objects.filter(patient=OuterRef("pk")).order_by("-number")
    rows = rows.annotate(
        screening_code=Subquery(latest.values("code")[:1]),
        screening_submitted_at=Subquery(latest.values("submitted_at")[:1]),
    )
    return rows.annotate(
        screening_started=Exists(
            QuestionnaireResponse.objects.filter(
                patient=OuterRef("pk"),
                encounter_type=EncounterType.SCREENING,
                encounter_code=OuterRef("screening_code"),
            )
        ),
        screening_decision=Subquery(
            ScreeningDecision.objects.filter(
                patient=OuterRef("pk"),
                screening__code=OuterRef("screening_code"),
                superseded_by__isnull=True,
            )
            .order_by("-signed_at")
            .values("decision")[:1]
        ),
    )


@dataclass(frozen=True)
class StatusRow:
    patient: Patient
    portal: str
    portal_state: str
    #: Empty for roles that do not see clinical details.
    screening: str


def status_rows(patients: Iterable[Patient], user: Any) -> list[StatusRow]:
    """What a patient list shows of each patient (``patients`` from :func:`with_status`)."""
    patients = list(patients)
    now, clinical = timezone.now(), _clinical(user)
    stale = _stale_patients(patients) if clinical else set()
    result = []
    for p in patients:
        access = invitations_access.portal_access(p, now)
        label = _screening_label(p, p.pk in stale) if clinical else ""
        result.append(StatusRow(p, access.label, access.value, label))
    return result


def _stale_patients(patients: Sequence[Patient]) -> set[int]:
    """Ids of the listed patients whose current decision needs review (a few queries)."""
    # The current decision of each patient's newest screening (what the row shows).
    decided: list[UUID] = [
        p.screening_code  # type: ignore[attr-defined]  # reason: annotated by with_status
        for p in patients
        if getattr(p, "screening_decision", None)
    ]
    if not decided:
        return set()
    current = list(
        ScreeningDecision.objects.filter(screening__code__in=decided, superseded_by__isnull=True)
        .select_related("patient", "patient__clinic", "screening", "rule_set")
        .order_by("pk")
    )
    stale = screening_services.decisions_to_review(current)
    return {d.patient_id for d in current if d.pk in stale}


def _screening_label(patient: Patient, stale: bool) -> str:
    decision = getattr(patient, "screening_decision", None)
    if decision:
        label = f"Decided: {DECISION_LABELS.get(Decision(decision), decision)}"
        return f"{label} · to review again: facts or rules changed" if stale else label
    if getattr(patient, "screening_submitted_at", None) is not None:
        return "Questionnaire sent, awaiting decision"
    if getattr(patient, "screening_started", False):
        return "Questionnaire in progress"
    return "Not started"


def _clinical(user: Any) -> bool:
    return isinstance(user, User) and user.can(Capability.PATIENT_VIEW_CLINICAL)
