"""Top-level commands: registered lazily from one table, all listed by --help."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import types
from typing import Any

import pytest

import ketaclinic.cli as cli


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Command name -> help line, as --help lists them."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {choice.dest: str(choice.help) for choice in action._choices_actions}


def test_help_lists_every_command_with_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for name, command in cli.COMMANDS.items():
        assert f"    {name}" in text
        assert command.help in text


def test_the_table_matches_what_each_module_registers() -> None:
    complete = _subcommands(cli.build_parser())  # every module imported
    assert complete == {name: c.help for name, c in cli.COMMANDS.items()}
    for name in cli.COMMANDS:
        lazy = cli.build_parser([name])
        assert _subcommands(lazy) == complete  # same names, help and order


def test_pk_simulate_imports_only_its_own_command() -> None:
    plan = {
        "model": "domino",
        "weight_kg": 70,
        "age_years": 45,
        "infusions": [{"start_min": 0, "duration_min": 40, "rate_mg_per_min": 0.875}],
        "times_min": [10, 40],
    }
    code = (
        "import io, sys, contextlib; from ketaclinic.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['pk', 'simulate', '--input', '-'])\n"
        "print(code, ' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run(  # noqa: S603 - fixed argv built by the test itself
        [sys.executable, "-c", code],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    status, *modules = result.stdout.split()
    assert status == "0"
    loaded = {m.split(".")[0] for m in modules} | set(modules)
    for heavy in ("scipy", "django", "matplotlib", "ketacore.rules", "ketacore.scoring"):
        assert heavy not in loaded
    assert "ketaclinic.cli.clinic" not in loaded
    assert "ketaclinic.cli.screening" not in loaded


def test_a_new_command_is_one_table_entry(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = types.ModuleType("ketaclinic.cli.dose")

    def register(subparsers: Any) -> None:
        parser = subparsers.add_parser("dose", help="weight-based doses")
        parser.set_defaults(handler=lambda args: 0)

    module.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ketaclinic.cli.dose", module)
    monkeypatch.setitem(
        cli.COMMANDS, "dose", cli.Command("ketaclinic.cli.dose", "weight-based doses")
    )
    assert cli.main(["dose"]) == 0
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "weight-based doses" in capsys.readouterr().out


def test_a_module_that_does_not_add_its_command_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("ketaclinic.cli.session")
    module.register = lambda subparsers: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ketaclinic.cli.session", module)
    monkeypatch.setitem(cli.COMMANDS, "session", cli.Command("ketaclinic.cli.session", "sessions"))
    with pytest.raises(RuntimeError, match="session"):
        cli.build_parser(["session"])


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["propofol"])
    assert done.value.code == 2
    assert "invalid choice: 'propofol'" in capsys.readouterr().err
