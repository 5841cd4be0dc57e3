"""The machinery: rules, the files each applies to, the allowlist, and the command line.

In the manner of Zulip's ``tools/linter_lib/custom_check.py``: a rule is data (an id, a
description, the files it includes and excludes, one example that breaks it and one
that keeps it), and a check. Here every check reads Python's ``ast`` (an import, a call
or a decorator is a node, never a guess from text), except the route rule, which asks
Django's URL resolver.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

#: The checkout this file lives in.
ROOT = Path(__file__).resolve().parents[2]
#: Where the checker looks for Python files, relative to the checkout.
SEARCH_DIRS = ("src", "tests", "benchmarks")


@dataclass(frozen=True, order=True)
class Violation:
    path: str  # relative to the checked root, with forward slashes
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.message}"


@dataclass(frozen=True)
class Source:
    """One parsed Python file."""

    path: str  # relative, forward slashes
    text: str
    tree: ast.Module

    @classmethod
    def parse(cls, path: str, text: str) -> Source:
        return cls(path, text, ast.parse(text, filename=path))

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1].strip() if 0 < number <= len(lines) else ""

    @property
    def module(self) -> str:
        """The dotted module name (``src/ketaclinic/x/y.py`` -> ``ketaclinic.x.y``)."""
        parts = self.path.removesuffix(".py").split("/")
        if parts[0] == "src":
            parts = parts[1:]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        return ".".join(parts)


#: A check yields (line, message) pairs for one file.
Check = Callable[[Source], Iterable[tuple[int, str]]]


@dataclass(frozen=True)
class Rule:
    """A rule over Python files.

    Attributes:
        include: Globs (``**`` spans directories, ``*`` does not) of the files it applies to.
        exclude: Globs of files it leaves alone, each for a reason said in the rule's module.
        bad: A file that breaks the rule, at ``example_path`` (the tests check it is caught).
        good: A file that keeps it (the tests check it passes).
    """

    id: str
    description: str
    include: tuple[str, ...]
    check: Check
    bad: str
    good: str
    example_path: str
    exclude: tuple[str, ...] = ()

    def applies_to(self, path: str) -> bool:
        return any(_glob(p).fullmatch(path) for p in self.include) and not any(
            _glob(p).fullmatch(path) for p in self.exclude
        )

    def run(self, source: Source) -> Iterator[Violation]:
        for line, message in self.check(source):
            yield Violation(source.path, line, self.id, message)


@dataclass(frozen=True)
class ProjectRule:
    """A rule over the whole project rather than one file at a time (the route matrix)."""

    id: str
    description: str
    check: Callable[[Path], Iterable[Violation]]


@dataclass(frozen=True)
class Allowed:
    """A known violation that does not fail the check, matched on its file, rule and line text.

    Matching the line's text rather than its number (as Zulip's ``exclude_line`` does)
    keeps an entry valid when lines above it move, and retires it when the line changes.
    """

    path: str
    rule: str
    line_text: str
    why: str
    #: True: a violation to fix, shown on every run until it is; False: an exception by design.
    temporary: bool = True

    def matches(self, violation: Violation, source_line: str) -> bool:
        return (violation.path, violation.rule, source_line) == (
            self.path,
            self.rule,
            self.line_text,
        )


@dataclass
class Report:
    failing: list[Violation] = field(default_factory=list)
    allowlisted: list[tuple[Violation, Allowed]] = field(default_factory=list)
    stale: list[Allowed] = field(default_factory=list)


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    out = ""
    for piece in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
        out += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(
            piece, re.escape(piece)
        )
    return re.compile(out)


def python_files(root: Path) -> Iterator[str]:
    for directory in SEARCH_DIRS:
        for path in sorted((root / directory).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if "/migrations/" not in relative:
                yield relative


def check(
    root: Path,
    rules: Sequence[Rule],
    project_rules: Sequence[ProjectRule] = (),
    allowlist: Sequence[Allowed] = (),
) -> Report:
    """Run ``rules`` over the files under ``root``; sort out what the allowlist accepts."""
    report = Report()
    used: set[Allowed] = set()
    checked: set[tuple[str, str]] = set()
    for path in python_files(root):
        applicable = [r for r in rules if r.applies_to(path)]
        if not applicable:
            continue
        source = Source.parse(path, (root / path).read_text(encoding="utf-8"))
        for rule in applicable:
            checked.add((path, rule.id))
            for violation in rule.run(source):
                entry = _allowed(violation, source.line(violation.line), allowlist)
                if entry is None:
                    report.failing.append(violation)
                else:
                    used.add(entry)
                    report.allowlisted.append((violation, entry))
    for project_rule in project_rules:
        report.failing.extend(project_rule.check(root))
    report.stale = [a for a in allowlist if (a.path, a.rule) in checked and a not in used]
    report.failing.sort()
    return report


def _allowed(violation: Violation, line: str, allowlist: Sequence[Allowed]) -> Allowed | None:
    return next((a for a in allowlist if a.matches(violation, line)), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Print ``file:line: rule: message`` for each violation; return 1 if there is any."""
    from tools.house_rules import config

    parser = argparse.ArgumentParser(prog="house_rules", description=__doc__)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to check")
    parser.add_argument("--rule", action="append", help="only this rule (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the rules and stop")
    args = parser.parse_args(argv)
    every: tuple[Rule | ProjectRule, ...] = (*config.RULES, *config.PROJECT_RULES)
    if args.list:
        for rule in every:
            print(f"{rule.id}: {rule.description}")
        return 0
    chosen = set(args.rule or ())
    unknown = chosen - {r.id for r in every}
    if unknown:
        parser.error(f"unknown rule(s): {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    report = check(
        args.root,
        [r for r in config.RULES if not chosen or r.id in chosen],
        [r for r in config.PROJECT_RULES if not chosen or r.id in chosen],
        (*config.ALLOWLIST, *config.EXCEPTIONS),
    )
    return _print(report, time.perf_counter() - started)


def _print(report: Report, seconds: float) -> int:
    for violation, entry in report.allowlisted:
        if entry.temporary:
            print(f"{violation} [allowlisted: {entry.why}]", file=sys.stderr)
    for entry in report.stale:
        print(
            f"{entry.path}: allowlist: stale entry for {entry.rule} ({entry.line_text!r}): "
            "the violation is gone; remove the entry from tools/house_rules/config.py"
        )
    for violation in report.failing:
        print(violation)
    sys.stdout.flush()
    failed = bool(report.failing or report.stale)
    waiting = sum(entry.temporary for _, entry in report.allowlisted)
    summary = (
        f"house rules: {len(report.failing)} violation(s), {len(report.stale)} stale allowlist "
        f"entr(y/ies), {waiting} allowlisted to fix ({seconds:.1f} s)"
    )
    print(summary, file=sys.stderr)
    return 1 if failed else 0
