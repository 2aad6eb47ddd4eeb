"""Edm primitive type table: text forms, ranges, binary helpers, and the ABNF payload value rules."""

from __future__ import annotations

import json
import math
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from odatakit import edm

DATA = Path(__file__).parent / "data"

# -- the ABNF value-rule conformance cases (tests/data/payload_README.md says where they are from)
_CASES = json.loads((DATA / "payload_abnf-value-cases.json").read_text("utf-8"))["cases"]

_RULE_TYPES = {
    "booleanvalue": "Boolean", "bytevalue": "Byte", "sbytevalue": "SByte", "int16value": "Int16",
    "int32value": "Int32", "int64value": "Int64", "decimalvalue": "Decimal", "doublevalue": "Double",
    "singlevalue": "Single", "datevalue": "Date", "datetimeoffsetvalue": "DateTimeOffset",
    "timeofdayvalue": "TimeOfDay", "durationvalue": "Duration", "guidvalue": "Guid", "guid": "Guid",
    "binaryvalue": "Binary",
}

def _geo_text(text: str) -> None:
    # Geo values are JSON (GeoJSON) in payloads, not Edm table entries; their ABNF text form is
    # checked where the query side checks geo literals.
    from odatakit.query._geo import check_well_known_text

    check_well_known_text(text)


def _accepts(rule: str, text: str) -> bool:
    parsers = (
        [edm.PRIMITIVES[_RULE_TYPES[rule]].parse] if rule in _RULE_TYPES
        else [edm.parse_enum_value] if rule == "enumvalue"
        else [t.parse for t in edm.PRIMITIVES.values() if t.name != "String"] + [edm.parse_enum_value, _geo_text]
    )
    for parse in parsers:
        try:
            parse(text)
        except ValueError:
            continue
        return True
    return False


@pytest.mark.parametrize("case", _CASES, ids=[f"{c['rule']}:{c['input']!r}" for c in _CASES])
def test_abnf_value_rule(case: dict) -> None:
    assert _accepts(case["rule"].lower(), case["input"]) == (case["expect"] == "pass")


def test_every_value_rule_has_cases() -> None:
    rules = {c["rule"].lower() for c in _CASES}
    assert {"booleanvalue", "int64value", "decimalvalue", "datetimeoffsetvalue", "guid", "enumvalue",
            "primitivevalue"} <= rules


# -- text forms: (type, text, value) and canonical text ----------------------------------------
PARSE = [
    ("Boolean", "true", True),
    ("Byte", "255", 255),
    ("SByte", "-128", -128),
    ("Int16", "+32000", 32000),
    ("Int32", "-2147483648", -(2**31)),
    ("Int64", "9223372036854775807", 2**63 - 1),
    ("Decimal", "1234567890.123456789012345678901", Decimal("1234567890.123456789012345678901")),
    ("Decimal", "-1.5e3", Decimal("-1.5e3")),
    ("Double", "-0.314e1", -3.14),
    ("Double", "INF", math.inf),
    ("Single", "3.4028234663852886e38", edm.SINGLE_MAX),
    ("Guid", "01234567-89AB-cdef-0123-456789abcdef", uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")),
    ("Binary", "T0RhdGE", b"OData"),
    ("Date", "-0001-02-28", edm.Date(-1, 2, 28)),
    ("TimeOfDay", "23:59:60.999999999999", edm.TimeOfDay(23, 59, 60, "999999999999")),
]


@pytest.mark.parametrize(("name", "text", "value"), PARSE)
def test_parse_text(name: str, text: str, value: object) -> None:
    assert edm.primitive(name).parse(text) == value


REFUSED = [
    ("Byte", "256", "out of range"),
    ("Byte", "-1", "not a valid"),
    ("SByte", "128", "out of range"),
    ("Int32", "2147483648", "out of range"),
    ("Int64", "9223372036854775808", "out of range"),
    ("Int64", "1.0", "not a valid"),
    ("Double", "9007199254740993", "rounded"),
    ("Double", "1e400", "out of range"),
    ("Double", "1e-400", "rounded"),
    ("Single", "3.5e38", "out of range"),
    ("Double", "Infinity", "not a valid"),
    ("Boolean", "True", "lower case"),
    ("Guid", "0123456789abcdef0123456789abcdef", "8-4-4-4-12"),
    ("Binary", "T0RhdGF", "stray bits"),
    ("Binary", "a", "length"),
    ("Binary", "T0R hdGE", "not valid base64url"),
]


@pytest.mark.parametrize(("name", "text", "reason"), REFUSED)
def test_refuse_text(name: str, text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        edm.primitive(name).parse(text)


CANONICAL = [
    ("Boolean", False, "false"),
    ("Double", -math.inf, "-INF"),
    ("Double", math.nan, "NaN"),
    ("Decimal", Decimal("Infinity"), "INF"),
    ("Decimal", Decimal("1.50"), "1.50"),
    ("Binary", b"\xfb\xff", "-_8"),
    ("Guid", uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    ("DateTimeOffset", edm.DateTimeOffset.parse("2015-12-03T10:00:00.000Z"), "2015-12-03T10:00:00Z"),
]


@pytest.mark.parametrize(("name", "value", "text"), CANONICAL)
def test_canonical_text(name: str, value: object, text: str) -> None:
    assert edm.primitive(name).format(value) == text


@pytest.mark.parametrize(("text", "data"), [
    ("T0RhdGE", b"OData"),
    ("T0RhdGE=", b"OData"),  # padding is optional
    ("bWFjIGFuZCBjaGVlc2UgdG9kYXk=", b"mac and cheese today"),  # Graph sends standard base64
    ("+/+/", b"\xfb\xff\xbf"),
    ("-_-_", b"\xfb\xff\xbf"),
    ("", b""),
])
def test_parse_binary_accepts_both_alphabets(text: str, data: bytes) -> None:
    assert edm.parse_binary(text) == data
    assert edm.parse_binary(edm.format_binary(data)) == data
    assert "=" not in edm.format_binary(data)


def test_int_ranges_are_the_table_every_integer_type_reads() -> None:
    for name, (low, high) in edm.INT_RANGES.items():
        kind = edm.PRIMITIVES[name]
        kind.check(low)
        kind.check(high)
        for outside in (low - 1, high + 1):
            with pytest.raises(ValueError, match="out of range"):
                kind.check(outside)


@pytest.mark.parametrize(("name", "value"), [("Int32", True), ("Double", 1), ("String", b"x"), ("Binary", "x")])
def test_check_refuses_python_values_of_another_type(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"Edm.{name} needs"):
        edm.PRIMITIVES[name].check(value)


def test_primitive_accepts_the_edm_prefix() -> None:
    assert edm.primitive("Edm.Int64") is edm.PRIMITIVES["Int64"]
    with pytest.raises(KeyError):
        edm.primitive("Model.Color")
