"""``ketaclinic pk ...``: JSON contracts, plots and exit codes."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ketaclinic.cli as cli

SIMULATE = {
    "model": "domino",
    "weight_kg": 70,
    "age_years": 45,
    "boluses": [{"time_min": 0, "dose_mg": 7}],
    "infusions": [{"start_min": 0, "duration_min": 40, "rate_mg_per_min": 0.875}],
    "times_min": [5, 10, 40],
}


def run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, doc: Any, *extra: str
) -> tuple[int, Any, str]:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
    code = cli.main(["pk", command, "--input", str(path), *extra])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_simulate_follows_the_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(tmp_path, capsys, "simulate", SIMULATE, "--plot", str(tmp_path / "s.png"))
    assert code == 0
    assert out["times_min"] == [5, 10, 40]
    assert len(out["plasma_ng_per_ml"]) == len(out["effect_site_ng_per_ml"]) == 3
    metrics = out["metrics"]
    assert set(metrics) == {
        "cmax_ng_per_ml",
        "tmax_min",
        "effect_site_cmax_ng_per_ml",
        "effect_site_tmax_min",
        "auc_ng_min_per_ml",
        "total_dose_mg",
    }
    assert metrics["total_dose_mg"] == pytest.approx(42)
    assert metrics["tmax_min"] == 0  # the bolus at t = 0 is the plasma peak
    assert _png_size(tmp_path / "s.png") == (800, 450)


def test_simulate_accepts_a_custom_model_and_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = dict(
        SIMULATE,
        model={
            "v1_l": 4.41,
            "k10": 0.438,
            "k12": 0.592,
            "k13": 0.59,
            "k21": 0.247,
            "k31": 0.0146,
            "ke0": 0.238,
        },
    )
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(json.dumps(doc)))
    assert cli.main(["pk", "simulate", "--input", "-"]) == 0
    custom = json.loads(capsys.readouterr().out)
    assert custom["plasma_ng_per_ml"][2] == pytest.approx(250.85, abs=0.01)


def test_compare_tci_and_population_write_json_and_plots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = {"model": "domino", "weight_kg": 70, "age_years": 45}
    code, out, _ = run(
        tmp_path,
        capsys,
        "compare",
        {
            **patient,
            "same_dose": {"dose_mg": 35, "durations_min": [40, 60, 120, 240]},
            "ceiling": {"ceiling_ng_per_ml": 200, "dose_mg": 35, "chair_time_min": 120},
        },
        "--plot",
        str(tmp_path / "c.png"),
    )
    assert code == 0
    assert out["rows"][0]["label"] == "35 mg over 40 min"
    assert out["shortest_duration"]["cmax_ng_per_ml"] == pytest.approx(200)
    assert out["largest_dose"]["duration_min"] == 120
    assert _png_size(tmp_path / "c.png")[0] > 0
    code, out, _ = run(
        tmp_path,
        capsys,
        "tci",
        {
            **patient,
            "target_site": "plasma",
            "targets": [{"start_min": 0, "target_ng_per_ml": 200}],
            "duration_min": 10,
            "syringe_mg_per_ml": 10,
        },
        "--plot",
        str(tmp_path / "t.png"),
    )
    assert code == 0
    assert len(out["rate_mg_per_min"]) == 60
    assert max(out["rate_ml_per_h"]) <= 1200
    assert _png_size(tmp_path / "t.png")[0] > 0
    code, out, _ = run(
        tmp_path,
        capsys,
        "population",
        {
            "model": "domino",
            "n_patients": 200,
            "weight_range_kg": [50, 120],
            "age_years": 45,
            "seed": 1,
            "infusions": [{"start_min": 0, "duration_min": 40, "rate_mg_per_min": 0.875}],
            "times_min": [0, 20, 40, 60],
            "threshold_ng_per_ml": 250,
        },
        "--plot",
        str(tmp_path / "p.png"),
    )
    assert code == 0
    assert 0 <= out["probability_cmax_above_threshold"] <= 1
    assert out["iiv"]["is_default"] is True
    assert _png_size(tmp_path / "p.png")[0] > 0


BAD = [
    ("simulate", dict(SIMULATE, boluses=[{"time_min": 0, "dose_mg": -7}]), "boluses[0].dose_mg"),
    (
        "simulate",
        dict(SIMULATE, boluses=[{"time_min": 0, "rate_mg_per_min": 7}]),
        "boluses[0].rate_mg_per_min",
    ),
    (
        "simulate",
        dict(
            SIMULATE,
            infusions=[{"start_min": 0, "duration_min": 40, "rate_mg_per_min": float("nan")}],
        ),
        "infusions[0].rate_mg_per_min",
    ),
    (
        "simulate",
        dict(
            SIMULATE,
            infusions=[{"start_min": 0, "duration_min": 40, "rate_mg_per_min": float("inf")}],
        ),
        "infusions[0].rate_mg_per_min",
    ),
    ("simulate", dict(SIMULATE, times_min=[10, 5]), "times_min"),
    ("simulate", dict(SIMULATE, times_min=[-5, 5]), "times_min[0]"),
    ("simulate", dict(SIMULATE, model="propofol"), "model"),
    ("simulate", dict(SIMULATE, weight_kg=300), "weight_kg"),
    ("simulate", dict(SIMULATE, age_years=5), "age_years"),
    ("simulate", dict(SIMULATE, dose=5), "dose"),
    ("simulate", dict(SIMULATE, model={"v1_l": 4, "k10": -1, "ke0": 1}), "model.k10"),
    ("compare", {"model": "domino", "weight_kg": 70, "age_years": 45}, "options"),
    (
        "tci",
        {
            "model": "domino",
            "weight_kg": 70,
            "age_years": 45,
            "targets": [],
            "duration_min": 10,
            "syringe_mg_per_ml": 10,
        },
        "targets",
    ),
    (
        "population",
        {"model": "domino", "n_patients": 0, "weight_kg": 70, "age_years": 45, "seed": 1},
        "n_patients",
    ),
]


@pytest.mark.parametrize(("command", "doc", "field"), BAD)
def test_bad_input_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, doc: Any, field: str
) -> None:
    code, _, err = run(tmp_path, capsys, command, doc)
    assert code == 2
    assert f"ketaclinic: error: {field}:" in err


def test_unreadable_or_invalid_json_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(tmp_path, capsys, "simulate", "{not json")
    assert code == 2
    assert "not valid JSON" in err
    assert cli.main(["pk", "simulate", "--input", str(tmp_path / "missing.json")]) == 2


def _subprocess(args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed argv built by the test itself
        args, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_real_subprocess_reads_stdin_and_reports_errors() -> None:
    launcher = [sys.executable, "-m", "ketaclinic.cli"]
    ok = _subprocess([*launcher, "pk", "simulate", "--input", "-"], json.dumps(SIMULATE))
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["metrics"]["total_dose_mg"] == pytest.approx(42)
    bad = _subprocess(
        [*launcher, "pk", "simulate", "--input", "-"], json.dumps(dict(SIMULATE, weight_kg=-1))
    )
    assert bad.returncode == 2
    assert "weight_kg" in bad.stderr


def test_the_installed_console_script() -> None:
    script = Path(sys.executable).with_name("ketaclinic")
    result = _subprocess([str(script), "pk", "simulate", "--input", "-"], json.dumps(SIMULATE))
    assert result.returncode == 0, result.stderr
    assert "plasma_ng_per_ml" in json.loads(result.stdout)
