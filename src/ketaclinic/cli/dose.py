"""``ketaclinic dose --input plan.json``: pump settings and dose limits for one infusion.

Prints the figures and every limit that applies (``ketacore.infusion.dose_documents``;
contract in docs/infusions.md). A dose over a hard limit prints the same JSON,
names the limit on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ketaclinic.cli import read_json_input, write_json

__all__ = ["register"]


def _dose(args: argparse.Namespace) -> int:
    from ketacore.infusion.dose_documents import run_dose

    out, calc = run_dose(read_json_input(args.input))
    write_json(out)
    for breach in calc.hard_breaches:
        print(f"ketaclinic: error: hard limit: {breach.message}", file=sys.stderr)
    return 2 if calc.hard_breaches else 0


def register(subparsers: Any) -> None:
    help_text = "pump rate, total mg and mL, and the dose limits of one infusion"
    parser = subparsers.add_parser("dose", help=help_text, description=help_text)
    parser.add_argument("--input", required=True, help="JSON input file, or - for stdin")
    parser.set_defaults(handler=_dose)
