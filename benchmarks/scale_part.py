"""Write one range of the bulk demo's patients into a clinic that ``ketaclinic demo`` is loading.

How the 100,000-patient benchmark clinic was loaded on a shared 2-core machine
(docs/performance.md, "A 100,000-patient clinic"): ``ketaclinic demo --patients 100000``
started as usual, and further processes wrote later ranges of patients at the same time,
each with ids of its own (``load_bulk(id_base=...)``). A patient's history depends only on
the seed and its number, so the rows are those one process would have written. A process
that reaches the next range's first patient stops there (the chart numbers are unique), so
a range is written exactly once, in whole chunks of 500.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/scale_part.py START COUNT ID_BASE

``--finish``: after the loaders have stopped, one audit record for what they wrote without
writing their own (``Action.BULK_LOAD``: the rows in each table, counted by the database),
the id sequences moved past every id, and the planner's statistics refreshed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("start", type=int, nargs="?", default=0)
    parser.add_argument("count", type=int, nargs="?", default=0)
    parser.add_argument("id_base", type=int, nargs="?", default=0)
    parser.add_argument("--patients", type=int, default=100_000, help="the whole clinic's size")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--finish", action="store_true")
    args = parser.parse_args()
    import django

    from ketaclinic.cli.clinic import prepare_local_environment

    prepare_local_environment()  # the keys under var/, as `ketaclinic demo` uses them
    django.setup()
    from django.db import transaction
    from tqdm import tqdm

    from ketaclinic.accounts.models import Clinic
    from ketaclinic.audit.services import Action, record
    from ketaclinic.demo import row_counts
    from ketaclinic.demo.bulk import load_bulk
    from ketaclinic.demo.bulk import tables as t
    from ketaclinic.demo.bulk.writer import reset_sequences
    from ketaclinic.lib.db import refresh_planner_statistics

    clinic = Clinic.objects.get()
    if args.finish:
        counts = row_counts()
        with transaction.atomic():
            reset_sequences(t.ALL)
            record(
                None,
                Action.BULK_LOAD,
                clinic_id=clinic.pk,
                summary="Bulk demo history: the ranges written by loaders stopped at a chunk",
                changes={"generator": "ketaclinic.demo.bulk", "seed": args.seed, "db": counts},
            )
        refresh_planner_statistics()
        print("finished:", counts)
        return 0
    began = time.perf_counter()
    with tqdm(total=args.count, unit="patient", mininterval=30) as bar:
        counts = load_bulk(
            clinic,
            start=args.start,
            count=args.count,
            seed=args.seed,
            id_base=args.id_base,
            clinic_patients=args.patients,
            progress=bar.update,
        )
    print(
        f"patients {args.start}-{args.start + args.count - 1}: {time.perf_counter() - began:.0f} s"
    )
    print(counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
