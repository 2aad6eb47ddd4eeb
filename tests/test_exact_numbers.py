"""Exact numbers survive both round trips unchanged (issue 7): query literal text → tree →
text, and payload → typed value → payload, at the edges where floats would round: Int64 at
±(2**63-1), integers past 2**53, 30-digit Decimals with exponents, negative zero, INF and NaN.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

import odatakit
from odatakit import Primitive, decode, encode_json

# literal text → (Edm type, value, printed text); printed is the text itself unless it differs
LITERALS: list[tuple[str, str, object, str | None]] = [
    ("9223372036854775807", "Int64", 2**63 - 1, None),
    ("-9223372036854775807", "Int64", -(2**63 - 1), None),
    ("-9223372036854775808", "Int64", -(2**63), None),
    ("9223372036854775808", "Decimal", 2**63, None),  # past Int64: only a Decimal holds it
    ("9007199254740993", "Int64", 2**53 + 1, None),  # a double would round it to 2**53
    ("-9007199254740993", "Int64", -(2**53 + 1), None),
    ("123456789012345678901234567890", "Decimal", 123456789012345678901234567890, None),
    ("1.23456789012345678901234567890", "Decimal", Decimal("1.23456789012345678901234567890"), None),
    ("-0.000000000000000000000000000001", "Decimal", Decimal("-1E-30"), None),
    ("1.23456789012345678901234567890e-5", "Decimal", Decimal("1.23456789012345678901234567890e-5"),
     "0.0000123456789012345678901234567890"),  # no exponent form for Decimal: written out
    ("1.23456789012345678901234567890E+30", "Decimal", Decimal("1.23456789012345678901234567890E+30"),
     "1234567890123456789012345678900.0"),
    ("1.7976931348623157e308", "Double", 1.7976931348623157e308, None),
    ("5e-324", "Double", 5e-324, None),
    ("-0.0", "Decimal", Decimal("-0.0"), None),
    ("-0e0", "Double", -0.0, "-0.0e0"),
    ("-0", "Int32", 0, "0"),  # an integer has no negative zero: -0 is the Int32 0
    ("INF", "Double", math.inf, None),
    ("-INF", "Double", -math.inf, None),
    ("NaN", "Double", math.nan, None),
]


@pytest.mark.parametrize(("text", "kind", "value", "printed"), LITERALS, ids=[row[0] for row in LITERALS])
def test_literal_survives_parse_and_serialize(text: str, kind: str, value: object, printed: str | None) -> None:
    node = odatakit.parse_literal(text)
    assert node.type == kind
    assert node == odatakit.query.tree.Literal(kind, value)
    if isinstance(value, float) and value == 0:
        assert math.copysign(1, node.value) == math.copysign(1, value)  # the sign of zero too
    assert odatakit.serialize(node) == (printed or text)
    assert odatakit.parse_literal(odatakit.serialize(node)) == node
    in_filter = odatakit.parse_filter(f"A eq {text}")
    assert odatakit.parse_filter(odatakit.serialize(in_filter, url=True)) == in_filter


# a property's JSON (annotation, value) → the typed value it must decode to
PAYLOADS: list[tuple[str, Primitive]] = [
    ('"A@odata.type":"#Int64","A":9223372036854775807', Primitive("Int64", 2**63 - 1)),
    ('"A@odata.type":"#Int64","A":-9223372036854775807', Primitive("Int64", -(2**63 - 1))),
    ('"A@odata.type":"#Int64","A":"9223372036854775807"', Primitive("Int64", 2**63 - 1)),
    ('"A@odata.type":"#Int64","A":9007199254740993', Primitive("Int64", 2**53 + 1)),
    ('"A@odata.type":"#Decimal","A":123456789012345678901234567890',
     Primitive("Decimal", Decimal("123456789012345678901234567890"))),
    ('"A@odata.type":"#Decimal","A":1.23456789012345678901234567890',
     Primitive("Decimal", Decimal("1.23456789012345678901234567890"))),
    ('"A@odata.type":"#Decimal","A":1.23456789012345678901234567890E+30',
     Primitive("Decimal", Decimal("1.23456789012345678901234567890E+30"))),
    ('"A@odata.type":"#Decimal","A":"1.23456789012345678901234567890e-5"',
     Primitive("Decimal", Decimal("1.23456789012345678901234567890e-5"))),
    ('"A@odata.type":"#Decimal","A":-0', Primitive("Decimal", Decimal("-0"))),
    ('"A@odata.type":"#Decimal","A":-0.0', Primitive("Decimal", Decimal("-0.0"))),
    ('"A":-0', Primitive("Double", -0.0)),  # unannotated: an Edm.Double, negative zero kept
    ('"A":-0.0', Primitive("Double", -0.0)),
    ('"A@odata.type":"#Int32","A":-0', Primitive("Int32", 0)),
    ('"A@odata.type":"#Double","A":"INF"', Primitive("Double", math.inf)),
    ('"A@odata.type":"#Double","A":"-INF"', Primitive("Double", -math.inf)),
    ('"A@odata.type":"#Single","A":"-INF"', Primitive("Single", -math.inf)),
    ('"A@odata.type":"#Decimal","A":"INF"', Primitive("Decimal", Decimal("Infinity"))),
    ('"A@odata.type":"#Double","A":"NaN"', Primitive("Double", math.nan)),
    ('"A@odata.type":"#Decimal","A":"NaN"', Primitive("Decimal", Decimal("NaN"))),
]


def _same(a: Primitive, b: Primitive) -> bool:
    """Equal, with NaN equal to NaN and the sign of a zero compared too (a Decimal may be written
    positionally: ``1.2E+30`` and ``1200000000000000000000000000000`` are the same number)."""
    if a.type != b.type:
        return False
    x, y = a.value, b.value
    if isinstance(x, (float, Decimal)) and isinstance(y, (float, Decimal)):
        if x != x or y != y:  # NaN
            return x != x and y != y
        return x == y and math.copysign(1, x) == math.copysign(1, y)
    return x == y


@pytest.mark.parametrize(("member", "expected"), PAYLOADS, ids=[row[0] for row in PAYLOADS])
@pytest.mark.parametrize("version", ["4.0", "4.01"])
@pytest.mark.parametrize("ieee754", [False, True], ids=["numbers", "IEEE754Compatible"])
def test_payload_number_survives_decode_and_encode(member: str, expected: Primitive, version: str,
                                                   ieee754: bool) -> None:
    value = decode("{" + member + "}")
    assert _same(value["A"], expected)
    text = encode_json(value, version=version, ieee754_compatible=ieee754)
    again = decode(text, ieee754_compatible=ieee754)
    assert _same(again["A"], expected), text
