"""JSON taken strictly: what Python's ``json`` lets through is refused with the field named.

``json.loads`` keeps the last of two equal keys (``{"pregnant": true, "pregnant":
false}`` reads as not pregnant), reads ``NaN`` and ``Infinity``, turns ``1e999``
into infinity, and fails with a traceback on a 5000-digit integer (Python's limit on
integer conversion) or on 100,000 nested brackets (``RecursionError``). For
clinical facts each of these is a mistake in the sender, so :func:`loads` refuses
it with an :class:`~ketacore.errors.InputError` that names the field
(``bp_readings[0].systolic_mmhg``) and the rule. The command line and the REST
API read every JSON document through it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final

from ketacore.errors import InputError

__all__ = ["MAX_DEPTH", "MAX_DIGITS", "loads"]

#: Deepest nesting of objects and lists accepted (the facts format needs 5).
MAX_DEPTH: Final = 64
#: Longest integer accepted, in digits (Python's default conversion limit is 4300).
MAX_DIGITS: Final = 4300

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class _Problem:
    """A value the parser met that is refused once its place is known."""

    def __init__(self, rule: str) -> None:
        self.rule = rule


class _Object(dict[str, Any]):
    """An object as parsed, remembering keys that appeared more than once."""

    duplicates: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    seen: list[str] = []
    for key, value in pairs:
        if key in obj:
            seen.append(key)
        obj[key] = value
    obj.duplicates = tuple(seen)
    return obj


def _int(text: str) -> int | _Problem:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        return _Problem(f"is a number of {digits} digits; at most {MAX_DIGITS} are accepted")
    return int(text)


def _float(text: str) -> float | _Problem:
    value = float(text)
    return value if math.isfinite(value) else _Problem(f"{text} is too large a number")


def _constant(text: str) -> _Problem:
    return _Problem(f"{text} is not a number JSON allows")


def _depth(text: str, field: str) -> None:
    depth = 0
    for token in _TOKENS.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(field, f"is nested more than {MAX_DEPTH} levels deep")
        elif mark in "]}":
            depth -= 1


def _place(path: str, key: object) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else str(key))


def _clean(value: Any, path: str, field: str) -> Any:
    """The parsed value with plain dicts, or raise for the first problem, by its place."""
    if isinstance(value, _Problem):
        raise InputError(path or field, value.rule)
    if isinstance(value, _Object):
        if value.duplicates:
            key = value.duplicates[0]
            raise InputError(_place(path, key), "appears twice in one object: give each key once")
        return {k: _clean(v, _place(path, k), field) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, _place(path, i), field) for i, v in enumerate(value)]
    return value


def loads(data: bytes | str, *, field: str = "input") -> Any:
    """Parse a JSON document strictly.

    Args:
        data: The document: bytes (must be UTF-8) or text.
        field: What to name in an error that belongs to no field (the document itself,
            e.g. ``--input`` or ``body``).

    Returns:
        Plain ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool`` and ``None``.

    Raises:
        InputError: Invalid UTF-8 or JSON; a key twice in one object; nesting deeper
            than :data:`MAX_DEPTH`; an integer longer than :data:`MAX_DIGITS`
            digits; ``NaN``, ``Infinity`` or a number too large for a float. The
            field is the value's place (``bp_readings[0].measured_on``) where known.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                field, f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at position {exc.start})"
            ) from None
    else:
        text = data
    _depth(text, field)
    try:
        parsed = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            field, f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except RecursionError:  # the depth check above should make this unreachable
        raise InputError(field, f"is nested more than {MAX_DEPTH} levels deep") from None
    return _clean(parsed, "", field)
