"""Lazy payload values (issue 16): ``decode`` of JSON text checks the structure at once, types an
object when it is first read, and ``encode_json`` writes what nobody read as it arrived. The
typed values, their equality, repr and faults are those of ``decode(..., check=True)``.
Spec: OData JSON Format 4.0/4.01 §4.5 (control information, annotations), §7.1 (primitive values).
"""

from __future__ import annotations

import copy
import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.run import held_bytes
from odatakit import (
    Collection,
    PayloadError,
    Primitive,
    Structured,
    decode,
    edm,
    encode,
    encode_json,
)
from odatakit import strategies as ost
from odatakit.payload._jsontext import read, write
from odatakit.payload.values import LazyCollection, LazyStructured, describe, pending

DATA = Path(__file__).parent / "data"
EXAMPLES = json.loads((DATA / "payload_outlook-data-extensions.json").read_text("utf-8"))
BODIES = [body for exchange in EXAMPLES for key in ("request_body", "response_body")
          if isinstance(body := exchange.get(key), dict)]


def _page(count: int) -> str:
    from benchmarks.messages import messages_page

    return messages_page(count).decode("utf-8")


def _compact(text: str) -> str:
    """The text as ``encode_json`` writes JSON (no spaces, no escapes it needs not), numbers kept
    digit for digit (``_jsontext.write`` of the exactly-read document)."""
    return write(read(text)[0])


# -- the lazy value is the eager value ----------------------------------------------------------
@pytest.mark.parametrize("body", BODIES + [json.loads(_page(3))], ids=lambda body: str(sorted(body))[:40])
def test_a_lazy_value_equals_and_prints_as_the_eager_value(body: dict) -> None:
    text = json.dumps(body)
    lazy, eager = decode(text), decode(text, check=True)
    assert isinstance(lazy, Structured) and type(lazy) is LazyStructured
    assert lazy == eager and eager == lazy
    assert not lazy != eager  # noqa: SIM202  (``__ne__`` is the lazy class's own)
    assert repr(lazy) == repr(eager)
    assert list(describe(lazy)) == list(describe(eager))
    assert encode(lazy) == encode(eager)


def test_fields_are_typed_once_and_the_raw_json_is_let_go() -> None:
    value = decode('{"a@odata.type": "#Int64", "a": 9007199254740993, "b": {"c": [1, 2]}}')
    assert pending(value) is not None
    first = value.properties
    assert pending(value) is None and value.properties is first  # cached, the raw JSON dropped
    inner = value["b"]
    assert type(inner) is LazyStructured and pending(inner) is not None  # typed only when read
    assert type(inner["c"]) is LazyCollection and inner["c"].item_type == "Double"
    assert value["a"] == Primitive("Int64", 2**53 + 1)


def test_isinstance_hash_and_frozenness_are_the_eager_classes() -> None:
    value = decode('{"c@odata.type": "#Collection(Int32)", "c": [1, 2]}')
    collection = value["c"]
    assert isinstance(collection, Collection) and collection.type == "Collection(Int32)"
    assert hash(collection) == hash(Collection("Int32", [Primitive("Int32", 1), Primitive("Int32", 2)]))
    with pytest.raises(AttributeError):
        value.type = "Ns.T"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        value.no_such_field  # noqa: B018


def test_copies_and_evolved_values_are_made_from_the_typed_fields() -> None:
    text = '{"a": {"b": 1.50}}'
    assert encode_json(copy.copy(decode(text))) == '{"a":{"b":1.50}}'
    evolved = attrs.evolve(decode(text), type="Ns.T")
    assert encode_json(evolved) == '{"@odata.type":"#Ns.T","a":{"b":1.50}}'  # the child still as read
    assert evolved == Structured("Ns.T", decode(text, check=True).properties)  # (types the child)
    assert encode_json(evolved) == '{"@odata.type":"#Ns.T","a":{"b":1.5}}'  # now as 4.0 writes a Double


def _read_together(value: Any, start: threading.Barrier, seen: list[Any]) -> None:
    start.wait()
    seen.append((value.properties, value.control))


def test_two_threads_reading_one_value_see_the_same_objects() -> None:
    for _ in range(20):
        value = decode(_page(20))
        start = threading.Barrier(4)
        seen: list[Any] = []
        threads = [threading.Thread(target=_read_together, args=(value, start, seen)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(a is seen[0][0] and b is seen[0][1] for a, b in seen)


# -- faults: structure at once, values when read, everything with check=True ---------------------
STRUCTURAL = [
    ('{"value": [{"Id": "1", "Id": "2"}]}', "$.value[0].Id", "duplicate-key"),
    ('{"": 1}', "$['']", "bad-name"),
    ('{"a@odata.x.y": 1}', "$['a@odata.x.y']", "bad-annotation"),
    ('{"p@odata.type": "#Int32", "p": [5]}', "$.p", "type-mismatch"),
    ('{"p@odata.type": "#Collection(Int32)", "p": 5}', "$.p", "type-mismatch"),
    ('{"p@odata.type": "#Int32", "p": {}}', "$.p", "type-mismatch"),
    ('{"q@odata.type": "#Int32"}', "$['q@odata.type']", "bad-annotation"),
    ('{"@odata.type": "#Int32"}', "$['@odata.type']", "type-mismatch"),
    ('{"@odata.count": "x"}', "$['@odata.count']", "bad-control"),
    ('{"@odata.context": 5}', "$['@odata.context']", "bad-control"),
    ('{"a": [[1]]}', "$.a[0]", "type-mismatch"),
    ('{"a": "\\ud800"}', "$.a", "invalid-value"),
    ('{"a":' * 250 + "1" + "}" * 250, None, "too-deep"),
]


@pytest.mark.parametrize(("text", "path", "code"), STRUCTURAL, ids=[c for _, _, c in STRUCTURAL])
def test_a_structural_fault_is_raised_by_decode_itself(text: str, path: str | None, code: str) -> None:
    with pytest.raises(PayloadError) as caught:
        decode(text)
    assert caught.value.faults[0].code == code
    if path is not None:
        assert caught.value.faults[0].json_path == path


VALUE_FAULTS = [
    ('{"a": {"p@odata.type": "#Int32", "p": 2147483648}}', "$.a.p", "invalid-value"),
    ('{"a": [{"p@odata.type": "#Date", "p": "2015-02-29"}]}', "$.a[0].p", "invalid-value"),
    ('{"a": {"p": 9007199254740993}}', "$.a.p", "inexact-number"),
    ('{"a": {"p@odata.type": "#Int64", "p": "١٢"}}', "$.a.p", "invalid-value"),
]


@pytest.mark.parametrize(("text", "path", "code"), VALUE_FAULTS)
def test_a_value_fault_is_raised_when_its_object_is_read_and_by_check(text: str, path: str, code: str) -> None:
    with pytest.raises(PayloadError) as caught:
        decode(text, check=True)
    assert [(f.json_path, f.code) for f in caught.value.faults] == [(path, code)]
    value = decode(text)  # the structure is sound: no fault yet
    inner = value["a"]
    holder = inner if isinstance(inner, Structured) else inner.items[0]
    for _ in range(2):  # raised on every read, never half-typed
        with pytest.raises(PayloadError) as caught:
            holder.properties  # noqa: B018  (reading it types it)
        assert [(f.json_path, f.code) for f in caught.value.faults] == [(path, code)]


# -- encode_json: what nobody read is written as it arrived -------------------------------------
def test_an_untouched_page_is_written_as_it_arrived() -> None:
    text = json.dumps(json.loads(_page(50)), separators=(",", ":"))
    assert encode_json(decode(text)) == text


@pytest.mark.parametrize("text", [
    ('{"d@odata.type": "#Decimal", "d": 0.1000000000000000000000000001, "i@odata.type": "#Int64", '
     '"i": 9223372036854775807, "x": -0, "y": 1.50, "s": "é\\u00e9😀"}'),
    '{"@odata.context": "https://h/$metadata#Me", "@odata.etag": "W/\\"1\\"", "A@Org.Label": {"x": [1.0]}}',
])
def test_an_untouched_value_keeps_every_digit_and_character(text: str) -> None:
    written = encode_json(decode(text))
    assert written == _compact(text)
    assert decode(written, check=True) == decode(text, check=True)


REWRITTEN = [  # written as 4.0 writes them: the value was typed to be written
    ('{"@odata.type": "Ns.T", "a": 1}', {"@odata.type": "#Ns.T"}),
    ('{"@type": "#Ns.T", "a": 1}', {"@odata.type": "#Ns.T"}),
    ('{"a@type": "Int64", "a": 1}', {"a@odata.type": "#Int64"}),
    ('{"a@odata.type": "#Edm.Int64", "a": 1}', {"a@odata.type": "#Int64"}),
    ('{"a@odata.type": "#Int64", "a": "12"}', {"a": 12}),
    ('{"a@odata.type": "#Collection(Int64)", "a": ["12"]}', {"a": [12]}),
    ('{"a@odata.type": "#Int64", "a": 1.0}', {"a": 1}),
    ('{"@odata.count": 2, "@count": 2}', {"@odata.count": 2}),
]


@pytest.mark.parametrize(("text", "expected"), REWRITTEN)
def test_a_value_4_0_writes_otherwise_is_typed_and_written_as_4_0(text: str, expected: dict | None) -> None:
    try:
        eager = decode(text, check=True)
    except PayloadError:
        with pytest.raises(PayloadError):
            encode_json(decode(text))
        return
    written = json.loads(encode_json(decode(text)))
    assert written == json.loads(encode_json(eager))
    assert expected is not None and expected.items() <= written.items()


@pytest.mark.parametrize("text", ['{"@odata.type": "Ns.T", "a": {"@type": "#Ns.U", "b": 1.50}}',
                                  '{"value": [{"@odata.type": "Ns.T"}, {"x@type": "Collection(Int32)", "x": [1]}]}'])
def test_annotations_are_respelled_for_4_0_without_typing_the_values(text: str) -> None:
    value = decode(text)
    written = encode_json(value)
    assert "@type" not in written and '"Ns.' not in written and '"Collection' not in written
    assert pending(value) is not None  # nothing was typed: the values went through as read
    assert decode(written, check=True) == decode(text, check=True)
    assert "1.50" in written or "1.50" not in text


def test_a_touched_parent_still_writes_its_untouched_children_as_read() -> None:
    text = _page(5)
    value = decode(text)
    assert value.control["context"].text.endswith("messages(extensions())")
    assert json.loads(encode_json(value)) == json.loads(text)
    assert pending(value["value"].items[4]) is not None


@pytest.mark.parametrize("options", [{"version": "4.01"}, {"ieee754_compatible": True}, {"always_annotate": True}])
def test_other_styles_type_the_value_and_write_what_the_eager_value_writes(options: dict) -> None:
    text = _page(3)
    assert encode_json(decode(text), **options) == encode_json(decode(text, check=True), **options)


def test_encode_never_hands_out_the_decoders_json() -> None:
    value = decode('{"a": {"b": 1}}')
    body = encode(value)
    body["a"]["b"] = 2
    assert encode_json(value) == '{"a":{"b":1}}'


# -- round trips at every Edm type with the strategies' values -----------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("type_name", sorted(edm.PRIMITIVES))
def test_every_edm_type_round_trips_lazily_as_eagerly(type_name: str) -> None:
    @given(ost.primitives(type_name), st.sampled_from(["4.0", "4.01"]), st.booleans(), st.booleans())
    def round_trip(value: Primitive, version: Any, ieee: bool, nested: bool) -> None:
        inner = Structured(properties={"p": value, "many": Collection(type_name, [value, None])})
        document = Structured(properties={"o": inner}) if nested else inner
        try:
            text = encode_json(document, version=version, ieee754_compatible=ieee)
        except PayloadError as error:  # a Decimal 4.0 cannot write without an exponent
            assert [f.code for f in error.faults] == ["decimal-exponent"]
            return
        eager = decode(text, ieee754_compatible=ieee, check=True)
        again = encode_json(decode(text, ieee754_compatible=ieee))  # untouched: as read, or typed
        again.encode("utf-8")
        assert decode(again, check=True) == eager == decode(text, ieee754_compatible=ieee)

    round_trip()


@pytest.mark.slow
@given(ost.extension_payloads())
def test_generated_extension_bodies_decode_lazily_to_the_eager_value(example: ost.PayloadExample) -> None:
    lazy = decode(example.text)
    assert lazy == decode(example.text, check=True)
    assert decode(encode_json(decode(example.text)), check=True) == lazy


# -- memory: the exactly-read JSON and one object --------------------------------------------------

def test_a_decoded_page_holds_little_more_than_json_loads() -> None:
    text = _page(500)
    assert held_bytes(lambda: decode(text)) < 1.5 * held_bytes(lambda: json.loads(text))


def test_memory_grows_linearly_with_the_page() -> None:
    small, large = _page(200), _page(400)
    ratio = held_bytes(lambda: decode(large)) / held_bytes(lambda: decode(small))
    assert ratio < 2.3


def test_decimals_are_read_exactly_not_through_float() -> None:
    value = decode('{"d@odata.type": "#Decimal", "d": 1.10}')
    assert value["d"] == Primitive("Decimal", Decimal("1.10")) and str(value["d"].value) == "1.10"  # type: ignore[union-attr]


def test_the_decode_command_reports_a_value_fault_before_printing(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from odatakit.cli import main

    path = tmp_path / "page.json"
    path.write_text('{"value": [{"Deal@odata.type": "#Int32", "Deal": 2147483648}]}')
    assert main(["decode", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "$.value[0].Deal" in captured.err


@pytest.mark.parametrize("options", [{"infer": "odatalib"}, {"ieee754_compatible": False},
                                     {"ieee754_compatible": None}, {"max_depth": 3}])
@pytest.mark.parametrize("body", BODIES, ids=lambda body: str(sorted(body))[:40])
def test_decode_options_give_the_eager_value_and_what_it_writes(body: dict, options: dict) -> None:
    text = json.dumps(body)
    try:
        eager = decode(text, check=True, **options)
    except PayloadError as error:
        with pytest.raises(PayloadError) as caught:
            encode(decode(text, **options))
        assert caught.value.faults == error.faults
        return
    assert decode(text, **options) == eager
    assert decode(encode_json(decode(text, **options)), check=True, **options) == eager
