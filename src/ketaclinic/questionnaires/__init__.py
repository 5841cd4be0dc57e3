"""Questionnaire responses: the patient's answers, append-only, scored when saved.

One model for every questionnaire (``ketacore.questionnaires``): the intake's
sections and the scored instruments now; the diary and outcome questionnaires
next. A response belongs to the patient and may be linked to an encounter (a
screening now; an infusion session or a follow-up next).
"""
