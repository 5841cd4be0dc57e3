# ruff: noqa: E501  (the scenario table is kept one row per line so it reads as a table)
"""Eligibility scenarios: a readable table of facts -> expected decision and findings.

Every scenario starts from BASE, a complete record of a patient with CRPS who
is a clean candidate, and changes only the facts named in its row. ``UNKNOWN``
removes a fact (it becomes unknown). ``findings`` lists every finding id
expected other than ``info`` ones (the evidence grade is always reported as
info and checked separately).

Decisions: X = not_a_candidate, S = needs_specialist_clearance,
I = incomplete, P = candidate_with_precautions, C = candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ASSESSED_ON", "BASE", "SCENARIOS", "UNKNOWN", "Scenario"]

UNKNOWN = object()


def dn4(yes: int) -> dict[str, Any]:
    ids = [
        "q1_burning",
        "q2_painful_cold",
        "q3_electric_shocks",
        "q4_tingling",
        "q5_pins_and_needles",
        "q6_numbness",
        "q7_itching",
        "q8_reduced_touch",
        "q9_reduced_pinprick",
        "q10_brushing_pain",
    ]
    return {"instrument": "dn4", "answers": {i: int(n < yes) for n, i in enumerate(ids)}}


S_LANSS_POSITIVE = {
    "instrument": "s-lanss",
    "answers": {
        "q1_pins_and_needles": 1,
        "q2_colour_change": 1,
        "q3_sensitive_to_touch": 0,
        "q4_sudden_bursts": 1,
        "q5_hot_burning": 0,
        "q6_rubbing_unpleasant": 0,
        "q7_pressing_numb_tender": 0,
    },
}
LANSS_POSITIVE = {
    "instrument": "lanss",
    "answers": {
        "q1_skin_sensations": 1,
        "q2_skin_looks_different": 0,
        "q3_sensitive_to_touch": 1,
        "q4_sudden_bursts": 0,
        "q5_hot_burning": 1,
        "q6_exam_allodynia": 1,
        "q7_exam_pinprick": 0,
    },
}
PHQ9_ITEM9 = {
    "instrument": "phq9",
    "answers": {
        "q1_little_interest": 1,
        "q2_feeling_down": 1,
        "q3_sleep": 2,
        "q4_tired": 2,
        "q5_appetite": 0,
        "q6_feeling_bad_about_self": 1,
        "q7_concentration": 1,
        "q8_slow_or_restless": 0,
        "q9_self_harm_thoughts": 1,
    },
}


def tried(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"treatment": t, "outcome": o} for t, o in pairs]


#: The day every scenario is assessed on.
ASSESSED_ON = "2026-11-27"


def bp(systolic: int, diastolic: int, measured_on: str = "2026-11-20") -> list[dict[str, Any]]:
    return [
        {"systolic_mmhg": 132, "diastolic_mmhg": 84, "measured_on": "2026-10-01"},
        {"systolic_mmhg": systolic, "diastolic_mmhg": diastolic, "measured_on": measured_on},
    ]


#: A complete record of a clean candidate (CRPS of the left lower limb).
BASE: dict[str, Any] = {
    "diagnoses": ["G90.522"],
    "pain_duration_months": 14,
    "instruments": [dn4(6)],
    "prior_treatments": tried(
        ("gabapentinoid", "inadequate_relief"), ("tca_snri", "not_tolerated")
    ),
    "bp_readings": bp(128, 82),
    "hypertension": "none",
    "cardiac": "none",
    "sex": "female",
    "pregnant": False,
    "breastfeeding": False,
    "psychosis": "none",
    "active_substance_use": False,
    "liver_function": "normal",
    "raised_icp": False,
    "raised_iop": False,
    "medications": ["gabapentin 300 mg"],
    "date_of_birth": "1971-03-14",
    "assessed_on": ASSESSED_ON,
    "weight_kg": 72.5,
}


@dataclass(frozen=True)
class Scenario:
    name: str
    changes: dict[str, Any]
    decision: str
    findings: frozenset[str]

    def facts(self) -> dict[str, Any]:
        data = dict(BASE)
        for key, value in self.changes.items():
            if value is UNKNOWN:
                data.pop(key, None)
            else:
                data[key] = value
        return data


_D = {
    "X": "not_a_candidate",
    "S": "needs_specialist_clearance",
    "I": "incomplete",
    "P": "candidate_with_precautions",
    "C": "candidate",
}


def _s(name: str, changes: dict[str, Any], decision: str, *findings: str) -> Scenario:
    return Scenario(name, changes, _D[decision], frozenset(findings))


# fmt: off
SCENARIOS: tuple[Scenario, ...] = (
    # name                                        changes                                                           dec  findings
    _s("clean CRPS candidate",                    {},                                                               "C"),
    _s("postherpetic neuralgia",                  {"diagnoses": ["B02.29"]},                                        "C"),
    _s("diabetic polyneuropathy",                 {"diagnoses": ["E11.42"]},                                        "C"),
    _s("lower-case code without dot",             {"diagnoses": ["g90522"]},                                        "C"),
    _s("only chronic pain syndrome coded",        {"diagnoses": ["G89.4"]},                                         "S", "indication.neuropathic_diagnosis"),
    _s("diagnoses unknown",                       {"diagnoses": UNKNOWN},                                           "I", "unknown.diagnoses"),
    _s("diagnoses empty list",                    {"diagnoses": []},                                                "I", "unknown.diagnoses"),
    _s("pain 2 months (cut-off -1)",              {"pain_duration_months": 2},                                      "X", "indication.chronic"),
    _s("pain 2.9 months",                         {"pain_duration_months": 2.9},                                    "X", "indication.chronic"),
    _s("pain 3 months (cut-off)",                 {"pain_duration_months": 3},                                      "C"),
    _s("pain 4 months (cut-off +1)",              {"pain_duration_months": 4},                                      "C"),
    _s("pain duration unknown",                   {"pain_duration_months": UNKNOWN},                                "I", "unknown.pain_duration_months"),
    _s("DN4 3/10 negative",                       {"instruments": [dn4(3)]},                                        "S", "indication.neuropathic_screen"),
    _s("DN4 4/10 positive (cut-off)",             {"instruments": [dn4(4)]},                                        "C"),
    _s("no screening instrument",                 {"instruments": UNKNOWN},                                         "I", "unknown.instrument_results"),
    _s("only PHQ-9 done, no screen",              {"instruments": [PHQ9_ITEM9]},                                    "S", "unknown.instrument_results", "safety.phq9_item9"),
    _s("LANSS positive",                          {"instruments": [LANSS_POSITIVE]},                                "C"),
    _s("DN4 negative but S-LANSS positive",       {"instruments": [dn4(2), S_LANSS_POSITIVE]},                      "C"),
    _s("one treatment failed",                    {"prior_treatments": tried(("opioid", "inadequate_relief"))},     "S", "indication.prior_treatments"),
    _s("two tried, one helped",                   {"prior_treatments": tried(("nsaid", "helped"), ("topical", "not_tolerated"))}, "S", "indication.prior_treatments"),
    _s("2 failed, others not sure (per class)",    {"prior_treatments": tried(("gabapentinoid", "inadequate_relief"), ("tca_snri", "not_tolerated"), ("opioid", "unknown"))}, "C"),
    _s("1 failed, 1 not sure: ask",               {"prior_treatments": tried(("gabapentinoid", "inadequate_relief"), ("opioid", "unknown"))}, "I", "unknown.prior_treatments"),
    _s("1 failed, 1 helped, none unsure",         {"prior_treatments": tried(("gabapentinoid", "inadequate_relief"), ("opioid", "helped"))}, "S", "indication.prior_treatments"),
    _s("only not-sure classes: ask",              {"prior_treatments": tried(("nsaid", "unknown"), ("opioid", "unknown"))}, "I", "unknown.prior_treatments"),
    _s("nothing tried",                           {"prior_treatments": []},                                         "S", "indication.prior_treatments"),
    _s("three non-drug and drug failures",        {"prior_treatments": tried(("physical_therapy", "inadequate_relief"), ("interventional", "inadequate_relief"), ("opioid", "helped"))}, "C"),
    _s("prior treatments unknown",                {"prior_treatments": UNKNOWN},                                    "I", "unknown.prior_treatments"),
    _s("uncontrolled hypertension",               {"hypertension": "uncontrolled"},                                 "X", "safety.hypertension_uncontrolled"),
    _s("controlled hypertension",                 {"hypertension": "controlled"},                                   "P", "safety.hypertension_controlled"),
    _s("hypertension status unknown",             {"hypertension": UNKNOWN},                                        "I", "unknown.hypertension"),
    _s("BP 180/110 (at the limit)",               {"bp_readings": bp(180, 110)},                                    "C"),
    _s("BP 181/90 (systolic +1)",                 {"bp_readings": bp(181, 90)},                                     "X", "safety.bp_reading_severe"),
    _s("BP 150/111 (diastolic +1)",               {"bp_readings": bp(150, 111)},                                    "X", "safety.bp_reading_severe"),
    _s("no BP reading",                           {"bp_readings": UNKNOWN},                                         "I", "unknown.bp_readings"),
    _s("unstable cardiac disease",                {"cardiac": "unstable"},                                          "X", "safety.cardiac_unstable"),
    _s("stable cardiac disease",                  {"cardiac": "stable"},                                            "S", "safety.cardiac_stable"),
    _s("cardiac history unknown",                 {"cardiac": UNKNOWN},                                             "I", "unknown.cardiac"),
    _s("pregnant",                                {"pregnant": True},                                               "X", "safety.pregnancy"),
    _s("breast-feeding",                          {"breastfeeding": True},                                          "S", "safety.breastfeeding"),
    _s("pregnancy unknown (female)",              {"pregnant": UNKNOWN},                                            "I", "unknown.pregnant"),
    _s("male, pregnancy not asked",               {"sex": "male", "pregnant": UNKNOWN, "breastfeeding": UNKNOWN},   "C"),
    _s("male recorded as pregnant",               {"sex": "male", "pregnant": True},                                "I", "review.pregnant_male"),
    _s("male recorded as breast-feeding",         {"sex": "male", "breastfeeding": True},                           "I", "review.breastfeeding_male"),
    _s("sex unknown, pregnancy unknown",          {"sex": UNKNOWN, "pregnant": UNKNOWN},                            "I", "unknown.pregnant"),
    _s("current psychosis",                       {"psychosis": "current"},                                         "X", "safety.psychosis_current"),
    _s("past psychosis",                          {"psychosis": "past"},                                            "S", "safety.psychosis_history"),
    _s("psychosis unknown",                       {"psychosis": UNKNOWN},                                           "I", "unknown.psychosis"),
    _s("schizophrenia coded, psychosis 'none'",   {"diagnoses": ["G90.522", "F20.9"]},                              "I", "review.psychosis_code"),
    _s("active substance use",                    {"active_substance_use": True},                                   "X", "safety.substance_use"),
    _s("severe liver impairment",                 {"liver_function": "severe"},                                     "X", "safety.liver_severe"),
    _s("moderate liver impairment",               {"liver_function": "moderate"},                                   "S", "safety.liver_moderate"),
    _s("mild liver abnormality",                  {"liver_function": "mild"},                                       "P", "safety.liver_mild"),
    _s("cirrhosis coded, liver 'normal'",         {"diagnoses": ["G90.522", "K74.60"]},                             "I", "review.liver_code"),
    _s("hypertension coded, recorded 'none'",     {"diagnoses": ["G90.522", "I10"]},                                "I", "review.hypertension_code"),
    _s("pregnancy coded, recorded not pregnant",  {"diagnoses": ["G90.522", "Z33.1"]},                              "I", "review.pregnancy_code"),
    _s("raised intracranial pressure",            {"raised_icp": True},                                             "S", "safety.raised_icp"),
    _s("raised intraocular pressure",             {"raised_iop": True},                                             "S", "safety.raised_iop"),
    _s("17 years 364 days old",                   {"date_of_birth": "2008-11-28"},                                  "X", "safety.age_adult"),
    _s("18 today (the cut-off)",                  {"date_of_birth": "2008-11-27"},                                  "C"),
    _s("age unknown",                             {"date_of_birth": UNKNOWN},                                       "I", "unknown.age_years"),
    _s("age given without date of birth",         {"date_of_birth": UNKNOWN, "age_years": 44},                      "C"),
    _s("newest reading 30 days old (cut-off)",    {"bp_readings": bp(128, 82, "2026-10-28")},                       "C"),
    _s("newest reading 31 days old",              {"bp_readings": bp(128, 82, "2026-10-27")},                       "I", "safety.bp_reading_old"),
    _s("no reading dated",                        {"bp_readings": [{"systolic_mmhg": 128, "diastolic_mmhg": 82}]},  "I", "unknown.bp_readings"),
    _s("myocardial infarction, heart 'none'",     {"diagnoses": ["G90.522", "I21.4"]},                              "I", "review.cardiac_code", "review.cardiac_acute_code"),
    _s("myocardial infarction, heart 'stable'",   {"diagnoses": ["G90.522", "I21.4"], "cardiac": "stable"},         "S", "safety.cardiac_stable", "review.cardiac_acute_code"),
    _s("atrial fibrillation, heart 'none'",       {"diagnoses": ["G90.522", "I48.91"]},                             "I", "review.cardiac_code"),
    _s("alcoholic cirrhosis, liver 'normal'",     {"diagnoses": ["G90.522", "K70.30"]},                             "I", "review.liver_code"),
    _s("opioid dependence, no substance use",     {"diagnoses": ["G90.522", "F11.20"]},                             "I", "review.substance_code"),
    _s("opioid dependence in remission",          {"diagnoses": ["G90.522", "F11.21"]},                             "C"),
    _s("nicotine dependence is not misuse here",  {"diagnoses": ["G90.522", "F17.210"]},                            "C"),
    _s("weeks of gestation, not pregnant",        {"diagnoses": ["G90.522", "Z3A.20"]},                             "I", "review.pregnancy_code"),
    _s("termination of pregnancy coded",          {"diagnoses": ["G90.522", "Z33.2"]},                              "C"),
    _s("lactating mother, not breast-feeding",    {"diagnoses": ["G90.522", "Z39.1"]},                              "I", "review.breastfeeding_code"),
    _s("glaucoma, raised IOP 'no'",               {"diagnoses": ["G90.522", "H40.10X0"]},                           "I", "review.iop_code"),
    _s("intracranial hypertension, ICP 'no'",     {"diagnoses": ["G90.522", "G93.2"]},                              "I", "review.icp_code"),
    _s("hypertensive urgency, 'controlled'",      {"diagnoses": ["G90.522", "I16.0"], "hypertension": "controlled"}, "I", "review.hypertensive_crisis_code", "safety.hypertension_controlled"),
    _s("depression with psychotic features",      {"diagnoses": ["G90.522", "F32.3"]},                              "I", "review.psychosis_code"),
    _s("CRPS I, non-billable parent G90.51",      {"diagnoses": ["G90.51"]},                                        "C"),
    _s("CRPS II of the lower limb",               {"diagnoses": ["G57.72"]},                                        "C"),
    _s("diabetes due to a condition, neuropathy", {"diagnoses": ["E08.42"]},                                        "C"),
    _s("polyneuropathy, unspecified",             {"diagnoses": ["G62.9"]},                                         "C"),
    _s("lumbar radiculopathy",                    {"diagnoses": ["M54.16"]},                                        "C"),
    _s("low back pain is not radiculopathy",      {"diagnoses": ["M54.50"]},                                        "S", "indication.neuropathic_diagnosis"),
    _s("raised ICP unknown",                      {"raised_icp": UNKNOWN},                                          "I", "unknown.raised_icp"),
    _s("lorazepam",                               {"medications": ["Lorazepam 1 mg"]},                              "P", "interaction.benzodiazepine", "interaction.cns_depressant"),
    _s("lamotrigine",                             {"medications": ["lamotrigine"]},                                 "P", "interaction.lamotrigine"),
    _s("tranylcypromine (MAOI)",                  {"medications": ["tranylcypromine"]},                             "S", "interaction.maoi"),
    _s("clarithromycin",                          {"medications": ["CLARITHROMYCIN 500mg bd"]},                     "P", "interaction.cyp_inhibitor"),
    _s("itraconazole (checked, no effect found)", {"medications": ["itraconazole"]},                                "C"),
    _s("theophylline",                            {"medications": ["theophylline"]},                                "P", "interaction.theophylline"),
    _s("levothyroxine",                           {"medications": ["levothyroxine sodium 50 mcg"]},                 "P", "interaction.thyroid_hormone"),
    _s("oxycodone",                               {"medications": ["oxycodone"]},                                   "P", "interaction.cns_depressant"),
    _s("unknown medicine not checked",            {"medications": ["gabapentin", "zapfluxine"]},                    "I", "interaction.not_checked"),
    _s("unknown medicine checked by a clinician", {"medications": ["gabapentin", "Zapfluxine 10 mg"], "medications_checked": ["zapfluxine"]}, "C"),
    _s("another medicine checked, not this one",  {"medications": ["zapfluxine"], "medications_checked": ["zapfloxine"]}, "I", "interaction.not_checked"),
    _s("brand Xanax is alprazolam",               {"medications": ["Xanax XR 0.5 mg"]},                             "P", "interaction.benzodiazepine", "interaction.cns_depressant"),
    _s("brand Nardil is phenelzine (MAOI)",       {"medications": ["Nardil"]},                                      "S", "interaction.maoi"),
    _s("brand Biaxin is clarithromycin",          {"medications": ["biaxin 500 mg"]},                               "P", "interaction.cyp_inhibitor"),
    _s("brand Synthroid is levothyroxine",        {"medications": ["Synthroid 75 mcg"]},                            "P", "interaction.thyroid_hormone"),
    _s("Kaletra: ritonavir known, lopinavir not", {"medications": ["Kaletra"]},                                     "I", "interaction.cyp_inhibitor", "interaction.not_checked"),
    _s("brand Lyrica, checked, no interaction",   {"medications": ["Lyrica 75 mg"]},                                "C"),
    _s("no medications",                          {"medications": []},                                              "C"),
    _s("medications unknown",                     {"medications": UNKNOWN},                                         "I", "unknown.medications"),
    _s("PHQ-9 item 9 positive",                   {"instruments": [dn4(6), PHQ9_ITEM9]},                            "S", "safety.phq9_item9"),
    _s("precaution plus unknown is incomplete",   {"hypertension": "controlled", "liver_function": UNKNOWN},        "I", "safety.hypertension_controlled", "unknown.liver_function"),
    _s("exclusion wins over unknowns",            {"pregnant": True, "cardiac": "unstable", "medications": UNKNOWN}, "X", "safety.pregnancy", "safety.cardiac_unstable", "unknown.medications"),
    _s("specialist wins over unknowns",           {"psychosis": "past", "bp_readings": UNKNOWN},                    "S", "safety.psychosis_history", "unknown.bp_readings"),
    _s("specialist and precaution",               {"raised_iop": True, "medications": ["oxycodone"]},               "S", "safety.raised_iop", "interaction.cns_depressant"),
)
# fmt: on
