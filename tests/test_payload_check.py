"""The check-only pass behind ``validate`` against the plain reading it replaces (jsonschema over the
whole payload + a full ``decode``: ``validate._reference_faults``): the same faults, codes, paths,
messages and order on every payload the payload tests use, on the strategies' valid payloads and
on their invalid payloads with labelled faults, and on mutations of all of them. The JSON Schemas
stay the one statement of the shape rules: the pass compiles them, and runs jsonschema on a part
they refuse."""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odatakit import validate
from odatakit.payload import _jsontext, _schemas, check
from odatakit.payload.validate import KINDS, _reference_faults, detect_kind
from odatakit.testing import strategies as ost

from benchmarks.messages import messages_page

DATA = Path(__file__).parent / "data"
EXAMPLES = json.loads((DATA / "payload_outlook-data-extensions.json").read_text("utf-8"))
EXT = {"@odata.type": "#Microsoft.OutlookServices.OpenTypeExtension", "ExtensionName": "Com.Contoso.Referral"}
GRAPH = {"@odata.type": "#microsoft.graph.openTypeExtension", "extensionName": "Com.Contoso.Referral"}
CONTEXT = "https://outlook.office.com/api/v2.0/$metadata#Me/Messages('AAMkAGE%3D')/Extensions/$entity"
PAGE = json.loads(messages_page(3))


def _same(payload: Any, **options: Any) -> None:
    reference = _reference_faults(payload, **options)
    assert validate(payload, **options) == reference


def _kinds(payload: Any) -> list[str | None]:
    return [None, *KINDS]


# -- every payload the payload and validate tests use ----------------------------------------------
def _test_tables() -> list[Any]:
    """The payloads of the existing validate / codec / edge tables (imported, not copied)."""
    import tests.test_payload_codec as codec
    import tests.test_payload_edges as edges
    import tests.test_payload_robustness as robustness
    import tests.test_payload_validate as validate_tests
    import tests.test_msgraph_extensions as graph_tests
    import tests.test_model_payload as model_payload

    found: list[Any] = [body for _, _, body in validate_tests.BODIES]
    found += [payload for payload, _, _ in validate_tests.INVALID]
    found += [graph_tests.ROAMING, model_payload.PERSON]
    for table in (codec.ANNOTATED, codec.INFERRED, codec.FAULTS, codec.BAD_TEXT, edges.NON_ASCII_DIGITS,
                  edges.SURROGATES, edges.SINGLES, robustness.BAD_KEYS, robustness.HUGE, model_payload.BAD):
        for row in table:
            found += [cell for cell in (row if isinstance(row, tuple) else (row,))
                      if isinstance(cell, (dict, list, str, bytes))]
    found += [{"@odata.type": annotation, "A": "x"} for annotation in robustness.BAD_TYPES]
    return found


TABLE_PAYLOADS = _test_tables()


@pytest.mark.parametrize("index", range(len(TABLE_PAYLOADS)))
def test_every_payload_of_the_payload_tests_gets_the_reference_faults(index: int) -> None:
    payload = TABLE_PAYLOADS[index]
    _same(payload)
    # and, in turn, under each other kind and each option (every payload under all of them is slow)
    _same(payload, kind=list(KINDS)[index % len(KINDS)])
    _same(payload, **OPTIONS[index % len(OPTIONS)])


OPTIONS: list[dict[str, Any]] = [{"strict_names": True}, {"infer": "odatalib"}, {"ieee754_compatible": True},
                                 {"ieee754_compatible": False}, {"max_depth": 3}]


# -- payloads written for the places the pass reads differently ----------------------------------------
_ENDS = "https://graph.microsoft.com/v1.0/$metadata#users('dana%40contoso.com')/messages('{}')/extensions"
EDGES: list[Any] = [
    PAGE,
    {**PAGE, "@odata.count": 1.5},
    {**PAGE, "@odata.count": "12", "@odata.nextLink": 5},
    {**PAGE, "value": [{**PAGE["value"][0], "@odata.etag": 5}, *PAGE["value"][1:]]},
    {**PAGE, "value": [{**PAGE["value"][0], "extensions": [{**PAGE["value"][0]["extensions"][0], "x": {"y": 1}}]}]},
    {**PAGE, "value": "not a list"},
    # context URLs that differ in their last key, one of which is not a key
    {"value": [{"extensions@odata.context": _ENDS.format(key), "extensions": []} for key in ("AAMk1=", "AAMk2=", "A' 'B", "AAMk3=")]},
    {"value": [1, [2], None, {"Extensions": "x"}, {"Extensions": [1, None, {"a": 1}]}]},
    # context URLs: one parse per shape, and the keys of one shape parse alike
    {"@odata.context": CONTEXT, **EXT},
    {"@odata.context": CONTEXT.replace("AAMkAGE%3D", "AAMk'x"), **EXT},
    {"@odata.context": CONTEXT.replace("'AAMkAGE%3D'", "'a','b'"), **EXT},
    {"@odata.context": CONTEXT.replace("'AAMkAGE%3D'", "%27x%27"), **EXT},
    {"@odata.context": CONTEXT.replace("'AAMkAGE%3D'", "'x''y'"), **EXT},
    {"@odata.context": CONTEXT.replace("Messages('AAMkAGE%3D')", "Messages('..')"), **EXT},
    {"@odata.context": CONTEXT.replace("Messages('AAMkAGE%3D')", "Messages(')"), **EXT},
    {"@odata.context": CONTEXT.replace("#", "#$$"), **EXT},
    {"@odata.context": 5, "@context": CONTEXT, **EXT},
    {"@context": "nope", "@odata.context": CONTEXT, **EXT},
    {"A@odata.context": "nope#x", "A": 1, "B@context": "#Me", **EXT},
    # annotations: twice, for an absent property, on the instance, custom ones, in 4.01 spelling
    {**EXT, "A@odata.type": "#Int64", "A@type": "Int32", "A": 1},
    {**EXT, "A@odata.type": "#Int64", "A@type": "Int64", "A": 1},
    {**EXT, "A@odata.type": "#Int64"},
    {**EXT, "A@odata.type": 5, "A": 1},
    {**EXT, "@odata.type": "#Collection(Microsoft.OutlookServices.OpenTypeExtension)"},
    {**EXT, "@odata.type": "#Int32"},
    {**EXT, "@type": "#microsoft.graph.openTypeExtension"},
    {**EXT, "@Core.Messages": [{"a": "\ud800"}], "A@Ns.Term": 1, "A": 2},
    {**EXT, "@Core.Messages": [[[[1]]]], "A@odata.bogus.x": 1, "A": 2},
    {**EXT, "A": 1, "A@odata.type": "#Decimal", "B": "x", "B@odata.type": "#Collection(Int32)"},
    {**EXT, "A": {"B": {"C": [1, 2]}}, "D": [{"E": 1}], "F": [[1]]},
    {**EXT, "A@odata.type": "#Ns.Thing", "A": {"B": 1}, "C@odata.type": "#Ns.Color", "C": "Red"},
    {**EXT, "A@odata.type": "#Collection(Ns.Thing)", "A": [{"B": 1}, None, 2]},
    {**EXT, "A@odata.type": "#Int32", "A": {"B": [1]}, "C@odata.type": "#Int32", "C": [1]},
    {**EXT, "Id@odata.type": "#String", "Id": None},
    {**EXT, "Id@odata.type": "#Ns.Id", "Id": "Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral"},
    {**EXT, "ExtensionName@odata.type": "#Int32", "ExtensionName": 5},
    {**EXT, "ExtensionName": "Com.Contoso.Ré"},
    {**EXT, "Extensions": [{**GRAPH, "extensions": [{"x": 1}]}]},
    {"Extensions": [{**GRAPH, "extensions": [{"x": 1}], "Id": 5}], "extensions": [{**EXT}]},
    {"Extensions@odata.type": "#Collection(Int32)", "Extensions": [{"a": 1}]},
    {"Extensions@odata.type": "#Int32", "Extensions": [{"a": 1}]},
    {**GRAPH, "@odata.type": "#microsoft.graph.somethingElse", "id": ""},
    {**GRAPH, "id": "Com.Contoso.Referral", "@odata.id": "x"},
    # an extension payload whose extension array holds a faulty extension: both rules fault one path,
    # the payload's own rule first
    {"A": None, "extensionName": None, "Extensions": [{}]},
    # numbers: exponents, -0, past 2**53, Decimals
    {**EXT, "A": 1e300, "B": 9007199254740993, "C": -0.0},
    ('{"A": 1E2, "B": -0, "C": 1.000000000000000000001, "D@odata.type": "#Int64", "D": 1e3,'
     ' "ExtensionName": "Com.X", "@odata.type": "#Microsoft.OutlookServices.OpenTypeExtension"}'),
    '{"value": [{"Id": 1, "Id": 2, "@odata.etag": "a", "@odata.etag": "b"}]}',
    # not JSON: Python values a JSON reader never makes
    {**EXT, 1: "x", "A": float("nan"), "B": (1, 2), "C": {3}, "D": Decimal("NaN")},
    {**EXT, "A": [1, float("inf")], "@odata.etag": float("nan")},
    {"A": Decimal("sNaN"), "value": [{"B": Decimal("-sNaN1")}]},  # a signalling NaN cannot be hashed
    # errors
    {"error": {"code": "x", "message": "y", "details": [{"code": "", "message": 1}], "innererror": 5}},
    {"error": "x", "@odata.context": 5},
    {"error": {"code": "x", "message": "y"}, "value": []},
    # shapes the kinds do not expect
    [], "text", 5, None, [EXT, EXT], {},
]


@pytest.mark.parametrize("index", range(len(EDGES)))
def test_the_edges_get_the_reference_faults(index: int) -> None:
    payload = EDGES[index]
    for kind in _kinds(payload):
        _same(payload, kind=kind)
    _same(payload, strict_names=True)
    _same(payload, infer="odatalib")


def test_too_deep_is_one_fault_at_the_reference_path() -> None:
    nested: Any = {"A": 1}
    for index in range(60):
        nested = {"A": nested, "B": [nested] if index % 7 == 0 else 1}
    for depth in (5, 30, 59, 61, 200):
        _same(nested, max_depth=depth)
        _same({**EXT, "A@odata.type": "#Int32", "A": nested}, max_depth=depth)
        _same({**EXT, "@Core.Note": nested}, max_depth=depth)
        _same({**EXT, "A": [[nested]]}, max_depth=depth)
        _same({1: nested, **EXT}, max_depth=depth)


# -- the strategies: valid extension bodies, invalid ones with their labelled faults, mutations ----------
@given(ost.extension_payloads())
def test_the_strategies_valid_payloads_have_no_faults_either_way(example: Any) -> None:
    assert validate(example.payload) == [] == _reference_faults(example.payload)
    assert validate(example.text) == []


@given(ost.invalid_payloads())
def test_the_strategies_invalid_payloads_get_the_reference_faults(example: Any) -> None:
    _same(example.payload)
    faults = validate(example.payload, kind="extension-create")  # (an Id makes it look like a response)
    assert faults == _reference_faults(example.payload, kind="extension-create")
    assert {f.code for f in faults} & example.codes
    assert any(f.json_path == example.path or f.json_path.startswith(example.path + "[") for f in faults)


def test_the_model_strategies_payloads_get_the_reference_faults(trippin_model: Any) -> None:
    from odatakit.model import strategies as model_strategies

    @settings(max_examples=20)
    @given(st.data())
    def run(data: Any) -> None:
        payload = data.draw(model_strategies.payloads(trippin_model, "Trippin.Person"))
        _same(payload)
        invalid = data.draw(model_strategies.invalid_payloads(trippin_model, "Trippin.Person"))
        _same(invalid.payload)

    run()


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.text(max_size=6)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3) | st.sampled_from(
        ["#Int64", "Int32", "#Collection(String)", "#Ns.T", "2024-05-01", "P1D", "12", "x" * 70, "\ud800", CONTEXT,
         "#microsoft.graph.openTypeExtension", "Com.Contoso.Referral", "Com.Microsoft.X", "NaN", "INF"]),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["A", "A@odata.type", "A@type", "@odata.type", "@odata.context", "@odata.count", "@odata.etag", "id",
         "Id", "extensionName", "ExtensionName", "Extensions", "extensions", "value", "error", "code", "message",
         "B@Ns.Term", "@odata.nextLink", "A@odata.context", "bad name", "x@odata.id"]), inner, max_size=4)),
    max_leaves=8)


@st.composite
def _mutated(draw: Any) -> Any:
    """A payload the tests use, with one place replaced by drawn JSON (keys the rules read)."""
    base = copy.deepcopy(draw(st.sampled_from([EXT, GRAPH, PAGE, EXAMPLES[1]["response_body"],
                                              EXAMPLES[6]["response_body"], EXAMPLES[2]["request_body"],
                                              {"error": {"code": "a", "message": "b"}}]
                                             + [e for e in EDGES if isinstance(e, dict) and e and
                                                all(isinstance(k, str) for k in e)][:20])))
    places: list[tuple[Any, Any]] = []
    stack = [base]
    while stack:
        node = stack.pop()
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) \
            if isinstance(node, list) else []
        for key, child in children:
            places.append((node, key))
            stack.append(child)
    if places:
        node, key = draw(st.sampled_from(places))
        if isinstance(node, dict) and draw(st.booleans()):
            del node[key]
            node[draw(_JSON.filter(lambda v: isinstance(v, str)) | st.sampled_from(["A@odata.type", "Id"]))] = \
                draw(_JSON)
        else:
            node[key] = draw(_JSON)
    return base


@given(_mutated(), st.sampled_from([None, *KINDS]), st.booleans())
def test_mutated_payloads_get_the_reference_faults(payload: Any, kind: str | None, strict: bool) -> None:
    _same(payload, kind=kind, strict_names=strict)


@given(_JSON, st.sampled_from([None, *KINDS]))
def test_drawn_json_gets_the_reference_faults(payload: Any, kind: str | None) -> None:
    _same(payload, kind=kind)


# -- the pieces ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("uri", sorted(set(KINDS.values()) | {"urn:odatakit:schemas:control",
                                                              "urn:odatakit:schemas:extension#/$defs/customValue"}))
def test_compiled_schemas_accept_what_jsonschema_accepts(uri: str) -> None:
    conforms = _schemas.conforms(uri)
    for payload in TABLE_PAYLOADS + EDGES:
        document = _jsontext.read(payload)[0] if isinstance(payload, (str, bytes)) else payload
        if any(True for _ in _jsontext.not_json(document)):
            continue  # (a schema applies to JSON only; the check never asks)
        assert conforms(document) == (not _schemas.schema_faults(document, uri)), payload


_G = {"@odata.type": "#microsoft.graph.openTypeExtension", "extensionName": "Com.X", "id": "x"}
#: Extensions of one signature's keys, each asked after the one before it: the values that decide
#: differ (a type's pattern, an empty name or id, a count's value, an array's item types, an object).
SIGNATURE_ROWS: list[dict[str, Any]] = [
    _G, {**_G, "id": ""}, {**_G, "extensionName": ""}, {**_G, "@odata.type": "#microsoft.graph.other"},
    {**_G, "@odata.type": "#Microsoft.OutlookServices.OpenTypeExtension"}, {**_G, "@odata.type": 5},
    {**_G, "A@odata.count": 1}, {**_G, "A@odata.count": Decimal("1.5")}, {**_G, "A@odata.count": Decimal("2.0")},
    {**_G, "A@odata.count": "12"}, {**_G, "A@odata.count": "1x"}, {**_G, "A@odata.id": None}, {**_G, "A@odata.id": 1},
    {**_G, "A": [1, "x", None]}, {**_G, "A": [1, [2]]}, {**_G, "A": [1, {"b": 2}]}, {**_G, "A": {"b": 2}},
    {**_G, "A": 1}, {**_G, "A": Decimal("1.5")}, {**_G, "A": True}, {**_G, "A": "x"},
]


@pytest.mark.parametrize("uri", [KINDS[kind] for kind in ("extension-create", "extension-patch", "extension-response")]
                         + ["urn:odatakit:schemas:extension#/$defs/any", KINDS["collection"]])
def test_extensions_of_one_signature_get_jsonschemas_verdict(uri: str) -> None:
    conforms = _schemas.conforms(uri)
    rows = SIGNATURE_ROWS if "extension" in uri else [{"value": [{"extensions": [row]}]} for row in SIGNATURE_ROWS]
    for row in rows * 2:  # (the second round is answered by the signatures the first one left)
        assert conforms(row) == (not _schemas.schema_faults(row, uri)), row


def test_a_schema_keyword_the_compiler_does_not_read_is_an_error() -> None:
    with pytest.raises(NotImplementedError, match="minItems"):
        _schemas._Compiler().schema({"type": "array", "minItems": 1}, "")


CONTEXT_SHAPES = [
    ("https://x/$metadata#Me/Messages('AAMk1=')/Extensions", "https://x/$metadata#Me/Messages('aaaaaa')/Extensions"),
    ("https://x/$metadata#users('a%40b.c')/messages('Q-_.~')", "https://x/$metadata#users('a%40b.c')/messages('aaaaa')"),
    ("https://x/$metadata#T(A='x',B='y')", None),  # after '=': parsed on its own
    ("https://x/$metadata#T('x''y')", None),  # a quote inside a key
    ("https://x/$metadata#T(%27x%27)", None),  # an encoded quote
    ("https://x/$metadata#T('x')/U(\"y\")", None),
    ("https://x/$metadata#Me", None),  # no key: one text, one parse
]


@pytest.mark.parametrize(("text", "shape"), CONTEXT_SHAPES)
def test_context_urls_of_one_shape_share_one_parse(text: str, shape: str | None) -> None:
    assert check._context_shape(text) == shape


@settings(max_examples=60)
@given(st.text("AZaz09._~=-", min_size=1, max_size=12), st.sampled_from([
    "https://outlook.office.com/api/v2.0/$metadata#Me/Messages('{}')/Extensions/$entity",
    "https://graph.microsoft.com/v1.0/$metadata#users('dana%40contoso.com')/messages('{}')/extensions",
    "$metadata#Customers('{}')/Orders", "#People('{}')", "https://x/$metadata#T('{}',{})",
    "https://x/$metadata#Me/Messages('{}')/$ref", "https://x/$metadata#A('{}')(B)"]))
def test_a_plain_key_does_not_change_whether_a_context_url_parses(key: str, template: str) -> None:
    text = template.replace("{}", key)
    shape = check._context_shape(text)
    if shape is not None:
        blank = text.replace(key, "a" * len(key)) if text.count(key) == template.count("{}") else None
        if blank is not None and check._context_shape(blank) == shape:
            assert (check._parse_problem(text) is None) == (check._parse_problem(blank) is None)


#: The rule ``_context_shape`` implements, as one regular expression (how it was first written):
#: a single-quoted key of unreserved characters and percent-escapes, after '(' or ',' and before
#: ')' or ','; a key with an escape kept as written, the others blanked to their length.
_KEY_RULE = re.compile(r"(?<=[(,])'(?:[A-Za-z0-9._~=-]|%[0-9A-Fa-f]{2})+'(?=[),])")


def _shape_by_the_rule(text: str) -> str | None:
    hash_at = text.find("#")
    if hash_at < 0 or "'" not in text:
        return None
    fragment = text[hash_at:]
    if '"' in fragment or re.search("%2[27]", fragment, re.IGNORECASE):
        return None
    blanked, count = _KEY_RULE.subn(lambda m: m.group() if "%" in m.group() else "'" + "a" * (len(m.group()) - 2) + "'",
                                    fragment)
    return text[:hash_at] + blanked if fragment.count("'") == 2 * count else None


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["'", "(", ")", ",", "/", "#", '"', "a", "Q9", "._~=-", "%", "%4", "%4F", "%27", "%2f",
                                  "('k')", "'k',", "é"]), max_size=12).map("".join),
       st.sampled_from(["", "https://x/$metadata#", "#T("]))
def test_a_context_urls_shape_follows_the_key_rule(text: str, prefix: str) -> None:
    assert check._context_shape(prefix + text) == _shape_by_the_rule(prefix + text)


@pytest.mark.parametrize("key", ["AAMk1234=", "a.b_c~d", "x y z 12", "AAMk%27x", "AAMk%41b", "é1234567", "", "A')/('B"])
def test_a_context_url_whose_ends_parsed_before_reads_as_parsed_alone(key: str) -> None:
    check._context_problem(_ENDS.format("AAMkAAAA="))  # (the ends of a URL that parses, kept)
    check._context_problem(_ENDS.format("x" * len(key)))
    text = _ENDS.format(key)
    assert check._context_problem(text) == check._parse_problem(text)


def test_detect_kind_is_unchanged_for_the_page() -> None:
    assert detect_kind(PAGE) == "collection"


# -- the quick pass: a yes only where the walk finds no fault -------------------------------------------
def _walk_faults(document: Any, kind: str, strict: bool = False) -> list[Any]:
    walker = check._Walker(check._options("spec", None, _jsontext.DEFAULT_MAX_DEPTH), strict)
    if kind.startswith("extension") and isinstance(document, dict):
        walker.extension("$", document, None, 0, request=kind in ("extension-create", "extension-patch"), top=True)
    else:
        walker.value(document, "$", None, 0)
    return [*walker.faults, *walker.context_faults, *walker.extension_faults, *([walker.deep] if walker.deep else [])]


def _quick(document: Any, kind: str, strict: bool = False) -> bool:
    quick = check._Quick(check._options("spec", None, _jsontext.DEFAULT_MAX_DEPTH), strict)
    return quick.accepts(document, kind, kind in ("extension-create", "extension-patch"))


@given(_mutated() | _JSON, st.sampled_from(list(KINDS)), st.booleans())
def test_the_quick_pass_says_yes_only_where_the_walk_finds_no_fault(payload: Any, kind: str, strict: bool) -> None:
    if _quick(payload, kind, strict):
        assert _walk_faults(payload, kind, strict) == []


@pytest.mark.parametrize("index", range(len(TABLE_PAYLOADS + EDGES)))
def test_the_quick_pass_says_yes_only_where_the_walk_finds_no_fault_on_the_tables(index: int) -> None:
    payload = (TABLE_PAYLOADS + EDGES)[index]
    document = _jsontext.read(payload)[0] if isinstance(payload, (str, bytes)) else payload
    for kind in KINDS:
        if _quick(document, kind):
            assert _walk_faults(document, kind) == [], kind


def test_the_quick_pass_takes_the_example_bodies_and_a_page_whole() -> None:
    """The common case stays the fast one: every valid body of the examples, and a page."""
    bodies = [exchange[part] for exchange in EXAMPLES for part in ("request_body", "response_body")
              if isinstance(exchange.get(part), dict)]
    for body in [*bodies, PAGE]:
        document = _jsontext.read(json.dumps(body))[0]
        assert _quick(document, detect_kind(document)), body
