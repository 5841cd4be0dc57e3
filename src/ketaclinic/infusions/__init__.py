"""Infusion sessions at the chair: check-in, pump events, vitals, alerts, discharge, sign-off."""
