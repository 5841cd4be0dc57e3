"""Roles and what each may do: the single source of the permission matrix.

docs/security.md shows this table; a test renders it from here and fails when
the document drifts, and another walks every URL route against it.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic admin"
    PHYSICIAN = "physician", "Physician (prescriber)"
    NURSE = "nurse", "Nurse"
    FRONT_DESK = "frontdesk", "Front desk"
    PATIENT = "patient", "Patient"


class Capability(StrEnum):
    """Things a user may do. Views and API endpoints each require exactly one."""

    PATIENT_SEARCH = "patient.search"
    PATIENT_CREATE = "patient.create"
    PATIENT_VIEW_DEMOGRAPHICS = "patient.view_demographics"
    PATIENT_EDIT_DEMOGRAPHICS = "patient.edit_demographics"
    PATIENT_VIEW_CLINICAL = "patient.view_clinical"
    PATIENT_EDIT_CLINICAL = "patient.edit_clinical"
    PATIENT_INVITE = "patient.invite"
    ALERT_ACKNOWLEDGE = "alert.acknowledge"
    SCREENING_DECIDE = "screening.decide"
    PLAN_SIGN = "plan.sign"
    POLICY_VIEW = "policy.view"
    POLICY_MANAGE = "policy.manage"
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "users.manage"
    SCHEDULE_VIEW = "schedule.view"
    SCHEDULE_BOOK = "schedule.book"
    SCHEDULE_MANAGE = "schedule.manage"
    BOOSTER_MARK = "booster.mark"
    PORTAL_OWN_RECORD = "portal.own_record"
    API_DOCS = "api.docs"
    CLINIC_PROFILE_MANAGE = "clinic.profile_manage"
    OUTCOMES_ANALYTICS = "outcomes.analytics"


STAFF_ROLES = frozenset({Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK})

_C = Capability
CAPABILITIES: dict[Role, frozenset[Capability]] = {
    # The clinic admin runs the clinic (users, audit, registry) but does not
    # read clinical details: least privilege (ASVS 4.0 V4.1.3).
    Role.ADMIN: frozenset(
        {
            _C.API_DOCS,
            _C.PATIENT_SEARCH,
            _C.PATIENT_CREATE,
            _C.PATIENT_VIEW_DEMOGRAPHICS,
            _C.PATIENT_EDIT_DEMOGRAPHICS,
            # Inviting a patient to the portal is contact work, like keeping the
            # email address right: every staff role may do it.
            _C.PATIENT_INVITE,
            _C.POLICY_VIEW,
            _C.AUDIT_VIEW,
            _C.USERS_MANAGE,
            # The calendar: every staff role books; the admin sets up chairs, rooms and hours.
            _C.SCHEDULE_VIEW,
            _C.SCHEDULE_BOOK,
            _C.SCHEDULE_MANAGE,
            # What the public site says about the clinic (address, phone, welcome text).
            _C.CLINIC_PROFILE_MANAGE,
            # The clinic's outcomes in aggregate (no patient named) and the de-identified
            # export: running the clinic includes knowing how it does (docs/analytics.md).
            _C.OUTCOMES_ANALYTICS,
        }
    ),
    Role.PHYSICIAN: frozenset(
        {
            _C.API_DOCS,
            _C.PATIENT_SEARCH,
            _C.PATIENT_CREATE,
            _C.PATIENT_VIEW_DEMOGRAPHICS,
            _C.PATIENT_EDIT_DEMOGRAPHICS,
            _C.PATIENT_VIEW_CLINICAL,
            _C.PATIENT_EDIT_CLINICAL,
            _C.PATIENT_INVITE,
            # A PHQ-9 item 9 answer above 0 is followed up by a clinician, who
            # records what was done.
            _C.ALERT_ACKNOWLEDGE,
            # Signing screening decisions and drafting and approving clinic
            # policies (eligibility rules, later dose limits…) are prescriber decisions.
            _C.SCREENING_DECIDE,
            # A treatment plan is a prescription: only a physician signs one.
            _C.PLAN_SIGN,
            _C.POLICY_VIEW,
            _C.POLICY_MANAGE,
            _C.SCHEDULE_VIEW,
            _C.SCHEDULE_BOOK,
            # A clinician marks a booster due by hand until outcomes suggest one.
            _C.BOOSTER_MARK,
            # The clinic's outcomes by condition, protocol and duration (judging the
            # protocols is a prescriber's work), and the export, identified or not.
            _C.OUTCOMES_ANALYTICS,
        }
    ),
    Role.NURSE: frozenset(
        {
            _C.API_DOCS,
            _C.PATIENT_SEARCH,
            _C.PATIENT_CREATE,
            _C.PATIENT_VIEW_DEMOGRAPHICS,
            _C.PATIENT_EDIT_DEMOGRAPHICS,
            _C.PATIENT_VIEW_CLINICAL,
            _C.PATIENT_EDIT_CLINICAL,
            _C.PATIENT_INVITE,
            _C.ALERT_ACKNOWLEDGE,
            _C.POLICY_VIEW,
            _C.SCHEDULE_VIEW,
            _C.SCHEDULE_BOOK,
            _C.BOOSTER_MARK,
        }
    ),
    # Front desk registers and finds patients and keeps contact details right.
    Role.FRONT_DESK: frozenset(
        {
            _C.API_DOCS,
            _C.PATIENT_SEARCH,
            _C.PATIENT_CREATE,
            _C.PATIENT_VIEW_DEMOGRAPHICS,
            _C.PATIENT_EDIT_DEMOGRAPHICS,
            _C.PATIENT_INVITE,
            _C.SCHEDULE_VIEW,
            _C.SCHEDULE_BOOK,
        }
    ),
    Role.PATIENT: frozenset({_C.PORTAL_OWN_RECORD}),
}


def role_can(role: str, capability: Capability) -> bool:
    """Return whether ``role`` grants ``capability`` (unknown roles grant nothing)."""
    try:
        return capability in CAPABILITIES[Role(role)]
    except ValueError:
        return False
