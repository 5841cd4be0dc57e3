"""Citations a clinician can follow: the references page and the ``cite`` filter.

docs/references.md is the one list of publications (a test checks that every
key cited anywhere is defined there). The in-app page shows it, each entry
with its key as an anchor, and ``{{ text|cite }}`` turns every ``[Key]`` in a
source into a link to its entry.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import cache

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from ketaclinic.paths import PROJECT_DIR

__all__ = ["CITED", "Entry", "Section", "cite", "references"]

register = template.Library()

REFERENCES = PROJECT_DIR / "docs" / "references.md"
_ENTRY = re.compile(r"^- \*\*\[([^\]]+)\]\*\*\s*(.*)$")
#: A citation key in a text: "[Cohen2018]".
CITED = re.compile(r"\[([A-Z][A-Za-z0-9.+-]*)\]")
_URL = re.compile(r"(https?://[^\s<>)\]]+)")
_EMPHASIS = re.compile(r"\*([^*\s][^*]*?)\*")


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    html: SafeString


@dataclass
class Section:
    title: str
    entries: list[Entry] = field(default_factory=list)


def _inline(text: str) -> str:
    """Markdown of an entry, the little of it the page needs: emphasis, code, links."""
    out = html.escape(text, quote=False)
    out = out.replace("**", "")
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = _EMPHASIS.sub(r"<em>\1</em>", out)
    return _URL.sub(r'<a href="\1" rel="noreferrer">\1</a>', out)


@cache
def references() -> tuple[Section, ...]:
    """The sections of docs/references.md with their entries (read once per process)."""
    if not REFERENCES.exists():
        return ()
    sections: list[Section] = []
    current: list[str] | None = None
    key = ""

    def close() -> None:
        if current is not None and sections:
            sections[-1].entries.append(Entry(key, mark_safe(_inline(" ".join(current)))))  # noqa: S308 (escaped in _inline)

    for line in REFERENCES.read_text(encoding="utf-8").splitlines():
        if line.startswith(("## ", "### ")):
            close()
            current = None
            sections.append(Section(line.lstrip("#").strip()))
            continue
        match = _ENTRY.match(line)
        if match:
            close()
            key, current = match.group(1), [match.group(2)]
        elif current is not None and line.startswith("  "):
            current.append(line.strip())
        elif current is not None and not line.strip():
            close()
            current = None
    close()
    return tuple(s for s in sections if s.entries)


@cache
def _known() -> frozenset[str]:
    return frozenset(e.key for s in references() for e in s.entries)


@register.filter
def cite(text: object) -> SafeString:
    """Escape ``text`` and link each ``[Key]`` it cites to the references page."""
    escaped = html.escape(str(text or ""), quote=False)
    page = reverse("references")

    def link(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in _known():
            return match.group(0)
        return f'<a class="cite" href="{page}#{key}">[{key}]</a>'

    return mark_safe(CITED.sub(link, escaped))  # noqa: S308 (escaped above)
