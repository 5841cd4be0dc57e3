"""Screening services, one module per responsibility.

* :mod:`.intake`: the questionnaire and clinicians' facts (writes);
* :mod:`.evaluation`: facts from every source through the eligibility rules;
* :mod:`.decisions`: signed decisions and their revisions.

The eligibility rules themselves are a clinic policy (``ketaclinic.policies``).
"""

from ketaclinic.screening.services.decisions import (
    Authorisation,
    FactChange,
    Staleness,
    authorisation,
    authorisation_staleness,
    current_decision,
    decision_history,
    sign_decision,
    staleness,
)
from ketaclinic.screening.services.evaluation import (
    Evaluation,
    chart_facts,
    eligibility_rules,
    evaluate_screening,
    rules_of,
)
from ketaclinic.screening.services.intake import (
    CLINICIAN_FACTS,
    DEFAULT_CLINICIAN_INSTRUMENTS,
    DEFAULT_INTAKE_INSTRUMENTS,
    add_bp_reading,
    answers_of,
    clinician_instruments,
    encounter_of,
    input_error,
    intake_instruments,
    locked_screening,
    record_clinician_facts,
    save_instrument_answers,
    save_intake_section,
    start_screening,
    submit_intake,
    treatment_choices,
)
from ketaclinic.screening.services.review import clinic_review_list, decisions_to_review

__all__ = [
    "CLINICIAN_FACTS",
    "DEFAULT_CLINICIAN_INSTRUMENTS",
    "DEFAULT_INTAKE_INSTRUMENTS",
    "Authorisation",
    "Evaluation",
    "FactChange",
    "Staleness",
    "add_bp_reading",
    "answers_of",
    "authorisation",
    "authorisation_staleness",
    "chart_facts",
    "clinic_review_list",
    "clinician_instruments",
    "current_decision",
    "decision_history",
    "decisions_to_review",
    "eligibility_rules",
    "encounter_of",
    "evaluate_screening",
    "input_error",
    "intake_instruments",
    "locked_screening",
    "record_clinician_facts",
    "rules_of",
    "save_instrument_answers",
    "save_intake_section",
    "sign_decision",
    "staleness",
    "start_screening",
    "submit_intake",
    "treatment_choices",
]
