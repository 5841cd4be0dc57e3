"""The ``session replay`` JSON contract: fields, strictness and the field named in each error."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from ketacore import pk
from ketacore.errors import InputError, OutOfValidatedRangeError
from ketacore.infusion import EventSequenceError
from ketacore.infusion.documents import run_replay

DOCUMENT: dict[str, Any] = {
    "patient": {"model": "domino", "weight_kg": 70, "age_years": 45},
    "events": [
        {"kind": "start", "time_min": 0, "rate_mg_per_h": 20},
        {"kind": "rate_change", "time_min": 30, "rate_mg_per_h": 30},
        {"kind": "pause", "time_min": 60},
        {"kind": "resume", "time_min": 65},
        {"kind": "bolus", "time_min": 70, "dose_mg": 5},
        {"kind": "stop", "time_min": 120},
    ],
    "as_of_min": 120,
    "output_times_min": [0, 30, 60, 120, 180],
}


def test_the_output_follows_the_contract() -> None:
    out = run_replay(DOCUMENT)
    assert set(out) == {"delivered", "concentrations", "model", "warnings"}
    delivered = out["delivered"]
    assert {k: delivered[k] for k in ("total_mg", "infused_mg", "bolus_mg")} == {
        "total_mg": 57.5,
        "infused_mg": 52.5,
        "bolus_mg": 5.0,
    }
    assert (delivered["state"], delivered["rate_mg_per_h"], delivered["as_of_min"]) == (
        "stopped",
        0.0,
        120.0,
    )
    assert delivered["segments"][2] == {
        "start_min": 65.0,
        "end_min": 120.0,
        "rate_mg_per_h": 30.0,
        "dose_mg": 27.5,
    }
    assert delivered["boluses"] == [{"time_min": 70.0, "dose_mg": 5.0}]
    assert out["model"] == "domino"
    assert out["warnings"] == []
    params = pk.get_model("domino").parameters(pk.Patient(weight_kg=70, age_years=45))
    regimen = pk.Regimen.build(
        boluses=[(70, 5)], infusions=[(0, 30, 20 / 60), (30, 30, 30 / 60), (65, 55, 30 / 60)]
    )
    sim = pk.simulate(params, regimen, [0, 30, 60, 120, 180])
    conc = out["concentrations"]
    assert conc["times_min"] == [0.0, 30.0, 60.0, 120.0, 180.0]
    np.testing.assert_allclose(conc["plasma_ng_per_ml"], sim.plasma_ng_per_ml, rtol=1e-13)
    np.testing.assert_allclose(conc["effect_site_ng_per_ml"], sim.effect_site_ng_per_ml, rtol=1e-13)


def test_as_of_is_optional_and_warnings_come_through() -> None:
    doc = copy.deepcopy(DOCUMENT)
    del doc["as_of_min"]
    doc["patient"] = {"model": "domino", "weight_kg": 70, "age_years": 95}
    doc["patient"]["allow_extrapolation"] = True
    out = run_replay(doc)
    assert out["delivered"]["as_of_min"] == 120.0
    assert any("age" in w or "range" in w for w in out["warnings"])


def _with(path: str, value: Any) -> dict[str, Any]:
    """DOCUMENT with one value set (``"events[1].rate"``); value ``...`` deletes it."""
    doc = copy.deepcopy(DOCUMENT)
    *parents, last = path.replace("]", "").replace("[", ".").split(".")
    target: Any = doc
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    key: Any = int(last) if last.isdigit() else last
    if value is ...:
        del target[key]
    else:
        target[key] = value
    return doc


BAD = [
    ("unknown key", _with("dose", 5), "dose", "unknown field"),
    ("not an object", [], "input", "must be a JSON object"),
    ("no patient", _with("patient", ...), "patient", "is required"),
    ("no events", _with("events", ...), "events", "is required"),
    ("no output times", _with("output_times_min", ...), "output_times_min", "is required"),
    ("unknown patient key", _with("patient.weight", 70), "patient.weight", "unknown field"),
    ("bad weight", _with("patient.weight_kg", -70), "patient.weight_kg", "> 0"),
    ("unknown model", _with("patient.model", "propofol"), "patient.model", "domino"),
    ("unknown event key", _with("events[1].rate", 30), "events[1].rate", "unknown field"),
    ("event not an object", _with("events[2]", "pause"), "events[2]", "a JSON object"),
    ("events not a list", _with("events", {}), "events", "a JSON list"),
    ("no kind", _with("events[3].kind", ...), "events[3].kind", "is required"),
    ("no time", _with("events[3].time_min", ...), "events[3].time_min", "is required"),
    ("bad kind", _with("events[3].kind", "restart"), "events[3].kind", "must be one of"),
    ("string rate", _with("events[0].rate_mg_per_h", "20"), "events[0].rate_mg_per_h", "'20'"),
    ("a null rate", _with("events[0].rate_mg_per_h", None), "events[0].rate_mg_per_h", "needs"),
    ("bool time", _with("events[0].time_min", False), "events[0].time_min", "(got False)"),
    ("as of too early", _with("as_of_min", 100), "as_of_min", "before the last charted"),
    ("times unsorted", _with("output_times_min[2]", 10), "output_times_min[2]", "before the"),
    ("a negative time", _with("output_times_min[0]", -1), "output_times_min[0]", "(got -1)"),
    ("no times", _with("output_times_min", []), "output_times_min", "at least one time"),
    ("times not a list", _with("output_times_min", 5), "output_times_min", "a JSON list"),
]


@pytest.mark.parametrize(("name", "doc", "field", "rule"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_the_field(name: str, doc: Any, field: str, rule: str) -> None:
    with pytest.raises(InputError) as caught:
        run_replay(doc)
    assert caught.value.field == field
    assert rule in caught.value.rule


def test_a_patient_outside_the_range_names_the_patient_field() -> None:
    with pytest.raises(OutOfValidatedRangeError) as caught:
        run_replay(_with("patient.age_years", 95))
    assert caught.value.field == "patient.age_years"


def test_an_impossible_sequence_names_the_event() -> None:
    doc = _with("events[2]", {"kind": "rate_change", "time_min": 60, "rate_mg_per_h": 10})
    doc["events"][2:4] = [{"kind": "stop", "time_min": 60}, doc["events"][2]]
    with pytest.raises(EventSequenceError) as caught:
        run_replay(doc)
    assert str(caught.value) == "events[3]: a rate change needs a running infusion (it is stopped)"


def test_no_prediction_past_now_while_the_infusion_runs() -> None:
    doc = _with("events[5]", ...)  # no stop: still running at as_of_min 120
    with pytest.raises(InputError) as caught:
        run_replay(doc)
    assert caught.value.field == "output_times_min[4]"
    assert caught.value.rule.startswith("is after as_of_min (120 min) while the infusion")
    doc["output_times_min"] = [0, 60, 120]
    out = run_replay(doc)
    assert out["delivered"]["state"] == "running"
    assert out["delivered"]["rate_mg_per_h"] == 30.0
    assert out["delivered"]["total_mg"] == 57.5  # running to 120 min, as if stopped then
