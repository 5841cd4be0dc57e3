"""The tables the bulk generator fills, with the columns it gives, in foreign-key order."""

from __future__ import annotations

from ketaclinic.demo.bulk.writer import Table
from ketaclinic.infusions.models import (
    InfusionSession,
    SessionAlert,
    SessionAlertAck,
    SessionEntry,
    SessionSignOff,
)
from ketaclinic.outcomes.models import DiaryEntry
from ketaclinic.plans.models import PlanVersion, TreatmentPlan
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.screening.models import Screening, ScreeningDecision

__all__ = [
    "ACK",
    "ALERT",
    "ALL",
    "DECISION",
    "DIARY",
    "ENTRY",
    "FIGURES",
    "PLAN",
    "RESPONSE",
    "SCREENING",
    "SESSION",
    "SIGNOFF",
    "VERSION",
]

_SIGNED = ("signed_by_id", "signed_by_name", "signed_at", "meaning", "revision_reason")
#: A plan version's computed columns (``plans.services.version_figures``), in this order.
FIGURES = (
    "protocol_id",
    "protocol_name",
    "weight_kg",
    "dose_basis",
    "dose",
    "duration_min",
    "concentration_mg_per_ml",
    "bag_volume_ml",
    "rate_mg_per_h",
    "rate_ml_per_h",
    "total_mg",
    "total_ml",
    "max_rate_mg_per_h",
    "hard_ceiling_rate_mg_per_h",
    "hard_ceiling_session_mg",
    "hard_ceiling_bolus_mg",
    "series_count",
    "series_spacing_days",
    "calculation",
    "soft_overrides",
)
#: Vital signs as a session entry's columns (``ketacore.infusion.care.VitalSigns`` names).
VITALS = (
    "systolic_mmhg",
    "diastolic_mmhg",
    "heart_rate_bpm",
    "spo2_percent",
    "respiratory_rate_per_min",
    "temperature_c",
)

SCREENING = Table(
    Screening,
    (
        "id",
        "code",
        "patient_id",
        "number",
        "clinician_facts",
        "submitted_at",
        "submitted_by_id",
        "created_at",
        "updated_at",
    ),
)
RESPONSE = Table(
    QuestionnaireResponse,
    (
        "id",
        "code",
        "patient_id",
        "questionnaire",
        "encounter_type",
        "encounter_code",
        "seq",
        "answers",
        "options",
        "missing",
        "score",
        "entered_by_id",
        "entered_via",
        "entered_at",
    ),
)
DECISION = Table(
    ScreeningDecision,
    (
        "id",
        "code",
        "screening_id",
        "patient_id",
        "decision",
        "engine_decision",
        "note",
        "facts",
        "evaluation",
        "rule_set_id",
        "rule_set_version",
        "supersedes_id",
        *_SIGNED,
    ),
)
PLAN = Table(
    TreatmentPlan, ("id", "code", "clinic_id", "patient_id", "created_at", "created_by_id")
)
VERSION = Table(
    PlanVersion,
    (
        "id",
        "code",
        "plan_id",
        "number",
        "revises_id",
        "status",
        "decision_id",
        "library_id",
        "weight_measured_on",
        "weight_stale",
        "preview",
        "note",
        *FIGURES,
        *_SIGNED,
    ),
)
SESSION = Table(
    InfusionSession,
    (
        "id",
        "code",
        "clinic_id",
        "patient_id",
        "plan_version_id",
        "care_policy_id",
        "number_in_series",
        "chair",
        "opened_at",
        "opened_by_id",
        "last_seq",
    ),
)
ENTRY = Table(
    SessionEntry,
    (
        "id",
        "code",
        "session_id",
        "seq",
        "kind",
        "occurred_at",
        "recorded_at",
        "recorded_by_id",
        "client_ref",
        "data",
        "reason",
        "rate_mg_per_h",
        "ceiling_rate_mg_per_h",
        *VITALS,
    ),
)
ALERT = Table(
    SessionAlert,
    (
        "id",
        "code",
        "session_id",
        "entry_id",
        "rule_id",
        "message",
        "value",
        "threshold",
        "source",
        "raised_at",
    ),
)
ACK = Table(
    SessionAlertAck,
    ("id", "code", "alert_id", "acknowledged_by_id", "acknowledged_at", "action_taken"),
)
SIGNOFF = Table(SessionSignOff, ("id", "code", "session_id", "delivered_mg", "summary", *_SIGNED))
DIARY = Table(
    DiaryEntry,
    (
        "id",
        "code",
        "patient_id",
        "day",
        "seq",
        "pain_nrs",
        "function_nrs",
        "mood_nrs",
        "entered_by_id",
        "entered_via",
        "entered_at",
    ),
)
#: Foreign-key order: a row's targets are written before it.
ALL = (SCREENING, RESPONSE, DECISION, PLAN, VERSION, SESSION, ENTRY, ALERT, ACK, SIGNOFF, DIARY)
