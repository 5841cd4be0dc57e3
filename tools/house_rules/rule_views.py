"""Rule ``no-orm-in-views``: views and API modules never touch the ORM.

The way is view -> access getter (``access.py``, permission-checked reads) -> service
(``services.py``, atomic audited writes) -> models. A query written in a view skips the
getter's permission check and its audit record of the read.

What the rule flags, in ``src/ketaclinic/**/views.py``, ``**/*_views.py`` (a view module split
by topic, e.g. ``pdf_views.py``), ``**/api.py`` (and ``views/`` or
``api/`` packages), outside type annotations (which describe code, they do not run):

1. A model manager: any attribute ``.objects``, ``._default_manager`` or ``._base_manager``.
2. A call of a method that only querysets and managers have, whatever its receiver
   (so related managers are caught: ``patient.conditions.filter(...)``):
   ``filter exclude order_by select_related prefetch_related select_for_update only defer
   annotate aggregate values_list distinct get_or_create update_or_create bulk_create
   bulk_update in_bulk earliest latest raw extra refresh_from_db``.
3. A call with no positional argument of ``all first last count exists iterator save
   delete create``: the ORM's forms. The same names with a positional argument are
   other objects' methods (``str.count(x)``, ``image.save(buffer)``, ``cache.delete(key)``,
   ``serializer.create(data)``), as ``Model.save`` takes keywords only.
4. ``.get(...)`` with a keyword other than ``default`` (``objects.get(code=c)``) or a
   ``Q(...)`` argument. ``dict.get(key)`` and ``QueryDict.get(key, default=…)`` pass.
5. ``.get``, ``.update``, ``.values`` (any arguments) on an ORM expression: one built from
   1 or 2, or a name assigned from one in the same function.
6. Query machinery by name: ``QuerySet``, ``Manager``, ``Q``, ``F``, ``Prefetch``,
   ``Subquery``, ``OuterRef``, ``Exists`` used as values (``models.Q(...)``,
   ``isinstance(x, QuerySet)``); importing ``django.db.transaction`` (or ``atomic``),
   ``django.db.connection(s)``, ``get_object_or_404``/``get_list_or_404``, or the names in 6
   other than ``QuerySet``/``Manager`` (which annotations may need).

Limits: the rule reads names, not types. A queryset returned by a getter and then only
given an ambiguous call (``rows.update(x=1)``, ``rows.values()``, ``rows.get(pk)``) is not
seen; nor is ORM code hidden in another module the view calls (forms, helpers): the
import-linter layers contract covers where views may import from. ``all()``/``exists()``
with no argument on a non-ORM object (NumPy's ``a.all()``, ``Path.exists()``) would be
flagged; none is in a view today.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator

from tools.house_rules.astutil import (
    FUNCTIONS,
    MethodCall,
    Names,
    dotted,
    imports,
    method_call,
    walk_code,
)
from tools.house_rules.engine import Rule, Source

MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
QUERYSET_ONLY = frozenset(
    {
        *("filter", "exclude", "order_by", "select_related", "prefetch_related"),
        *("select_for_update", "only", "defer", "annotate", "aggregate", "values_list"),
        *("distinct", "get_or_create", "update_or_create", "bulk_create", "bulk_update"),
        *("in_bulk", "earliest", "latest", "raw", "extra", "refresh_from_db"),
    }
)
NO_POSITIONAL = frozenset(
    {"all", "first", "last", "count", "exists", "iterator", "save", "delete", "create"}
)
ON_ORM_ONLY = frozenset({"get", "update", "values"})
QUERY_NAMES = frozenset(
    {"QuerySet", "Manager", "Q", "F", "Prefetch", "Subquery", "OuterRef", "Exists"}
)
FORBIDDEN_IMPORTS = frozenset(
    {
        "django.db.transaction",
        "django.db.transaction.atomic",
        "django.db.connection",
        "django.db.connections",
        "django.shortcuts.get_object_or_404",
        "django.shortcuts.get_list_or_404",
        *(f"django.db.models.{n}" for n in QUERY_NAMES - {"QuerySet", "Manager"}),
    }
)


def check(source: Source) -> Iterator[tuple[int, str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for line, what in _imports(source):
        found[line].append(what)
    names = Names(source.tree, source.module)
    for scope in _scopes(source.tree):
        orm_names = _orm_names(scope)
        for node in _own_nodes(scope):
            for what in _orm_use(node, names, orm_names):
                found[getattr(node, "lineno", 1)].append(what)
    for line in sorted(found):
        uses = ", ".join(dict.fromkeys(found[line]))
        yield line, f"ORM in a view or API module ({uses}); fetch through an access getter"


def _imports(source: Source) -> Iterator[tuple[int, str]]:
    for imported in imports(source.tree, source.module):
        if imported.target in FORBIDDEN_IMPORTS and not imported.type_checking:
            yield imported.node.lineno, f"import {imported.target}"


def _scopes(tree: ast.Module) -> list[ast.AST]:
    """The module and each function: a name assigned a query in one is tracked there."""
    return [tree, *(n for n in ast.walk(tree) if isinstance(n, FUNCTIONS))]


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``scope`` itself, not of the functions defined inside it."""
    return walk_code(scope, into_functions=False)


def _orm_use(node: ast.AST, names: Names, orm_names: set[str]) -> Iterator[str]:
    if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
        yield f".{node.attr}"
    if isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Load):
        qualified = names.qualified(node) or ""
        short = qualified.rsplit(".", 1)[-1]
        if short == "QuerySet" or (qualified.startswith("django.db.") and short in QUERY_NAMES):
            yield short
        if qualified.endswith("transaction.atomic"):
            yield "transaction.atomic"
    called = method_call(node)
    if called is not None:
        yield from _orm_call(called, orm_names)


def _orm_call(called: MethodCall, orm_names: set[str]) -> Iterator[str]:
    call, method = called.call, called.name
    if method in QUERYSET_ONLY or (method in NO_POSITIONAL and not call.args):
        yield f".{method}()"
    elif method == "get" and _lookup_arguments(call):
        yield ".get(lookup=…)"
    elif method in ON_ORM_ONLY and is_orm_expression(called.receiver, orm_names):
        yield f".{method}() on a query"


def _lookup_arguments(call: ast.Call) -> bool:
    if any(k.arg != "default" for k in call.keywords):  # k.arg None is **lookups
        return True
    return any(_is_q(a.operand if isinstance(a, ast.UnaryOp) else a) for a in call.args)


def _is_q(node: ast.AST) -> bool:
    name = dotted(node.func) if isinstance(node, ast.Call) else None
    return name is not None and (name == "Q" or name.endswith(".Q"))


def is_orm_expression(node: ast.AST, orm_names: set[str]) -> bool:
    """A manager, a queryset method's result, or a name assigned one (see the docstring)."""
    while True:
        if isinstance(node, ast.Name):
            return node.id in orm_names
        if isinstance(node, ast.Attribute):
            if node.attr in MANAGERS:
                return True
            node = node.value
        elif isinstance(node, ast.Call):
            called = method_call(node)
            if called is not None and (
                called.name in QUERYSET_ONLY or (called.name == "all" and not node.args)
            ):
                return True
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return False


def _orm_names(scope: ast.AST) -> set[str]:
    """Names assigned an ORM expression in ``scope`` (in order, so chains are followed)."""
    names: set[str] = set()
    assignments = sorted(
        (n for n in _own_nodes(scope) if isinstance(n, ast.Assign)), key=lambda n: n.lineno
    )
    for node in assignments:
        if is_orm_expression(node.value, names):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


RULE = Rule(
    id="no-orm-in-views",
    description="views and API modules fetch through access getters, never the ORM",
    include=(
        "src/ketaclinic/**/views.py",
        "src/ketaclinic/**/*_views.py",
        "src/ketaclinic/**/api.py",
        "src/ketaclinic/**/views/*.py",
        "src/ketaclinic/**/api/*.py",
    ),
    check=check,
    example_path="src/ketaclinic/example/views.py",
    bad="""\
from django.db import transaction
from ketaclinic.example.models import Patient

def chart(request, code):
    patient = Patient.objects.select_related("clinic").get(code=code)
    rows = patient.conditions.filter(status="active")
    with transaction.atomic():
        patient.save()
    return render(request, "chart.html", {"patient": patient, "rows": rows})
""",
    good="""\
from django.db.models import QuerySet
from ketaclinic.example import access, services

def chart(request, code) -> QuerySet[Patient]:
    patient = access.get_patient_for_user(request.user, code, part="chart")
    page = request.GET.get("page", default="1")
    services.rename(request.user, patient, request.POST.get("name", ""))
    image.save(buffer)
    return render(request, "chart.html", {"patient": patient, "page": page})
""",
)
