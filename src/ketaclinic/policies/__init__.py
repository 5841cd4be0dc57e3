"""Clinic policies: versioned, cited, physician-approved clinical thresholds.

One mechanism for every kind of clinic-configurable threshold: the eligibility
rules now; dose limits, vital-sign alert thresholds, discharge criteria and
follow-up schedules next. See docs/policies.md.
"""
