"""What the policy pages show, read back for the tests."""

from __future__ import annotations

import re
from html import unescape

_ERROR = re.compile(r'<p class="error"[^>]*>(.*?)</p>|<div class="errors"[^>]*><p>(.*?)</p>')


def shown_errors(html: str) -> list[str]:
    """The error messages a page shows (on fields and above the form)."""
    return [unescape(text) for pair in _ERROR.findall(html) for text in pair if text]
