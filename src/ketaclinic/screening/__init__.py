"""Screening: intake questionnaire, scores, eligibility evaluation and signed decisions."""
