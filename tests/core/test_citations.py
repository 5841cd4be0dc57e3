"""Citations a user can follow (issue 9 item 10).

Every source is cited by a key ("Cohen et al. 2018 [Cohen2018]") that
docs/references.md defines with the full reference. Nothing may point at the
research notes the project started from, which are not in the repository.

The tests read files only, so they also run in the Django-free core venv.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCES = ROOT / "docs" / "references.md"

#: Names of the research notes and folders outside the repository. A citation
#: that names one of them cannot be followed by a user of ketaclinic.
OUTSIDE_THE_REPOSITORY = (
    "clinical-facts.md",
    "pk-models.md",
    "product-anchors.md",
    "clinical-decisions.md",
    "shared/reference",
    "shared/seeds",
)

#: Files not checked (none today; the tuple stays for a file that may not say
#: "clinical-facts.md" for a reason, such as this test).
NOT_YET: tuple[str, ...] = ()

#: Bracketed words that are not citation keys: the evidence labels explained in
#: docs/references.md, the key placeholder used in prose, ICD-10-CM title text
#: ("Human immunodeficiency virus [HIV] disease") and Python's ``[None] * n``.
NOT_KEYS = frozenset(
    {"P", "I", "C", "UNCONFIRMED", "SECONDARY", "CONFLICT", "Key", "HIV", "None", "True"}
)

#: A bracketed key: starts with a capital, no spaces; not a Python subscript
#: (``x[KEY]``), not a Markdown link text (``[Text](url)``, ``[Text][ref]``).
_CITED = re.compile(r"(?<![\w\]\)\[])\[([A-Z][A-Za-z0-9.+-]*)\](?![(\[:])")
_DEFINED = re.compile(r"^- \*\*\[([^\]]+)\]\*\*", re.MULTILINE)

_SKIP_DIRS = {"__pycache__", "node_modules"}
_THIS_FILE = Path(__file__).resolve()


def _text_files(*roots: str) -> Iterator[tuple[str, str]]:
    """(repository-relative path, text) of every text file under the roots."""
    for name in roots:
        top = ROOT / name
        paths = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in paths:
            rel = path.relative_to(ROOT)
            if _SKIP_DIRS & set(rel.parts) or any(part.startswith(".venv") for part in rel.parts):
                continue
            if path.resolve() == _THIS_FILE or any(rel.match(p) for p in NOT_YET):
                continue
            data = path.read_bytes()
            if b"\0" in data[:4096]:
                continue  # binary (images, fonts)
            try:
                yield rel.as_posix(), data.decode("utf-8")
            except UnicodeDecodeError:
                continue


def _defined_keys() -> list[str]:
    return _DEFINED.findall(REFERENCES.read_text(encoding="utf-8"))


def test_no_citation_points_outside_the_repository():
    offenders = [
        f"{rel}:{number}: {needle}"
        for rel, text in _text_files("src", "docs", "tests", "benchmarks", "README.md")
        for number, line in enumerate(text.splitlines(), start=1)
        for needle in OUTSIDE_THE_REPOSITORY
        if needle in line
    ]
    assert not offenders, "cite docs/references.md keys instead:\n" + "\n".join(offenders)


def test_every_cited_key_is_defined_in_references_md():
    defined = set(_defined_keys())
    missing = sorted(
        {
            f"{rel}: [{key}]"
            for rel, text in _text_files("src", "docs", "tests", "README.md")
            for key in _CITED.findall(text)
            if key not in defined and key not in NOT_KEYS
        }
    )
    assert not missing, "add these keys to docs/references.md:\n" + "\n".join(missing)


def test_every_key_is_defined_once():
    keys = _defined_keys()
    assert keys, "docs/references.md defines no keys"
    assert len(keys) == len(set(keys)), sorted(k for k in set(keys) if keys.count(k) > 1)


@pytest.mark.parametrize(
    "key",
    ["Cohen2018", "Bouhassira2005", "Domino1984", "Zanos2018", "ICD10CM", "LOINC", "ASVS4"],
)
def test_the_main_sources_are_listed(key):
    assert key in _defined_keys()
