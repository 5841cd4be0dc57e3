"""PK preview, effect site on the fast path, and start-up of ``ketaclinic pk simulate``.

Workload (issue 11, "Performance"): Domino model, a 70 kg, 45-year-old patient, 35 mg
(0.5 mg/kg) over 40, 60, 120 and 240 min.

Measured in one run (CPU time of this process by ``time.process_time`` unless said):
* ``pk.preview`` of the four options with its population band (median and 95th
  percentile of repeated runs; target < 50 ms);
* the same figures by the exact reference path: ``compare_plans`` of the four plans
  plus ``simulate_population`` of each on the same 1-min grid;
* ``simulate_many`` with and without the effect site: one patient on a 1-s grid,
  and 1000 virtual patients on a 10-s grid;
* ``ketaclinic pk simulate --input plan.json`` as a whole process: wall time and the
  child's CPU time, median of 20 runs (target < 300 ms), with the bytecode cache (as
  installed) and without it (as ``make`` runs Python, PYTHONDONTWRITEBYTECODE=1); and
  ``python -c "import numpy"`` for scale.

The benchmark also runs against an older tree that has no ``pk.preview``: that part
is then skipped, the rest measures the old engine and CLI.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ketacore import pk

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
DOSE_MG = 35.0
DURATIONS_MIN = (40.0, 60.0, 120.0, 240.0)
CLI_RUNS = 20
PLAN = {
    "model": "domino",
    "weight_kg": 70,
    "age_years": 45,
    "infusions": [{"start_min": 0, "duration_min": 40, "rate_mg_per_min": 0.875}],
}


def _cpu_ms(work: Callable[[], object], repeats: int) -> list[float]:
    """CPU milliseconds of each of ``repeats`` calls of ``work`` (after one warm-up call)."""
    work()
    out = []
    for _ in range(repeats):
        t0 = time.process_time()
        work()
        out.append((time.process_time() - t0) * 1000.0)
    return out


def _summary(name: str, ms: list[float]) -> str:
    p95 = float(np.percentile(ms, 95))
    return f"{name}: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms ({len(ms)} runs)"


def _cli_command() -> list[str]:
    script = Path(sys.executable).with_name("ketaclinic")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ketaclinic.cli"]


def bench_preview() -> None:
    model = pk.get_model("domino")
    patient = pk.Patient(weight_kg=70, age_years=45)
    params = model.parameters(patient)
    # An older tree has no preview: the rest of the benchmark still measures it.
    preview: Any = getattr(pk, "preview", None)
    if preview is not None:

        def run_preview() -> Any:
            return preview(model, patient, dose_mg=DOSE_MG, chosen_duration_min=60.0)

        ms = _cpu_ms(run_preview, 50)
        print(_summary("pk.preview, 4 options with population band (CPU)", ms))
        result = run_preview()
        size, end = result.times_min.size, result.times_min[-1]
        print(f"  grid {size} times to {end:g} min, {result.n_virtual_patients} virtual patients")
    else:
        print("pk.preview: not in this tree")
    grid = np.arange(0.0, 481.0, 1.0)

    def exact_path() -> object:
        pk.compare_plans(params, pk.same_dose_options(DOSE_MG, DURATIONS_MIN), horizon_min=480.0)
        for duration in DURATIONS_MIN:
            pk.simulate_population(
                model,
                pk.Regimen.constant_infusion(DOSE_MG, duration),
                grid,
                n_patients=1000,
                weights_kg=70.0,
                age_years=45,
                seed=1,
                threshold_ng_per_ml=250.0,
            )
        return None

    print(
        _summary(
            "exact path: compare_plans + 4 x simulate_population (CPU)", _cpu_ms(exact_path, 3)
        )
    )
    plan = pk.Regimen.constant_infusion(DOSE_MG, 40.0)
    print(
        _summary(
            "plan_metrics of one plan, 1-s grid (CPU)",
            _cpu_ms(lambda: pk.plan_metrics(params, plan), 5),
        )
    )


def bench_effect_site() -> None:
    model = pk.get_model("domino")
    params = model.parameters(pk.Patient(weight_kg=70, age_years=45))
    plan = pk.Regimen.constant_infusion(DOSE_MG, 40.0)
    one_s = np.arange(0, 280 * 60 + 1) / 60.0
    for effect_site in (False, True):

        def one(e: bool = effect_site) -> object:
            return pk.simulate_many(params, plan, one_s, effect_site=e)

        print(
            _summary(
                f"1 patient, {one_s.size} times (1 s), effect_site={effect_site}", _cpu_ms(one, 20)
            )
        )
    population, _ = pk.draw_population(
        model, n_patients=1000, weights_kg=70.0, age_years=45, seed=1
    )
    ten_s = np.arange(0, 280 * 6 + 1) / 6.0
    for effect_site in (False, True):

        def many(e: bool = effect_site) -> object:
            return pk.simulate_many(population, plan, ten_s, effect_site=e)

        print(
            _summary(
                f"1000 patients, {ten_s.size} times (10 s), effect_site={effect_site}",
                _cpu_ms(many, 5),
            )
        )


def _process_ms(
    command: list[str], env: dict[str, str], runs: int
) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) milliseconds of ``runs`` runs of a whole process.

    One run before them is left out: it warms the file cache (and writes the bytecode
    cache when that is allowed).
    """
    wall, cpu = [], []
    for _ in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        wall.append((time.perf_counter() - t0) * 1000.0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        cpu.append(used * 1000.0)
    return wall[1:], cpu[1:]


def bench_cli() -> None:
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base.update(PYTHONPATH=str(SRC), KETACLINIC_DEV="1")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        path.write_text(json.dumps(PLAN), encoding="utf-8")
        command = [*_cli_command(), "pk", "simulate", "--input", str(path)]
        print(f"CLI: {' '.join(command[:-1])} plan.json (PYTHONPATH={SRC})")
        # As installed: pip compiles the sources, and so does a first run.
        wall, cpu = _process_ms(command, base, CLI_RUNS)
        print(_summary("  with bytecode cached: wall time", wall))
        print(_summary("  with bytecode cached: CPU time (user + system)", cpu))
        # As `make` runs it (PYTHONDONTWRITEBYTECODE=1): every start compiles our sources.
        wall, cpu = _process_ms(command, {**base, "PYTHONDONTWRITEBYTECODE": "1"}, CLI_RUNS)
        print(_summary("  without bytecode cache: wall time", wall))
        print(_summary("  without bytecode cache: CPU time (user + system)", cpu))
    floor = [sys.executable, "-c", "import numpy"]
    wall, cpu = _process_ms(floor, base, CLI_RUNS)
    print(_summary("  for scale, `python -c 'import numpy'`: wall time", wall))


def main() -> None:
    print(f"load average before: {os.getloadavg()}", flush=True)
    bench_preview()
    bench_effect_site()
    bench_cli()
    print(f"load average after: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
