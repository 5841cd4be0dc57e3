"""Builders for screening tests: a patient's complete intake, in one call."""

from __future__ import annotations

from ketaclinic.accounts.models import User
from ketaclinic.demo import DEMO_INSTRUMENT_ANSWERS, DEMO_INTAKE
from ketaclinic.patients.models import Patient
from ketaclinic.screening import services
from ketaclinic.screening.models import EnteredVia, Screening

#: A complete intake that the default rules make a plain candidate (with the
#: chart's CRPS diagnosis, female sex and a normal blood pressure added).
SECTIONS = DEMO_INTAKE
INSTRUMENT_ANSWERS = DEMO_INSTRUMENT_ANSWERS


def complete_intake(
    patient: Patient, actor: User | None = None, *, via: str = EnteredVia.PORTAL
) -> Screening:
    """Fill every part of the intake as a patient would (as ``actor``, default the patient)."""
    actor = actor or patient.portal_user
    assert actor is not None
    screening = services.start_screening(actor, patient)
    for section, answers in SECTIONS.items():
        services.save_intake_section(actor, screening, section, answers, via=via)
    for instrument, answers in INSTRUMENT_ANSWERS.items():
        services.save_instrument_answers(actor, screening, instrument, answers, via=via)
    screening.refresh_from_db()
    return screening
