"""The house-rules checker (tools/house_rules): each rule catches a planted violation,
passes clean code, and the project itself keeps every rule."""

from __future__ import annotations

import re
import textwrap
import time
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.urls import get_resolver, path

from ketaclinic.security import ROUTE_ACCESS, route_names
from tools.house_rules import config, rule_routes
from tools.house_rules.engine import ROOT, Allowed, Rule, Source, check, main

RULES = {rule.id: rule for rule in config.RULES}
LINE = re.compile(r"^(?P<path>[\w/.]+\.py):(?P<line>\d+): (?P<rule>[\w-]+): (?P<message>.+)$")


def _violations(rule_id: str, path: str, code: str) -> list[int]:
    rule = RULES[rule_id]
    assert rule.applies_to(path), f"{rule_id} does not apply to {path}"
    source = Source.parse(path, textwrap.dedent(code))
    return [v.line for v in rule.run(source)]


def _plant(root: Path, path: str, code: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(textwrap.dedent(code), encoding="utf-8")


# ------------------------------------------------------------------ every rule's examples


@pytest.mark.parametrize("rule", config.RULES, ids=lambda r: r.id)
def test_it_catches_each_rules_bad_example_and_passes_its_good_one(rule: Rule) -> None:
    assert rule.applies_to(rule.example_path)
    assert list(rule.run(Source.parse(rule.example_path, rule.bad))), f"{rule.id}: bad passed"
    assert list(rule.run(Source.parse(rule.example_path, rule.good))) == [], f"{rule.id}: good"


@pytest.mark.parametrize("rule", config.RULES, ids=lambda r: r.id)
def test_it_reports_a_planted_violation_as_file_line_rule_message(
    rule: Rule, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _plant(tmp_path, rule.example_path, rule.bad)
    assert main(["--root", str(tmp_path), "--rule", rule.id]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines
    for line in lines:
        match = LINE.match(line)
        assert match, line
        assert (match["path"], match["rule"]) == (rule.example_path, rule.id)


@pytest.mark.parametrize("rule", config.RULES, ids=lambda r: r.id)
def test_it_exits_0_on_clean_code(
    rule: Rule, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _plant(tmp_path, rule.example_path, rule.good)
    assert main(["--root", str(tmp_path), "--rule", rule.id]) == 0
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ no-orm-in-views


@pytest.mark.parametrize(
    "code",
    [
        "rows = Patient.objects.all()",
        "rows = patient.conditions.filter(status='active')",
        "rows = model._default_manager.none()",
        "first = access.patients_for(user).order_by('pk').first()",
        "rows = getattr(patient, related).all()",
        "n = patient.allergies.count()",
        "form.save()",
        "patient.delete()",
        "entry = patient.conditions.get(code=code)",
        "entry = rows.get(Q(code=code))",
        "qs = Patient.objects\nqs.update(retired=True)",
        "ok = isinstance(rows, QuerySet)",
        "from django.db import transaction",
        "from django.shortcuts import get_object_or_404",
        "from django.db.models import Q",
        "from django.db import models\nrule = models.Q(code=1)",
    ],
)
def test_it_flags_orm_use_in_a_view(code: str) -> None:
    assert _violations("no-orm-in-views", "src/ketaclinic/x/views.py", code)


@pytest.mark.parametrize(
    "code",
    [
        "page = request.GET.get('page')",
        "value = data.get('weight_kg', default=None)",
        "context.update(extra)",
        "values = list(mapping.values())",
        "n = text.count('x')",
        "image.save(buffer)",
        "cache.delete(key)",
        "entry = serializer.create(validated)",
        "def get_queryset(self) -> models.QuerySet[Patient]:\n    return access.rows(self)",
        "if TYPE_CHECKING:\n    from django.db.models import QuerySet",
        "patient = access.get_patient_for_user(request.user, code, part='chart')",
    ],
)
def test_it_leaves_a_view_that_does_not_query_alone(code: str) -> None:
    assert _violations("no-orm-in-views", "src/ketaclinic/x/views.py", code) == []


def test_it_follows_a_name_assigned_a_query_within_its_function() -> None:
    code = """\
    def view(request):
        rows = Patient.objects
        rows.update(retired=True)
        d = {}
        d.update(a=1)
    """
    assert _violations("no-orm-in-views", "src/ketaclinic/x/api.py", code) == [2, 3]


def test_it_reports_one_line_once_naming_every_construct() -> None:
    rule = RULES["no-orm-in-views"]
    source = Source.parse("src/ketaclinic/x/views.py", "r = X.objects.filter(a=1).first()\n")
    (violation,) = rule.run(source)
    assert all(w in violation.message for w in (".objects", ".filter()", ".first()"))


def test_it_checks_only_view_and_api_modules() -> None:
    rule = RULES["no-orm-in-views"]
    assert rule.applies_to("src/ketaclinic/patients/views.py")
    assert rule.applies_to("src/ketaclinic/patients/api.py")
    assert rule.applies_to("src/ketaclinic/patients/views/pages.py")
    assert not rule.applies_to("src/ketaclinic/patients/access.py")
    assert not rule.applies_to("src/ketaclinic/patients/api_schema.py")


# ------------------------------------------------------------------ save-update-fields


@pytest.mark.parametrize(
    "code",
    [
        "def f(entry):\n    entry.save()",
        "def f(pk):\n    row = Row.objects.get(pk=pk)\n    row.save()",
        "def f(pk):\n    row = Row.objects.filter(pk=pk).first()\n"
        "    if row is None:\n        row = Row(pk=pk)\n    row.save()",
        "def f(self):\n    self.row.save()",
        "def f(row, options):\n    row.save(**options)",
        "def f(rows):\n    for row in rows:\n        row.save()",
    ],
)
def test_it_flags_a_save_of_an_existing_row_without_update_fields(code: str) -> None:
    assert _violations("save-update-fields", "src/ketaclinic/x/services.py", code)


@pytest.mark.parametrize(
    "code",
    [
        "def f(row):\n    row.save(update_fields=('name',))",
        "def f(data):\n    row = Row(**data)\n    row.name = 'x'\n    row.save()",
        "def f(data):\n    row = models.Row(**data)\n    row.save()",
        "def f(row):\n    row.save(force_insert=True)",
        "def f(image, buffer):\n    image.save(buffer)",
        "def f(data):\n    row = Row(**data)\n    def inner():\n        row.save()\n    inner()",
    ],
)
def test_it_accepts_creates_and_saves_that_name_their_fields(code: str) -> None:
    assert _violations("save-update-fields", "src/ketaclinic/x/services.py", code) == []


def test_it_checks_services_modules_and_packages() -> None:
    rule = RULES["save-update-fields"]
    assert rule.applies_to("src/ketaclinic/patients/services.py")
    assert rule.applies_to("src/ketaclinic/patients/services_admin.py")
    assert rule.applies_to("src/ketaclinic/patients/services/entries.py")
    assert not rule.applies_to("src/ketaclinic/patients/views.py")


# ------------------------------------------------------------------ service-atomic-audited

HEADER = """\
from django.db import transaction
from django.db.transaction import atomic
from ketaclinic.audit.services import Action, record
"""


def _service(code: str) -> list[int]:
    return _violations("service-atomic-audited", "src/ketaclinic/x/services.py", HEADER + code)


def test_it_flags_a_service_that_writes_outside_a_transaction() -> None:
    code = """
    def rename(actor, row):
        row.save(update_fields=("name",))
        record(actor, Action.UPDATE, obj=row)
    """
    assert _service(textwrap.dedent(code)) == [6]


def test_it_flags_an_atomic_service_that_writes_no_audit_record() -> None:
    code = """
    @transaction.atomic
    def retire(actor, row):
        Row.objects.filter(pk=row.pk).update(retired=True)
    """
    assert _service(textwrap.dedent(code)) == [6]


def test_it_flags_a_transaction_block_without_its_audit_record() -> None:
    code = """
    def retire(actor, row):
        with transaction.atomic():
            Row.objects.filter(pk=row.pk).delete()
        record(actor, Action.DELETE, obj=row)
    """
    assert _service(textwrap.dedent(code)) == [6]


def test_it_flags_a_wrapper_of_two_atomic_services() -> None:
    code = """
    @atomic
    def one(actor, row):
        row.save(update_fields=("a",))
        record(actor, Action.UPDATE, obj=row)

    def both(actor, row):
        one(actor, row)
        one(actor, row)
    """
    assert _service(textwrap.dedent(code)) == [11, 12]


def test_it_flags_an_audited_by_marker_for_a_call_never_made() -> None:
    code = """
    @transaction.atomic(savepoint=False)
    def once(actor, create):  # audited by: create
        Claim.objects.create(key="k")
    """
    rule = RULES["service-atomic-audited"]
    source = Source.parse("src/ketaclinic/x/services.py", HEADER + textwrap.dedent(code))
    messages = [v.message for v in rule.run(source)]
    assert any("never calls create()" in m for m in messages)
    assert any("without an audit record" in m for m in messages)


@pytest.mark.parametrize(
    "code",
    [
        # decorated, audited directly
        "@transaction.atomic\ndef a(actor, row):\n    row.delete()\n"
        "    record(actor, Action.DELETE)",
        # audited through a helper of the module
        "@atomic()\ndef a(actor, row):\n    row.delete()\n    _audit(actor)\n"
        "def _audit(actor):\n    record(actor, Action.DELETE)",
        # a with-block holding the write and the record
        "def a(actor):\n    with transaction.atomic():\n        row = Row.objects.create(n=1)\n"
        "        record(actor, Action.CREATE, obj=row)\n    return row",
        # a thin wrapper of one atomic audited service
        "def a(actor, row, password):\n    check(password)\n    return _b(actor, row)\n"
        "@transaction.atomic\ndef _b(actor, row):\n    row.delete()\n"
        "    record(actor, Action.DELETE)",
        # the audit record is written by the callable it is given
        "@transaction.atomic\ndef once(key, create):\n    claim = Claim.objects.create(key=key)\n"
        "    claim.result = create()  # audited by: create\n"
        "    claim.save(update_fields=('result',))",
        # a private helper is checked through the public services that call it
        "def _helper(row):\n    row.delete()",
        # reads and dictionaries are not writes
        "def a(rows, extra):\n    rows.first()\n    extra.update({'a': 1})",
    ],
)
def test_it_accepts_atomic_audited_services(code: str) -> None:
    assert _service(code) == []


def test_it_leaves_the_audit_writer_itself_alone() -> None:
    rule = RULES["service-atomic-audited"]
    assert not rule.applies_to("src/ketaclinic/audit/services.py")
    assert RULES["save-update-fields"].applies_to("src/ketaclinic/audit/services.py")


# ------------------------------------------------------------------ ketacore-private-import


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("src/ketaclinic/cli/pk.py", "from ketacore.pk import _io"),
        ("src/ketaclinic/cli/pk.py", "from ketacore.pk._solve import simulate"),
        ("benchmarks/bench.py", "import ketacore.rules._ruleset"),
        ("tests/cli/test_pk.py", "import ketacore.pk._solve as solve"),
        ("tests/core/rules/test_x.py", "from ketacore.pk._solve import Modes"),
        ("tests/core/test_x.py", "from ketacore.pk._blocks import _MAX_RUN"),
        ("src/ketacore/rules/x.py", "from ketacore.scoring._common import Item"),
        ("src/ketaclinic/x.py", "import importlib\nm = importlib.import_module('ketacore.pk._io')"),
        ("src/ketaclinic/x.py", "if TYPE_CHECKING:\n    from ketacore.pk._solve import Modes"),
    ],
)
def test_it_flags_a_private_ketacore_import_from_outside_its_package(path: str, code: str) -> None:
    assert _violations("ketacore-private-import", path, code)


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("src/ketaclinic/cli/pk.py", "from ketacore.pk import documents, simulate"),
        ("src/ketaclinic/cli/pk.py", "from ketacore import __version__"),
        ("src/ketacore/pk/_io.py", "from ketacore.pk._solve import simulate"),
        ("src/ketacore/pk/_io.py", "from ._solve import simulate"),
        ("src/ketacore/pk/__init__.py", "from ketacore.pk._solve import simulate"),
        ("tests/core/pk/test_solve.py", "from ketacore.pk._solve import Modes, _h"),
        ("src/ketaclinic/x.py", "from ketaclinic.lib import _private"),
    ],
)
def test_it_lets_a_package_and_its_own_core_tests_use_its_private_modules(
    path: str, code: str
) -> None:
    assert _violations("ketacore-private-import", path, code) == []


# ------------------------------------------------------------------ ketacore-all


@pytest.mark.parametrize(
    "code",
    [
        "def simulate():\n    pass",
        "__all__ = ['simulate', 'missing']\ndef simulate():\n    pass",
        "__all__ = NAMES",
        "__all__ = ['a', 1]\na = 1",
    ],
)
def test_it_flags_a_public_core_module_without_a_true_all(code: str) -> None:
    assert _violations("ketacore-all", "src/ketacore/pk/documents.py", code)


@pytest.mark.parametrize(
    "code",
    [
        "from x import y as z\nimport a.b\n__all__ = ('z', 'a', 'C', 'f', 'K', 'i')\n"
        "class C: pass\ndef f(): pass\nK: int = 1\nfor i in (): pass",
        "from ketacore.pk._solve import *\n__all__ = ['anything']",
        "try:\n    import numpy as np\nexcept ImportError:\n    np = None\n__all__ = ['np']",
    ],
)
def test_it_accepts_an_all_of_defined_names(code: str) -> None:
    assert _violations("ketacore-all", "src/ketacore/pk/documents.py", code) == []


def test_it_leaves_private_core_modules_without_all_alone() -> None:
    for private in ("src/ketacore/pk/_solve.py", "src/ketacore/_internal/tools.py"):
        assert _violations("ketacore-all", private, "def f(): pass") == []


# ------------------------------------------------------------------ route-matrix


def _view(request: object) -> HttpResponse:
    return HttpResponse()


def test_it_flags_a_planted_route_missing_from_the_matrix() -> None:
    patterns = [*get_resolver().url_patterns, path("planted/", _view, name="planted")]
    known = route_names(patterns)
    where = {"planted": ("src/ketaclinic/urls.py", 42)}
    (violation,) = rule_routes.compare(known, rule_routes.matrix_lines(ROOT), where)
    assert (violation.path, violation.line, violation.rule) == (
        "src/ketaclinic/urls.py",
        42,
        "route-matrix",
    )
    assert "'planted'" in violation.message


def test_it_flags_a_matrix_key_that_no_route_has() -> None:
    matrix = {**rule_routes.matrix_lines(ROOT), "patients:gone": 7}
    (violation,) = rule_routes.compare(route_names(), matrix, {})
    assert (violation.path, violation.line) == ("src/ketaclinic/security.py", 7)


def test_it_finds_the_matrix_keys_and_the_route_definitions_in_the_source() -> None:
    assert set(rule_routes.matrix_lines(ROOT)) == set(ROUTE_ACCESS)
    where = rule_routes.definitions(ROOT)
    assert where["patients:chart"][0] == "src/ketaclinic/patients/urls.py"
    assert where["api-schema"][0] == "src/ketaclinic/urls.py"
    assert set(route_names()) <= set(where)


# ------------------------------------------------------------------ allowlist


def test_it_accepts_an_allowlisted_violation_and_fails_on_a_stale_entry(tmp_path: Path) -> None:
    rule = RULES["save-update-fields"]
    _plant(tmp_path, "src/ketaclinic/x/services.py", "\n\ndef f(row):\n    row.save()\n")
    entry = Allowed("src/ketaclinic/x/services.py", rule.id, "row.save()", why="planted")
    report = check(tmp_path, [rule], allowlist=[entry])
    assert (report.failing, report.stale) == ([], [])
    assert [(v.line, e) for v, e in report.allowlisted] == [(4, entry)]

    _plant(
        tmp_path, "src/ketaclinic/x/services.py", "def f(row):\n    row.save(update_fields=())\n"
    )
    report = check(tmp_path, [rule], allowlist=[entry])
    assert (report.failing, report.stale) == ([], [entry])


def test_it_keeps_the_allowlist_to_screening_and_reasoned_exceptions() -> None:
    assert all(a.path.startswith("src/ketaclinic/screening/") for a in config.ALLOWLIST)
    assert all(not a.temporary and len(a.why) > 40 for a in config.EXCEPTIONS)


# ------------------------------------------------------------------ the project itself


def test_it_finds_no_violation_in_the_project_and_runs_fast() -> None:
    started = time.perf_counter()
    report = check(
        ROOT, config.RULES, config.PROJECT_RULES, (*config.ALLOWLIST, *config.EXCEPTIONS)
    )
    assert [str(v) for v in report.failing] == []
    assert report.stale == []
    assert time.perf_counter() - started < 10


def test_it_counts_a_write_passed_to_sign_as_inside_its_transaction() -> None:
    signed = """
    from ketaclinic.lib.signing import sign

    def approve(actor, version, password):
        def write(signature):
            return Approval.objects.create(version=version, **signature.fields())

        return sign(actor, password, meaning="approved", write=write, summary="Approved")

    def decide(actor, password):
        return sign(actor, password, meaning="decided", summary="Signed",
                    write=lambda signature: Decision.objects.create(**signature.fields()))
    """
    assert _service(textwrap.dedent(signed)) == []


def test_it_flags_a_nested_write_that_is_not_given_to_sign() -> None:
    unsigned = """
    from ketaclinic.lib.signing import sign

    def approve(actor, version, password):
        def write(signature):
            return Approval.objects.create(version=version, **signature.fields())

        write(None)
        return sign(actor, password, meaning="approved", write=lambda s: None, summary="x")
    """
    assert _service(textwrap.dedent(unsigned)) == [9]  # the create in the closure not signed
