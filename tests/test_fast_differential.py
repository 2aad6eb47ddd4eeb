"""The hand-written parser against the grammar: identical trees on every input it accepts.

``odatakit.query._fastexpr`` parses ``$filter``, ``$orderby``, ``$select``, ``$expand`` (nested
options), ``$search``, ``$compute`` and ``$levels`` without Lark; Lark, run on
``grammars/query.lark`` with the parser's callbacks, is the specification. Over every conformance
case (OData ABNF, temporal, aggregation suites), the benchmark corpus and query strings,
``tests/data/identity.txt`` and generated query strings, each option value the fast path accepts
must give exactly Lark's tree; a tree deeper than MAX_DEPTH must be one Lark's tree is too.
The everyday inputs (the benchmark's filters and query strings) must all take the fast path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from benchmarks.corpus import FILTERS, QUERIES
from odatakit import serialize
from odatakit import strategies as ost
from odatakit.query import parser, tree
from odatakit.query._fastexpr import TooDeep
from odatakit.query._lalr import Fallback
from odatakit.query.syntax import SYSTEM_QUERY_OPTIONS

DATA = Path(__file__).parent / "data"
#: The start rules the fast path serves.
FAST_RULES = sorted(parser._FAST_RULES)
_NOT_PARSED = object()


def _options(query: str) -> list[tuple[str, str]]:
    """(value, start rule) for each system query option of a query string the fast path serves."""
    pairs = []
    for part in query.lstrip("?").split("&"):
        name, has_value, value = part.partition("=")
        rule = SYSTEM_QUERY_OPTIONS.get(name.lower().removeprefix("$")) if has_value else None
        if rule in parser._FAST_RULES:
            pairs.append((value, rule))
        elif name.startswith("@") and has_value:
            pairs.append((value, "expr_value"))
    return pairs


def _conformance_inputs() -> list[tuple[str, str]]:
    pairs = []
    for path in sorted((DATA / "conformance").glob("*.json")):
        cases = json.loads(path.read_text("utf-8"))
        for case in cases if isinstance(cases, list) else []:
            text = case.get("input") if isinstance(case, dict) else None
            if not isinstance(text, str):
                continue
            pairs += _options(text.partition("?")[2] if "://" in text else text)
            pairs += [(text, rule) for rule in FAST_RULES]  # every rule gets every fragment
    return pairs


def _identity_inputs() -> list[tuple[str, str]]:
    lines = (DATA / "identity.txt").read_text("utf-8").splitlines()
    return [pair for line in lines if line and not line.startswith("#") for pair in _options(line)]


EVERYDAY = [(text, "filter_value") for text in FILTERS] + [pair for query in QUERIES for pair in _options(query)]


def _encoded(text: str, safe: str = "") -> str:
    """``text`` as an HTTP client sends it: spaces, quotes, parentheses and commas encoded
    (``safe=""``), or everything ``urllib.parse.quote`` encodes besides ``safe``."""
    from urllib.parse import quote

    if safe:
        return quote(text, safe=safe)
    for character, escape in ((" ", "%20"), ("'", "%27"), ("(", "%28"), (")", "%29"), (",", "%2C")):
        text = text.replace(character, escape)
    return text


#: The everyday values with their delimiters percent-encoded (the grammar reads SP, SQUOTE,
#: OPEN, CLOSE and COMMA encoded or not), and fully quoted as urllib does (mostly left to Lark).
ENCODED = [(_encoded(text), start) for text, start in EVERYDAY] + [
    (_encoded(text, safe="/"), start) for text, start in EVERYDAY]


def _reference(text: str, start: str) -> Any:
    """Lark's tree for ``text`` (the grammar with the parser's callbacks, then the lambda
    variables bound, as every parse does), or ``_NOT_PARSED``."""
    try:
        result = parser._parser().parse(text, start=start)
    except Exception:  # noqa: BLE001  (a syntax error or a value fault: either way, no tree)
        return _NOT_PARSED
    return parser._bind_lambda_variables(result) if isinstance(result, tree.Node) else result


def _fast(text: str, start: str) -> Any:
    """The fast path's tree, ``TooDeep``, or ``None`` when it steps aside."""
    try:
        return parser._fast().parse_value(text, start)
    except TooDeep:
        return TooDeep
    except (Fallback, parser._Fault, RecursionError):
        return None


def _disagreements(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    wrong = []
    for text, start in pairs:
        fast = _fast(text, start)
        if fast is None:
            continue
        reference = _reference(text, start)
        if fast is TooDeep:
            if reference is not _NOT_PARSED and max(depth for _, depth in parser.walk_depth(reference)) <= parser.MAX_DEPTH:
                wrong.append((text, start))
        elif fast != reference:
            wrong.append((text, start))
    return wrong


def test_the_fast_path_gives_the_grammars_tree_on_every_conformance_case() -> None:
    pairs = _conformance_inputs()
    assert len(pairs) > 5000
    assert _disagreements(pairs) == []


def test_the_fast_path_gives_the_grammars_tree_on_the_identity_lines_and_the_corpus() -> None:
    assert _disagreements([*_identity_inputs(), *EVERYDAY]) == []


def test_every_everyday_option_value_takes_the_fast_path() -> None:
    """The benchmark's filters and query strings parse without Lark or the lean driver."""
    missed = [(text, start) for text, start in EVERYDAY if _fast(text, start) in (None, TooDeep)]
    assert missed == []


def test_percent_encoded_values_give_the_grammars_tree() -> None:
    """Encoded delimiters (``%20``, ``%27``, ``%28``, ``%29``, ``%2C``) are decoded before the
    fast path reads the value; every other escape leaves the value to the grammar."""
    assert _disagreements(ENCODED) == []
    missed = [(text, start) for text, start in ENCODED[:len(EVERYDAY)] if _fast(text, start) in (None, TooDeep)]
    assert missed == []


@pytest.mark.parametrize(("text", "start"), [
    ("a eq 'x%27%27y'", "filter_value"), ("a eq 'x%2527'", "filter_value"), ("a eq '100%25'", "filter_value"),
    ("a%2Fb eq 1", "filter_value"), ("a%20eq%201%20", "filter_value"), ("a eq %27x'", "filter_value"),
    ("Ns.Color%27Red%2CBlue%27 eq a", "filter_value"), ("a in %28'x'%2c'y'%29", "filter_value"),
    ("a/any%28x:x eq 1%29", "filter_value"), ("not%28a%29", "filter_value"), ("a($filter=b%20eq%201)", "expand_value"),
    ("%22a%20b%22 OR c", "search_value"), ("a%20b", "search_value"), ("a%27b", "search_value"), ("%27a", "search_value"),
    ("a%2Cb", "select_value"), ("a%20desc", "orderby_value"), ("geography%27POINT%281 2%29%27 eq a", "filter_value"),
    ("a eq %%20", "filter_value"), ("a eq '%%27'", "filter_value"), ("duration%27P1D%27 eq a", "filter_value"),
])
def test_encoded_edges_give_the_grammars_tree_or_step_aside(text: str, start: str) -> None:
    assert _disagreements([(text, start)]) == []


#: Texts on the edges of the option parsers: nested options, stars, search keywords, spacing.
EDGES = [
    ("a($select=b;$top=1)", "expand_value"), ("a($expand=b($expand=c($levels=2)))", "expand_value"),
    ("a(select=b;TOP=1)", "expand_value"), ("a($top=1;$top=2)", "expand_value"), ("a($levels=max)", "expand_value"),
    ("a($levels=0)", "expand_value"), ("a($levels=01)", "expand_value"), ("*", "expand_value"), ("*($levels=1)", "expand_value"),
    ("a/*", "expand_value"), ("a/$ref", "expand_value"), ("a($filter=b eq 1;$orderby=c desc)", "expand_value"),
    ("a($search=x y;$count=true)", "expand_value"), ("a($filter=b eq 1 )", "expand_value"), ("a()", "expand_value"),
    ("a,b($select=c,d)", "select_value"), ("a/b,Ns.T/c", "select_value"), ("a/*", "select_value"), ("Ns.*", "select_value"),
    ("a($expand=b)", "select_value"), ("a(b,c)", "select_value"), ("a ,b", "select_value"), ("a, b", "select_value"),
    ("pizza", "search_value"), ("a OR b AND c", "search_value"), ("a b c", "search_value"), ("NOT a", "search_value"),
    ("NOTa", "search_value"), ("a OR", "search_value"), ("OR a", "search_value"), ("(a OR b) c", "search_value"),
    ("( a )", "search_value"), ('"a b" OR c', "search_value"), (' a', "search_value"), ("a ", "search_value"),
    ("a  AND  b", "search_value"), ("a ANDb", "search_value"), ("'a'", "search_value"), ('""', "search_value"),
    ("a add b as c", "compute_value"), ("a as b,c mul 2 as d", "compute_value"), ("a as", "compute_value"),
    ("a as b.c", "compute_value"), ("max", "levels_value"), ("MAX", "levels_value"), ("3", "levels_value"),
    ("a desc,b asc", "orderby_value"), ("a desc ,b", "orderby_value"), ("a  desc", "orderby_value"),
    ("x in ('a', 'b')", "filter_value"), ("x in ()", "filter_value"), ("x has Ns.E'a'", "filter_value"),
    ("x has 'a'", "filter_value"), ("x has 1", "filter_value"), ("x has @a", "filter_value"), ("@a eq 1", "filter_value"),
    ("@a.b eq 1", "filter_value"), ("$it/a eq 1", "filter_value"), ("$this eq 1", "filter_value"), ("$root/a", "filter_value"),
    ("a eq 2016-02-30", "filter_value"), ("a eq 2016-02-29T10:00:00.1200Z", "filter_value"),
    ("a eq 2016-01-01T10:00:60Z", "filter_value"), ("a eq 0000-01-01", "filter_value"), ("a eq 2016-01-01t10:00z", "filter_value"),
    ("a eq 2016-01-01T10:00:00+24:00", "filter_value"), ("a eq 2016-01-01T10:00:00-05:30", "filter_value"),
    ("a eq 12345-01-01", "filter_value"), ("a eq 2147483648", "filter_value"), ("a eq 9223372036854775808", "filter_value"),
    ("a eq -2147483649", "filter_value"), ("a eq 1" + "0" * 30, "filter_value"), ("a eq duration'P1D'", "filter_value"),
    ("a eq binary'AA'", "filter_value"), ("a eq geography'SRID=4326;POINT(1 2)'", "filter_value"),
    ("a eq Ns.Color'Red,Blue'", "filter_value"), ("a eq 12:30:00", "filter_value"), ("a eq 1.5e300", "filter_value"),
    ("a/any(x:x/b/any(y:y eq x))", "filter_value"), ("a/ALL(x:x)", "filter_value"), ("a/any(x: x eq 1)", "filter_value"),
    ("not(a)", "filter_value"), ("not not a", "filter_value"), ("- a", "filter_value"), ("-(a)", "filter_value"),
    ("contains(a,'b') eq true", "filter_value"), ("Contains(a,'b')", "filter_value"), ("length(a,b)", "filter_value"),
    ("isdefined(a)", "filter_value"), ("isdefined(1)", "filter_value"), ("geo.distance(a,b) le 1", "filter_value"),
    ("(a or b) or (c and d) and e", "filter_value"), ("((a and b) and (c and d))", "filter_value"),
    ("a eq 1 and" + " b eq 1 and" * 300 + " c", "filter_value"), ("a add " * 250 + "1", "filter_value"),
    ("not " * 250 + "a", "filter_value"), ("cast(a,Edm.Int32) eq 1", "filter_value"), ("cast(Edm.Int32)", "filter_value"),
    ("isof(Ns.T)", "filter_value"), ("isof(a, Ns.T )", "filter_value"), ("cast(null)", "filter_value"), ("cast(a,null)", "filter_value"),
    ("cast(a)", "filter_value"), ("cast(a/b,Collection(Ns.T))", "filter_value"), ("Cast(a,T)", "filter_value"),
    ("case(a:1,true:2)", "filter_value"), ("case(a eq 1 : 'x' , b : 'y') eq 'x'", "filter_value"), ("case()", "filter_value"),
    ("case(a)", "filter_value"), ("cast(a,Edm.String)/b", "filter_value"),
    ("members/$count gt 0", "filter_value"), ("a/$count", "filter_value"), ("a/$count/b", "filter_value"),
    ("a/$countx eq 1", "filter_value"), ("a/$count($filter=b eq 1) gt 1", "filter_value"), ("a/$count_ eq 1", "filter_value"),
    ("$count eq 1", "filter_value"), ("a/$count desc", "orderby_value"), ("a/$count()", "filter_value"), ("(" * 150 + "a" + ")" * 150, "filter_value"), ("a b " * 150 + "c", "search_value"),
    # the plain runs of $select and $orderby (one regex, nodes built in a loop) and their near misses
    ("a,b/c,d", "select_value"), ("a,", "select_value"), (",a", "select_value"), ("a,,b", "select_value"),
    ("a/b(c)", "select_value"), ("a,b/c($select=d)", "select_value"), ("Σx,名前/ü", "select_value"), ("a,*", "select_value"),
    ("a/*", "select_value"), ("Ns.*", "select_value"), ("a,Ns.T/b", "select_value"), ("a;b", "select_value"),
    ("a/", "select_value"), ("a//b", "select_value"), ("a b", "select_value"), ("a%2Cb/c", "select_value"),
    ("null,true,not,NaN", "select_value"), ("a1,_b,x_1/y2", "select_value"), ("a,b)", "select_value"), ("a/$count", "select_value"),
    ("a desc,b/c asc,d", "orderby_value"), ("a desc,", "orderby_value"), ("a descx", "orderby_value"),
    ("a ascending", "orderby_value"), ("a DESC", "orderby_value"), ("a\tdesc", "orderby_value"), ("a%20desc,b", "orderby_value"),
    ("not desc", "orderby_value"), ("nOt desc", "orderby_value"), ("not", "orderby_value"), ("not/a", "orderby_value"),
    ("null", "orderby_value"), ("null desc", "orderby_value"), ("Null desc", "orderby_value"), ("true/a", "orderby_value"),
    ("NaN,a", "orderby_value"), ("INF desc", "orderby_value"), ("False", "orderby_value"), ("a/not desc", "orderby_value"),
    ("a/null,b/true", "orderby_value"), ("名前 desc,Σx", "orderby_value"), ("Ns.T/a desc", "orderby_value"), ("a/Ns.T", "orderby_value"),
    ("a desc desc", "orderby_value"), ("desc desc", "orderby_value"), ("asc", "orderby_value"), ("a;b", "orderby_value"),
    ("a($select=b,c/d;$orderby=e desc,f)", "expand_value"), ("a($select=b,)", "expand_value"), ("a($select=b/*)", "expand_value"),
    ("a($select=b;$select=c)", "expand_value"), ("a($orderby=null desc)", "expand_value"), ("a($orderby=b desc;$top=1)", "expand_value"),
    ("a($orderby=b desc )", "expand_value"), ("a($select=b,c)/d", "expand_value"), ("a($expand=b($select=c,d))", "expand_value"),
    # a run read in bulk up to its last comma, the item loop reading on from there
    ("a,b,c($select=d),e", "select_value"), ("a,b/c,Ns.T/d,e", "select_value"), ("a,b,*", "select_value"), ("a,b, c", "select_value"),
    ("a,b,c/$ref", "select_value"), ("a,b,c/", "select_value"), ("a,b,c(", "select_value"), ("a,b/c,d/*", "select_value"),
    ("a,b desc,contains(c,'x') desc,d", "orderby_value"), ("a,b,c add 1", "orderby_value"), ("a,b desc,c/any(x:x eq 1)", "orderby_value"),
    ("a desc,b,c descx", "orderby_value"), ("a,b, c", "orderby_value"), ("a,b,c/$count desc", "orderby_value"), ("a,b,", "orderby_value"),
    ("a,null,b,c(", "orderby_value"), ("not,a,b eq 1", "orderby_value"), ("a,b,-c", "orderby_value"), ("a,b,c eq 1 desc", "orderby_value"),
    ("x($select=a,b,c/*;$orderby=a,b,c add 1)", "expand_value"),
]


@pytest.mark.parametrize(("text", "start"), EDGES)
def test_edges_give_the_grammars_tree_or_step_aside(text: str, start: str) -> None:
    assert _disagreements([(text, start)]) == []


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ost.queries())
def test_generated_query_strings_give_the_grammars_trees(query: Any) -> None:
    assert _disagreements(_options(serialize(query))) == []


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ost.filter_examples())
def test_generated_filters_give_the_grammars_trees(example: Any) -> None:
    assert _disagreements([(example.text, "filter_value"), (example.url, "filter_value")]) == []


def _depth(node: Any) -> int:
    return max(depth for _, depth in parser.walk_depth(node))


@pytest.mark.parametrize("text", FILTERS[::5])
def test_the_height_counted_while_parsing_is_the_trees_depth(text: str) -> None:
    """The fast path counts the tree's height as it builds it: a filter under a chain of ``add``
    (one level each) exactly MAX_DEPTH deep parses, one ``add`` more is refused at once."""
    room = parser.MAX_DEPTH - _depth(parser._parser().parse(text, start="filter_value"))
    at_limit = f"({text})" + " add 1" * room
    assert _depth(_fast(at_limit, "filter_value")) == parser.MAX_DEPTH
    assert _fast(at_limit + " add 1", "filter_value") is TooDeep


@pytest.mark.parametrize(("text", "start"), [
    ("a " * 300 + ")", "search_value"),
    ("a add " * 300 + "1 eq", "filter_value"),
    ("a($expand=" * 120 + "b" + ")" * 119, "expand_value"),
])
def test_a_tree_too_deep_is_reported_where_the_limit_is_crossed_not_after_the_whole_text(text: str, start: str) -> None:
    """The depth error comes before the parser reaches the broken end of the text."""
    with pytest.raises(parser.ODataSyntaxError, match="nested more than"):
        parser._parse(text, start)
