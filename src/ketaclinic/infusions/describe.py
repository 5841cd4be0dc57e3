"""An entry in a clinician's words, for the timeline on the page and in the record."""

from __future__ import annotations

from ketaclinic.infusions.models import EntryKind, SessionEntry
from ketaclinic.infusions.services import INTERVENTIONS, SCORES, SEVERITIES, SIDE_EFFECTS
from ketacore.infusion.care import Measure

__all__ = ["describe", "vitals_text"]

_PREGNANCY = {
    "not_applicable": "cannot become pregnant",
    "negative_test": "negative pregnancy test",
    "confirmed_not_pregnant": "confirmed not pregnant",
    "": "pregnancy status not confirmed",
}


def vitals_text(entry: SessionEntry) -> str:
    parts = []
    if entry.systolic_mmhg is not None and entry.diastolic_mmhg is not None:
        parts.append(f"BP {entry.systolic_mmhg:g}/{entry.diastolic_mmhg:g} mmHg")
    for measure, label in (
        (Measure.HEART_RATE, "HR {v:g} /min"),
        (Measure.SPO2, "SpO2 {v:g} %"),
        (Measure.RESPIRATORY_RATE, "RR {v:g} /min"),
        (Measure.TEMPERATURE, "{v:g} °C"),
    ):
        value = getattr(entry, measure.value)
        if value is not None:
            parts.append(label.format(v=value))
    return ", ".join(parts)


def describe(entry: SessionEntry) -> str:
    """What the entry says, in plain words (no internal keys)."""
    d = entry.data
    kind = entry.kind
    if kind == EntryKind.CHECK_IN:
        said = [
            "consent confirmed" if d.get("consent") else "consent not confirmed",
            "fasted" if d.get("fasted") else "fasting not confirmed",
            "escort arranged" if d.get("escort") else "no escort arranged",
            _PREGNANCY.get(str(d.get("pregnancy", "")), ""),
        ]
        if d.get("weight_kg"):
            said.append(f"weight {d['weight_kg']:g} kg")
        vitals = vitals_text(entry)
        return "; ".join([*said, *([vitals] if vitals else [])])
    if kind in (EntryKind.START, EntryKind.RATE_CHANGE, EntryKind.RESUME) and entry.rate_mg_per_h:
        return f"{entry.rate_mg_per_h:g} mg/h" + (f". Why: {entry.reason}" if entry.reason else "")
    if kind == EntryKind.BOLUS:
        return f"{entry.dose_mg:g} mg" + (f". Why: {entry.reason}" if entry.reason else "")
    if kind == EntryKind.VITALS:
        return vitals_text(entry)
    if kind == EntryKind.SCORE:
        name = SCORES.get(str(d.get("instrument")), "Score")
        return f"{name}: {d.get('total')}"
    if kind == EntryKind.SIDE_EFFECT:
        done = ", ".join(INTERVENTIONS.get(i, i) for i in d.get("interventions", []))
        effect = SIDE_EFFECTS.get(d.get("effect", ""), "Other")
        severity = SEVERITIES.get(d.get("severity", ""), "").lower()
        text = f"{effect}, {severity}" if severity else effect
        return text + (f"; {done}" if done else "") + (f"; {d['note']}" if d.get("note") else "")
    if kind == EntryKind.RESCUE:
        return f"{d.get('drug')} {d.get('dose')} {d.get('route')}" + (
            f" for {d['indication']}" if d.get("indication") else ""
        )
    if kind == EntryKind.NOTE:
        return str(d.get("text", ""))
    if kind == EntryKind.OVERRIDE:
        what = "the check-in" if d.get("of") == "check_in" else "the discharge criteria"
        return f"Physician overrode {what}. Why: {entry.reason}"
    if kind == EntryKind.DISCHARGE:
        escort = "with an escort" if d.get("escort_present") else "without an escort"
        return f"Home {escort}" + (" (physician's override)" if d.get("overridden") else "")
    return entry.reason
