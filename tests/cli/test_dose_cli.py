"""``ketaclinic dose``: the pump settings of one infusion, and a hard limit refused (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ketaclinic.cli as cli


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: Any) -> tuple[int, Any, str]:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code = cli.main(["dose", "--input", str(path)])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out else None), err


def test_figures_by_hand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        tmp_path,
        capsys,
        {
            "protocol_id": "four-hour",
            "weight_kg": 80,
            "dose": 0.4,
            "concentration_mg_per_ml": 2,
            "bag_volume_ml": 250,
        },
    )
    assert (code, err) == (0, "")
    # 0.4 mg/kg/h x 80 kg = 32 mg/h; 4 h -> 128 mg; at 2 mg/mL 16 mL/h and 64 mL.
    assert out["rate_mg_per_h"] == 32.0
    assert out["total_mg"] == 128.0
    assert out["pump"]["rate_ml_per_h"] == 16.0
    assert out["pump"]["total_ml"] == 64.0
    assert out["hard_limit_breached"] is False
    assert {x["quantity"] for x in out["limits"]} == {
        "rate_mg_per_kg_per_h",
        "rate_mg_per_h",
        "session_mg_per_kg",
        "session_mg",
    }
    assert out["steps"][0] == {
        "label": "Rate",
        "working": "0.4 mg/kg/h × 80 kg",
        "value": 32.0,
        "unit": "mg/h",
    }


def test_an_inline_protocol_with_its_own_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    protocol = {
        "id": "ward",
        "name": "Ward protocol",
        "summary": "A fixed rate.",
        "dose_basis": "mg_per_h",
        "dose": 20,
        "duration_min": 120,
        "duration_range_min": [60, 240],
        "series": {"count": 1, "spacing_days": 0},
        "concentration_mg_per_ml": 1,
        "bag_volume_ml": 50,
        "limits": [{"quantity": "rate_mg_per_h", "soft_max": 15, "hard_max": 30, "source": "ward"}],
        "source": "ward",
    }
    code, out, _ = run(tmp_path, capsys, {"protocol": protocol, "weight_kg": 70})
    assert code == 0
    assert out["soft_limits_needing_a_reason"] == ["ward:rate_mg_per_h:above_soft_max"]


def test_a_hard_limit_breach_exits_2_naming_the_limit(tmp_path: Path) -> None:
    """As a whole process, the way a pharmacist's script would call it."""
    path = tmp_path / "plan.json"
    path.write_text(
        json.dumps({"protocol_id": "crps-schwartzman", "weight_kg": 100, "dose": 0.35}),
        encoding="utf-8",
    )
    script = Path(sys.executable).with_name("ketaclinic")
    done = subprocess.run(  # noqa: S603 - fixed argv built by the test itself
        [str(script), "dose", "--input", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert (
        "hard limit: Infusion rate at the starting dose is 35 mg/h, above this protocol's "
        "hard limit of 25 mg/h" in done.stderr
    )
    out = json.loads(done.stdout)
    assert out["hard_limit_breached"] is True
    assert out["hard_ceilings"]["rate_mg_per_h"] == 25.0


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"protocol_id": "four-hour"}, "weight_kg: is required"),
        ({"protocol_id": "four-hour", "weight_kg": 70, "rate": 3}, "rate: is not allowed here"),
        ({"protocol_id": "nope", "weight_kg": 70}, "protocol_id: no protocol 'nope'"),
        ({"protocol_id": "four-hour", "weight_kg": "70"}, "weight_kg: must be a number"),
        ({"weight_kg": 70}, "protocol: give either protocol"),
    ],
)
def test_bad_input_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: Any, message: str
) -> None:
    code, _, err = run(tmp_path, capsys, doc)
    assert code == 2
    assert message in err


def test_the_example_in_docs_infusions_md_is_what_the_command_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (Path(__file__).parents[2] / "docs" / "infusions.md").read_text(encoding="utf-8")
    section = text[text.index("## Dose calculation") : text.index("## Treatment plans")]
    blocks = section.split("```json\n")
    example_in, example_out = (b[: b.index("```")] for b in blocks[1:3])
    code, out, _ = run(tmp_path, capsys, json.loads(example_in))
    assert code == 0
    assert json.loads(example_out) == out, "regenerate the example in docs/infusions.md"
