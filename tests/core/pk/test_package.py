"""``ketacore.pk`` imports each part on first use, and exports exactly what it lists."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import ketacore.pk as pk


def test_every_public_name_resolves_to_its_modules_object() -> None:
    fresh = subprocess.run(
        [sys.executable, "-c", "import ketacore.pk as pk; print(' '.join(dir(pk)))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    listed = {n for n in fresh.stdout.split() if not n.startswith("_") and n != "annotations"}
    assert listed - {"importlib", "typing"} == set(pk.__all__)  # before any is used
    assert set(pk._EXPORTS) == set(pk.__all__)
    for name in pk.__all__:
        assert getattr(pk, name) is getattr(importlib.import_module(pk._EXPORTS[name]), name)
    assert set(pk.__all__) <= set(dir(pk))
    with pytest.raises(AttributeError, match="no_such_name"):
        pk.no_such_name  # noqa: B018


def test_the_table_lists_the_names_imported_for_type_checkers() -> None:
    tree = ast.parse(Path(pk.__file__).read_text(encoding="utf-8"))
    guard = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "attr", "") == "TYPE_CHECKING"
    )
    imported = {
        node.module.rsplit(".", 1)[1]: tuple(alias.name for alias in node.names)
        for node in guard.body
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported == pk._MODULES


def test_the_simulate_path_loads_neither_scipy_nor_the_other_parts() -> None:
    code = (
        "import sys; from ketacore import pk; from ketacore.pk import documents; "
        "pk.simulate(pk.get_model('domino').parameters(pk.Patient(70, 45)), "
        "pk.Regimen.constant_infusion(35, 40), [10, 40]); "
        "print(' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run(  # noqa: S603 - fixed argv built by the test itself
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(result.stdout.split())
    assert "scipy" not in loaded
    for part in ("_compare", "_metrics", "_population", "_preview", "_tci"):
        assert f"ketacore.pk.{part}" not in loaded
