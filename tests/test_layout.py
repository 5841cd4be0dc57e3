"""The layout rules of issue 9 #9 that a test can hold: small modules."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "ketaclinic"
#: A module past this is split by responsibility (Zulip's way: a module becomes a package).
MAX_LINES = 400


def test_no_module_of_the_app_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(SRC)): n
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these by responsibility: {long}"
