"""Patient search with 100,000 patients: the registry's answer time on SQLite.

Loads the synthetic demo clinic (100,000 patients) into a fresh SQLite database
in a temporary directory, then times the three kinds of search the front desk
uses (name prefix, date of birth, phone prefix) through the same access
function the UI and API call, and the list view's first page.

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python benchmarks/bench_search.py``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

N_PATIENTS = int(os.environ.get("BENCH_PATIENTS", "100000"))
REPEATS = 50


def main() -> None:
    var = tempfile.mkdtemp(prefix="ketaclinic-bench-")
    os.environ.update(KETACLINIC_VAR_DIR=var, KETACLINIC_DEV="1", HTTPS="False")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from ketaclinic.accounts.models import User
    from ketaclinic.demo import load_demo
    from ketaclinic.patients.access import patients_for, search_patients

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    # Patients only, as when this benchmark was written: no bulk history (bench_scale.py has it).
    load_demo(N_PATIENTS, bulk_above=N_PATIENTS)
    load_s = time.perf_counter() - start
    nurse = User.objects.get(username="nurse.kim")
    sample = patients_for(nurse).order_by("?").first()
    assert sample is not None
    queries = {
        "name prefix 'oka'": "oka",
        "family, given 'okafor, be'": "okafor, be",
        "date of birth": sample.date_of_birth.isoformat(),
        "phone prefix '480555012'": "480555012",
    }
    print(f"patient search, SQLite, {N_PATIENTS} patients (demo load {load_s:.1f} s)")
    for label, query in queries.items():
        timings = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            results = search_patients(nurse, query)
            timings.append(time.perf_counter() - t0)
        median_ms = statistics.median(timings) * 1e3
        print(
            f"  {label:<28} {len(results):>3} results   median {median_ms:6.2f} ms"
            f"   max {max(timings) * 1e3:6.2f} ms"
        )
    t0 = time.perf_counter()
    list(patients_for(nurse).order_by("search_family", "search_given", "pk")[:25])
    print(f"  list view first page         25 rows      {(time.perf_counter() - t0) * 1e3:6.2f} ms")


if __name__ == "__main__":
    main()
