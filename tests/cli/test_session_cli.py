"""``ketaclinic session replay``: a worked session by hand, impossible sequences, strict JSON.

The worked example and one impossible sequence run the real process (the console
script's ``main``, with every command registered); the table of impossible sequences runs
the same ``main`` in this process, which gives the same exit code and message.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ketaclinic.cli as cli

PATIENT = {"model": "domino", "weight_kg": 70, "age_years": 45}

#: 24 mg/h from 0, 36 mg/h from 10 min, paused at 25, resumed at 28 min at 12 mg/h, a 5 mg
#: bolus at 30 min, still running "now" at 40 min.
WORKED = {
    "patient": PATIENT,
    "events": [
        {"kind": "start", "time_min": 0, "rate_mg_per_h": 24},
        {"kind": "rate_change", "time_min": 10, "rate_mg_per_h": 36},
        {"kind": "pause", "time_min": 25},
        {"kind": "resume", "time_min": 28, "rate_mg_per_h": 12},
        {"kind": "bolus", "time_min": 30, "dose_mg": 5},
    ],
    "as_of_min": 40,
    "output_times_min": [0, 10, 25, 28, 40],
}

LAUNCHER = "import sys, ketaclinic.cli as c; sys.exit(c.main())"


def _process(stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed argv built by the test itself
        [sys.executable, "-c", LAUNCHER, "session", "replay", "--input", "-"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_worked_session_in_a_real_process() -> None:
    result = _process(json.dumps(WORKED))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    delivered = out["delivered"]
    by_hand = [24 * 10 / 60, 36 * 15 / 60, 12 * 12 / 60]  # 4 + 9 + 2.4 mg
    assert delivered["infused_mg"] == math.fsum(by_hand) == pytest.approx(15.4)
    assert delivered["bolus_mg"] == 5.0
    assert delivered["total_mg"] == pytest.approx(20.4)
    assert (delivered["state"], delivered["rate_mg_per_h"], delivered["as_of_min"]) == (
        "running",
        12.0,
        40.0,
    )
    assert [(s["start_min"], s["end_min"], s["dose_mg"]) for s in delivered["segments"]] == [
        (0.0, 10.0, 4.0),
        (10.0, 25.0, 9.0),
        (28.0, 40.0, 2.4),
    ]
    assert delivered["boluses"] == [{"time_min": 30.0, "dose_mg": 5.0}]
    conc = out["concentrations"]
    assert conc["times_min"] == [0.0, 10.0, 25.0, 28.0, 40.0]
    assert conc["plasma_ng_per_ml"][0] == 0.0
    assert all(c > 0 for c in conc["plasma_ng_per_ml"][1:])
    assert out["model"] == "domino"


def test_an_impossible_sequence_in_a_real_process() -> None:
    doc = {
        "patient": PATIENT,
        "events": [
            {"kind": "start", "time_min": 0, "rate_mg_per_h": 20},
            {"kind": "stop", "time_min": 30},
            {"kind": "rate_change", "time_min": 35, "rate_mg_per_h": 30},
        ],
        "output_times_min": [0, 60],
    }
    result = _process(json.dumps(doc))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "ketaclinic: error: events[2]: a rate change needs a running infusion (it is stopped)\n"
    )


def _events(*events: dict[str, Any]) -> dict[str, Any]:
    return {"patient": PATIENT, "events": list(events), "output_times_min": [0]}


def _start(t: float = 0, rate: float = 20) -> dict[str, Any]:
    return {"kind": "start", "time_min": t, "rate_mg_per_h": rate}


def _at(kind: str, t: float, **values: float) -> dict[str, Any]:
    return {"kind": kind, "time_min": t, **values}


#: (name, document, the message after "ketaclinic: error: ")
IMPOSSIBLE = [
    (
        "time goes backwards",
        _events(_start(10), _at("stop", 5)),
        "events[1].time_min: times never go backwards: this event is at 5 min, "
        "before the previous one at 10 min",
    ),
    (
        "second start while running",
        _events(_start(), _start(5, 30)),
        "events[1]: a start needs an infusion that has not started or has stopped "
        "(it is running: chart a rate change to change the rate)",
    ),
    (
        "rate change while paused",
        _events(_start(), _at("pause", 5), _at("rate_change", 6, rate_mg_per_h=30)),
        "events[2]: a rate change needs a running infusion "
        "(it is paused; a resume can set a new rate)",
    ),
    (
        "rate change to the same rate",
        _events(_start(), _at("rate_change", 5, rate_mg_per_h=20)),
        "events[1].rate_mg_per_h: a rate change needs a different rate "
        "(it is already running at 20 mg/h)",
    ),
    (
        "rate change to 0",
        _events(_start(), _at("rate_change", 5, rate_mg_per_h=0)),
        "events[1].rate_mg_per_h: a rate of 0 mg/h is a pause: chart a pause, "
        "and a resume when the pump runs again",
    ),
    (
        "pause before the start",
        _events(_at("bolus", 0, dose_mg=5), _at("pause", 1)),
        "events[1]: a pause needs a running infusion (it has not started)",
    ),
    (
        "resume while running",
        _events(_start(), _at("resume", 5)),
        "events[1]: a resume needs a paused infusion (it is running)",
    ),
    (
        "stop after the stop",
        _events(_start(), _at("stop", 5), _at("stop", 6)),
        "events[2]: a stop needs a running or paused infusion (it is stopped)",
    ),
    (
        "bolus of 0 mg",
        _events(_at("bolus", 0, dose_mg=0)),
        "events[0].dose_mg: a bolus dose must be a finite number of mg above 0 (got 0)",
    ),
    (
        "negative rate",
        _events(_start(0, -20)),
        "events[0].rate_mg_per_h: a pump rate must be a finite number of mg/h above 0 (got -20)",
    ),
]


def _main(tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: Any) -> tuple[int, str, str]:
    path = tmp_path / "session.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    code = cli.main(["session", "replay", "--input", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("name", "doc", "message"), IMPOSSIBLE, ids=[c[0] for c in IMPOSSIBLE])
def test_each_impossible_sequence_exits_2_naming_the_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, doc: Any, message: str
) -> None:
    code, out, err = _main(tmp_path, capsys, doc)
    assert (code, out) == (2, "")
    assert err == f"ketaclinic: error: {message}\n"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (json.dumps(dict(WORKED, notes="left arm")), "notes"),
        (json.dumps(_events({**_start(), "units": "mg/h"})), "events[0].units"),
        (json.dumps(dict(WORKED, patient=dict(PATIENT, height_cm=170))), "patient.height_cm"),
        ('{"patient": {}, "patient": {}}', "patient"),
        ('{"events": [{"kind": "start", "time_min": NaN}]}', "events[0].time_min"),
        ("{not json", "--input"),
    ],
)
def test_unknown_keys_and_bad_json_are_refused_by_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, field: str
) -> None:
    code, out, err = _main(tmp_path, capsys, text)
    assert (code, out) == (2, "")
    assert err.startswith(f"ketaclinic: error: {field}: "), err


def test_session_replay_is_listed_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["session", "--help"])
    assert caught.value.code == 0
    assert "replay" in capsys.readouterr().out
