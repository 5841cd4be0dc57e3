"""``ketaclinic score``: --describe, --input FILE|-, options, errors with exit code 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ketaclinic.cli import main

DN4I = {
    "q1_burning": 1,
    "q2_painful_cold": 0,
    "q3_electric_shocks": 1,
    "q4_tingling": 1,
    "q5_pins_and_needles": 0,
    "q6_numbness": 0,
    "q7_itching": 0,
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_it_describes_items_in_order(capsys):
    code, out, _ = run(capsys, "score", "dn4", "--describe")
    data = json.loads(out)
    assert code == 0
    assert [i["id"] for i in data["items"]][:3] == [
        "q1_burning",
        "q2_painful_cold",
        "q3_electric_shocks",
    ]
    assert data["items"][0]["allowed_values"] == [0, 1]
    assert data["instrument_version"] == "1.0"


def test_it_describes_the_items_of_a_chosen_variant(capsys):
    _, out, _ = run(capsys, "score", "bprs-positive", "--describe", "--option", "range=0-6")
    assert json.loads(out)["items"][0]["allowed_values"] == list(range(7))


def test_it_scores_a_file(tmp_path: Path, capsys):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(DN4I), encoding="utf-8")
    code, out, _ = run(capsys, "score", "dn4-interview", "--input", str(path))
    data = json.loads(out)
    assert code == 0
    assert {k: data[k] for k in ("instrument", "total", "subscales", "flags")} == {
        "instrument": "dn4-interview",
        "total": 3,
        "subscales": {},
        "flags": [],
    }
    assert data["band"]["id"] == "unlikely"


def test_it_scores_stdin_with_an_option(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(DN4I)))
    _, out, _ = run(capsys, "score", "dn4-interview", "--input", "-", "--option", "cutoff=3")
    data = json.loads(out)
    assert data["band"]["id"] == "likely"
    assert data["options"] == {"cutoff": "3"}


def test_it_accepts_answers_and_options_in_one_document(monkeypatch, capsys):
    doc = {"answers": {"q1_change": 2}, "options": {"numbering": "reversed"}}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(doc)))
    _, out, _ = run(capsys, "score", "pgic", "--input", "-")
    assert json.loads(out)["band"]["id"] == "much_worse"


def test_it_lists_every_missing_answer_and_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps({"q1_burning": 1})))
    code, out, err = run(capsys, "score", "dn4-interview", "--input", "-")
    assert code == 2
    assert out == ""
    assert "answers: missing required answers" in err
    assert "q2_painful_cold" in err
    assert "q7_itching" in err


def test_it_names_the_item_and_range_when_out_of_range(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(DN4I | {"q4_tingling": 2})))
    code, _, err = run(capsys, "score", "dn4-interview", "--input", "-")
    assert code == 2
    assert "answers.q4_tingling" in err
    assert "0 (no) or 1 (yes)" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["score", "paindetect", "--describe"], "instrument: unknown instrument"),
        (["score", "dn4", "--describe", "--option", "cutoff"], "NAME=VALUE"),
        (["score", "dn4", "--describe", "--option", "cutoff=9"], "options.cutoff"),
        (["score", "dn4", "--input", "/nonexistent/answers.json"], "cannot read"),
    ],
)
def test_bad_usage_exits_2_with_a_message(argv, message, capsys):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err


def test_invalid_json_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("{not json"))
    code, _, err = run(capsys, "score", "nrs", "--input", "-")
    assert code == 2
    assert "not valid JSON" in err


def test_a_list_is_not_an_answers_object(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("[1, 2]"))
    code, _, err = run(capsys, "score", "nrs", "--input", "-")
    assert code == 2
    assert "answers" in err


def test_the_installed_console_script_scores_stdin():
    script = Path(sys.executable).with_name("ketaclinic")
    proc = subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(script), "score", "nrs", "--input", "-"],
        input=json.dumps({"q1_pain": 7}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["total"], data["band"]["id"]) == (7, "severe")
