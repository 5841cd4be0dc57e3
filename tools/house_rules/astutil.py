"""Small helpers over Python's ``ast`` shared by the rules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass(frozen=True)
class Imported:
    """One name an import statement brings in."""

    node: ast.Import | ast.ImportFrom
    target: str  # the full dotted name imported, e.g. "django.db.transaction"
    bound: str  # the local name it is bound to (for ``import a.b``: "a", meaning "a")
    bound_to: str  # what the local name means: "a" for ``import a.b``, else ``target``
    type_checking: bool  # under ``if TYPE_CHECKING:`` (never runs)


def imports(tree: ast.Module, module: str = "") -> list[Imported]:
    """Every import in the file, with relative imports resolved against ``module``."""
    found: list[Imported] = []
    for node, type_checking in _statements(tree.body, type_checking=False):
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                meaning = alias.name if alias.asname else bound
                found.append(Imported(node, alias.name, bound, meaning, type_checking))
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module)
            for alias in node.names:
                target = f"{base}.{alias.name}" if base else alias.name
                bound = alias.asname or alias.name
                found.append(Imported(node, target, bound, target, type_checking))
    return found


def _absolute(node: ast.ImportFrom, module: str) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")[: -node.level] if module else []
    return ".".join([*package, *([node.module] if node.module else [])])


def _statements(body: list[ast.stmt], *, type_checking: bool) -> Iterator[tuple[ast.stmt, bool]]:
    """Every statement, nested ones too, with whether it sits under ``if TYPE_CHECKING``."""
    for node in body:
        yield node, type_checking
        if isinstance(node, ast.If):
            guarded = type_checking or dotted(node.test) in (
                "TYPE_CHECKING",
                "typing.TYPE_CHECKING",
            )
            yield from _statements(node.body, type_checking=guarded)
            yield from _statements(node.orelse, type_checking=type_checking)
            continue
        for name in ("body", "orelse", "finalbody", "handlers"):
            children = getattr(node, name, None)
            if isinstance(children, list):
                statements = [c for c in children if isinstance(c, ast.stmt)]
                for handler in (c for c in children if isinstance(c, ast.ExceptHandler)):
                    statements.extend(handler.body)
                yield from _statements(statements, type_checking=type_checking)


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of names and attributes; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class Names:
    """Resolves local names to what the file's imports made them mean."""

    def __init__(self, tree: ast.Module, module: str = "") -> None:
        self.bindings = {i.bound: i.bound_to for i in imports(tree, module)}

    def qualified(self, node: ast.AST) -> str | None:
        """``transaction.atomic`` -> ``django.db.transaction.atomic`` (after its import)."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        base = self.bindings.get(head, head)
        return f"{base}.{rest}" if rest else base


def walk_code(node: ast.AST, *, into_functions: bool = True) -> Iterator[ast.AST]:
    """``ast.walk`` without type annotations: an annotation describes code, it does not run.

    With ``into_functions=False``, the functions and lambdas defined inside ``node`` are
    left out (each is its own scope).
    """
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is not node and not into_functions and isinstance(current, FUNCTIONS):
            continue
        for name, value in reversed(list(ast.iter_fields(current))):
            if name in ("annotation", "returns"):
                continue
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(reversed([v for v in value if isinstance(v, ast.AST)]))


def parents(node: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: parent for parent in ast.walk(node) for child in ast.iter_child_nodes(parent)}


class MethodCall(NamedTuple):
    call: ast.Call
    name: str  # the method's name
    receiver: ast.expr  # what it is called on


def method_call(node: ast.AST) -> MethodCall | None:
    """For a call ``<receiver>.<name>(...)``, its parts; None for any other node."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return MethodCall(node, node.func.attr, node.func.value)
    return None


def is_class_call(node: ast.AST | None) -> bool:
    """A call of something named like a class: ``Patient(...)``, ``models.Patient(...)``."""
    if not isinstance(node, ast.Call):
        return False
    name = dotted(node.func)
    return name is not None and name.rsplit(".", 1)[-1][:1].isupper()


def module_functions(tree: ast.Module) -> dict[str, FunctionNode]:
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def module_scope(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run at module level: inside ``if``/``try``/``with``/loops too,
    never inside a function or class body."""
    for node in body:
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name in ("body", "orelse", "finalbody"):
            children = getattr(node, name, None)
            if isinstance(children, list):
                yield from module_scope([c for c in children if isinstance(c, ast.stmt)])
        for handler in getattr(node, "handlers", []):
            yield from module_scope(handler.body)
