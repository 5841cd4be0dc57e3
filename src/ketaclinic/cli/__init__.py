"""The one ``ketaclinic`` console script.

Each sub-command lives in its own module under ``ketaclinic.cli`` with a
``register(subparsers)`` function that adds its parser and sets
``handler=callable(args) -> int``. Commands that need the database call
:func:`setup_django` themselves, so ``ketaclinic pk ...`` and
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
from typing import IO, Any

from ketacore import strict_json
from ketacore.errors import InputError

__all__ = ["CliError", "main", "read_json_input", "setup_django", "write_json"]

#: Modules that contribute sub-commands, in the order they appear in --help.
COMMAND_MODULES: tuple[str, ...] = (
    "ketaclinic.cli.clinic",
    "ketaclinic.cli.dose",
    "ketaclinic.cli.pk",
    "ketaclinic.cli.screening",
    "ketaclinic.cli.session",
)

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketaclinic",
        description="ketaclinic: run the clinic, plan infusions, score instruments.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
