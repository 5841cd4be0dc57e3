"""Rules ``ketacore-private-import`` and ``ketacore-all``: the core's public surface.

``ketacore-private-import``: a *private* part of ``ketacore`` is a module or a name whose
own name starts with ``_`` (``ketacore.pk._solve``, ``ketacore.pk._blocks._MAX_RUN``;
dunders such as ``__version__`` are public). Its *owner* is the package that contains it
(``ketacore.pk``). Only the owner's own modules (``src/ketacore/pk/``) and the owner's own
tests (``tests/core/pk/``; ``tests/core/`` for ``ketacore`` itself) may import it, by
``import``, ``from … import`` (relative imports resolved) or ``importlib.import_module("…")``
with a literal name. Everything else (``src/ketaclinic``, ``benchmarks``, other tests,
another ``ketacore`` package) uses the public modules.

Why the core's own tests may: they are white-box tests of that package's internals (the
solver's modes, the block sweep's run lengths), which have no public handle and which
would otherwise be tested only through the public functions, badly. They live next to the
package's other tests, and they change with the package, never with the clinic app.

``ketacore-all``: every public module under ``src/ketacore`` (no path part starting with
``_`` other than ``__init__.py``) assigns ``__all__`` a literal list or tuple of strings
at module level, and every name in it is defined at module level (by ``def``, ``class``,
assignment or import; a ``from … import *`` makes the names unknowable and skips the
second check). ``tests/core/test_exports.py`` checks the same by importing the modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tools.house_rules.astutil import dotted, imports, module_scope
from tools.house_rules.engine import Rule, Source

# ------------------------------------------------------------------ ketacore-private-import


def check_private_imports(source: Source) -> Iterator[tuple[int, str]]:
    for line, target in _imported_targets(source):
        owner = private_owner(target)
        if owner is not None and not _may_import(source.path, owner):
            yield (
                line,
                f"imports private {target} from outside {owner}: use {owner}'s public "
                "modules (or make the module public, with __all__)",
            )


def _imported_targets(source: Source) -> Iterator[tuple[int, str]]:
    for imported in imports(source.tree, source.module):
        yield imported.node.lineno, imported.target
    for node in ast.walk(source.tree):
        if (
            isinstance(node, ast.Call)
            and (dotted(node.func) or "").rsplit(".", 1)[-1] in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def private_owner(target: str) -> str | None:
    """The package owning the first private part of ``target``; None if all is public."""
    parts = target.split(".")
    if parts[0] != "ketacore":
        return None
    for index, part in enumerate(parts[1:], start=1):
        if part.startswith("_") and not (part.startswith("__") and part.endswith("__")):
            return ".".join(parts[:index])
    return None


def _may_import(path: str, owner: str) -> bool:
    inside = owner.split(".")[1:]
    allowed = ("/".join(["src", "ketacore", *inside]), "/".join(["tests", "core", *inside]))
    return any(path.startswith(f"{prefix}/") for prefix in allowed)


# ------------------------------------------------------------------ ketacore-all


def is_public_module(path: str) -> bool:
    parts = path.removeprefix("src/").split("/")
    return not any(p.startswith("_") and p != "__init__.py" for p in parts)


def check_all(source: Source) -> Iterator[tuple[int, str]]:
    if not is_public_module(source.path):
        return
    assignments = [
        n
        for n in module_scope(source.tree.body)
        if isinstance(n, ast.Assign | ast.AnnAssign | ast.AugAssign) and _targets_all(n)
    ]
    if not assignments:
        yield 1, "a public ketacore module declares __all__ (its public names, sorted)"
        return
    defined = _defined_names(source.tree)
    for node in assignments:
        names = _literal_strings(node.value)
        if names is None:
            yield node.lineno, "__all__ must be a literal list or tuple of strings"
        elif defined is not None:
            for missing in (n for n in names if n not in defined):
                yield node.lineno, f"__all__ names {missing!r}, which the module does not define"


def _targets_all(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _literal_strings(node: ast.expr | None) -> list[str] | None:
    if not isinstance(node, ast.List | ast.Tuple):
        return None
    values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
    if len(values) != len(node.elts) or not all(isinstance(v, str) for v in values):
        return None
    return [str(v) for v in values]


def _defined_names(tree: ast.Module) -> set[str] | None:
    """Names bound at module level; None after ``from … import *``."""
    names: set[str] = set()
    for node in module_scope(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.split(".")[0])
        else:
            targets = [
                t
                for field in ("targets", "target", "optional_vars")
                for t in _as_list(getattr(node, field, None))
            ]
            for item in getattr(node, "items", []):
                targets.extend(_as_list(item.optional_vars))
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _as_list(value: object) -> list[ast.AST]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, ast.AST)]
    return [value] if isinstance(value, ast.AST) else []


PRIVATE_IMPORT_RULE = Rule(
    id="ketacore-private-import",
    description="no import of a private ketacore module or name from outside its package",
    include=("src/**/*.py", "tests/**/*.py", "benchmarks/**/*.py"),
    check=check_private_imports,
    example_path="src/ketaclinic/example/pk.py",
    bad="""\
import importlib
import ketacore.rules._ruleset
from ketacore.pk import _io
from ketacore.pk._solve import simulate
solver = importlib.import_module("ketacore.pk._solve")
""",
    good="""\
from ketacore import pk
from ketacore.pk import documents, simulate
from ketacore.rules import load_rule_set
from ketaclinic.lib import _private_helper
""",
)

ALL_RULE = Rule(
    id="ketacore-all",
    description="every public ketacore module declares __all__, naming only what it defines",
    include=("src/ketacore/**/*.py",),
    check=check_all,
    example_path="src/ketacore/example.py",
    bad="""\
__all__ = ["simulate", "missing"]

def simulate():
    pass
""",
    good="""\
from ketacore.pk._solve import Simulation

__all__ = ["Simulation", "simulate"]

def simulate():
    pass
""",
)
