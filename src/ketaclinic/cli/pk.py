"""``ketaclinic pk ...``: the PK engine on the command line (JSON in, JSON out).

Sub-commands ``simulate``, ``compare``, ``tci`` and ``population`` each read a JSON
document from ``--input FILE`` (``-`` for stdin), print a JSON document, and with
``--plot out.png`` also write a chart. The contracts live in
:mod:`ketacore.pk.documents` and docs/pk-engine.md; this module only wires them up.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ketaclinic.cli import read_json_input, write_json
from ketacore.pk import documents

__all__ = ["register"]

Handler = Callable[[argparse.Namespace], int]


def _command(run: Callable[[Any], tuple[Any, ...]], figure: str) -> Handler:
    """A sub-command: run the JSON contract, print its output, chart it on ``--plot``.

    ``run`` returns ``(output document, *payload)``; the chart function named
    ``figure`` in :mod:`ketaclinic.lib.charts` takes the payload. matplotlib is only
    imported when a chart is asked for.
    """

    def handler(args: argparse.Namespace) -> int:
        out, *payload = run(read_json_input(args.input))
        if args.plot:
            from ketaclinic.lib import charts

            charts.write_png(getattr(charts, figure)(*payload), Path(args.plot))
        write_json(out)
        return 0

    return handler


_COMMANDS: dict[str, tuple[Handler, str]] = {
    "simulate": (
        _command(documents.run_simulate, "simulation_figure"),
        "exact plasma and effect-site concentrations for one plan",
    ),
    "compare": (
        _command(documents.run_compare, "comparison_figure"),
        "compare plans (e.g. one dose over 40 min to 4 h); ceiling solves",
    ),
    "tci": (
        _command(documents.run_tci, "tci_figure"),
        "target-controlled infusion rates (plasma or effect-site target)",
    ),
    "population": (
        _command(documents.run_population, "population_figure"),
        "virtual population: percentile bands and P(Cmax > threshold)",
    ),
}


def register(subparsers: Any) -> None:
    """Add ``pk`` and its sub-commands to the top-level parser."""
    pk = subparsers.add_parser("pk", help="ketamine pharmacokinetics (JSON in, JSON out)")
    sub = pk.add_subparsers(dest="pk_command", metavar="SUBCOMMAND", required=True)
    for name, (handler, help_text) in _COMMANDS.items():
        parser = sub.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--input", required=True, help="JSON input file, or - for stdin")
        parser.add_argument("--plot", metavar="OUT.png", help="also write a PNG chart here")
        parser.set_defaults(handler=handler)
