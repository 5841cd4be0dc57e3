"""The API's JSON parser: strict, as the command line's (``ketacore.strict_json``).

DRF's own ``JSONParser`` keeps the last of two equal keys, so
``{"pregnant": true, "pregnant": false}`` would be read as not pregnant. This
parser refuses that, invalid UTF-8, nesting deeper than ``strict_json.MAX_DEPTH``,
integers too long to convert and ``NaN``/``Infinity`` with a 400 that names the
field: ``{"pregnant": ["appears twice in one object: give each key once"]}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from ketacore import strict_json
from ketacore.errors import InputError

__all__ = ["StrictJSONParser"]


class StrictJSONParser(JSONParser):
    """``application/json`` bodies read by ``ketacore.strict_json.loads``."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        data = stream.read()
        try:
            return strict_json.loads(data, field="body")
        except InputError as exc:
            raise ParseError({exc.field: [exc.rule]}) from None
