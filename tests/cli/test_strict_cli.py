"""``ketaclinic screen`` and ``score`` take JSON strictly (issue 10 item 7).

Each bad input exits 2 with one line naming the field, never a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ketaclinic.cli import main
from tests.core.rules.scenarios import BASE

DN4_ANSWERS = {f"q{i}": 0 for i in range(1, 11)}

#: (name, the document's bytes, the field the error must name)
BAD_FACTS = [
    ("duplicate key", b'{"pregnant": true, "pregnant": false}', "pregnant"),
    (
        "unknown key in a reading",
        b'{"bp_readings": [{"systolic_mmhg": 120, "diastolic_mmhg": 80, "arm": "left"}]}',
        "bp_readings[0].arm",
    ),
    (
        "unknown key in a treatment",
        b'{"prior_treatments": [{"treatment": "opioid", "outcome": "helped", "x": 1}]}',
        "prior_treatments[0].x",
    ),
    ("invalid UTF-8", b'{"sex": "\xff"}', "--input"),
    (
        "5000-digit integer",
        b'{"pain_duration_months": ' + b"9" * 5000 + b"}",
        "pain_duration_months",
    ),
    ("100,000-deep nesting", b"[" * 100_000 + b"]" * 100_000, "--input"),
    (
        "a string for an instrument's options",
        b'{"instruments": [{"instrument": "dn4", "answers": {}, "options": "cutoff=4"}]}',
        "instruments[0].options",
    ),
    ("NaN", b'{"pain_duration_months": NaN}', "pain_duration_months"),
]


@pytest.mark.parametrize(("name", "data", "field"), BAD_FACTS, ids=[b[0] for b in BAD_FACTS])
def test_screen_refuses_each_with_the_field_named(tmp_path: Path, capsys, name, data, field):
    path = tmp_path / "facts.json"
    path.write_bytes(data)
    code = main(["screen", "--input", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith(f"ketaclinic: error: {field}: "), err
    assert "Traceback" not in err
    assert err.count("\n") == 1


BAD_ANSWERS = [
    ("duplicate key", b'{"answers": {"q1": 1, "q1": 0}}', "answers.q1"),
    ("string for options", b'{"answers": {}, "options": "cutoff=4"}', "options"),
    ("invalid UTF-8", b'{"answers": {"q1": "\xfe"}}', "--input"),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "--input"),
    ("huge integer", b'{"q1_burning": ' + b"1" * 5000 + b"}", "q1_burning"),
]


@pytest.mark.parametrize(("name", "data", "field"), BAD_ANSWERS, ids=[b[0] for b in BAD_ANSWERS])
def test_score_refuses_each_with_the_field_named(tmp_path: Path, capsys, name, data, field):
    path = tmp_path / "answers.json"
    path.write_bytes(data)
    code = main(["score", "dn4", "--input", str(path)])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith(f"ketaclinic: error: {field}: "), err


def test_a_rules_file_with_a_duplicate_key_is_refused(tmp_path: Path, capsys):
    rules = tmp_path / "rules.json"
    rules.write_text('{"schema": "x", "schema": "y"}', encoding="utf-8")
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(BASE), encoding="utf-8")
    code = main(["screen", "--input", str(facts), "--rules", str(rules)])
    assert code == 2
    assert capsys.readouterr().err.startswith("ketaclinic: error: schema: appears twice")


@pytest.mark.parametrize(
    "data",
    [b'{"pregnant": true, "pregnant": false}', b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe"],
    ids=["duplicate", "deep", "utf8"],
)
def test_the_installed_command_exits_2_without_a_traceback(data):
    script = Path(sys.executable).with_name("ketaclinic")
    result = subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(script), "screen", "--input", "-"],
        input=data,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert b"Traceback" not in result.stderr
    assert result.stderr.startswith(b"ketaclinic: error: ")


def test_the_screen_example_in_the_docs_is_what_the_command_prints(tmp_path: Path, capsys):
    text = (Path(__file__).parents[2] / "docs" / "screening.md").read_text(encoding="utf-8")
    start = text.index("Example input `facts.json`:")
    facts = text[
        text.index("```json\n", start) + 8 : text.index("```", text.index("```json\n", start) + 8)
    ]
    shown_at = text.index("`ketaclinic screen --input - < facts.json` prints:")
    body = text.index("```json\n", shown_at) + 8
    shown = text[body : text.index("```", body)]
    path = tmp_path / "facts.json"
    path.write_text(facts, encoding="utf-8")
    assert main(["screen", "--input", str(path)]) == 0
    assert capsys.readouterr().out == shown, (
        "regenerate the example output in docs/screening.md §4.3"
    )
