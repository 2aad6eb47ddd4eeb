"""Edm primitive values that Python's own types cannot hold exactly.

OData dates run from year -9999… to 9999… (year 0000 exists), times allow a leap second
(``23:59:60``) and 12 fractional digits, durations allow 12 fractional digits: ``datetime``
holds none of these. These frozen classes keep the exact value; ``to_python`` converts when
the conversion loses nothing and raises ``ValueError`` when it would.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import math
import re
import struct
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

import attrs

__all__ = [
    "Date",
    "TimeOfDay",
    "DateTimeOffset",
    "Duration",
    "INT_RANGES",
    "parse_binary",
    "format_binary",
    "EdmType",
    "PRIMITIVES",
    "primitive",
    "parse_enum_value",
    "exact_float",
    "check_int_range",
    "decimal_of",
    "clipped",
    "SINGLE_MAX",
    "single_overflows",
    "text_problem",
]

#: Inclusive ranges of the Edm integer types; the one table every stage reads.
INT_RANGES: dict[str, tuple[int, int]] = {
    "Byte": (0, 255),
    "SByte": (-128, 127),
    "Int16": (-(2**15), 2**15 - 1),
    "Int32": (-(2**31), 2**31 - 1),
    "Int64": (-(2**63), 2**63 - 1),
}

class _LazyPattern:
    """A regular expression compiled when first used: a cold start (import + one parse) needs
    few of the patterns the Edm types read with, and each compile costs ~0.2 ms."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __getattr__(self, name: str) -> Any:
        compiled = re.compile(self.pattern)
        for method in ("match", "fullmatch", "search", "sub", "findall"):  # from now on plain attributes
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


def lazy_pattern(pattern: str) -> re.Pattern[str]:
    """``re.compile(pattern)``, done on first use (``match``, ``fullmatch``, ``search``…)."""
    return _LazyPattern(pattern)  # type: ignore[return-value]  # it answers as a Pattern does


_BASE64 = lazy_pattern(r"[A-Za-z0-9+/_-]*={0,2}")
#: Lone surrogates (U+D800..U+DFFF): a str can hold them, UTF-8 cannot (RFC 8259 §8.2).
_SURROGATE = lazy_pattern("[\ud800-\udfff]")


def parse_binary(text: str) -> bytes:
    """Edm.Binary text (base64url, RFC 4648 §5) to bytes; also accepts the standard alphabet and padding.

    Microsoft services send standard base64 with ``=`` padding, the spec base64url without it.
    """
    if not _BASE64.fullmatch(text):
        raise ValueError(f"{clipped(text)} is not valid base64url for Edm.Binary")
    body = text.rstrip("=")
    if len(body) % 4 == 1 or (text != body and len(text) % 4):
        raise ValueError(f"{clipped(text)} is not valid base64url for Edm.Binary: wrong length or padding")
    padded = body.replace("+", "-").replace("/", "_") + "=" * (-len(body) % 4)
    try:
        data = base64.urlsafe_b64decode(padded)
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"{clipped(text)} is not valid base64url for Edm.Binary: {error}") from None
    if format_binary(data) != body.replace("+", "-").replace("/", "_"):
        # Non-zero trailing bits: another text would be canonical, so this one is not exact.
        raise ValueError(f"{clipped(text)} is not canonical base64url for Edm.Binary: its last character has stray bits")
    return data


def format_binary(data: bytes) -> str:
    """Bytes as Edm.Binary text: base64url without padding (as in ``binary'T0RhdGE'``)."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


# Digits are ASCII only (ABNF DIGIT = %x30-39): Python's \d would take "١٢" and "１２" too.
_DATE = lazy_pattern(r"(-?(?:0[0-9]{3}|[1-9][0-9]{3,}))-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
_TIME = lazy_pattern(r"([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]|60)(?:\.([0-9]{1,12}))?)?")
_OFFSET = lazy_pattern(r"Z|([+-])([01][0-9]|2[0-3]):([0-5][0-9])")
_DURATION = lazy_pattern(r"(-)?P(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?")


def clipped(text: str, limit: int = 60) -> str:
    """``repr`` of ``text`` for an error message, cut to about ``limit`` characters: a fault
    about a 50 MB string must not repeat it."""
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


def _full(pattern: re.Pattern[str], text: str, what: str) -> re.Match[str]:
    match = pattern.fullmatch(text)
    if match is None:
        raise ValueError(f"{clipped(text)} is not a valid {what}")
    return match


def _is_leap(year: int) -> bool:
    # Proleptic Gregorian with astronomical year numbering: year 0 is 1 BCE, a leap year.
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _check_date(instance: Date, attribute: object, value: int) -> None:
    if not 1 <= instance.month <= 12:
        raise ValueError(f"month {instance.month} is out of range 1..12")
    if not 1 <= instance.day <= _days_in_month(instance.year, instance.month):
        raise ValueError(f"day {instance.day} does not exist in {instance.year:04d}-{instance.month:02d}")


@attrs.frozen
class Date:
    """An Edm.Date: proleptic Gregorian, any year (``0000`` and negative years included)."""

    year: int
    month: int
    day: int = attrs.field(validator=_check_date)

    @classmethod
    def parse(cls, text: str) -> Date:
        y, m, d = _full(_DATE, text, "Edm.Date (YYYY-MM-DD)").groups()
        return cls(int(y), int(m), int(d))

    def __str__(self) -> str:
        sign = "-" if self.year < 0 else ""
        return f"{sign}{abs(self.year):04d}-{self.month:02d}-{self.day:02d}"

    @classmethod
    def from_python(cls, value: _dt.date) -> Date:
        return cls(value.year, value.month, value.day)

    def to_python(self) -> _dt.date:
        if not _dt.MINYEAR <= self.year <= _dt.MAXYEAR:
            raise ValueError(f"year {self.year} is outside what datetime.date holds (1..9999)")
        return _dt.date(self.year, self.month, self.day)


_DIGITS = lazy_pattern(r"[0-9]+")


def _fraction_digits(value: str) -> str:
    if len(value) > 12 or value and not _DIGITS.fullmatch(value):
        raise ValueError(f"fractional seconds {value!r} must be at most 12 digits")
    return value.rstrip("0")


@attrs.frozen
class TimeOfDay:
    """An Edm.TimeOfDay: up to 12 fractional digits (kept as digits, trailing zeros dropped)
    and second 60 for a leap second."""

    hour: int
    minute: int
    second: int = 0
    fraction: str = attrs.field(default="", converter=_fraction_digits)

    def __attrs_post_init__(self) -> None:
        if not (0 <= self.hour <= 23 and 0 <= self.minute <= 59 and 0 <= self.second <= 60):
            raise ValueError(f"{self.hour:02d}:{self.minute:02d}:{self.second:02d} is not a time of day")

    @classmethod
    def parse(cls, text: str) -> TimeOfDay:
        h, m, s, f = _full(_TIME, text, "Edm.TimeOfDay (hh:mm[:ss[.fffffffffff]])").groups()
        return cls(int(h), int(m), int(s or 0), f or "")

    def __str__(self) -> str:
        text = f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}"
        return f"{text}.{self.fraction}" if self.fraction else text

    @property
    def microsecond(self) -> int:
        """Microseconds, exactly; raises ``ValueError`` when the fraction has finer digits."""
        if len(self.fraction) > 6:
            raise ValueError(f"fraction .{self.fraction} is finer than a microsecond")
        return int(self.fraction.ljust(6, "0"))

    @classmethod
    def from_python(cls, value: _dt.time) -> TimeOfDay:
        return cls(value.hour, value.minute, value.second, f"{value.microsecond:06d}")

    def to_python(self) -> _dt.time:
        if self.second == 60:
            raise ValueError("datetime.time cannot hold the leap second 60")
        return _dt.time(self.hour, self.minute, self.second, self.microsecond)


@attrs.frozen
class DateTimeOffset:
    """An Edm.DateTimeOffset: a date, a time of day and a UTC offset in minutes (``Z`` is 0)."""

    date: Date
    time: TimeOfDay
    offset_minutes: int = 0

    def __attrs_post_init__(self) -> None:
        if not -24 * 60 < self.offset_minutes < 24 * 60:
            raise ValueError(f"offset of {self.offset_minutes} minutes is out of range")

    @classmethod
    def parse(cls, text: str) -> DateTimeOffset:
        date_text, sep, rest = text.partition("T")
        if not sep:
            raise ValueError(f"{clipped(text)} is not a valid Edm.DateTimeOffset (no 'T')")
        split = max(rest.rfind("+"), rest.rfind("-"), rest.rfind("Z"))
        if split < 0:
            raise ValueError(f"{clipped(text)} is not a valid Edm.DateTimeOffset: the offset (Z or ±hh:mm) is missing")
        time_text, offset_text = rest[:split], rest[split:]
        offset = _full(_OFFSET, offset_text, "UTC offset (Z or ±hh:mm)")
        minutes = 0
        if offset.group(1):
            minutes = int(offset.group(2)) * 60 + int(offset.group(3))
            minutes = -minutes if offset.group(1) == "-" else minutes
        return cls(Date.parse(date_text), TimeOfDay.parse(time_text), minutes)

    def __str__(self) -> str:
        if self.offset_minutes == 0:
            zone = "Z"
        else:
            sign = "-" if self.offset_minutes < 0 else "+"
            hours, minutes = divmod(abs(self.offset_minutes), 60)
            zone = f"{sign}{hours:02d}:{minutes:02d}"
        return f"{self.date}T{self.time}{zone}"

    @classmethod
    def from_python(cls, value: _dt.datetime) -> DateTimeOffset:
        """Refuses naive datetimes: OData needs the offset, and guessing it would change the instant."""
        offset = value.utcoffset()
        if offset is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} has no UTC offset; attach a tzinfo (e.g. datetime.timezone.utc)"
            )
        if offset % _dt.timedelta(minutes=1):
            raise ValueError(f"UTC offset {offset} is not a whole number of minutes")
        return cls(
            Date.from_python(value.date()),
            TimeOfDay.from_python(value.time()),
            int(offset.total_seconds()) // 60,
        )

    def to_python(self) -> _dt.datetime:
        zone = _dt.timezone(_dt.timedelta(minutes=self.offset_minutes))
        return _dt.datetime.combine(self.date.to_python(), self.time.to_python(), tzinfo=zone)


def _exact_seconds(value: Decimal | int | str) -> Decimal:
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise ValueError(f"duration seconds {value!r} must be a finite non-negative number")
    return number


@attrs.frozen
class Duration:
    """An Edm.Duration (xs:dayTimeDuration): days, hours, minutes and exact decimal seconds.

    Kept as written (``PT36H`` stays 36 hours) so a round trip never rewrites the text; compare
    amounts with ``total_seconds``.
    """

    negative: bool = False
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: Decimal = attrs.field(default=Decimal(0), converter=_exact_seconds)

    def __attrs_post_init__(self) -> None:
        if min(self.days, self.hours, self.minutes) < 0:
            raise ValueError("duration parts must not be negative; set negative=True instead")

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _full(_DURATION, text, "Edm.Duration (e.g. P12DT23H59M59.999S)")
        sign, d, h, m, s = match.groups()
        if text.endswith(("P", "T")):
            raise ValueError(f"{clipped(text)} is not a valid Edm.Duration: a designator needs a number")
        return cls(bool(sign), int(d or 0), int(h or 0), int(m or 0), Decimal(s or 0))

    def __str__(self) -> str:
        date_part = f"{self.days}D" if self.days else ""
        time_part = ""
        if self.hours:
            time_part += f"{self.hours}H"
        if self.minutes:
            time_part += f"{self.minutes}M"
        if self.seconds or not (date_part or time_part):
            time_part += f"{_plain(self.seconds)}S"
        text = "P" + date_part + (f"T{time_part}" if time_part else "")
        return ("-" if self.negative else "") + text

    @property
    def total_seconds(self) -> Decimal:
        total = ((self.days * 24 + self.hours) * 60 + self.minutes) * 60 + self.seconds
        return -total if self.negative else total

    @classmethod
    def from_python(cls, value: _dt.timedelta) -> Duration:
        micro = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
        negative, micro = micro < 0, abs(micro)
        days, rest = divmod(micro, 86_400_000_000)
        hours, rest = divmod(rest, 3_600_000_000)
        minutes, rest = divmod(rest, 60_000_000)
        return cls(negative, days, hours, minutes, Decimal(rest).scaleb(-6).normalize())

    def to_python(self) -> _dt.timedelta:
        micro = self.total_seconds.scaleb(6)
        if micro != micro.to_integral_value():
            raise ValueError(f"duration {self} is finer than a microsecond")
        return _dt.timedelta(microseconds=int(micro))


def _plain(number: Decimal) -> str:
    """A Decimal in positional notation, never with an exponent (``1E+1`` → ``10``)."""
    text = format(number, "f")
    return text


# -- names (CSDL SimpleIdentifier / QualifiedName; ABNF odataIdentifier, qualifiedTypeName) ----
# The one home of these patterns: the grammar's NAME, QUALIFIED_NAME and GUID terminals
# (grammars/literals.lark) are the same, as tests/test_grammar.py checks.

_IDENTIFIER_LEAD, _IDENTIFIER_CHARACTER = r"[^\W\d]", r"\w"
#: An identifier: a letter or "_", then letters, digits and "_" (Unicode letters too).
IDENTIFIER_PATTERN = rf"{_IDENTIFIER_LEAD}{_IDENTIFIER_CHARACTER}*"
IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
#: Namespace-qualified names: ``Microsoft.OutlookServices.Message``.
QUALIFIED_NAME = re.compile(rf"{IDENTIFIER_PATTERN}(?:\.{IDENTIFIER_PATTERN})+")
#: odataIdentifier is at most 128 characters (identifierLeadingCharacter *127identifierCharacter).
MAX_IDENTIFIER_LENGTH = 128
#: An identifier no longer than the ABNF allows (for checks of names that did not come from the lexer).
BOUNDED_IDENTIFIER_PATTERN = rf"{_IDENTIFIER_LEAD}{_IDENTIFIER_CHARACTER}{{0,{MAX_IDENTIFIER_LENGTH - 1}}}"
GUID_PATTERN = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"

# -- the Edm primitive type table -------------------------------------------------------------
# ABNF payload value rules (odata-abnf-construction-rules, "primitive values in JSON payloads").
_UNSIGNED = lazy_pattern(r"[0-9]{1,3}")  # byteValue = 1*3DIGIT
_SIGNED = {"SByte": 3, "Int16": 5, "Int32": 10, "Int64": 19}  # [SIGN] 1*nDIGIT
_DECIMAL_TEXT = lazy_pattern(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")  # decimalValue
_GUID = lazy_pattern(GUID_PATTERN)
_ENUM_MEMBER = lazy_pattern(rf"(?:{BOUNDED_IDENTIFIER_PATTERN}|[+-]?[0-9]{{1,19}})")  # odataIdentifier / int64Value
_NON_FINITE = {"NaN": math.nan, "INF": math.inf, "-INF": -math.inf}
_DECIMAL_NON_FINITE = {"NaN": Decimal("NaN"), "INF": Decimal("Infinity"), "-INF": Decimal("-Infinity")}
#: Largest finite IEEE 754 binary32 value.
SINGLE_MAX = 3.4028234663852886e38


@attrs.frozen
class EdmType:
    """One Edm primitive type: the Python class of its values, its text form and its JSON form.

    ``parse`` reads the ABNF payload value rule (``int64Value``, ``dateValue``…), ``format``
    writes the canonical text, ``check`` raises ``ValueError`` for a value outside the type.
    """

    name: str
    python: type
    parse: Callable[[str], Any]
    format: Callable[[Any], str]
    json: str  # "boolean", "number" or "string": how the JSON format writes a value
    check: Callable[[Any], None]

    @property
    def special_numbers(self) -> bool:
        """Whether ``INF``, ``-INF`` and ``NaN`` are values of this type (Single, Double, Decimal)."""
        return self.name in ("Single", "Double", "Decimal")


def _check_instance(name: str, python: type) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not isinstance(value, python) or (python is int and isinstance(value, bool)):
            raise ValueError(f"Edm.{name} needs a {python.__name__}, not {type(value).__name__} {value!r}")
    return check


def shown(number: int | Decimal | float) -> str:
    """A number for an error message; a huge one by its size (``str`` of it may be refused)."""
    if isinstance(number, int) and number.bit_length() > 200:
        return f"a {int(number.bit_length() * 0.30103) + 1}-digit number"
    text = str(number)
    return text if len(text) <= 60 else f"a {len(text)}-character number ({text[:20]}...)"


def check_int_range(name: str, number: int | Decimal) -> None:
    """Raise ``ValueError`` when ``number`` is outside Edm.``name`` (``Int32``…).

    Compares without converting: ``int()`` of a 400,000-digit Decimal takes seconds.
    """
    low, high = INT_RANGES[name]
    if not low <= number <= high:
        raise ValueError(f"{shown(number)} is out of range for Edm.{name} ({low}..{high})")


def _int_type(name: str) -> EdmType:
    pattern = _UNSIGNED if name == "Byte" else lazy_pattern(rf"[+-]?[0-9]{{1,{_SIGNED[name]}}}")
    is_int = _check_instance(name, int)

    def check(value: Any) -> None:
        is_int(value)
        check_int_range(name, value)

    def parse(text: str) -> int:
        value = int(_full(pattern, text, f"Edm.{name}").group())
        check(value)
        return value

    return EdmType(name, int, parse, str, "number", check)


def single_overflows(value: float) -> bool:
    """Whether ``value`` rounds past the largest float32: ``3.4028235e38``, the shortest text of
    that maximum, is a little above it and still a Single (the rounded value is what counts)."""
    try:
        struct.pack("<f", value)
    except OverflowError:
        return True
    return False


def exact_float(number: Decimal | int, name: str = "Double") -> float:
    """``number`` as a float, refusing any rounding (past 2**53, extra digits) or overflow."""
    try:
        value = float(number)
    except OverflowError:
        value = math.inf
    if math.isinf(value) or (name == "Single" and single_overflows(value)):
        raise ValueError(f"{shown(number)} is out of range for Edm.{name}")
    if Decimal(repr(value)) != Decimal(number):
        raise ValueError(
            f"{shown(number)} cannot be held exactly by Edm.{name} (it would be rounded to {value!r}); "
            "use Edm.Decimal or Edm.Int64 for exact numbers"
        )
    return value


def _float_type(name: str) -> EdmType:
    is_float = _check_instance(name, float)

    def check(value: Any) -> None:
        is_float(value)
        if name == "Single" and math.isfinite(value) and single_overflows(value):
            raise ValueError(f"{value!r} is out of range for Edm.Single")

    def parse(text: str) -> float:
        if text in _NON_FINITE:
            return _NON_FINITE[text]
        return exact_float(decimal_of(_full(_DECIMAL_TEXT, text, f"Edm.{name}").group()), name)

    def format_(value: float) -> str:
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "INF" if value > 0 else "-INF"
        return repr(value)

    return EdmType(name, float, parse, format_, "number", check)


def _parse_decimal(text: str) -> Decimal:
    if text in _DECIMAL_NON_FINITE:
        return _DECIMAL_NON_FINITE[text]
    return decimal_of(_full(_DECIMAL_TEXT, text, "Edm.Decimal").group())


def decimal_of(text: str) -> Decimal:
    """Number text as an exact Decimal; ``ValueError`` (not ``decimal.InvalidOperation``) for an
    exponent past what Python's Decimal holds (about ±10**18: ``1e99999999999999999999``)."""
    try:
        return Decimal(text)
    except ArithmeticError:
        shown = text if len(text) <= 40 else f"{text[:20]}...{text[-10:]}"
        raise ValueError(f"the number {shown} has an exponent beyond what a Decimal holds") from None


def _format_decimal(value: Decimal) -> str:
    if value.is_nan():
        return "NaN"
    if value.is_infinite():
        return "-INF" if value.is_signed() else "INF"
    return str(value)


def _check_decimal(value: Any) -> None:
    _check_instance("Decimal", Decimal)(value)
    if value.is_snan():
        raise ValueError("a signalling NaN is not an Edm.Decimal value")


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be written as UTF-8 (a lone surrogate such as ``"\\ud800"``), or None."""
    if text.isascii():
        return None
    match = _SURROGATE.search(text)
    if match is None:
        return None
    return f"a lone surrogate U+{ord(match.group()):04X} at character {match.start()} is not text (no UTF-8 for it)"


def _parse_string(text: str) -> str:
    problem = text_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return text


def _check_string(value: Any) -> None:
    _check_instance("String", str)(value)
    _parse_string(value)


def _parse_boolean(text: str) -> bool:
    # booleanValue is case-sensitive (%s"true" / %s"false"), unlike the URL literal.
    if text not in ("true", "false"):
        raise ValueError(f"{clipped(text)} is not a valid Edm.Boolean (true or false, lower case)")
    return text == "true"


def _parse_guid(text: str) -> uuid.UUID:
    return uuid.UUID(_full(_GUID, text, "Edm.Guid (8-4-4-4-12 hex digits)").group())


def _temporal(cls: type) -> EdmType:
    return EdmType(cls.__name__, cls, cls.parse, str, "string", _check_instance(cls.__name__, cls))  # type: ignore[attr-defined]


PRIMITIVES: dict[str, EdmType] = {
    t.name: t
    for t in (
        EdmType("Boolean", bool, _parse_boolean, lambda v: "true" if v else "false", "boolean",
                _check_instance("Boolean", bool)),
        *(_int_type(name) for name in INT_RANGES),
        _float_type("Single"),
        _float_type("Double"),
        EdmType("Decimal", Decimal, _parse_decimal, _format_decimal, "number", _check_decimal),
        EdmType("String", str, _parse_string, str, "string", _check_string),
        EdmType("Guid", uuid.UUID, _parse_guid, str, "string", _check_instance("Guid", uuid.UUID)),
        EdmType("Binary", bytes, parse_binary, format_binary, "string", _check_instance("Binary", bytes)),
        _temporal(Date),
        _temporal(DateTimeOffset),
        _temporal(TimeOfDay),
        _temporal(Duration),
    )
}
"""Every Edm primitive type by unqualified name (``"Int64"``); read by the codec and the validator."""


def primitive(name: str) -> EdmType:
    """The table entry for ``Int64``, ``Edm.Int64`` (prefix optional); ``KeyError`` when not primitive."""
    return PRIMITIVES[name[4:] if name.startswith("Edm.") else name]


def parse_enum_value(text: str) -> tuple[str | int, ...]:
    """An enumValue (``Solid,Yellow,+42``): member names or integers, comma-separated, never encoded."""
    members = text.split(",")
    for member in members:
        _full(_ENUM_MEMBER, member, "enumeration value (member name or integer)")
    return tuple(m if not m.lstrip("+-")[:1].isdigit() else int(m) for m in members)


# -- Python values → Edm values: the one conversion table, with the use as a parameter ----------

#: Where a Python value is going, which decides the one thing the uses disagree on, integers:
#: ``"query"`` a literal in a query (the narrowest of Int32/Int64, and Decimal past Int64, as the
#: parser reads the digits), ``"key"`` a key or parameter in a URL (Int32/Int64; past Int64 refused:
#: give it as a Decimal), ``"payload"`` a property value (Int64 for every int, as the JSON format
#: annotates it; past Int64 refused).
Use = Literal["query", "key", "payload"]


def _from_int(value: int, use: Use) -> tuple[str, Any]:
    if use != "payload" and INT_RANGES["Int32"][0] <= value <= INT_RANGES["Int32"][1]:
        return "Int32", value
    if INT_RANGES["Int64"][0] <= value <= INT_RANGES["Int64"][1]:
        return "Int64", value
    if use == "query":
        return "Decimal", value  # as the parser reads an integer beyond Int64
    raise ValueError(f"integer {shown(value)} is outside Int64; give it as a Decimal")


def _from_time(value: _dt.time) -> tuple[str, Any]:
    if value.tzinfo is not None:
        raise ValueError(f"time {value.isoformat()} has a time zone, which Edm.TimeOfDay cannot hold; pass a "
                         "naive time, or a timezone-aware datetime for a DateTimeOffset")
    return "TimeOfDay", TimeOfDay.from_python(value)


def _as_itself(value: Any) -> tuple[str, Any]:
    return type(value).__name__, value


_FROM_PYTHON: dict[type, Callable[[Any], tuple[str, Any]]] = {
    bool: lambda value: ("Boolean", value),
    float: lambda value: ("Double", float(value)),
    Decimal: lambda value: ("Decimal", value),
    str: lambda value: ("String", value),
    uuid.UUID: lambda value: ("Guid", value),
    bytes: lambda value: ("Binary", bytes(value)),
    bytearray: lambda value: ("Binary", bytes(value)),
    memoryview: lambda value: ("Binary", bytes(value)),
    _dt.datetime: lambda value: ("DateTimeOffset", DateTimeOffset.from_python(value)),
    _dt.date: lambda value: ("Date", Date.from_python(value)),
    _dt.time: _from_time,
    _dt.timedelta: lambda value: ("Duration", Duration.from_python(value)),
    **{cls: _as_itself for cls in (Date, TimeOfDay, DateTimeOffset, Duration)},
}


def from_python(value: Any, use: Use) -> tuple[str, Any] | None:
    """``(Edm type name, exact value)`` for a plain Python value going to ``use``; None for a type
    with no Edm primitive (the caller says what it accepts). ValueError for a value its type
    cannot hold (a naive datetime, an int past Int64 in a key or payload).

    >>> from_python(5, "query"), from_python(5, "payload"), from_python(2**70, "query")[0]
    (('Int32', 5), ('Int64', 5), 'Decimal')
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return _from_int(value, use)
    for cls in type(value).__mro__:
        convert = _FROM_PYTHON.get(cls)
        if convert is not None:
            return convert(value)
    return None
