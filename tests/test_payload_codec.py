"""decode / encode: typing from annotations (4.0 and 4.01), inference, control information,
exact numbers, bad input, the Outlook vectors, and round trips for every Edm type."""

from __future__ import annotations

import json
import math
import re
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odatakit import (
    Collection,
    ContextRef,
    PayloadError,
    Primitive,
    Structured,
    decode,
    edm,
    encode,
    encode_json,
)

DATA = Path(__file__).parent / "data"
EXAMPLES = json.loads((DATA / "payload_outlook-data-extensions.json").read_text("utf-8"))
BODIES = [(e["name"], part, e[part]) for e in EXAMPLES for part in ("request_body", "response_body") if part in e]


def _prop(payload: Any, name: str = "p", **options: Any) -> Any:
    value = decode(payload, **options)
    assert isinstance(value, Structured)
    return value.properties[name]


# -- typing from annotations -------------------------------------------------------------------
ANNOTATED = [
    ({"p@odata.type": "#Int64", "p": 500050}, Primitive("Int64", 500050)),
    ({"p@type": "Int64", "p": 500050}, Primitive("Int64", 500050)),  # 4.01: no odata., no '#'
    ({"p@type": "Edm.Int64", "p": 500050}, Primitive("Int64", 500050)),
    ({"p@odata.type": "#Collection(Int32)", "p": [1, None]}, Collection("Int32", (Primitive("Int32", 1), None))),
    ({"p@odata.type": "#Collection(Edm.String)", "p": []}, Collection("String", ())),
    ({"p@odata.type": "#Decimal", "p": Decimal("1.10")}, Primitive("Decimal", Decimal("1.10"))),
    ({"p@odata.type": "#Double", "p": "NaN"}, None),  # checked with isnan below
    ({"p@odata.type": "#Single", "p": "-INF"}, Primitive("Single", -math.inf)),
    ({"p@odata.type": "#Date", "p": "0000-02-29"}, Primitive("Date", edm.Date(0, 2, 29))),
    ({"p@odata.type": "#Guid", "p": "01234567-89ab-cdef-0123-456789abcdef"},
     Primitive("Guid", uuid.UUID("01234567-89ab-cdef-0123-456789abcdef"))),
    ({"p@odata.type": "#Binary", "p": "T0RhdGE"}, Primitive("Binary", b"OData")),
    ({"p@odata.type": "#Duration", "p": "PT36H"}, Primitive("Duration", edm.Duration(hours=36))),
    ({"p@odata.type": "#Model.Color", "p": "Yellow"}, Primitive("Model.Color", "Yellow")),  # enum: kept
    ({"p": {"@odata.type": "#Model.VipCustomer", "Name": "A"}},
     Structured("Model.VipCustomer", {"Name": Primitive("String", "A")})),
    ({"p": {"@odata.type": "http://host/alt/$metadata#Model.VipCustomer"}}, Structured("Model.VipCustomer")),
    ({"p": "x", "p@odata.type": "#String"}, Primitive("String", "x")),  # annotation after the value
]


@pytest.mark.parametrize(("payload", "expected"), ANNOTATED)
def test_decode_annotated(payload: dict, expected: Any) -> None:
    value = _prop(payload)
    if expected is None:
        assert value.type == "Double" and math.isnan(value.value)
    else:
        assert value == expected


INFERRED = [
    (True, "spec", Primitive("Boolean", True)),
    ("2015-12-03T10:00:00.000Z", "spec", Primitive("String", "2015-12-03T10:00:00.000Z")),  # nothing rewritten
    (10000, "spec", Primitive("Double", 10000.0)),
    (10000, "odatalib", Primitive("Int32", 10000)),
    (2**40, "odatalib", Primitive("Decimal", Decimal(2**40))),
    (Decimal("1.5"), "odatalib", Primitive("Decimal", Decimal("1.5"))),  # as JSON text is read
    (1.5, "odatalib", Primitive("Double", 1.5)),  # a float someone already parsed is a Double
    ([3001, 4002], "spec", Collection("Double", (Primitive("Double", 3001.0), Primitive("Double", 4002.0)))),
    ([3001, 4002], "odatalib", Collection("Int32", (Primitive("Int32", 3001), Primitive("Int32", 4002)))),
    (["a", None], "spec", Collection("String", (Primitive("String", "a"), None))),
    (["a", 1], "spec", Collection(None, (Primitive("String", "a"), Primitive("Double", 1.0)))),
    ([], "spec", Collection(None, ())),
    (None, "spec", None),
]


@pytest.mark.parametrize(("json_value", "infer", "expected"), INFERRED)
def test_decode_unannotated_infers_as_the_format_says(json_value: Any, infer: str, expected: Any) -> None:
    assert _prop({"p": json_value}, infer=infer) == expected


def test_text_numbers_never_pass_through_float() -> None:
    text = '{"a@odata.type": "#Int64", "a": 9007199254740993, "d@odata.type": "#Decimal", ' \
           '"d": 0.1000000000000000000000000001}'
    value = decode(text)
    assert value["a"] == Primitive("Int64", 2**53 + 1)
    assert value["d"] == Primitive("Decimal", Decimal("0.1000000000000000000000000001"))
    assert '"d":0.1000000000000000000000000001' in encode_json(value)


# -- faults: each with its path ----------------------------------------------------------------
FAULTS = [
    ({"p@odata.type": "#Int32", "p": 2**40}, "$.p", "out of range for Edm.Int32"),
    ({"p@odata.type": "#Int64", "p": 2**63}, "$.p", "out of range for Edm.Int64"),
    ({"p@odata.type": "#Int64", "p": 1.5}, "$.p", "not an integer"),
    ({"p@odata.type": "#Int64", "p": True}, "$.p", "not as a boolean"),
    ({"p@odata.type": "#Boolean", "p": "true"}, "$.p", "JSON boolean"),
    ({"p@odata.type": "#Date", "p": "2015-02-29"}, "$.p", "does not exist"),
    ({"p@odata.type": "#Collection(Int32)", "p": 5}, "$.p", "not an array"),
    ({"p@odata.type": "#Int32", "p": [5]}, "$.p", "Collection\\(Int32\\)"),
    ({"p@odata.type": "#Int32", "p": {}}, "$.p", "object"),
    ({"p@odata.type": "#Collection(Int32)", "p": [1, "x"]}, "$.p[1]", "JSON number"),
    ({"p@odata.type": 7, "p": 1}, "$['p@odata.type']", "string"),
    ({"q@odata.type": "#Int32"}, "$['q@odata.type']", "no such property"),
    ({"p@odata.type": "#Int32", "p@type": "#Int64", "p": 1}, "$['p@type']", "twice"),
    ({"p": 9007199254740993}, "$.p", "unannotated number is an Edm.Double"),
    ('{"p": 0.1234567890123456789}', "$.p", "rounded"),
    ({"@odata.count": "x"}, "$['@odata.count']", "count"),
    ({"@odata.id": 5}, "$['@odata.id']", "string"),
    ({"@odata.type": "#Int32"}, "$['@odata.type']", "not the type of an object"),
    ({"value": [{}, {"Extensions": [{"x@odata.type": "#Byte", "x": 256}]}]},
     "$.value[1].Extensions[0].x", "out of range for Edm.Byte"),
]


@pytest.mark.parametrize(("payload", "path", "message"), FAULTS)
def test_decode_fault_has_path(payload: Any, path: str, message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        decode(payload, check=True)
    assert [f.json_path for f in caught.value.faults] == [path]
    assert re.search(message, caught.value.faults[0].message)


@pytest.mark.parametrize(("payload", "path", "message"), FAULTS)
def test_lazy_decode_raises_the_same_fault_at_decode_or_at_the_first_read(payload: Any, path: str,
                                                                         message: str) -> None:
    """JSON text is typed when read: a structural fault at ``decode``, a value fault when the
    object holding it is first read (here: ``encode`` reads everything), each with its path."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    with pytest.raises(PayloadError) as caught:
        encode(decode(text))
    assert [f.json_path for f in caught.value.faults] == [path]
    assert re.search(message, caught.value.faults[0].message)


def test_decode_reports_every_fault() -> None:
    payload = {"a@odata.type": "#Int32", "a": 2**40, "b@odata.type": "#Guid", "b": "nope", "c": [1, {"d": 2**60}]}
    with pytest.raises(PayloadError) as caught:
        decode(payload)
    assert [f.json_path for f in caught.value.faults] == ["$.a", "$.b", "$.c[1].d"]


@pytest.mark.parametrize(("option", "payload", "ok"), [
    (None, {"p@odata.type": "#Int64", "p": "500100"}, True),
    (None, {"p@odata.type": "#Int64", "p": 500100}, True),
    (True, {"p@odata.type": "#Int64", "p": 500100}, False),
    (False, {"p@odata.type": "#Decimal", "p": "1.5"}, False),
    (False, {"p@odata.type": "#Double", "p": "INF"}, True),
    (False, {"p@odata.type": "#Int32", "p": "5"}, False),
])
def test_ieee754_compatible_on_read(option: bool | None, payload: dict, ok: bool) -> None:
    if ok:
        decode(payload, ieee754_compatible=option)
    else:
        with pytest.raises(PayloadError, match="IEEE754Compatible|written as"):
            decode(payload, ieee754_compatible=option)


BAD_TEXT = [
    ("{", "not JSON"),
    ('{"a": NaN}', "NaN is not JSON"),
    ('{"a": 1, "a": 2}', "more than once"),
    (b"\xff\xfe", "not UTF-8"),
    ("[" * 100_000 + "]" * 100_000, "nested"),
    ('{"p@odata.type": "#Int64", "p": ' + "9" * 5000 + "}", "out of range"),
]


@pytest.mark.parametrize(("text", "message"), BAD_TEXT, ids=[m for _, m in BAD_TEXT])
def test_bad_text_gives_a_fault_not_a_traceback(text: str | bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        decode(text, check=True)
    with pytest.raises(PayloadError, match=message):
        encode(decode(text))  # lazily: at decode, or when the value is first read


def test_deep_python_document_is_refused_without_recursion_error() -> None:
    deep: Any = 1
    for _ in range(50_000):
        deep = {"a": [deep]}
    with pytest.raises(PayloadError, match="nested deeper than"):
        decode(deep)


def test_duplicate_key_fault_points_at_the_key() -> None:
    with pytest.raises(PayloadError) as caught:
        decode('{"value": [{"Id": "1", "Id": "2"}]}')
    assert caught.value.faults[0].json_path == "$.value[0].Id"


# -- control information -----------------------------------------------------------------------
def test_control_information_is_kept_and_typed() -> None:
    body = EXAMPLES[5]["response_body"]  # message with Extensions expanded
    value = decode(body)
    assert isinstance(value.control["context"], ContextRef)
    assert value.control["context"].text == body["@odata.context"]
    assert value.control["etag"] == body["@odata.etag"]
    assert value.property_control["Extensions"]["context"].text == body["Extensions@odata.context"]
    message = decode(EXAMPLES[6]["response_body"])["value"].items[0]
    assert message.type == "Microsoft.OutlookServices.EventMessage"
    assert set(message.property_control["Event"]) == {"associationLink", "navigationLink"}
    assert "Event" not in message.properties


def test_count_and_4_01_control_names() -> None:
    value = decode({"@context": "#Customers", "@count": "42", "value": []}, ieee754_compatible=True)
    assert value.control == {"context": ContextRef("#Customers"), "count": 42}
    assert encode(value, version="4.01", ieee754_compatible=True) == \
        {"@context": "#Customers", "@count": "42", "value": []}


def test_custom_annotations_are_kept() -> None:
    payload = {"@Core.Messages": [{"code": "x"}], "Name@Org.Label#short": "N", "Name": "Ann"}
    value = decode(payload)
    assert value.annotations == {"Core.Messages": [{"code": "x"}]}
    assert value.property_annotations == {"Name": {"Org.Label#short": "N"}}
    assert encode(value) == payload


def test_context_url_parts_come_from_the_url_module() -> None:
    url = pytest.importorskip("odatakit.url")
    context = decode(EXAMPLES[1]["response_body"]).control["context"]
    assert context.parts == url.parse_context_url(context.text)


# -- encode ------------------------------------------------------------------------------------
ENCODED = [
    (Primitive("Int64", 5), {}, {"p@odata.type": "#Int64", "p": 5}),
    (Primitive("Int64", 5), {"version": "4.01"}, {"p@type": "Int64", "p": 5}),
    (Primitive("Int64", 2**62), {"ieee754_compatible": True}, {"p@odata.type": "#Int64", "p": str(2**62)}),
    (Primitive("Decimal", Decimal("1E+2")), {}, {"p@odata.type": "#Decimal", "p": Decimal("100")}),
    (Primitive("Decimal", Decimal("1E+2")), {"version": "4.01"}, {"p@type": "Decimal", "p": Decimal("1E+2")}),
    (Primitive("Double", 2.5), {}, {"p": 2.5}),
    (Primitive("Double", 3.0), {}, {"p": 3}),
    (Primitive("Double", math.inf), {}, {"p@odata.type": "#Double", "p": "INF"}),
    (Primitive("String", "x"), {}, {"p": "x"}),
    (Primitive("String", "x"), {"always_annotate": True}, {"p@odata.type": "#String", "p": "x"}),
    (Primitive("Int32", None), {}, {"p@odata.type": "#Int32", "p": None}),
    (Collection("Int32", [Primitive("Int32", 1)]), {}, {"p@odata.type": "#Collection(Int32)", "p": [1]}),
    (Collection("String", [Primitive("String", "a")]), {}, {"p": ["a"]}),
    (Collection("String", []), {}, {"p@odata.type": "#Collection(String)", "p": []}),
    (Structured("Model.X"), {"version": "4.01"}, {"p": {"@type": "#Model.X"}}),
]


@pytest.mark.parametrize(("value", "options", "expected"), ENCODED)
def test_encode_annotates_exactly_where_needed(value: Any, options: dict, expected: dict) -> None:
    assert encode(Structured(properties={"p": value}), **options) == expected


def test_encode_plain_python_types_by_hook() -> None:
    import datetime as dt

    payload = {"n": 5, "when": dt.datetime(2015, 12, 3, 10, tzinfo=dt.timezone.utc), "tags": ["a", "b"],
               "id": uuid.UUID(int=0), "money": Decimal("1.10")}
    assert encode(payload) == {
        "n@odata.type": "#Int64", "n": 5,
        "when@odata.type": "#DateTimeOffset", "when": "2015-12-03T10:00:00Z",
        "tags": ["a", "b"],
        "id@odata.type": "#Guid", "id": "00000000-0000-0000-0000-000000000000",
        "money@odata.type": "#Decimal", "money": Decimal("1.10"),
    }


@pytest.mark.parametrize(("value", "message"), [
    (2**64, "out of range for Edm.Int64"),
    ([1, "a"], "one type"),
    (object(), "no Edm type"),
])
def test_encode_refuses_what_it_cannot_type(value: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        encode({"p": value})


def test_untyped_collection_cannot_hide_item_types() -> None:
    with pytest.raises(PayloadError, match="untyped collection"):
        encode(Structured(properties={"p": Collection(None, [Primitive("Int64", 1)])}))


# -- the Outlook vectors: decode, re-encode ------------------------------------------------------
# Where encode differs from the printed body, and why: the format makes these annotations optional
# (String collections are inferred) or requires the '#' the printed request left out.
EXPECTED_DIFFERENCES = {
    ("create extension in an existing message", "request_body"): {"@odata.type"},
    ("create extension in an existing message", "response_body"): {"TopSalespersons@odata.type"},
    ("create a message with an extension in the same call", "request_body"): {"@odata.type"},
    ("create a message with an extension in the same call", "response_body"): {"TopSalespersons@odata.type"},
    ("patch extension by name", "request_body"): {"@odata.type"},
    ("patch extension by id", "request_body"): {"@odata.type"},
}


def _annotation_diff(a: dict, b: dict, path: str = "$") -> set[str]:
    keys = set()
    for key in set(a) | set(b):
        if isinstance(a.get(key), list) and isinstance(b.get(key), list) and len(a[key]) == len(b[key]):
            for x, y in zip(a[key], b[key]):
                if isinstance(x, dict) and isinstance(y, dict):
                    keys |= _annotation_diff(x, y)
                elif x != y:
                    keys.add(key)
        elif a.get(key, KeyError) != b.get(key, KeyError):
            keys.add(key)
    return keys


@pytest.mark.parametrize(("name", "part", "body"), BODIES, ids=[f"{n}/{p}" for n, p, _ in BODIES])
def test_outlook_vector_round_trip(name: str, part: str, body: dict) -> None:
    value = decode(json.dumps(body))
    again = encode(value)
    assert decode(again) == value
    differences = _annotation_diff(again, body)
    assert differences == EXPECTED_DIFFERENCES.get((name, part), set())
    assert all("@odata.type" in key for key in differences)
    assert json.loads(encode_json(value)) == again


def test_outlook_vectors_in_4_01_style_round_trip() -> None:
    for _, _, body in BODIES:
        value = decode(body)
        text = encode_json(value, version="4.01")
        assert "@odata." not in text
        assert decode(text) == value


def test_intro_vector_is_not_json() -> None:
    with pytest.raises(PayloadError, match="not JSON"):
        decode(EXAMPLES[0]["request_text"])


def test_shared_copy_is_unchanged_when_shared_is_present() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "examples" / "outlook-data-extensions.json"
    if not shared.exists():
        pytest.skip("../shared not beside the repository")
    assert shared.read_bytes() == (DATA / "payload_outlook-data-extensions.json").read_bytes()


# -- Hypothesis: decode(encode(v)) == v for every Edm type, both styles, IEEE754Compatible -----
_FINITE = st.floats(allow_nan=False, allow_infinity=False)
_INTS = {name: st.integers(low, high) for name, (low, high) in edm.INT_RANGES.items()}
_dates = st.builds(lambda y, m, d: edm.Date(y, m, min(d, 28)), st.integers(-9999, 99999), st.integers(1, 12),
                   st.integers(1, 31))
_times = st.builds(edm.TimeOfDay, st.integers(0, 23), st.integers(0, 59), st.integers(0, 60),
                   st.text("0123456789", max_size=12))
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "Boolean": st.booleans(),
    **_INTS,
    "Single": st.floats(width=32) | st.sampled_from([math.inf, -math.inf]),
    "Double": st.floats(),
    "Decimal": st.decimals(allow_nan=True, allow_infinity=True).filter(lambda d: not d.is_snan()),
    "String": st.text(),
    "Guid": st.uuids(),
    "Binary": st.binary(),
    "Date": _dates,
    "DateTimeOffset": st.builds(edm.DateTimeOffset, _dates, _times, st.integers(-1439, 1439)),
    "TimeOfDay": _times,
    "Duration": st.builds(edm.Duration, st.booleans(), st.integers(0, 10**6), st.integers(0, 10**3),
                          st.integers(0, 10**3), st.decimals(min_value=0, max_value=10**6, places=12)),
}


def _same(a: Any, b: Any) -> bool:
    """Equality where NaN equals NaN (a NaN never equals itself)."""
    if isinstance(a, Primitive) and isinstance(b, Primitive) and a.type == b.type:
        x, y = a.value, b.value
        if isinstance(x, (float, Decimal)) and isinstance(y, (float, Decimal)) and x != x and y != y:
            return True
        return x == y and (not isinstance(x, (float, Decimal)) or str(x).startswith("-") == str(y).startswith("-")
                           or x == 0)
    if isinstance(a, Collection) and isinstance(b, Collection):
        return a.item_type == b.item_type and len(a.items) == len(b.items) and all(map(_same, a.items, b.items))
    return a == b


_STYLES = st.fixed_dictionaries({
    "version": st.sampled_from(["4.0", "4.01"]),
    "ieee754_compatible": st.booleans(),
    "always_annotate": st.booleans(),
})


@pytest.mark.parametrize("name", sorted(VALUES))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_round_trip_every_edm_type(name: str, data: st.DataObject) -> None:
    value = data.draw(VALUES[name])
    style = data.draw(_STYLES)
    single = Primitive(name, value)
    many = Collection(name, [single, None])
    payload = Structured(properties={"one": single, "many": many})
    for encoded in (encode(payload, **style), encode_json(payload, **style)):
        back = decode(encoded, ieee754_compatible=style["ieee754_compatible"])
        assert _same(back["one"], single)
        assert _same(back["many"], many)
