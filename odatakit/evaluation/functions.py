"""The canonical functions (URL Conventions 4.01 §5.1.1.5–5.1.1.11) as a table: name → the
Python function over non-null runtime values. A null argument makes the result null (§5.1.1.4:
"If a parameter of a canonical function is null, the function returns null"); ``filter.py``
applies that rule once for every entry, so the functions below never see None.

Strings are sequences of code points (a Python ``str``), so ``length('😀')`` is 1 and
``substring`` never splits a surrogate pair.
"""

from __future__ import annotations

import decimal
import functools
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .. import edm
from .geo import FUNCTIONS as GEO_FUNCTIONS
from .values import (
    DECIMAL_CONTEXT,
    EvaluationError,
    edm_type,
    equal,
)

__all__ = ["FUNCTIONS", "MAX_DATETIME", "MIN_DATETIME", "compile_pattern"]


def _type_error(name: str, *args: Any) -> EvaluationError:
    shown = ", ".join(f"Edm.{edm_type(a)}" for a in args)
    return EvaluationError(f"{name}() is not defined for ({shown})")


def _strings(name: str, *args: Any) -> None:
    for arg in args:
        if type(arg) is not str:
            raise _type_error(name, *args)


def _sequence(name: str, a: Any, b: Any) -> bool:
    """True for (String, String), False for (Collection, Collection), else a type error."""
    if type(a) is str and type(b) is str:
        return True
    if isinstance(a, list) and isinstance(b, list):
        return False
    raise _type_error(name, a, b)


def _find(haystack: list[Any], needle: list[Any]) -> int:
    """Index of the first contiguous occurrence of ``needle`` in ``haystack`` (items by ``eq``), or -1."""
    for start in range(len(haystack) - len(needle) + 1):
        if all(equal(haystack[start + i], x) for i, x in enumerate(needle)):
            return start
    return -1


# -- §5.1.1.5 string and collection functions --------------------------------------------------
def _contains(a: Any, b: Any) -> bool:
    if a.__class__ is str and b.__class__ is str:
        return b in a
    return b in a if _sequence("contains", a, b) else _find(a, b) >= 0


def _startswith(a: Any, b: Any) -> bool:
    if a.__class__ is str and b.__class__ is str:
        return a.startswith(b)  # type: ignore[no-any-return]
    if _sequence("startswith", a, b):
        return bool(a.startswith(b))
    return len(b) <= len(a) and all(equal(x, y) for x, y in zip(a, b))


def _endswith(a: Any, b: Any) -> bool:
    if _sequence("endswith", a, b):
        return bool(a.endswith(b))
    return len(b) <= len(a) and all(equal(x, y) for x, y in zip(a[len(a) - len(b):], b))


def _indexof(a: Any, b: Any) -> int:
    return a.find(b) if _sequence("indexof", a, b) else _find(a, b)


def _concat(a: Any, b: Any) -> Any:
    _sequence("concat", a, b)
    return a + b


def _length(a: Any) -> int:
    if type(a) is str or isinstance(a, list):
        return len(a)
    raise _type_error("length", a)


def _substring(a: Any, start: Any, length: Any = None) -> Any:
    """Zero-based ``start``; the spec is silent on bounds, so: a start past the end gives an empty
    result, a negative start counts as 0, and a negative length is an error (as in .NET)."""
    if not (type(a) is str or isinstance(a, list)):
        raise _type_error("substring", a, start)
    for number in (start,) if length is None else (start, length):
        if type(number) is not int:
            raise EvaluationError(f"substring() takes Int32 positions, not Edm.{edm_type(number)}")
    begin = max(start, 0)
    if length is None:
        return a[begin:]
    if length < 0:
        raise EvaluationError(f"substring() length must not be negative, not {length}")
    return a[begin:begin + length]


# -- §5.1.1.6 collection functions ------------------------------------------------------------
def _hashable(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return repr(value)
    return value


def _hassubset(a: Any, b: Any) -> bool:
    """True when ``a`` can become ``b`` by removing and reordering items: every item of ``b``
    needs an item of its own in ``a`` (``hassubset([1,2],[1,1])`` is false)."""
    if not (isinstance(a, list) and isinstance(b, list)):
        raise _type_error("hassubset", a, b)
    pool = list(a)
    for item in b:
        for index, candidate in enumerate(pool):
            if equal(candidate, item):
                del pool[index]
                break
        else:
            return False
    return True


def _hassubsequence(a: Any, b: Any) -> bool:
    """True when ``a`` can become ``b`` by removing items, keeping the order."""
    if not (isinstance(a, list) and isinstance(b, list)):
        raise _type_error("hassubsequence", a, b)
    position = 0
    for item in b:
        while position < len(a) and not equal(a[position], item):
            position += 1
        if position == len(a):
            return False
        position += 1
    return True


# -- §5.1.1.7 string functions ----------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    """An RE2 regular expression (linear time: no pattern can make evaluation hang). The spec's
    patterns are ECMAScript; one RE2 does not support (backreferences, lookaround) is an error."""
    try:
        import re2
    except ImportError:  # pragma: no cover - the extra is missing
        raise EvaluationError("matchesPattern needs the google-re2 package: pip install 'odatakit[evaluate]'") \
            from None
    try:
        return re2.compile(pattern)
    except re2.error as error:
        raise EvaluationError(f"matchesPattern: {edm.clipped(pattern)} is not a regular expression RE2 runs "
                              f"({error}); backreferences and lookaround are not supported") from None


def _matches_pattern(a: Any, pattern: Any) -> bool:
    _strings("matchesPattern", a, pattern)
    return compile_pattern(pattern).search(a) is not None


def _tolower(a: Any) -> str:
    _strings("tolower", a)
    return str(a.lower())


def _toupper(a: Any) -> str:
    _strings("toupper", a)
    return str(a.upper())


def _trim(a: Any) -> str:
    _strings("trim", a)
    return str(a.strip())


# -- §5.1.1.8 date and time functions ---------------------------------------------------------
def _part(name: str, *kinds: type, read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def function(a: Any) -> Any:
        if type(a) not in kinds:
            raise _type_error(name, a)
        return read(a)
    function.__name__ = name
    return function


_D, _DTO, _T = edm.Date, edm.DateTimeOffset, edm.TimeOfDay


def _date_of(a: Any) -> edm.Date:
    return a.date if type(a) is _DTO else a


def _time_of(a: Any) -> edm.TimeOfDay:
    return a.time if type(a) is _DTO else a


def _fractionalseconds(a: Any) -> Decimal:
    fraction = _time_of(a).fraction
    return Decimal(f"0.{fraction}") if fraction else Decimal(0)


def _totalseconds(a: Any) -> Decimal:
    if type(a) is not edm.Duration:
        raise _type_error("totalseconds", a)
    return a.total_seconds


#: The extremes of Edm.DateTimeOffset as .NET and the OData reference services give them.
MAX_DATETIME = edm.DateTimeOffset(edm.Date(9999, 12, 31), edm.TimeOfDay(23, 59, 59, "999999999999"), 0)
MIN_DATETIME = edm.DateTimeOffset(edm.Date(1, 1, 1), edm.TimeOfDay(0, 0, 0), 0)


# -- §5.1.1.9 arithmetic functions ------------------------------------------------------------
def _rounding(name: str, mode: str, floor: Callable[[float], float]) -> Callable[[Any], Any]:
    def function(a: Any) -> Any:
        kind = type(a)
        if kind is int:
            return a
        if kind is Decimal:
            if not a.is_finite():
                return a
            return a.quantize(Decimal(1), rounding=mode, context=DECIMAL_CONTEXT)
        if kind is float:
            if not math.isfinite(a):
                return a
            return float(floor(a))
        raise _type_error(name, a)
    function.__name__ = name
    return function


def _round_half_away(x: float) -> float:
    """Round half away from zero (§5.1.1.9.3: ``round(-1.5)`` is -2), exactly for doubles."""
    return float(Decimal(x).quantize(Decimal(1), rounding=decimal.ROUND_HALF_UP))


#: Canonical function name → implementation over non-null runtime values.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": _contains, "startswith": _startswith, "endswith": _endswith, "indexof": _indexof,
    "concat": _concat, "length": _length, "substring": _substring,
    "hassubset": _hassubset, "hassubsequence": _hassubsequence,
    "matchesPattern": _matches_pattern, "tolower": _tolower, "toupper": _toupper, "trim": _trim,
    "year": _part("year", _D, _DTO, read=lambda a: _date_of(a).year),
    "month": _part("month", _D, _DTO, read=lambda a: _date_of(a).month),
    "day": _part("day", _D, _DTO, read=lambda a: _date_of(a).day),
    "hour": _part("hour", _DTO, _T, read=lambda a: _time_of(a).hour),
    "minute": _part("minute", _DTO, _T, read=lambda a: _time_of(a).minute),
    "second": _part("second", _DTO, _T, read=lambda a: _time_of(a).second),
    "fractionalseconds": _part("fractionalseconds", _DTO, _T, read=_fractionalseconds),
    "totaloffsetminutes": _part("totaloffsetminutes", _DTO, read=lambda a: a.offset_minutes),
    "date": _part("date", _DTO, read=lambda a: a.date),
    "time": _part("time", _DTO, read=lambda a: a.time),
    "totalseconds": _totalseconds,
    "maxdatetime": lambda: MAX_DATETIME,
    "mindatetime": lambda: MIN_DATETIME,
    "ceiling": _rounding("ceiling", decimal.ROUND_CEILING, math.ceil),
    "floor": _rounding("floor", decimal.ROUND_FLOOR, math.floor),
    "round": _rounding("round", decimal.ROUND_HALF_UP, _round_half_away),
    **GEO_FUNCTIONS,  # §5.1.1.11: geo.distance, geo.length, geo.intersects (geo.py)
}
# ``now`` is not here: its value is fixed once per evaluation, so filter.py reads it from the scope.
