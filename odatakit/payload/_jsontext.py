"""JSON text in and out, exactly: numbers never pass through float, duplicate keys are found,
depth is bounded, and every place in a document has a JSON path (``$.value[2].DealValue``).
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import re
import secrets
import sys
import threading
from collections.abc import Iterable, Iterator
from decimal import Decimal
from json.encoder import c_encode_basestring, c_make_encoder  # type: ignore[attr-defined]
from typing import Any

from ..edm import decimal_of, text_problem
from ..errors import Fault, json_path

__all__ = ["DEFAULT_MAX_DEPTH", "MAX_INT_DIGITS", "MAX_INT_BITS", "DuplicateKeys", "read", "write", "child",
           "json_path", "too_deep", "not_json", "MAX_DECIMAL_ZEROS", "decimal_zeros", "decimal_text", "paused_gc"]

#: Nesting deeper than this is refused with a fault; the stdlib decoder itself gives up near 1000.
DEFAULT_MAX_DEPTH = 200

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Integers with more digits are read as (exact) Decimals: int() refuses text longer than
#: ``sys.get_int_max_str_digits()`` (4300 by default), and int↔text is quadratic in the digits.
MAX_INT_DIGITS = 4000
#: The same bound for a Python int handed in already parsed (``int.bit_length``).
MAX_INT_BITS = int(MAX_INT_DIGITS * 3.3219280948873626)
#: Decimals are written without an exponent when that adds at most this many zeros (4.0 has no
#: exponent form for Edm.Decimal; ExponentialDecimals is new in 4.01, JSON format 4.01 §3.2).
#: 100 is past every precision services use (.NET decimal 28 digits, SQL 38, decimal128 34) and
#: bounds the text at ~20 bytes per byte read (1e99999999 would be 100 MB).
MAX_DECIMAL_ZEROS = 100


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
    if len(text) < _ALWAYS_INT and text != "-0":  # (the common case first: no limit to look up)
        return int(text)
    if text == "-0":
        return Decimal(text)  # an int has no sign of zero; -0 read as a Double (or Decimal) keeps it
    limit = sys.get_int_max_str_digits() or MAX_INT_DIGITS  # the interpreter's limit may be lower
    return int(text) if len(text) <= min(limit, MAX_INT_DIGITS) else Decimal(text)


#: Below this many characters int() reads any integer: no interpreter limit is lower (640 at least).
_ALWAYS_INT = 640


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (write non-finite numbers as the strings \"NaN\", \"INF\", \"-INF\")")


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off while a document's values are built: they form no cycles,
    and its passes over a growing heap made a 10,000-message page cost 1.3–1.8× per message."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: One exact reader for every call (``json.loads`` with hooks builds a decoder per call); its C
#: scanner keeps no state between documents but the key memo it clears, so threads may share it.
_DECODER = json.JSONDecoder(parse_float=decimal_of, parse_int=_integer, parse_constant=_constant,
                            object_pairs_hook=_object)
#: Below this many characters a document is read and written without pausing the collector.
_SMALL = 1 << 16


def read(text: str | bytes) -> tuple[Any, list[Fault]]:
    """Parse JSON text with exact numbers (int, Decimal); a fault at ``$`` instead of an exception.

    The safe loader for untrusted text: nesting too deep for the parser is a ``too-deep`` fault,
    never a ``RecursionError``.
    """
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        if len(text) < _SMALL:
            value = _DECODER.decode(text)
        else:
            with paused_gc():
                value = _DECODER.decode(text)
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


def child(path: str, key: Any) -> str:
    """The JSON path one step below ``path``: ``.Name``, ``[3]`` or ``['Name@odata.type']``;
    a key that is not JSON (a Python tuple, None) by its repr: ``[(1, 2)]``."""
    if not isinstance(key, str):
        return f"{path}[{key!r}]"
    if _NAME.fullmatch(key):
        return f"{path}.{key}"
    quoted = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{quoted}']"


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


def not_json(document: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    """``(path, problem)`` for each place in already-parsed ``document`` that JSON cannot hold:
    a key that is not a string, NaN or infinity, a Python object. Iterative: no recursion."""
    stack: list[tuple[Any, str]] = [(document, path)]
    while stack:
        value, here = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    yield child(here, key), f"a JSON object's keys are strings, not {type(key).__name__} {key!r}"
                else:
                    stack.append((item, child(here, key)))
        elif isinstance(value, (list, tuple)):
            stack.extend((item, child(here, i)) for i, item in enumerate(value))
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                yield here, problem
        elif isinstance(value, float) and not math.isfinite(value):
            yield here, f"{value} is not a JSON number"
        elif isinstance(value, Decimal) and not value.is_finite():
            yield here, f"{value} is not a JSON number"
        elif not (value is None or isinstance(value, (bool, int, float, Decimal, str))):
            yield here, f"a Python {type(value).__name__} is not a JSON value"


#: A placeholder string stands for each Decimal while the C encoder writes the rest; the nonce
#: makes it one no payload holds, and ``write`` counts the replacements to be sure of it.
_NONCE = secrets.token_hex(8)
_PLACEHOLDER = re.compile(r'"\\u0000' + _NONCE + r':(\d+)"')


def write(value: Any, indent: int | None = None) -> str:
    """JSON text for a JSON-ready value; Decimals are written digit for digit, never via float.

    The C encoder writes everything; each Decimal goes through as a placeholder string and its
    digits replace it afterwards. Raises ``ValueError`` for nesting deeper than
    ``DEFAULT_MAX_DEPTH`` (no reader here would take it).
    """
    numbers: list[str] = []
    try:
        if indent is None and _C_WRITER is not None:
            _WRITING.numbers = numbers
            try:
                text = "".join(_C_WRITER(value, 0))
            finally:
                _WRITING.numbers = None
        else:
            def placeholder(item: Any) -> str:
                return _placeholder(item, numbers)

            text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=placeholder, indent=indent,
                              separators=(",", ": " if indent is not None else ":"))
    except (ValueError, RecursionError):
        return _slow_write(value, indent)  # says which value, and refuses deep nesting by our limit
    if not numbers:
        return text
    written, count = _PLACEHOLDER.subn(lambda match: numbers[int(match.group(1))], text)
    if count != len(numbers):  # a string in the payload looked like a placeholder: write it the slow way
        return _slow_write(value, indent)
    return written


def _placeholder(item: Any, numbers: list[str]) -> str:
    if not isinstance(item, Decimal):
        raise TypeError(f"{type(item).__name__} {item!r} is not JSON-ready; encode it first")
    numbers.append(decimal_text(item))
    return f"\0{_NONCE}:{len(numbers) - 1}"


#: The Decimals of the document each thread is writing (the one C writer below is shared).
_WRITING = threading.local()


def _placeholder_here(item: Any) -> str:
    return _placeholder(item, _WRITING.numbers)


# The C writer made once, compact and without the circular-reference memo (a per-call dict that
# ``json.dumps`` builds, and threads could not share): a value that holds itself ends in a
# RecursionError, and ``_slow_write`` refuses it by the depth limit.
_C_WRITER: Any = None if c_make_encoder is None or c_encode_basestring is None else c_make_encoder(
    None, _placeholder_here, c_encode_basestring, None, ":", ",", False, False, False)


def decimal_text(value: Decimal) -> str:
    """A finite Decimal as a JSON number: positional where that stays short, else with an exponent."""
    if not value.is_finite():
        raise ValueError(f"{value} is not a JSON number; encode it as a string")
    # str() picks an exponent for 1E-7 too; positional wherever that stays small.
    return format(value, "f") if decimal_zeros(value) <= MAX_DECIMAL_ZEROS else str(value)


def _slow_write(value: Any, indent: int | None) -> str:
    out: list[str] = []
    _write(value, out, indent, 0)
    return "".join(out)


def _write(value: Any, out: list[str], indent: int | None, level: int) -> None:
    if level > DEFAULT_MAX_DEPTH and isinstance(value, (dict, list, tuple)):
        raise ValueError(f"nested deeper than {DEFAULT_MAX_DEPTH} levels; refusing to write it")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise ValueError(f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits is longer than "
                         f"odatakit writes ({MAX_INT_DIGITS} digits); give it as a Decimal")
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
        out.append(decimal_text(value))
    elif value is None or isinstance(value, (bool, int, float, str)):
        out.append(json.dumps(value, ensure_ascii=False, allow_nan=False))
    else:
        raise TypeError(f"{type(value).__name__} {value!r} is not JSON-ready; encode it first")


def decimal_zeros(number: Decimal) -> int:
    """How many zeros a finite Decimal's exponent stands for: what writing it positionally adds."""
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or number.is_zero():
        return 0
    return exponent if exponent > 0 else max(0, -number.adjusted() - 1)


def _newline(indent: int | None, level: int) -> str:
    return "" if indent is None else "\n" + " " * (indent * level)
