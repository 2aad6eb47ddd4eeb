"""Bad input to the payload codec: names that would become control information, type annotations
that name no type, inputs that would take quadratic time or blow the output up, and Python values
that are not JSON. Each ends in a ``PayloadError`` with a fault per problem (from a payload) or a
clear ``ValueError``/``TypeError`` (from a constructor), never in an error from inside."""

from __future__ import annotations

import sys
import time
from decimal import Decimal
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odatakit import (
    GRAPH,
    Collection,
    OpenTypeExtension,
    PayloadError,
    Primitive,
    Structured,
    decode,
    encode,
    encode_json,
    validate,
)
from odatakit.payload import _jsontext
from odatakit.payload.decode import decode_with_faults
from odatakit.payload.values import typed

EXT = "Com.Contoso.Referral"


def _faults(payload: Any) -> list[tuple[str, str]]:
    return [(f.json_path, f.code) for f in decode_with_faults(payload)[1]]


# -- 1. a property name cannot be empty or contain '@' ------------------------------------------
BAD_NAMES_FROM_CODE: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("empty property", lambda: Structured("Ns.T", {"": Primitive("Int32", 5)}), ValueError, "cannot be empty"),
    ("property with @", lambda: Structured(properties={"A@odata.type": Primitive("String", "x")}), ValueError,
     "cannot contain '@'"),
    ("property not a str", lambda: Structured(properties={1: Primitive("Int32", 1)}), TypeError, "string, not int"),
    ("empty control", lambda: Structured(control={"": 1}), ValueError, "cannot be empty"),
    ("control 'type'", lambda: Structured("Ns.T", control={"type": "#Ns.U"}), ValueError, "Structured.type"),
    ("dotted control", lambda: Structured(control={"odata.etag": "x"}), ValueError, "no '.'"),
    ("unqualified annotation", lambda: Structured(annotations={"etag": "x"}), ValueError, "namespace-qualified"),
    ("odata. annotation", lambda: Structured(annotations={"odata.etag": "x"}), ValueError, "namespace-qualified"),
    ("empty property in property_control",
     lambda: Structured(property_control={"": {"navigationLink": "x"}}), ValueError, "cannot be empty"),
    ("property type as property_control",
     lambda: Structured(properties={"A": Primitive("String", "x")}, property_control={"A": {"type": "#Int64"}}),
     ValueError, "value's own type"),
    ("encode: empty key", lambda: encode({"": 5}), ValueError, "cannot be empty"),
    ("encode: annotation as a key", lambda: encode({"A": "hello", "A@odata.type": "#Int64"}), ValueError,
     "cannot contain '@'"),
    ("encode: int key", lambda: encode({1: 2}), TypeError, "string, not int"),
    ("encode: tuple key", lambda: encode({(1, 2): 3}), TypeError, "string, not tuple"),
    ("typed: control as a key", lambda: typed({"@odata.type": "#Ns.T"}), ValueError, "cannot contain '@'"),
]


@pytest.mark.parametrize(("case", "make", "error", "message"), BAD_NAMES_FROM_CODE,
                         ids=[c for c, *_ in BAD_NAMES_FROM_CODE])
def test_names_that_would_become_control_information_are_refused(
        case: str, make: Callable[[], Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(("properties", "path"), [
    ({"": 5}, "$['']"),
    ({"@odata.type": "microsoft.graph.user"}, "$['@odata.type']"),
    ({"DealValue@odata.type": "#String", "DealValue": 5}, "$['DealValue@odata.type']"),
])
def test_extension_property_names_are_checked(properties: dict[str, Any], path: str) -> None:
    with pytest.raises(PayloadError) as caught:
        OpenTypeExtension(EXT, properties)
    assert [(f.json_path, f.code) for f in caught.value.faults] == [(path, "bad-name")]


# From a payload: each a fault with its path (and the good keys beside it still read).
BAD_KEYS = [
    ({"": 1, "B": 2}, [("$['']", "bad-name")]),
    ({"@": 1}, [("$['@']", "bad-annotation")]),
    ({"@odata.": 1}, [("$['@odata.']", "bad-annotation")]),
    ({"A@": 1, "A": 2}, [("$['A@']", "bad-annotation")]),
    ({"A@odata.type@x": "#Int64", "A": 2}, [("$['A@odata.type@x']", "bad-annotation")]),
    ({"@odata.a.b": 1}, [("$['@odata.a.b']", "bad-annotation")]),
    ({1: 2}, [("$[1]", "not-json")]),
    ({(1, 2): 3}, [("$[(1, 2)]", "not-json")]),
    ({"value": [{"x": {None: 1}}]}, [("$.value[0].x[None]", "not-json")]),
    ({"@Org.Note": {1: 2}}, [("$['@Org.Note'][1]", "not-json")]),
    ({"@Org.Note": {1, 2}}, [("$['@Org.Note']", "not-json")]),
]


@pytest.mark.parametrize(("payload", "expected"), BAD_KEYS, ids=[repr(p) for p, _ in BAD_KEYS])
def test_bad_keys_in_a_payload_are_faults_with_their_path(payload: Any, expected: list[tuple[str, str]]) -> None:
    assert _faults(payload) == expected
    with pytest.raises(PayloadError):
        decode(payload)
    assert [(f.json_path, f.code) for f in validate(payload)][:len(expected)] == expected


def test_property_annotation_syntax_still_reads() -> None:
    value = decode({"A@odata.type": "#Int64", "A": 5, "A@Org.Label": "L", "@odata.etag": "W/1"})
    assert value == Structured(properties={"A": Primitive("Int64", 5)}, control={"etag": "W/1"},
                               property_annotations={"A": {"Org.Label": "L"}})


_NAMES = st.one_of(st.text(max_size=8), st.sampled_from(["", "@", "@odata.type", "A@odata.type", "odata.type",
                                                         "@odata.context", "A@Org.X", "Id", "type"]))


@settings(max_examples=200, deadline=None)
@given(name=_NAMES, version=st.sampled_from(["4.0", "4.01"]))
def test_any_property_name_is_refused_or_reads_back_as_itself(name: str, version: str) -> None:
    """No property name can overwrite or pose as control information: refused, or a round trip."""
    if name == "" or "@" in name:
        with pytest.raises(ValueError):
            encode({name: 5}, version=version)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            Structured("Ns.T", {name: Primitive("Int64", 5)})
        return
    value = Structured("Ns.T", {name: Primitive("Int64", 5)})
    assert decode(encode_json(value, version=version)) == value  # type: ignore[arg-type]


# -- 2. no quadratic decode, no blown-up encode, no int-digit-limit errors ----------------------
def _decode_seconds(text: str) -> float:
    """The best of three CPU times of decode_with_faults(text)."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        decode_with_faults(text)
        best = min(best, time.process_time() - start)
    return best


def test_huge_integer_for_an_int_type_is_a_fault_in_linear_time() -> None:
    def text(digits: int) -> str:
        return '{"A@odata.type":"#Int64","A":' + "9" * digits + "}"

    # a size against its double: int() of the Decimal was quadratic (4× per doubling)
    assert _decode_seconds(text(400_000)) <= 2.5 * _decode_seconds(text(200_000)) + 0.01
    faults = decode_with_faults(text(400_000))[1]
    assert [(f.json_path, f.code) for f in faults] == [("$.A", "invalid-value")]
    assert "out of range for Edm.Int64" in faults[0].message


@pytest.mark.parametrize("number", ["1e99999999", "-1E+999999", "1e-99999999", "0.5e-1000"])
def test_4_0_refuses_a_decimal_whose_positional_form_would_blow_up(number: str) -> None:
    value = decode('{"A@odata.type":"#Decimal","A":' + number + "}")
    with pytest.raises(PayloadError) as caught:
        encode_json(value)
    assert [(f.json_path, f.code) for f in caught.value.faults] == [("$.A", "decimal-exponent")]
    text = encode_json(value, version="4.01")  # 4.01 keeps the exponent form
    assert len(text) < 60 and decode(text) == value


@pytest.mark.parametrize(("number", "written"), [
    ("1E+100", "1" + "0" * 100), ("1E-101", "0." + "0" * 100 + "1"), ("1.5E+2", "150"), ("0E+999999", "0"),
    ("1E-7", "0.0000001"), ("-1.50E-7", "-0.000000150"),
])
def test_4_0_still_writes_decimals_positionally_within_the_bound(number: str, written: str) -> None:
    text = encode_json(Structured(properties={"A": Primitive("Decimal", Decimal(number))}))
    assert text == '{"A@odata.type":"#Decimal","A":' + written + "}"


HUGE: list[tuple[str, Any]] = [
    ("Python int as Decimal", {"A@odata.type": "#Decimal", "A": 10**400_000}),
    ("Python int as Double", {"A": 10**400_000}),
    ("Python int as Int64", {"A@odata.type": "#Int64", "A": 10**400_000}),
    ("5000-digit duration days", '{"A@odata.type":"#Duration","A":"P' + "9" * 5000 + 'D"}'),
    ("5000-digit year", '{"A@odata.type":"#Date","A":"' + "9" * 5000 + '-01-01"}'),
]


@pytest.mark.parametrize(("case", "payload"), HUGE, ids=[c for c, _ in HUGE])
def test_huge_numbers_are_one_fault_at_their_path(case: str, payload: Any) -> None:
    with pytest.raises(PayloadError) as caught:
        decode(payload, check=True)
    assert [f.json_path for f in caught.value.faults] == ["$.A"]
    if isinstance(payload, str):  # JSON text is typed when read: the same fault on the first read
        with pytest.raises(PayloadError) as caught:
            decode(payload)["A"]
        assert [f.json_path for f in caught.value.faults] == ["$.A"]


def test_integer_text_past_the_interpreters_digit_limit_reads_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        value = decode('{"A@odata.type":"#Decimal","A":' + "7" * 1000 + "}")
    finally:
        sys.set_int_max_str_digits(limit)
    assert value["A"] == Primitive("Decimal", Decimal("7" * 1000))


def test_writing_a_huge_python_int_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="give it as a Decimal"):
        _jsontext.write({"a": 10**5000})
    with pytest.raises(ValueError, match="give it as a Decimal"):
        encode_json(Structured(annotations={"Org.Big": 10**5000}))


# -- 3. errors from inside become faults or clear constructor errors ----------------------------
@pytest.mark.parametrize("check", [decode, validate, encode], ids=["decode", "validate", "encode"])
@pytest.mark.parametrize("payload", [{1: 2}, {(1, 2): 3}, {"error": {}, 1: 2}], ids=repr)
def test_keys_that_are_not_strings(check: Callable[[Any], Any], payload: Any) -> None:
    if check is validate:
        assert {f.code for f in validate(payload)} == {"not-json"}
    else:  # a payload gets a fault; plain Python handed to encode, a TypeError
        with pytest.raises(PayloadError if check is decode else TypeError, match="keys are strings|is a string"):
            check(payload)


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: OpenTypeExtension("Com.C.X", [1]), TypeError, "mapping"),  # type: ignore[arg-type]
    (lambda: OpenTypeExtension("Com.C.X", "abc"), TypeError, "mapping"),  # type: ignore[arg-type]
    (lambda: OpenTypeExtension("Com.C.X", None), TypeError, "mapping"),  # type: ignore[arg-type]
    (lambda: OpenTypeExtension("Com.C.X", {1: "a"}), TypeError, "strings"),  # type: ignore[dict-item]
    (lambda: OpenTypeExtension("Com.C.X", {}, "xx"), ValueError, "unknown dialect"),
    (lambda: OpenTypeExtension("Com.C.X", {}, 5), TypeError, "dialect"),  # type: ignore[arg-type]
    (lambda: OpenTypeExtension("Com.C.X", id=5), TypeError, "id"),  # type: ignore[arg-type]
    (lambda: OpenTypeExtension("Com.C.X", control={"": "x"}), ValueError, "cannot be empty"),
    (lambda: OpenTypeExtension("Com.C.X").to_dialect("xx"), ValueError, "unknown dialect"),
    (lambda: Structured(properties=[1]), TypeError, "mapping"),  # type: ignore[arg-type]
])
def test_constructors_say_what_is_wrong(make: Callable[[], Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make()


def test_a_dialect_may_be_given_by_name() -> None:
    assert OpenTypeExtension("Com.C.X", {}, "graph").dialect is GRAPH  # type: ignore[arg-type]


def test_deep_or_self_containing_python_values_are_refused_without_recursion_error() -> None:
    deep: Any = 1
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested deeper"):
        encode({"a": deep})
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="contains itself"):
        encode(loop)
    nested = Structured()
    for _ in range(10_000):
        nested = Structured(properties={"a": nested})
    with pytest.raises(PayloadError, match="nested deeper"):
        encode(nested)
    with pytest.raises(ValueError, match="nested deeper"):
        _jsontext.write(deep)


def test_the_safe_json_loader_turns_deep_text_into_a_fault() -> None:
    assert [f.code for f in _jsontext.read("[" * 100_000)[1]] == ["too-deep"]


# -- 4. a type annotation must name a type -------------------------------------------------------
BAD_TYPES = ["", "#", "#Collection()", "#Collection(Collection(Int32))", "#Edm.Foo", "#Edm.int64", "#Foo",
             "#Collection(Int32", "#Ns.T)", "#Ns..T", "#Ns.1T", "Collection(Edm.Foo)"]


@pytest.mark.parametrize("annotation", BAD_TYPES)
def test_a_property_annotation_that_names_no_type_is_a_fault(annotation: str) -> None:
    payload = {"A@odata.type": annotation, "A": 1}
    faults = validate(payload)
    assert [(f.json_path, f.code) for f in faults] == [("$['A@odata.type']", "bad-annotation")]
    assert annotation in faults[0].message or not annotation


@pytest.mark.parametrize("annotation", BAD_TYPES + ["#Collection(Ns.T)"])
def test_an_object_annotation_that_names_no_object_type_is_a_fault(annotation: str) -> None:
    faults = validate({"@odata.type": annotation, "A": "x"}, kind="entity")
    assert [f.json_path for f in faults] == ["$['@odata.type']"]
    assert faults[0].code in ("bad-annotation", "type-mismatch")


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Primitive("Edm.Foo", 1), "not an Edm primitive type"),
    (lambda: Primitive("", 1), "not a qualified type name"),
    (lambda: Primitive("Foo", 1), "not a qualified type name"),
    (lambda: Primitive("#Int64", 1), "unqualified name"),
    (lambda: Collection("", []), "not a qualified type name"),
    (lambda: Collection("Collection(Int32)", []), "not a single type"),
    (lambda: Structured("Int32"), "primitive type"),
    (lambda: Structured(""), "not a qualified type name"),
])
def test_constructors_refuse_what_is_no_type(make: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


@settings(max_examples=300, deadline=None)
@given(annotation=st.one_of(st.text(max_size=12), st.builds("#Collection({})".format, st.text(max_size=8)),
                            st.builds("#{}".format, st.text("Collection().#EdmIt32Ns ", max_size=16))),
       value=st.sampled_from([1, "x", [1], {}, None]))
def test_an_annotation_validate_accepts_round_trips(annotation: str, value: Any) -> None:
    """Whatever validate lets through, encode writes and decode reads back unchanged."""
    payload = {"A@odata.type": annotation, "A": value}
    if validate(payload, kind="entity"):
        return
    decoded = decode(payload)
    assert decode(encode_json(decoded)) == decoded
    assert decode(encode_json(decoded, version="4.01")) == decoded


@settings(max_examples=300, deadline=None)
@given(number=st.decimals(allow_nan=False, allow_infinity=False))
def test_4_0_writes_every_decimal_without_exponent_or_refuses_it(number: Decimal) -> None:
    value = Structured(properties={"A": Primitive("Decimal", number)})
    try:
        text = encode_json(value)
    except PayloadError as error:
        assert [(f.json_path, f.code) for f in error.faults] == [("$.A", "decimal-exponent")]
        return
    written = text.split('"A":')[1].rstrip("}")
    assert "E" not in written.upper() and len(written) <= len(str(number)) + 103
    assert decode(text) == value


# -- 5. size bounds: wide objects, huge strings (issue 7) ----------------------------------------
def test_a_payload_with_100_000_properties_decodes_and_validates() -> None:
    text = "{" + ",".join(f'"P{n}@odata.type":"#Int64","P{n}":"{n}"' for n in range(100_000)) + "}"
    value = decode(text)
    assert len(value.properties) == 100_000 and value["P99999"] == Primitive("Int64", 99_999)
    assert validate(text) == []


def test_100_000_bad_properties_give_100_000_faults() -> None:
    text = "{" + ",".join(f'"P{n}@odata.type":"#Int32","P{n}":"x"' for n in range(100_000)) + "}"
    faults = validate(text)
    assert len(faults) == 100_000 and faults[-1].json_path == "$.P99999"


FIFTY_MB = 50_000_000


def test_a_50_megabyte_string_decodes_validates_and_encodes() -> None:
    text = '{"A":"' + "x" * FIFTY_MB + '"}'
    value = decode(text)
    assert value["A"] == Primitive("String", "x" * FIFTY_MB)
    assert validate(text) == []
    assert encode_json(value) == text


@pytest.mark.parametrize("annotation", ["#Int64", "#Decimal", "#Date", "#DateTimeOffset", "#Duration", "#Guid",
                                        "#Binary", "#Boolean", "#Double", "#Collection(Int32)"])
def test_a_50_megabyte_value_of_the_wrong_form_is_one_short_fault(annotation: str) -> None:
    text = '{"A@odata.type":"' + annotation + '","A":"' + "9'" * (FIFTY_MB // 2) + '"}'
    faults = validate(text)
    assert [f.json_path for f in faults] == ["$.A"]
    assert len(faults[0].message) < 300  # the value is shown clipped, not repeated


@pytest.mark.parametrize("payload", [
    {"@odata.type": "#" + "N." * 1_000_000 + "T("},
    {"A@odata.type": "#Collection(" + "x" * 1_000_000, "A": []},
    {"@odata.type": "#Collection(" + "N.T" * 300_000 + ")"},
])
def test_faults_about_huge_type_names_stay_short(payload: dict[str, Any]) -> None:
    faults = validate(payload)
    assert faults and all(len(f.message) < 400 for f in faults)
