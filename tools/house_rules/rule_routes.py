"""Rule ``route-matrix``: every URL route is in the permission matrix, and nothing else is.

The set of named routes Django's resolver knows (``ketaclinic.security.route_names()``,
namespaced: ``api:me``) equals the set of keys of ``ketaclinic.security.ROUTE_ACCESS``. The
route guard answers 404 to a route missing from the matrix, so a missing one is a page
nobody can use, and a key with no route is a decision about nothing.
``accounts/tests/test_route_matrix.py`` asserts the same in the test run; this rule makes
``make check`` say it too, with where to look.

A route missing from the matrix is reported at its ``name="…"`` in the URL modules; a key
without a route at its line in ``security.py``. This is the one rule that imports the
project: it sets Django up with development settings (``KETACLINIC_DEV=1``).
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from tools.house_rules.engine import ProjectRule, Violation

RULE_ID = "route-matrix"
SECURITY = "src/ketaclinic/security.py"


def compare(
    routes: Iterable[str],
    matrix: Mapping[str, int],
    where: Mapping[str, tuple[str, int]],
) -> Iterator[Violation]:
    """Violations between the resolver's ``routes`` and the matrix (key -> line in security.py).

    ``where`` gives a route's definition (file, line), when it was found.
    """
    known = set(routes)
    for name in sorted(known - set(matrix)):
        path, line = where.get(name, (SECURITY, min(matrix.values(), default=1)))
        yield Violation(
            path,
            line,
            RULE_ID,
            f"route {name!r} is missing from ketaclinic.security.ROUTE_ACCESS: "
            "decide who may use it (then python -m ketaclinic.security for docs/security.md)",
        )
    for name in sorted(set(matrix) - known):
        yield Violation(
            SECURITY, matrix[name], RULE_ID, f"ROUTE_ACCESS names {name!r}, which no route has"
        )


def matrix_lines(root: Path) -> dict[str, int]:
    """The keys of ``ROUTE_ACCESS`` with the line each is written on."""
    tree = ast.parse((root / SECURITY).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        value: ast.expr | None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        else:
            continue
        named = any(isinstance(t, ast.Name) and t.id == "ROUTE_ACCESS" for t in targets)
        if named and isinstance(value, ast.Dict):
            return {
                k.value: k.lineno
                for k in value.keys
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            }
    return {}


def definitions(root: Path) -> dict[str, tuple[str, int]]:
    """Where each ``name="…"`` route is written, namespaced by its module's ``app_name``."""
    found: dict[str, tuple[str, int]] = {}
    for path in sorted((root / "src" / "ketaclinic").rglob("*urls.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        namespace = _app_name(tree)
        relative = path.relative_to(root).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    value = keyword.value
                    if keyword.arg == "name" and isinstance(value, ast.Constant):
                        name = f"{namespace}:{value.value!s}" if namespace else str(value.value)
                        found.setdefault(name, (relative, node.lineno))
    return found


def _app_name(tree: ast.Module) -> str:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "app_name" for t in node.targets)
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    return ""


def check(root: Path) -> Iterator[Violation]:
    yield from compare(_resolver_routes(root), matrix_lines(root), definitions(root))


def _resolver_routes(root: Path) -> set[str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.settings")
    os.environ.setdefault("KETACLINIC_DEV", "1")  # development secrets: no server runs
    source = str(root / "src")
    if source not in sys.path:
        sys.path.insert(0, source)
    import django

    django.setup()
    from ketaclinic.security import route_names

    return route_names()


RULE = ProjectRule(
    id=RULE_ID,
    description="every URL route is a key of ketaclinic.security.ROUTE_ACCESS, and vice versa",
    check=check,
)
