"""Every public module of the scientific core declares ``__all__`` and exports what it names.

A public module is one with no part of its dotted name starting with ``_``
(``ketacore.pk.documents``, not ``ketacore.pk._solve``). ``make rules`` checks the same
without importing anything (tools/house_rules, rule ``ketacore-all``); this test imports
each module, so it also sees names made at run time.
"""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import ketacore


def _public_modules() -> list[str]:
    names = {"ketacore"}
    for info in pkgutil.walk_packages(ketacore.__path__, prefix="ketacore."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.add(info.name)
    return sorted(names)


MODULES = _public_modules()


def test_it_finds_the_modules_of_every_package() -> None:
    assert {
        "ketacore.units",
        "ketacore.pk",
        "ketacore.pk.documents",
        "ketacore.rules.facts",
    } <= set(MODULES)
    assert not [m for m in MODULES if "._" in m]


@pytest.mark.parametrize("name", MODULES)
def test_it_declares_and_exports_all(name):
    module = importlib.import_module(name)
    assert isinstance(getattr(module, "__all__", None), list), f"{name} has no __all__ list"
    for exported in module.__all__:
        assert hasattr(module, exported), f"{name}.{exported}"


PUBLIC_SURFACES = ["ketacore.pk", "ketacore.infusion"]


def _sort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


@pytest.mark.parametrize("module_name", PUBLIC_SURFACES)
def test_all_lists_exactly_the_public_names(module_name: str) -> None:
    module = importlib.import_module(module_name)
    # dir(), not vars(): ketacore.pk imports each name's module on first use (PEP 562), so
    # its names are listed by its __dir__ before they are in its namespace.
    public = {
        name
        for name in dir(module)
        if not name.startswith("_")
        and not isinstance(getattr(module, name), types.ModuleType)
        and name != "annotations"
    }
    assert set(module.__all__) == public
    assert list(module.__all__) == sorted(module.__all__, key=_sort_key)
