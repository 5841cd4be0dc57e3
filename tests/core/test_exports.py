"""Every public module of the screening core declares ``__all__`` and exports what it names."""

from __future__ import annotations

import importlib
import pkgutil

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
