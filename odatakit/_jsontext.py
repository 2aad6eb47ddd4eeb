"""JSON text in and out, exactly: numbers never pass through float, duplicate keys are found,
depth is bounded, and every place in a document has a JSON path (``$.value[2].DealValue``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from .errors import Fault

__all__ = ["DEFAULT_MAX_DEPTH", "DuplicateKeys", "read", "write", "child", "json_path", "too_deep"]

#: Nesting deeper than this is refused with a fault; the stdlib decoder itself gives up near 1000.
DEFAULT_MAX_DEPTH = 200

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# int() refuses text longer than sys.get_int_max_str_digits(); such numbers stay exact as Decimal.
_INT_DIGITS = 4000


class DuplicateKeys(dict):  # type: ignore[type-arg]
    """A JSON object whose text named some key more than once (the last value is kept here)."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = dict(pairs)
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    repeated = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
    marked = DuplicateKeys(result)
    marked.duplicates = tuple(dict.fromkeys(repeated))
    return marked


def _integer(text: str) -> int | Decimal:
    return int(text) if len(text) <= _INT_DIGITS else Decimal(text)


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (write non-finite numbers as the strings \"NaN\", \"INF\", \"-INF\")")


def read(text: str | bytes) -> tuple[Any, list[Fault]]:
    """Parse JSON text with exact numbers (int, Decimal); a fault at ``$`` instead of an exception."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        value = json.loads(text, parse_float=Decimal, parse_int=_integer, parse_constant=_constant,
                           object_pairs_hook=_object)
    except json.JSONDecodeError as error:
        return None, [Fault("$", f"not JSON: {error.msg} at line {error.lineno} column {error.colno}", "not-json")]
    except UnicodeDecodeError as error:
        return None, [Fault("$", f"not JSON: the bytes are not UTF-8 ({error.reason} at byte {error.start})",
                            "not-json")]
    except RecursionError:
        return None, [Fault("$", "the document is nested too deeply to read", "too-deep")]
    except ValueError as error:
        return None, [Fault("$", f"not JSON: {error}", "not-json")]
    return value, []


def child(path: str, key: str | int) -> str:
    """The JSON path one step below ``path``: ``.Name``, ``[3]`` or ``['Name@odata.type']``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _NAME.fullmatch(key):
        return f"{path}.{key}"
    quoted = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{quoted}']"


def json_path(parts: Iterable[str | int]) -> str:
    """A JSON path from its steps (as in ``jsonschema.ValidationError.absolute_path``)."""
    path = "$"
    for part in parts:
        path = child(path, part)
    return path


def too_deep(document: Any, limit: int = DEFAULT_MAX_DEPTH) -> str | None:
    """The path of the first value nested deeper than ``limit``, or None. Iterative: no recursion."""
    stack: list[tuple[Any, str, int]] = [(document, "$", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > limit:
            return path
        if isinstance(value, dict):
            stack.extend((v, child(path, k), depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, child(path, i), depth + 1) for i, v in enumerate(value))
    return None


def write(value: Any, indent: int | None = None) -> str:
    """JSON text for a JSON-ready value; Decimals are written digit for digit, never via float."""
    out: list[str] = []
    _write(value, out, indent, 0)
    return "".join(out)


def _write(value: Any, out: list[str], indent: int | None, level: int) -> None:
    if isinstance(value, dict):
        items = list(value.items())
        if not items:
            out.append("{}")
            return
        out.append("{")
        for i, (key, item) in enumerate(items):
            out.append(("," if i else "") + _newline(indent, level + 1))
            out.append(json.dumps(key, ensure_ascii=False) + (": " if indent is not None else ":"))
            _write(item, out, indent, level + 1)
        out.append(_newline(indent, level) + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        out.append("[")
        for i, item in enumerate(value):
            out.append(("," if i else "") + _newline(indent, level + 1))
            _write(item, out, indent, level + 1)
        out.append(_newline(indent, level) + "]")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number; encode it as a string")
        out.append(str(value))
    elif value is None or isinstance(value, (bool, int, float, str)):
        out.append(json.dumps(value, ensure_ascii=False, allow_nan=False))
    else:
        raise TypeError(f"{type(value).__name__} {value!r} is not JSON-ready; encode it first")


def _newline(indent: int | None, level: int) -> str:
    return "" if indent is None else "\n" + " " * (indent * level)
