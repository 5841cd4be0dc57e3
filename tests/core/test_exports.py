"""Each public ketacore module's ``__all__`` lists exactly its public names, sorted.

To cover another module, add its dotted name to MODULES.
"""

from __future__ import annotations

import importlib
import types

import pytest

MODULES = ["ketacore.pk"]


def _sort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


@pytest.mark.parametrize("module_name", MODULES)
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
