"""Rule sets are data the clinic edits: strict validation, versioning, editable thresholds."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import ketacore.rules as rules_pkg
from ketacore.errors import InputError
from ketacore.rules import Decision, default_rule_set, evaluate, facts_from_dict, load_rule_set

from .scenarios import BASE, bp


def document() -> dict[str, Any]:
    text = (
        resources.files("ketacore.rules")
        .joinpath("data/default_eligibility.json")
        .read_text(encoding="utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


def rule_index(doc: dict[str, Any], rule_id: str) -> int:
    return next(i for i, r in enumerate(doc["rules"]) if r["id"] == rule_id)


def test_the_default_rule_set_loads_with_a_version_and_sources():
    rs = default_rule_set()
    assert rs.version
    assert rs.approved_by is None  # not yet approved by a physician
    for rule in rs.rules:
        assert rule.source
        assert rule.rule_text
    assert {"crps", "spinal_cord_injury", "postherpetic_neuralgia", "phantom_limb"} <= set(
        rs.evidence_grades
    )
    assert rs.evidence_grades["crps"].grade == "moderate"


def test_it_exports_the_rules_api():
    for name in rules_pkg.__all__:
        assert hasattr(rules_pkg, name)


def test_a_clinic_can_change_a_threshold_and_the_version_is_recorded():
    doc = document()
    doc["version"] = "2026.2-clinic"
    doc["rules"][rule_index(doc, "safety.bp_reading_severe")]["params"]["systolic_above_mmhg"] = 160
    edited = load_rule_set(doc)
    facts = facts_from_dict(BASE | {"bp_readings": bp(165, 90)})
    assert evaluate(facts, default_rule_set()).decision is Decision.CANDIDATE
    result = evaluate(facts, edited)
    assert result.decision is Decision.NOT_A_CANDIDATE
    assert result.rule_set_version == "2026.2-clinic"


def test_a_clinic_can_add_a_rule_over_a_recorded_fact():
    doc = document()
    doc["rules"].append(
        {
            "id": "clinic.no_other_sex",
            "check": "fact_in",
            "params": {"fact": "raised_iop", "values": [True]},
            "severity": "exclude",
            "on_unknown": "ask",
            "safety": True,
            "clinic_decision": True,
            "message": "Clinic policy.",
            "rule_text": "Raised IOP excludes at this clinic.",
            "source": "Clinic policy 2026-03",
        }
    )
    result = evaluate(facts_from_dict(BASE | {"raised_iop": True}), load_rule_set(doc))
    assert result.decision is Decision.NOT_A_CANDIDATE


def _break(path: list[Any], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(document())
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["schema"], "v0", "schema"),
        (["version"], "", "version"),
        (["version"], KeyError, "version"),
        (["extra"], 1, "extra"),
        (["approved_by"], "", "approved_by"),
        (["rules"], [], "rules"),
        (
            ["evidence_grades", "gout"],
            {"grade": "x", "note": "y", "source": "z"},
            "evidence_grades.gout",
        ),
        (["drug_classes", "maoi", "names"], ["Phenelzine"], "drug_classes.maoi.names[0]"),
        (["rules", 0, "severity"], "maybe", "rules[0].severity"),
        (["rules", 0, "check"], "guess", "rules[0].check"),
        (["rules", 0, "source"], "", "rules[0].source"),
        (["rules", 0, "colour"], "red", "rules[0].colour"),
        (["rules", 1, "id"], "indication.neuropathic_diagnosis", "rules[1].id"),
        (["rules", 2, "params", "min_months"], -1, "rules[2].params.min_months"),
        (["rules", 2, "params", "min_months"], "3", "rules[2].params.min_months"),
        (["rules", 2, "params", "max_months"], 3, "rules[2].params.max_months"),
        (
            ["rules", 6, "params", "systolic_above_mmhg"],
            1000,
            "rules[6].params.systolic_above_mmhg",
        ),
        (
            ["rules", 6, "params", "diastolic_above_mmhg"],
            KeyError,
            "rules[6].params.diastolic_above_mmhg",
        ),
        (["rules", 5, "params", "fact"], "mood", "rules[5].params.fact"),
        (["rules", 5, "params", "values"], ["very high"], "rules[5].params.values[0]"),
        (["rules", 5, "on_unknown"], "ignore", "rules[5].on_unknown"),
        (["rules", 5, "safety"], "yes", "rules[5].safety"),
        (["rules", 3, "params", "instruments"], ["paindetect"], "rules[3].params.instruments[0]"),
        (["rules", 23, "params", "drug_class"], "antihistamine", "rules[23].params.drug_class"),
    ],
)
def test_a_bad_rule_set_is_refused_naming_the_field(path, value, field):
    with pytest.raises(InputError) as err:
        load_rule_set(_break(path, value))
    assert err.value.field == field


def test_the_indices_used_above_point_at_the_expected_rules():
    doc = document()
    assert doc["rules"][2]["id"] == "indication.chronic"
    assert doc["rules"][3]["id"] == "indication.neuropathic_screen"
    assert doc["rules"][5]["id"] == "safety.hypertension_uncontrolled"
    assert doc["rules"][6]["id"] == "safety.bp_reading_severe"
    assert doc["rules"][23]["check"] == "medication_class"


def test_docs_show_the_default_rules_as_the_code_generates_them():
    text = (Path(__file__).parents[3] / "docs" / "screening.md").read_text(encoding="utf-8")
    assert rules_pkg.rules_table(default_rule_set()) in text, (
        "regenerate the table in docs/screening.md §2 from ketacore.rules.rules_table"
    )
