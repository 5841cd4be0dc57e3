"""``ketaclinic session ...``: an infusion session's charted events on the command line.

``session replay --input FILE`` (``-`` for stdin) reads the events charted at the chair
and prints the dose actually delivered and the predicted concentrations, as JSON. The
contract lives in :mod:`ketacore.infusion.documents` and docs/infusions.md; this module
only wires it up. An impossible sequence exits 2 naming the event (``events[2]: ...``).
"""

from __future__ import annotations

import argparse
from typing import Any

from ketaclinic.cli import read_json_input, write_json
from ketacore.infusion import documents

__all__ = ["register"]


def _replay(args: argparse.Namespace) -> int:
    write_json(documents.run_replay(read_json_input(args.input)))
    return 0


def register(subparsers: Any) -> None:
    """Add ``session`` and its sub-commands to the top-level parser."""
    session = subparsers.add_parser(
        "session", help="infusion sessions: charted events (JSON in, JSON out)"
    )
    sub = session.add_subparsers(dest="session_command", metavar="SUBCOMMAND", required=True)
    help_text = "the dose delivered by charted infusion events, and predicted concentrations"
    replay = sub.add_parser("replay", help=help_text, description=help_text)
    replay.add_argument("--input", required=True, help="JSON input file, or - for stdin")
    replay.set_defaults(handler=_replay)
