"""Rules ``save-update-fields`` and ``service-atomic-audited``: how services write.

Both apply to ``src/ketaclinic/**/services*.py`` and to modules of ``services/`` packages.

``save-update-fields``: every ``.save(...)`` call (one with no positional argument, as
``Model.save`` takes keywords only; ``image.save(buffer)`` is something else) passes
``update_fields=``, or ``force_insert=True``, or is called on a local name that every
assignment in its function (or, if it has none there, in the enclosing one) binds to a
call of something named like a class: ``entry = Allergy(...)`` then ``entry.save()`` is a
create. A parameter, a name also assigned from a query, a ``**options`` argument, or an
attribute (``self.row.save()``) is an existing row: name the fields.

``service-atomic-audited``: a public (no leading ``_``) module-level function that writes
runs in a transaction that also writes the audit record. Precisely:

* A *write* is a call of ``.save()``, ``.delete()`` or ``.create()`` with no positional
  argument, ``.update(...)`` with keywords only (``QuerySet.update``; ``dict.update(d)``
  passes), ``bulk_create``, ``bulk_update``, ``get_or_create`` or ``update_or_create``; or
  a call of a function of the same module that writes (followed through the module).
* An *audit call* is a call of ``ketaclinic.audit.services.record`` (under whatever name
  the imports give it), of a function of the same module that makes one, or of a name
  given by a ``# audited by: <name>`` comment inside the function: for a function whose
  audit record is written by a callable it receives (``idempotency.services.once`` runs the
  caller's audited create). The checker requires the function to call that name.
* A *transaction* is the body of a function decorated ``@transaction.atomic`` (with or
  without arguments), or an outermost ``with transaction.atomic(...):`` block.
* A write inside a callable passed as ``write=`` to ``ketaclinic.lib.signing.sign`` is
  covered: ``sign`` runs it in a transaction with the signature's audit record.
* The function passes when it is decorated and makes an audit call; or when every write
  is inside a ``with transaction.atomic()`` block and each such outermost block makes an
  audit call; or when its only write is one call of a same-module function that itself
  passes (a thin wrapper, e.g. ``change_password`` checking the password outside the
  transaction and then calling the atomic ``_set_password``).

The audit writer's own module (``audit/services.py``) is excluded: it is what the others
must call, and it runs in its caller's transaction.

Limits: only names are read, so a write through another module's function (``other.
services.x()``), a method (the rule looks at module-level functions; helpers in classes are
not followed) or a many-to-many ``.add()``/``.set()`` is not seen; ``dict.update(k=v)`` in
a service would count as a write. Reads are not checked here (getters audit reads).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tools.house_rules.astutil import (
    FUNCTIONS,
    FunctionNode,
    Names,
    dotted,
    is_class_call,
    method_call,
    module_functions,
    parents,
    walk_code,
)
from tools.house_rules.engine import Rule, Source

AUDIT_WRITER = "ketaclinic.audit.services.record"
#: Runs its ``write=`` callable in a transaction with its own audit record (a signature).
SIGNING = "ketaclinic.lib.signing.sign"
ATOMIC = "django.db.transaction.atomic"
WRITES_ANY_ARGUMENTS = frozenset(
    {"bulk_create", "bulk_update", "get_or_create", "update_or_create"}
)
WRITES_NO_POSITIONAL = frozenset({"save", "delete", "create"})
MARKER = re.compile(r"#\s*audited by:\s*([A-Za-z_][\w.]*)")
SERVICE_FILES = ("src/ketaclinic/**/services*.py", "src/ketaclinic/**/services/**/*.py")


# ------------------------------------------------------------------ save-update-fields


def check_saves(source: Source) -> Iterator[tuple[int, str]]:
    parent = parents(source.tree)
    for node in ast.walk(source.tree):
        called = method_call(node)
        if called is None or called.name != "save" or called.call.args:
            continue
        call, receiver = called.call, called.receiver
        if _keyword(call, "update_fields") is not None or _is_true(_keyword(call, "force_insert")):
            continue
        if isinstance(receiver, ast.Name) and _constructed_here(receiver.id, call, parent):
            continue
        yield (
            call.lineno,
            "save() of an existing row without update_fields=: name the fields it changes "
            "(a new row: construct it in this function, or pass force_insert=True)",
        )


def _ancestors(node: ast.AST, parent: dict[ast.AST, ast.AST]) -> Iterator[ast.AST]:
    current = parent.get(node)
    while current is not None:
        yield current
        current = parent.get(current)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _constructed_here(name: str, node: ast.AST, parent: dict[ast.AST, ast.AST]) -> bool:
    """Whether every assignment of ``name`` in the nearest scope that assigns it is a class call."""
    scope: ast.AST | None = parent.get(node)
    while scope is not None:
        if isinstance(scope, (*FUNCTIONS, ast.Module)):
            if isinstance(scope, FUNCTIONS) and name in _parameters(scope):
                return False
            values = _assigned_values(scope, name)
            if values:
                return all(is_class_call(v) for v in values)
        scope = parent.get(scope)
    return False


def _parameters(function: FunctionNode | ast.Lambda) -> set[str]:
    args = function.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return {a.arg for a in every if a is not None}


def _assigned_values(scope: ast.AST, name: str) -> list[ast.expr | None]:
    """What ``name`` is bound to in ``scope`` (None: bound some other way, e.g. a loop)."""
    values: list[ast.expr | None] = []
    for node in walk_code(scope, into_functions=False):
        for target, value in _bindings(node):
            if isinstance(target, ast.Name) and target.id == name:
                values.append(value)
            elif _binds(target, name):
                values.append(None)  # unpacked from something: not known to be new
    return values


def _bindings(node: ast.AST) -> list[tuple[ast.expr, ast.expr | None]]:
    """(target, value) for each name binding ``node`` makes; value None when not a plain ``=``."""
    if isinstance(node, ast.Assign):
        return [(t, node.value) for t in node.targets]
    if isinstance(node, ast.AnnAssign):
        return [(node.target, node.value)]
    if isinstance(node, ast.AugAssign | ast.NamedExpr | ast.For | ast.AsyncFor | ast.comprehension):
        return [(node.target, None)]
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [(node.optional_vars, None)]
    return []


def _binds(target: ast.AST, name: str) -> bool:
    """Whether assigning to ``target`` rebinds ``name`` (``name.x = …`` does not)."""
    if isinstance(target, ast.Name):
        return target.id == name
    if isinstance(target, ast.Starred):
        return _binds(target.value, name)
    if isinstance(target, ast.Tuple | ast.List):
        return any(_binds(e, name) for e in target.elts)
    return False


# ------------------------------------------------------------------ service-atomic-audited


@dataclass
class _Function:
    node: FunctionNode
    atomic: bool
    writes: list[ast.Call] = field(default_factory=list)
    calls: list[tuple[ast.Call, str]] = field(default_factory=list)  # same-module calls
    audits: list[ast.Call] = field(default_factory=list)
    markers: dict[str, int] = field(default_factory=dict)  # "# audited by:" name -> line


class _Module:
    """What each module-level function of a services module writes, audits and calls."""

    def __init__(self, source: Source) -> None:
        self.names = Names(source.tree, source.module)
        nodes = module_functions(source.tree)
        self._local = set(nodes)
        self.functions = {name: self._facts(node, source) for name, node in nodes.items()}
        self._memo: dict[tuple[str, str], bool] = {}

    def _facts(self, node: FunctionNode, source: Source) -> _Function:
        facts = _Function(node, any(self._is_atomic(d) for d in node.decorator_list))
        lines = source.text.splitlines()[node.lineno - 1 : node.end_lineno]
        for offset, line in enumerate(lines):
            for match in MARKER.finditer(line):
                facts.markers[match.group(1)] = node.lineno + offset
        for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
            self._classify(call, facts)
        return facts

    def _classify(self, call: ast.Call, facts: _Function) -> None:
        if _is_write(call):
            facts.writes.append(call)
        elif self.names.qualified(call.func) == AUDIT_WRITER or any(
            self._calls(call, m) for m in facts.markers
        ):
            facts.audits.append(call)
        elif isinstance(call.func, ast.Name) and call.func.id in self._local:
            facts.calls.append((call, call.func.id))

    def _is_atomic(self, node: ast.AST) -> bool:
        target = node.func if isinstance(node, ast.Call) else node
        return self.names.qualified(target) == ATOMIC

    def writes(self, name: str) -> bool:
        return self._closure("writes", name, lambda f: bool(f.writes))

    def audits(self, name: str) -> bool:
        return self._closure("audits", name, lambda f: bool(f.audits))

    def _closure(self, kind: str, name: str, direct: Callable[[_Function], bool]) -> bool:
        key = (kind, name)
        if key not in self._memo:
            self._memo[key] = False  # a cycle adds nothing
            facts = self.functions.get(name)
            self._memo[key] = facts is not None and (
                direct(facts) or any(self._closure(kind, g, direct) for _, g in facts.calls)
            )
        return self._memo[key]

    def problems(self, name: str, seen: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
        facts = self.functions[name]
        sites = [*facts.writes, *(c for c, g in facts.calls if self.writes(g))]
        audits = [*facts.audits, *(c for c, g in facts.calls if self.audits(g))]
        found = [
            (line, f"'# audited by: {marker}' but {name}() never calls {marker}()")
            for marker, line in facts.markers.items()
            if not any(self._calls(a, marker) for a in facts.audits)
        ]
        if not sites:
            return found
        if facts.atomic:
            return found + ([] if audits else [(facts.node.lineno, _NO_AUDIT)])
        if len(sites) == 1 and self._delegates(facts, sites[0], seen | {name}):
            return found
        return found + self._blocks(facts, sites, audits)

    def _delegates(self, facts: _Function, site: ast.Call, seen: frozenset[str]) -> bool:
        callee = next((g for c, g in facts.calls if c is site), None)
        return callee is not None and callee not in seen and not self.problems(callee, seen)

    def _blocks(
        self, facts: _Function, sites: list[ast.Call], audits: list[ast.Call]
    ) -> list[tuple[int, str]]:
        parent = parents(facts.node)
        found: list[tuple[int, str]] = []
        blocks: dict[ast.With, None] = {}
        signed = self._signed_writers(facts)
        for site in sites:
            if any(ancestor in signed for ancestor in _ancestors(site, parent)):
                continue  # runs inside sign()'s transaction, with its audit record
            block = self._outermost_atomic(site, parent)
            if block is None:
                found.append((site.lineno, _OUTSIDE))
            else:
                blocks[block] = None
        for block in blocks:
            if not any(self._outermost_atomic(a, parent) is block for a in audits):
                found.append((block.lineno, _NO_AUDIT))
        return found

    def _signed_writers(self, facts: _Function) -> set[ast.AST]:
        """The callables this function passes as ``write=`` to ``sign()``."""
        nested = {
            n.name: n
            for n in ast.walk(facts.node)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n is not facts.node
        }
        found: set[ast.AST] = set()
        for call in (n for n in ast.walk(facts.node) if isinstance(n, ast.Call)):
            if self.names.qualified(call.func) != SIGNING:
                continue
            writer = _keyword(call, "write")
            if isinstance(writer, ast.Lambda):
                found.add(writer)
            elif isinstance(writer, ast.Name) and writer.id in nested:
                found.add(nested[writer.id])
        return found

    def _outermost_atomic(self, node: ast.AST, parent: dict[ast.AST, ast.AST]) -> ast.With | None:
        outermost = None
        current = parent.get(node)
        while current is not None:
            if isinstance(current, ast.With) and any(
                self._is_atomic(item.context_expr) for item in current.items
            ):
                outermost = current
            current = parent.get(current)
        return outermost

    @staticmethod
    def _calls(call: ast.Call, name: str) -> bool:
        called = dotted(call.func) or ""
        return called == name or called.endswith(f".{name}")


_NO_AUDIT = (
    "writes without an audit record in the same transaction: call "
    "ketaclinic.audit.services.record() (or a helper that does) inside it"
)
_OUTSIDE = (
    "writes outside a transaction: decorate the service with @transaction.atomic "
    "or write inside 'with transaction.atomic():'"
)


def _is_write(call: ast.Call) -> bool:
    called = method_call(call)
    if called is None:
        return False
    method = called.name
    if method in WRITES_ANY_ARGUMENTS:
        return True
    if method in WRITES_NO_POSITIONAL:
        return not call.args
    return method == "update" and not call.args and bool(call.keywords)


def check_services(source: Source) -> Iterator[tuple[int, str]]:
    module = _Module(source)
    for name in module.functions:
        if name.startswith("_"):
            continue
        for line, message in module.problems(name):
            yield line, f"{name}(): {message}"


SAVE_RULE = Rule(
    id="save-update-fields",
    description="services save an existing row with update_fields=",
    include=SERVICE_FILES,
    check=check_saves,
    example_path="src/ketaclinic/example/services.py",
    bad="""\
def rename(actor, patient, name):
    patient.given_name = name
    patient.save()
""",
    good="""\
def rename(actor, patient, name):
    patient.given_name = name
    patient.save(update_fields=("given_name",))

def add(actor, data):
    entry = Allergy(**data)
    entry.save()
    Allergy(**data).save(force_insert=True)
    image.save(buffer)
""",
)

AUDIT_RULE = Rule(
    id="service-atomic-audited",
    description="a public service that writes is atomic and audits in that transaction",
    include=SERVICE_FILES,
    exclude=("src/ketaclinic/audit/services.py",),  # the audit writer itself
    check=check_services,
    example_path="src/ketaclinic/example/services.py",
    bad="""\
from django.db import transaction
from ketaclinic.audit.services import Action, record

def rename(actor, patient, name):
    patient.given_name = name
    patient.save(update_fields=("given_name",))
    record(actor, Action.UPDATE, obj=patient)

@transaction.atomic
def retire(actor, patient):
    Patient.objects.filter(pk=patient.pk).update(retired=True)
""",
    good="""\
from django.db import transaction
from ketaclinic.audit import services as audit

@transaction.atomic
def rename(actor, patient, name):
    patient.given_name = name
    patient.save(update_fields=("given_name",))
    _audit(actor, patient)

def retire(actor, patient):
    with transaction.atomic():
        Patient.objects.filter(pk=patient.pk).update(retired=True)
        audit.record(actor, audit.Action.UPDATE, obj=patient)

def rename_checked(actor, patient, name):
    check(name)
    return rename(actor, patient, name)

def _audit(actor, patient):
    audit.record(actor, audit.Action.UPDATE, obj=patient)
""",
)
