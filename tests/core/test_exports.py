"""Every public module of the screening core declares ``__all__`` and exports what it names."""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import ketacore.rules
import ketacore.scoring

MODULES = sorted(
    {
        f"{pkg.__name__}.{info.name}"
        for pkg in (ketacore.scoring, ketacore.rules)
        for info in pkgutil.iter_modules(pkg.__path__)
    }
    | {"ketacore.scoring", "ketacore.rules"}
)


@pytest.mark.parametrize("name", MODULES)
def test_it_declares_and_exports_all(name):
    module = importlib.import_module(name)
    assert isinstance(module.__all__, list)
    for exported in module.__all__:
        assert hasattr(module, exported), f"{name}.{exported}"


PUBLIC_SURFACES = ["ketacore.pk"]


def _sort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


@pytest.mark.parametrize("module_name", PUBLIC_SURFACES)
def test_all_lists_exactly_the_public_names(module_name: str) -> None:
    module = importlib.import_module(module_name)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert set(module.__all__) == public
    assert list(module.__all__) == sorted(module.__all__, key=_sort_key)
