"""The one ``ketaclinic`` console script.

Commands are registered lazily: :data:`COMMANDS` maps each top-level command to the
module that implements it and the help line ``ketaclinic --help`` shows. Only the
module of the command being run is imported (``ketaclinic pk simulate`` never loads
Django, the rule engine or SciPy); the other commands get a placeholder parser that
carries their help line, so ``--help`` still lists them all.

Adding a command is one entry in :data:`COMMANDS`, e.g.::

    "dose": Command("ketaclinic.cli.dose", "weight-based dose calculations"),

and a module ``ketaclinic/cli/dose.py`` with a ``register(subparsers)`` function that
adds the parser named ``dose`` (``subparsers.add_parser("dose", help=...)``, the same
help line) and sets ``handler=callable(args) -> int`` on it with ``set_defaults``.
A module may register several commands (``clinic`` registers ``run``, ``demo`` and
``audit``): give each its own entry, with the same module. Keep the module's own
imports light, or import heavy packages inside the handler; commands that need the
database call :func:`setup_django` themselves, so ``ketaclinic pk ...`` and
``ketaclinic score ...`` run without a database.

Exit codes: 0 success; 2 bad input or usage (the message names the field and
the rule); 1 any other failure (for example a broken audit chain).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

from ketacore import strict_json
from ketacore.errors import InputError

__all__ = [
    "COMMANDS",
    "CliError",
    "Command",
    "build_parser",
    "main",
    "read_json_input",
    "setup_django",
    "write_json",
]


class Command(NamedTuple):
    """Where a top-level command lives and the help line ``--help`` shows for it.

    Attributes:
        module: The module whose ``register(subparsers)`` adds the command's parser.
        help: The command's one-line help (the same text the module registers).
    """

    module: str
    help: str


#: Every top-level command, in the order ``--help`` lists them (module docstring).
COMMANDS: dict[str, Command] = {
    "run": Command("ketaclinic.cli.clinic", "migrate, load the demo clinic if empty, and serve"),
    "demo": Command("ketaclinic.cli.clinic", "load the synthetic demo clinic"),
    "audit": Command("ketaclinic.cli.clinic", "audit trail tools"),
    "pk": Command("ketaclinic.cli.pk", "ketamine pharmacokinetics (JSON in, JSON out)"),
    "dose": Command(
        "ketaclinic.cli.dose",
        "pump rate, total mg and mL, and the dose limits of one infusion",
    ),
    "session": Command(
        "ketaclinic.cli.session", "infusion sessions: charted events (JSON in, JSON out)"
    ),
    "worker": Command(
        "ketaclinic.cli.worker", "run background tasks (reminder emails) from the task queue"
    ),
    "outcomes": Command(
        "ketaclinic.cli.outcomes", "the clinic analytics' per-series summary (refresh)"
    ),
    "score": Command("ketaclinic.cli.screening", "describe an instrument or score answers (JSON)"),
    "screen": Command(
        "ketaclinic.cli.screening", "eligibility decision for IV ketamine from facts (JSON)"
    ),
}

Handler = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """A usage or input problem; printed without a traceback, exit code 2."""


def setup_django() -> None:
    """Configure Django for commands that need the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
    import django

    django.setup()


def read_json_input(source: str, *, field: str = "--input") -> Any:
    """Read a JSON document from a path, or from stdin when ``source`` is ``-``, strictly.

    The bytes must be UTF-8, and a key twice in one object, nesting deeper than
    ``strict_json.MAX_DEPTH``, an integer too long to convert, ``NaN`` or
    ``Infinity`` are refused with the field named (``ketacore.strict_json``).
    """
    try:
        if source == "-":
            stream = getattr(sys.stdin, "buffer", None)
            data: bytes | str = stream.read() if stream is not None else sys.stdin.read()
        else:
            data = Path(source).read_bytes()
    except OSError as exc:
        raise CliError(f"{field}: cannot read {source!r}: {exc.strerror}") from None
    return strict_json.loads(data, field=field)


def write_json(data: Any, out: IO[str] | None = None) -> None:
    """Print ``data`` as indented JSON; NaN and infinity are refused, never printed."""
    stream = out if out is not None else sys.stdout
    json.dump(data, stream, indent=2, allow_nan=False, ensure_ascii=False)
    stream.write("\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The top-level parser.

    Args:
        argv: The arguments to be parsed: only the module of the command they name (the
            first argument) is imported, and every other command gets a placeholder
            parser with its help line. None imports every command's module (the
            complete parser, e.g. to document every option).

    Returns:
        The parser.

    Raises:
        RuntimeError: A module's ``register`` did not add a command listed for it.
    """
    parser = argparse.ArgumentParser(
        prog="ketaclinic",
        description="ketaclinic: run the clinic, plan infusions, score instruments.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    named = COMMANDS.get(argv[0]) if argv else None
    for name, command in COMMANDS.items():
        if name in subparsers.choices:  # added by a module that registers several
            continue
        if argv is None or (named is not None and command.module == named.module):
            importlib.import_module(command.module).register(subparsers)
            if name not in subparsers.choices:
                raise RuntimeError(f"{command.module}.register did not add {name!r}")
        else:
            subparsers.add_parser(name, help=command.help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv`` (default: the process's arguments)."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (CliError, InputError) as exc:
        print(f"ketaclinic: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `ketaclinic ... | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
