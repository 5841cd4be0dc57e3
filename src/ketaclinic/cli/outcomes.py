"""``ketaclinic outcomes refresh``: rebuild the clinic analytics' per-series summary.

The task queue keeps the summary up to date after each write and the worker rebuilds it
nightly (``outcomes.tasks``); this runs the same refresh by hand: one patient by code, or
``--all`` (after restoring a backup, changing the follow-up policy, or loading data).
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from ketaclinic.cli import CliError, setup_django

HELP = "the clinic analytics' per-series summary (refresh)"


def register(subparsers: Any) -> None:
    outcomes = subparsers.add_parser("outcomes", help=HELP)
    commands = outcomes.add_subparsers(dest="outcomes_command", metavar="ACTION", required=True)
    refresh = commands.add_parser("refresh", help="recompute the summary rows")
    which = refresh.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every treated patient")
    which.add_argument("--patient", metavar="CODE", help="one patient, by their code")
    refresh.set_defaults(handler=_refresh)


def _refresh(args: argparse.Namespace) -> int:
    setup_django()
    from ketaclinic.audit.services import Action, record
    from ketaclinic.outcomes import summary
    from ketaclinic.patients.models import Patient

    if args.all:
        count = summary.refresh_all()
        record(None, Action.UPDATE, summary=f"Outcome summary rebuilt ({count} patients)")
        print(f"{count} patients' series summarised")
        return 0
    try:
        code = uuid.UUID(args.patient)
    except ValueError:
        raise CliError("--patient: give a patient's code (a UUID)") from None
    patient = Patient.objects.select_related("clinic").filter(code=code).first()
    if patient is None:
        raise CliError("--patient: no patient has this code")
    rows = summary.refresh_patient(patient)
    print(f"{rows} series summarised")
    return 0
