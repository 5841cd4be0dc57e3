"""PK engine benchmark: 100,000 virtual patients, side by side with opentiva.

Workload (the issue): Domino model, weights uniform 50-120 kg with the default 30 %
log-normal variability on every volume and clearance (so every patient has
different parameters), 1 mg/kg/h for 4 h, Cp every 10 s over 6 h (2161 points per
patient, about 2.2e8 patient-timepoints).

Measured in one run:
* ketacore summary mode (streamed Cmax/Tmax/AUC; nothing of size P×T held), on 1
  and on 2 threads;
* ketacore full-output mode (every Cp value materialised, chunked by 16384 patients);
* opentiva 1.1.2 ``PkPdModel.cp_over_time`` (Cython closed form on a 1-s grid) on a
  subset of the same patients with the same parameters and schedule, in its own
  virtual environment (benchmarks/.venv-opentiva, created if missing), and the
  agreement of its Cp with ketacore's at every 10-s point (must be within 0.01 %).
Peak memory: tracemalloc peak of the summary run, and the process's max RSS.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from ketacore import pk

HERE = Path(__file__).resolve().parent
OT_VENV = HERE / ".venv-opentiva"
OT_PY = OT_VENV / "bin" / "python"
N_PATIENTS = 100_000
N_OPENTIVA = 50
SEED = 2026

OPENTIVA_SCRIPT = r"""
import json, sys, time
import numpy as np
from opentiva.pkpd import PkPdModel

data = json.load(open(sys.argv[1]))
class Model:
    compartments = 3
out, elapsed, points = [], 0.0, 0
for p in data["patients"]:
    m = Model()
    for k, v in p.items():
        setattr(m, k, v)
    model = PkPdModel(m)
    infusion = np.array([[0.0, p["rate_mg_per_s"], data["duration_s"], data["duration_s"]]])
    t0 = time.perf_counter()
    cp = np.asarray(model.cp_over_time(infusion, 0, data["end_s"] + 1))
    elapsed += time.perf_counter() - t0
    points += cp.shape[0]
    out.append(cp[::10, 1].tolist())
json.dump({"cp_mg_per_l": out, "seconds": elapsed, "points": points}, open(sys.argv[2], "w"))
"""


def _ensure_opentiva() -> None:
    if OT_PY.exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(OT_VENV)], check=True)
    pip = [str(OT_PY), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "cython", "setuptools", "wheel", "numpy"], check=True)
    subprocess.run([*pip, "--no-build-isolation", "opentiva"], check=True)


def _machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}"
    return f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024**2:.1f} GiB RAM, {versions}"


def main() -> None:
    print(_machine(), flush=True)
    params, weights = pk.draw_population(
        pk.get_model("domino"),
        n_patients=N_PATIENTS,
        weights_kg=(50.0, 120.0),
        age_years=45,
        seed=SEED,
    )
    per_kg = pk.Regimen.build(infusions=[(0.0, 240.0, 1.0 / 60.0)])  # 1 mg/kg/h, mg/min per kg
    times = np.arange(0, 6 * 3600 + 1, 10) / 60.0
    total_points = N_PATIENTS * times.size
    print(f"{N_PATIENTS} patients x {times.size} times = {total_points:.3e} patient-timepoints")

    results: dict[str, float] = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        pk.summarize_peaks(params, per_kg, times, dose_scale=weights, workers=workers)
        dt = time.perf_counter() - t0
        results[f"summary_{workers}"] = total_points / dt
        print(
            f"ketacore summary, {workers} thread(s): {dt:.2f} s, {total_points / dt:.3e} points/s"
        )
    tracemalloc.start()
    pk.summarize_peaks(params, per_kg, times, dose_scale=weights, workers=2)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"ketacore summary peak traced memory: {peak / 1024**2:.1f} MiB")

    chunk = 16384
    t0 = time.perf_counter()
    for lo in range(0, N_PATIENTS, chunk):
        pk.simulate_many(
            params.take(slice(lo, lo + chunk)),
            per_kg,
            times,
            effect_site=False,
            dose_scale=weights[lo : lo + chunk],
        )
    dt = time.perf_counter() - t0
    results["full_1"] = total_points / dt
    print(
        f"ketacore full output (chunks of {chunk}), 1 thread: {dt:.2f} s, "
        f"{total_points / dt:.3e} points/s"
    )

    _ensure_opentiva()
    subset = params.take(slice(0, N_OPENTIVA))
    patients = [
        {
            "v1": float(subset.v1_l[i]),
            "k10": float(subset.k10_per_min[i]),
            "k12": float(subset.k12_per_min[i]),
            "k13": float(subset.k13_per_min[i]),
            "k21": float(subset.k21_per_min[i]),
            "k31": float(subset.k31_per_min[i]),
            "ke0": float(subset.ke0_per_min[i]),
            "rate_mg_per_s": float(weights[i]) / 3600.0,
        }
        for i in range(N_OPENTIVA)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        src, dst, script = Path(tmp) / "in.json", Path(tmp) / "out.json", Path(tmp) / "ot.py"
        src.write_text(
            json.dumps({"patients": patients, "duration_s": 4 * 3600, "end_s": 6 * 3600})
        )
        script.write_text(OPENTIVA_SCRIPT)
        subprocess.run([str(OT_PY), str(script), str(src), str(dst)], check=True)
        ot = json.loads(dst.read_text())
    ot_rate = ot["points"] / ot["seconds"]
    print(
        f"opentiva cp_over_time (1-s grid), {N_OPENTIVA} patients: {ot['seconds']:.2f} s, "
        f"{ot_rate:.3e} points/s"
    )
    ours = pk.simulate_many(
        subset, per_kg, times, effect_site=False, dose_scale=weights[:N_OPENTIVA]
    )
    theirs = np.array(ot["cp_mg_per_l"]) * 1000.0
    mask = ours.plasma_ng_per_ml > 1e-6
    rel = np.max(np.abs(theirs[mask] / ours.plasma_ng_per_ml[mask] - 1))
    print(
        f"agreement with opentiva on {mask.sum()} Cp values: "
        f"max relative difference {rel:.2e} (limit 1e-4)"
    )
    for key, label in (
        ("summary_1", "summary, 1 thread"),
        ("summary_2", "summary, 2 threads"),
        ("full_1", "full output, 1 thread"),
    ):
        print(f"throughput ratio ketacore/opentiva, {label}: {results[key] / ot_rate:.0f}x")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS: {rss:.0f} MiB")
    if rel > 1e-4:
        raise SystemExit("opentiva agreement outside 0.01 %")


if __name__ == "__main__":
    main()
