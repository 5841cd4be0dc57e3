"""The demo's screening: a portal patient's sent intake, ready for the physician."""

from __future__ import annotations

from typing import Any

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.questionnaires.models import EnteredVia
from ketaclinic.screening import services as screening

__all__ = ["DEMO_INSTRUMENT_ANSWERS", "DEMO_INTAKE", "demo_screening"]

#: A complete intake questionnaire, as the second demo portal patient sent it
#: (their first screening is ready for the physician; the first portal patient
#: starts with an empty one). The tests reuse it.
DEMO_INTAKE: dict[str, dict[str, Any]] = {
    "pain": {"pain_duration_months": 14, "pain_location": "both feet"},
    "treatments": {
        "gabapentinoid": "inadequate_relief",
        "tca_snri": "not_tolerated",
        "opioid": "not_tried",
        "nsaid": "helped",
        "topical": "not_tried",
        "physical_therapy": "inadequate_relief",
        "interventional": "not_tried",
    },
    "health": {
        "hypertension": "none",
        "cardiac": "none",
        "pregnant": "no",
        "breastfeeding": "no",
        "psychosis": "none",
        "active_substance_use": "no",
        "liver_function": "no",
        "raised_icp": "no",
        "raised_iop": "no",
    },
    "medicines": {"no_medications": "yes"},
}
DEMO_INSTRUMENT_ANSWERS: dict[str, dict[str, int]] = {
    "s-lanss": {
        "q1_pins_and_needles": 1,
        "q2_colour_change": 1,
        "q3_sensitive_to_touch": 1,
        "q4_sudden_bursts": 1,
        "q5_hot_burning": 1,
        "q6_rubbing_unpleasant": 1,
        "q7_pressing_numb_tender": 0,
    },
    "bpi-sf": {"q1_worst": 9, "q2_least": 4, "q3_average": 7, "q4_now": 6},
    "phq9": {
        "q1_little_interest": 1,
        "q2_feeling_down": 1,
        "q3_sleep": 1,
        "q4_tired": 1,
        "q5_appetite": 1,
        "q6_feeling_bad_about_self": 1,
        "q7_concentration": 1,
        "q8_slow_or_restless": 1,
        "q9_self_harm_thoughts": 0,
    },
    "gad7": {
        "q1_nervous": 1,
        "q2_cannot_stop_worrying": 0,
        "q3_worrying_too_much": 1,
        "q4_trouble_relaxing": 2,
        "q5_restless": 0,
        "q6_irritable": 1,
        "q7_afraid": 0,
    },
}


def demo_screening(clinic: Clinic, nurse: User) -> None:
    patients = list(clinic.patients.filter(portal_user__isnull=False).order_by("pk")[:2])
    if len(patients) < 2:
        return
    patient = patients[1]
    assert patient.portal_user is not None
    current = screening.start_screening(patient.portal_user, patient)
    for section, answers in DEMO_INTAKE.items():
        screening.save_intake_section(
            patient.portal_user, current, section, answers, via=EnteredVia.PORTAL
        )
    for instrument, answers in DEMO_INSTRUMENT_ANSWERS.items():
        screening.save_instrument_answers(
            patient.portal_user, current, instrument, answers, via=EnteredVia.PORTAL
        )
    screening.submit_intake(patient.portal_user, current)
    screening.add_bp_reading(nurse, current, 132, 84)
