"""``ketaclinic screen``: facts in, decision with findings out; errors exit 2."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from ketaclinic.cli import main
from tests.core.rules.scenarios import BASE


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_it_screens_a_file(tmp_path: Path, capsys):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(BASE | {"medications": ["clarithromycin"]}), encoding="utf-8")
    code, out, _ = run(capsys, "screen", "--input", str(path))
    data = json.loads(out)
    assert code == 0
    assert data["decision"] == "candidate_with_precautions"
    assert "interaction.cyp_inhibitor" in {f["id"] for f in data["findings"]}
    assert data["rule_set"]["id"] == "ketaclinic-default"


def test_it_screens_stdin_and_asks_for_unknowns(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps({"diagnoses": ["G90.522"]})))
    code, out, _ = run(capsys, "screen", "--input", "-")
    data = json.loads(out)
    assert code == 0
    assert data["decision"] == "incomplete"
    assert data["complete"] is False
    assert "pregnant" in data["unknowns"]


def test_it_uses_a_clinic_rule_set(tmp_path: Path, capsys):
    text = (
        resources.files("ketacore.rules")
        .joinpath("data/default_eligibility.json")
        .read_text(encoding="utf-8")
    )
    doc = json.loads(text)
    doc["version"] = "clinic-7"
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(doc), encoding="utf-8")
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(BASE), encoding="utf-8")
    _, out, _ = run(capsys, "screen", "--input", str(facts), "--rules", str(rules))
    assert json.loads(out)["rule_set"]["version"] == "clinic-7"


def test_a_bad_rule_set_exits_2_naming_the_field(tmp_path: Path, capsys):
    text = (
        resources.files("ketacore.rules")
        .joinpath("data/default_eligibility.json")
        .read_text(encoding="utf-8")
    )
    doc = copy.deepcopy(json.loads(text))
    doc["rules"][0]["severity"] = "sometimes"
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(doc), encoding="utf-8")
    facts = tmp_path / "facts.json"
    facts.write_text("{}", encoding="utf-8")
    code, _, err = run(capsys, "screen", "--input", str(facts), "--rules", str(rules))
    assert code == 2
    assert "rules[0].severity" in err


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"pregnant": "maybe"}, "pregnant: must be true, false or null"),
        (
            {"bp_readings": [{"systolic_mmhg": 400, "diastolic_mmhg": 80}]},
            "bp_readings[0].systolic_mmhg",
        ),
        (
            {"instruments": [{"instrument": "phq9", "answers": {"q1_little_interest": 1}}]},
            "q9_self_harm_thoughts",
        ),
        ({"weight": 70}, "weight: is not a known fact"),
    ],
)
def test_bad_facts_exit_2(monkeypatch, capsys, facts, message):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(facts)))
    code, out, err = run(capsys, "screen", "--input", "-")
    assert code == 2
    assert out == ""
    assert message in err


def test_contradictory_facts_are_flagged_for_review(monkeypatch, capsys):
    monkeypatch.setattr(
        sys, "stdin", io.StringIO(json.dumps(BASE | {"sex": "male", "pregnant": True}))
    )
    _, out, _ = run(capsys, "screen", "--input", "-")
    data = json.loads(out)
    assert data["decision"] == "incomplete"
    assert "review.pregnant_male" in {f["id"] for f in data["findings"]}


def test_the_installed_console_script_screens_stdin():
    script = Path(sys.executable).with_name("ketaclinic")
    proc = subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(script), "screen", "--input", "-"],
        input=json.dumps(BASE | {"pregnant": True}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["decision"] == "not_a_candidate"
