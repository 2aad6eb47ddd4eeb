"""The evaluator's runtime values: which Python class stands for which Edm type, how a JSON
value becomes one (annotation, model, or the class of the JSON value), and the operations every
operator shares — promotion, comparison keys, equality, temporal arithmetic.

Runtime values are plain Python where Python is exact: ``None`` (null), ``bool``, ``int``
(Byte…Int64), ``Decimal``, ``float`` (Single, Double), ``str``, ``bytes``, ``uuid.UUID``, the
``odatakit.edm`` temporal classes, ``EnumValue``, ``dict`` (entity or complex value, as JSON with
its annotations) and ``list`` (collection).
"""

from __future__ import annotations

import decimal
import math
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from .. import edm

__all__ = [
    "DECIMAL_CONTEXT",
    "EnumValue",
    "EvaluationError",
    "check_integer",
    "compare",
    "date_from_days",
    "days_of",
    "dto_from_instant",
    "duration_from_picos",
    "duration_picos",
    "edm_type",
    "equal",
    "from_json",
    "instant",
    "numeric_pair",
    "order_key",
    "to_json",
]


class EvaluationError(ValueError):
    """An expression that has no value over the data: mismatched types, division of an integer
    by zero, a pattern RE2 cannot run, a tree too deep. ``expression`` is the query text of the
    offending part and ``path`` the JSON path of the entity it failed on (``$.value[3]``), when known."""

    def __init__(self, message: str, expression: str | None = None, path: str | None = None) -> None:
        self.reason = message
        self.expression = expression
        self.path = path
        text = message if expression is None else f"{message}\n  in: {expression}"
        super().__init__(text if path is None else f"{text}\n  at: {path}")

    def at(self, path: str) -> EvaluationError:
        """The same error, located at the entity ``path``."""
        return EvaluationError(self.reason, self.expression, path)


#: Decimal arithmetic: add, sub and mul are exact (a precision far past any Edm.Decimal), and
#: division rounds to 34 significant digits (IEEE decimal128, the precision .NET and SQL keep
#: at most), half-even. Errors are raised, never turned into NaN.
DECIMAL_CONTEXT = decimal.Context(
    prec=100_000, rounding=decimal.ROUND_HALF_EVEN, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
DIVISION_CONTEXT = DECIMAL_CONTEXT.copy()
DIVISION_CONTEXT.prec = 34

_INT64_LOW, _INT64_HIGH = edm.INT_RANGES["Int64"]


def check_integer(value: int, what: str) -> int:
    """``value`` when it fits Edm.Int64; integer arithmetic past it is an error, not a wrap."""
    if not _INT64_LOW <= value <= _INT64_HIGH:
        raise EvaluationError(f"integer overflow: {what} gives {edm.shown(value)}, outside Edm.Int64")
    return value


@attrs.frozen
class EnumValue:
    """An enumeration value: its type (None when unknown) and its members, by name or number.

    Without a model the members are the names as written (``'Red,Blue'`` → {Red, Blue}), so
    ``has`` is set inclusion of names; with a model they are the flag values."""

    type_name: str | None
    members: frozenset[str | int]
    text: str

    @classmethod
    def parse(cls, type_name: str | None, text: str) -> EnumValue:
        try:
            members = edm.parse_enum_value(text) if text else ()
        except ValueError as error:
            raise EvaluationError(f"{edm.clipped(text)} is not an enumeration value: {error}") from None
        return cls(type_name, frozenset(members), text)


#: Runtime Python class → the Edm type name it stands for (integers: Int64; floats: Double).
_EDM_OF_CLASS: dict[type, str] = {
    bool: "Boolean", int: "Int64", Decimal: "Decimal", float: "Double", str: "String",
    bytes: "Binary", uuid.UUID: "Guid", edm.Date: "Date", edm.TimeOfDay: "TimeOfDay",
    edm.DateTimeOffset: "DateTimeOffset", edm.Duration: "Duration",
}


def edm_type(value: Any) -> str | None:
    """The Edm type name of a runtime value (``Int64``, ``Ns.Color``, ``Collection``…), None for null."""
    if value is None:
        return None
    name = _EDM_OF_CLASS.get(type(value))
    if name is not None:
        return name
    if isinstance(value, EnumValue):
        return value.type_name or "Enum"
    if isinstance(value, dict):
        annotated = value.get("@odata.type", value.get("@type"))
        return annotated.lstrip("#") if isinstance(annotated, str) else "Structured"
    if isinstance(value, list):
        return "Collection"
    own = getattr(value, "type", None)  # a geography literal carries its Edm type name
    return own if isinstance(own, str) else type(value).__name__


# -- JSON → runtime ---------------------------------------------------------------------------
def _number(kind: edm.EdmType, raw: Any) -> Any:
    if isinstance(raw, bool):
        raise ValueError(f"Edm.{kind.name} is a number, not {raw!r}")
    if isinstance(raw, str):
        return kind.parse(raw)  # IEEE754Compatible strings, INF/NaN
    if kind.name in edm.INT_RANGES:
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, Decimal) and raw == raw.to_integral_value():
            raw = int(raw)
        kind.check(raw)
        return raw
    if kind.name == "Decimal":
        return Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    return float(raw)


def from_json(raw: Any, type_name: str | None, srid: int | None = None) -> Any:
    """The runtime value of a JSON value whose type is ``type_name`` (``Int64``, ``Edm.Date``,
    ``#Collection(Edm.Date)``, ``Ns.Color``; None: the value's own JSON class decides); ``srid``
    is a geo value's SRID when its GeoJSON has no ``crs`` (the model's facet)."""
    if raw is None or type_name is None:
        return raw
    name = type_name.lstrip("#").rpartition("/")[2]
    if name.startswith("Collection(") and name.endswith(")"):
        if not isinstance(raw, list):
            raise EvaluationError(f"annotated {type_name!r} but the value is not a JSON array")
        item = name[len("Collection("):-1]
        return [from_json(x, item, srid) for x in raw]
    name = name.removeprefix("Edm.")
    kind = edm.PRIMITIVES.get(name)
    if name.startswith(("Geography", "Geometry")):
        from .geo import from_geojson

        return from_geojson(raw, name, srid)
    try:
        if kind is None:
            if isinstance(raw, str):
                return EnumValue.parse(name, raw)
            return raw  # structured or a type definition: kept as JSON
        if kind.json == "string":
            if not isinstance(raw, str):
                raise ValueError(f"Edm.{name} is written as a JSON string, not {raw!r}")
            return kind.parse(raw)
        if kind.json == "boolean":
            if not isinstance(raw, bool):
                raise ValueError(f"Edm.Boolean is true or false, not {raw!r}")
            return raw
        return _number(kind, raw)
    except ValueError as error:
        if isinstance(error, EvaluationError):
            raise
        raise EvaluationError(f"the value {edm.clipped(str(raw))} is not an Edm.{name}: {error}") from None


#: Runtime class → (JSON value, type annotation or None) for a computed value in a response.
def to_json(value: Any) -> tuple[Any, str | None]:
    """A runtime value as JSON and the ``@odata.type`` it needs (None when the JSON value's own
    class says it): dates, times, durations, GUIDs, binaries, enums and special numbers."""
    if value is None or isinstance(value, (bool, int, str)):
        return value, None
    if isinstance(value, float):
        if math.isfinite(value):
            return value, None
        return edm.PRIMITIVES["Double"].format(value), "#Double"
    if isinstance(value, Decimal):
        if value.is_finite():
            return value, None
        return edm.PRIMITIVES["Decimal"].format(value), "#Decimal"
    if isinstance(value, EnumValue):
        return value.text, (f"#{value.type_name}" if value.type_name else None)
    if isinstance(value, list):
        return [to_json(item)[0] for item in value], None
    name = _EDM_OF_CLASS.get(type(value))
    if name is None:
        to_geojson = getattr(value, "to_geojson", None)  # a geo value: GeoJSON and its Edm type
        if to_geojson is not None:
            return to_geojson(), f"#{value.type}"
        return value, None
    return edm.PRIMITIVES[name].format(value), f"#{name}"


# -- temporal instants ------------------------------------------------------------------------
_PICO = 10**12
_DAY_PICOS = 86_400 * _PICO


def days_of(date: edm.Date) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar, for any year (year 0 exists)."""
    y = date.year - (date.month <= 2)
    era = y // 400
    yoe = y - era * 400
    mp = (date.month + 9) % 12
    doy = (153 * mp + 2) // 5 + date.day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def date_from_days(days: int) -> edm.Date:
    """The inverse of ``days_of``."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    try:
        return edm.Date(year, month, day)
    except ValueError as error:  # pragma: no cover - the algorithm only makes real dates
        raise EvaluationError(str(error)) from None


def time_picos(time: edm.TimeOfDay) -> int:
    """Picoseconds since midnight (12 fractional digits: the finest Edm time)."""
    return ((time.hour * 60 + time.minute) * 60 + time.second) * _PICO + int(time.fraction.ljust(12, "0") or 0)


def instant(value: edm.DateTimeOffset) -> int:
    """The instant of a DateTimeOffset in picoseconds since 1970-01-01T00:00Z: offsets honoured,
    so ``10:00+02:00`` and ``08:00Z`` are one instant (URL Conventions §5.1.1.1.1)."""
    return days_of(value.date) * _DAY_PICOS + time_picos(value.time) - value.offset_minutes * 60 * _PICO


def _time_from_picos(picos: int) -> edm.TimeOfDay:
    seconds, fraction = divmod(picos, _PICO)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return edm.TimeOfDay(hour, minute, second, f"{fraction:012d}" if fraction else "")


def dto_from_instant(picos: int, offset_minutes: int) -> edm.DateTimeOffset:
    """The DateTimeOffset of an instant, written in the given offset."""
    local = picos + offset_minutes * 60 * _PICO
    days, rest = divmod(local, _DAY_PICOS)
    try:
        return edm.DateTimeOffset(date_from_days(days), _time_from_picos(rest), offset_minutes)
    except ValueError as error:
        raise EvaluationError(f"date/time out of range: {error}") from None


def duration_picos(value: edm.Duration) -> int:
    """A duration in picoseconds (exact: Edm.Duration has at most 12 fractional digits)."""
    total = value.total_seconds * _PICO
    if total != total.to_integral_value():
        raise EvaluationError(f"duration {value} is finer than a picosecond")
    return int(total)


def duration_from_picos(picos: int) -> edm.Duration:
    """A Duration in days/hours/minutes/seconds for a picosecond count (normalised form)."""
    negative, picos = picos < 0, abs(picos)
    days, rest = divmod(picos, _DAY_PICOS)
    hours, rest = divmod(rest, 3600 * _PICO)
    minutes, rest = divmod(rest, 60 * _PICO)
    seconds = (Decimal(rest) / _PICO).normalize(DECIMAL_CONTEXT) if rest else Decimal(0)
    return edm.Duration(negative, days, hours, minutes, seconds)


# -- comparison -------------------------------------------------------------------------------
_NUMERIC = (int, Decimal, float)


def numeric_pair(a: Any, b: Any) -> tuple[Any, Any]:
    """Two numbers promoted to their common type (URL Conventions §5.1.1.18): int < Decimal < float.

    A Decimal meeting a Double becomes a Double (so ``0.1`` and ``0.1e0`` are equal)."""
    ta, tb = type(a), type(b)
    if ta is tb:
        return a, b
    if ta is float:
        return a, float(b)
    if tb is float:
        return float(a), b
    if ta is Decimal or tb is Decimal:
        return Decimal(a), Decimal(b)
    return a, b


def _coerce_string(text: str, like: Any) -> Any:
    """An untyped JSON string read as the type of the other operand (dates, GUIDs…): the JSON
    format writes those as strings, and without an annotation or model the literal says the type."""
    name = _EDM_OF_CLASS.get(type(like))
    if name is None or edm.PRIMITIVES[name].json != "string" or name == "String":
        if isinstance(like, EnumValue):
            return EnumValue.parse(like.type_name, text)
        return None
    try:
        return edm.PRIMITIVES[name].parse(text)
    except ValueError:
        raise EvaluationError(f"cannot compare the string {edm.clipped(text)} with the Edm.{name} "
                              f"{edm.PRIMITIVES[name].format(like)}: it is not an Edm.{name}") from None


def comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Keys of two non-null values that compare with Python's operators, or EvaluationError."""
    ta, tb = type(a), type(b)
    if ta is not tb:
        if ta in _NUMERIC and tb in _NUMERIC and ta is not bool and tb is not bool:
            return numeric_pair(a, b)
        if ta is str:
            coerced = _coerce_string(a, b)
            if coerced is not None:
                return comparable(coerced, b)
        elif tb is str:
            coerced = _coerce_string(b, a)
            if coerced is not None:
                return comparable(a, coerced)
        raise EvaluationError(f"cannot compare Edm.{edm_type(a)} with Edm.{edm_type(b)}: OData has no implicit "
                              "conversion between them (URL Conventions §5.1.1.18)")
    key = _KEYS.get(ta)
    if key is None:
        if ta is EnumValue:
            return sorted(map(str, a.members)), sorted(map(str, b.members))
        if ta in (dict, list):
            raise EvaluationError(f"cannot order or compare two {edm_type(a)} values with gt/lt")
        return a, b
    return key(a), key(b)


_KEYS: dict[type, Callable[[Any], Any]] = {
    edm.DateTimeOffset: instant,
    edm.Date: days_of,
    edm.TimeOfDay: time_picos,
    edm.Duration: duration_picos,
    uuid.UUID: lambda u: u.int,
}


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1 for two non-null values; NaN is unordered, so raises nothing and gives 2."""
    x, y = comparable(a, b)
    try:
        if x < y:
            return -1
        if x > y:
            return 1
        return 0 if x == y else 2
    except decimal.InvalidOperation:  # a Decimal NaN
        return 2
    except TypeError:  # values of a type with no order (geo values): not comparable
        raise EvaluationError(f"Edm.{edm_type(a)} values cannot be compared") from None


def equal(a: Any, b: Any) -> bool:
    """``a eq b`` for runtime values: null equals only null (§5.1.1.1.1), NaN equals nothing,
    numbers compare after promotion, structured values and collections by their content."""
    if a is None or b is None:
        return a is None and b is None
    ta = type(a)
    if ta is type(b) and ta in (str, int, bool, bytes):
        return bool(a == b)
    if isinstance(a, dict) and isinstance(b, dict):
        keys = {k for k in a if "@" not in k} | {k for k in b if "@" not in k}
        return all(equal(a.get(k), b.get(k)) for k in keys)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if ta is EnumValue and type(b) is EnumValue:
        return bool(a.members == b.members)
    return compare(a, b) == 0


# -- $orderby keys ----------------------------------------------------------------------------
class _Key:
    """A sort key over runtime values: null before every value, NaN before every number."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Key) -> bool:
        a, b = self.value, other.value
        if a is None or b is None:
            return a is None and b is not None
        if _is_nan(a) or _is_nan(b):
            return _is_nan(a) and not _is_nan(b)
        return compare(a, b) < 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Key):
            return NotImplemented
        return not (self < other or other < self)

    __hash__ = None  # type: ignore[assignment]


def _is_nan(value: Any) -> bool:
    return (type(value) is float and math.isnan(value)) or (type(value) is Decimal and value.is_nan())


def order_key(value: Any) -> Any:
    """A key for ``sorted``: null first, NaN next, then values in their type's order
    (strings by code point, DateTimeOffset by instant). Fast for plain ints and strings."""
    return _Key(value)
