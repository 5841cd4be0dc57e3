"""``ketaclinic score`` and ``ketaclinic screen``: instruments and eligibility as JSON.

Thin adapters over :mod:`ketacore.scoring` and :mod:`ketacore.rules`; all logic
lives in the core. Formats are documented in docs/screening.md.

* ``ketaclinic score INSTRUMENT --describe [--option NAME=VALUE ...]``
* ``ketaclinic score INSTRUMENT --input FILE|- [--option NAME=VALUE ...]``
* ``ketaclinic screen --input FILE|- [--rules FILE]`` (``assessed_on`` defaults to today)

Bad input exits with code 2 and a message naming the field and the rule; JSON is
read strictly (``read_json_input``).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Mapping
from typing import Any

from ketaclinic.cli import CliError, read_json_input, write_json
from ketacore.rules import (
    decision_to_dict,
    default_rule_set,
    evaluate,
    facts_from_dict,
    load_rule_set,
)
from ketacore.scoring import INSTRUMENTS, get_instrument, score_result_to_dict

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``score`` and ``screen`` sub-commands."""
    score = subparsers.add_parser(
        "score",
        help="describe an instrument or score answers (JSON)",
        description="Describe an instrument's items, or score answers keyed by item id.",
    )
    score.add_argument("instrument", help=f"instrument id: {', '.join(INSTRUMENTS)}")
    mode = score.add_mutually_exclusive_group(required=True)
    mode.add_argument("--describe", action="store_true", help="print the items in order")
    mode.add_argument("--input", metavar="FILE", help="answers JSON file, or - for stdin")
    score.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="choose a published variant, e.g. cutoff=3 (see --describe)",
    )
    score.set_defaults(handler=_score)

    screen = subparsers.add_parser(
        "screen",
        help="eligibility decision for IV ketamine from facts (JSON)",
        description="Apply the eligibility rule set to a patient's facts.",
    )
    screen.add_argument("--input", metavar="FILE", required=True, help="facts JSON, or - for stdin")
    screen.add_argument(
        "--rules", metavar="FILE", help="a rule-set JSON document (default: the built-in rule set)"
    )
    screen.set_defaults(handler=_screen)


def _options(pairs: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CliError(f"--option: {pair!r} must have the form NAME=VALUE")
        options[name] = value
    return options


def _score(args: argparse.Namespace) -> int:
    instrument = get_instrument(args.instrument)
    options = _options(args.option)
    if args.describe:
        write_json(instrument.describe(options))
        return 0
    data = read_json_input(args.input)
    answers: Any = data
    if isinstance(data, Mapping) and "answers" in data:
        # Also accept {"answers": {...}, "options": {...}} as the facts file uses.
        extra = set(data) - {"answers", "options"}
        if extra:
            raise CliError(f"{sorted(extra)[0]}: allowed top-level keys are answers, options")
        answers = data["answers"]
        file_options = data.get("options") or {}
        if not isinstance(file_options, Mapping):
            raise CliError("options: must be an object")
        options = {**file_options, **options}
    if not isinstance(answers, Mapping):
        raise CliError("answers: must be a JSON object keyed by item id")
    write_json(score_result_to_dict(instrument.score(answers, options)))
    return 0


def _screen(args: argparse.Namespace) -> int:
    rule_set = (
        load_rule_set(read_json_input(args.rules, field="--rules"))
        if args.rules
        else default_rule_set()
    )
    data = read_json_input(args.input)
    if isinstance(data, dict) and data.get("assessed_on") is None:
        # The facts describe today unless they say otherwise (the local date).
        data["assessed_on"] = dt.datetime.now(dt.UTC).astimezone().date().isoformat()
    facts = facts_from_dict(data)
    write_json(decision_to_dict(evaluate(facts, rule_set)))
    return 0
