"""The parser's two fast paths against the grammar: same tree, or they step aside.

``odatakit.query._fastexpr`` (hand-written, everyday expressions) and ``odatakit.query._lalr`` (a lean driver
over Lark's tables) may only ever return the tree that Lark, run on ``grammars/query.lark`` with
the same callbacks, returns; on anything else they raise and the grammar decides. These tests
hold them to that over the conformance cases, the benchmark corpus, generated filters and a
table of texts chosen to sit on lexical edges (keywords as names, signs, spaces, case).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from benchmarks.corpus import FILTERS, QUERIES
import odatakit
from odatakit import strategies as ost
from odatakit.query import parser

DATA = Path(__file__).parent / "data" / "conformance"

#: Texts on lexical and structural edges of the fast path's subset.
EDGES = [
    "contains eq 1", "not eq 1", "Not a", "NOT(a)", "not(a)", "not (a)", "not  a", "notes eq 1",
    "-INF eq x", "INF eq x", "NaN eq x", "- 5 eq x", "-5 eq x", "--a eq 1", "- -a", "-a mul 2",
    "a EQ 1", "a Eq 1 AND b eq 2", "a eq  1", " a eq 1", "a eq 1 ", "a  eq 1", "a\teq 1", "a eq\n1",
    "a/any()", "a/any(x:x/b eq 1)", "a/ANY(x:x eq 1)", "a/all(x:x eq 1)", "a/all()", "a/any( x : x eq 1 )",
    "any(x:x eq 1)", "all(x)", "cast(a,Edm.Int32) eq 1", "isof(a,Ns.T)", "case(a:1,true:2)",
    "true eq True", "FALSE", "null eq Null", "trueValue eq 1", "nullable", "true(1)",
    "deadbeef-1234-1234-1234-123456789012 eq a", "DEADBEEF-1234-1234-1234-123456789012",
    "2016-01-01 eq a", "-2016-01-01 eq a", "12:30 eq a", "12:30:15.5", "2016-01-01T10:00Z",
    "2016-01-01T10:00:00+01:00 eq a", "2016-13-01", "2016-01-01T25:00:00Z", "1.5 eq 1e5", "1.",
    "99999999999999999999999999 eq x", "+5 eq x", "1e400", "1.5e-3",
    "a in ('x')", "a in ('x', 'y' ,'z')", "a in (b)", "a in b", "a in ()", "a in (1,b)", "a in (1) eq true",
    "a has Ns.E'x'", "a/b(1)", "a/Ns.T/b", "a/$count gt 1", "f(a)", "now()", "now( )", "contains(a, 'b' )",
    "contains(a,'b',c)", "concat(a,concat(b,c))", "geo.distance(a,b) lt 1", "Ns.f(p=1)",
    "( a eq 1 )", "((a))", "(a eq 1)/b", "a eq 1)", "a eq (1", "(a", "a,b", "a:b",
    "a%20eq%201", "a%20eq%20%27x%27", "'it''s' eq a", "a eq 'x%27'", "a eq '%27'", "a eq 'unterminated",
    "a div 2 divby 3", "a mod b sub c add d", "a add b mul c", "a sub -b", "a or b and c or d",
    "a and (b or c) and d", "(a or b) or (c or d)", "(a and b) and c", "a eq b eq c", "a lt b gt c",
    "a eq", "eq a", "a eqb", "a/", "/a", "a//b", "a/b/", "@a eq 1", "$it/a eq 1", "a eq [1,2]",
    "a eq {\"x\":1}", "duration'P1D' eq a", "binary'AAA=' eq a", "geography'POINT(1 2)'", "Ns.Color'Red'",
    "a eq b.c", "a.b eq c", "Σx eq 'é'", "名前 eq 1", "_a eq _1", "a1 eq 1a", "a eq 1a",
    "a/any(x:x/any(y:y eq x))", "a/any(x:x eq 1)/b", "a/any(x:x eq 1) eq true", "year(a) eq 2020 and month(a)",
]


def _conformance_texts() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.json")):
        cases = json.loads(path.read_text("utf-8"))
        if not isinstance(cases, list):
            continue
        for case in cases:
            text = case.get("input") if isinstance(case, dict) else None
            if isinstance(text, str):
                texts.append(text)
                _, _, value = text.partition("$filter=")
                if value:
                    texts.append(value.split("&")[0])
    return texts


TEXTS = [*FILTERS, *EDGES, *_conformance_texts()]


def _reference(text: str, start: str) -> Any:
    """What Lark's own loop makes of ``text``: the tree, or ``None`` if it raises."""
    try:
        return parser._parser().parse(text, start=start)
    except Exception:  # noqa: BLE001  (a syntax error or a value fault: either way, no tree)
        return None


def _bound(reference: Any) -> Any:
    """A grammar tree with its lambda variables bound, as every parse returns it."""
    return None if reference is None else parser._bind_lambda_variables(reference)


def _fast(text: str) -> Any:
    try:
        return parser._fast().parse(text)
    except Exception:  # noqa: BLE001
        return None


def _driver(text: str, start: str) -> Any:
    try:
        return parser._driver().parse(text, start)
    except Exception:  # noqa: BLE001
        return None


@pytest.mark.parametrize("start", ["filter_value", "expr_value"])
def test_fast_expressions_give_the_grammars_tree_or_step_aside(start: str) -> None:
    wrong = []
    for text in TEXTS:
        fast = _fast(text)
        if fast is not None and fast != _bound(_reference(text, start)):
            wrong.append(text)
    assert wrong == []


@pytest.mark.parametrize("start", parser._START_RULES)
def test_lean_driver_gives_the_grammars_tree_or_steps_aside(start: str) -> None:
    wrong = []
    for text in TEXTS:
        ours = _driver(text, start)
        reference = _reference(text, start)
        if ours is not None and ours != reference:
            wrong.append(text)
    assert wrong == []


def test_lean_driver_parses_every_text_the_grammar_parses() -> None:
    """It steps aside on errors only: a text the grammar reads is never a fallback."""
    missed = [text for text in TEXTS if _reference(text, "filter_value") is not None and _driver(text, "filter_value") is None]
    assert missed == []


def test_every_benchmark_filter_but_geo_takes_the_fast_path() -> None:
    """The benchmark measures the fast path: a change that pushes its corpus off it shows here."""
    missed = [text for text in FILTERS if _fast(text) is None]
    assert all("geo." in text or "'" in text.split("(")[0] for text in missed), missed
    assert len(missed) <= 2


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ost.filter_examples())
def test_generated_filters_parse_the_same_on_every_path(example: Any) -> None:
    for text in (example.text, example.url):
        reference = _reference(text, "filter_value")
        fast = _fast(text)
        assert fast is None or fast == _bound(reference)  # the fast path binds lambda variables as it reads
        driven = _driver(text, "filter_value")
        assert driven is None or driven == reference
        if reference is not None:
            assert driven == reference


def _outcome(text: str, start: str) -> Any:
    """The tree, or the syntax error's text (message, offset, caret), from ``parser._parse``."""
    try:
        return parser._parse(text, start)
    except odatakit.ODataSyntaxError as error:
        return ("error", str(error), error.offset)


def _lark_only(patched: pytest.MonkeyPatch) -> None:
    """Every accelerator off: Lark parses, and words every error."""
    patched.setattr(parser, "_fast", lambda: None)
    patched.setattr(parser, "_driver", lambda: None)
    patched.setattr(parser, "_SIMPLE_OPTIONS", {})


def _lark_outcome(text: str, start: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patched:
        _lark_only(patched)
        return _outcome(text, start)


def _broken(texts: list[str]) -> list[str]:
    """Each text cut short at a few places, and with a stray character: errors everywhere."""
    out = []
    for text in texts:
        for cut in sorted({len(text) // 3, len(text) // 2, len(text) - 1}):
            if 0 < cut < len(text):
                out.append(text[:cut])
        out.append(text + ")")
        out.append(text + " eq")
    return out


ERROR_RULES = ["filter_value", "orderby_value", "expand_value", "select_value", "search_value", "top_value", "count_value"]


@pytest.mark.slow
@pytest.mark.parametrize("start", ERROR_RULES)
def test_errors_and_trees_are_the_same_with_and_without_the_accelerators(start: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver words errors from its own parse: message, offset and expected words must be
    what Lark's error gives, and a text is accepted by both paths or by neither."""
    texts = [*TEXTS, *_broken(TEXTS)]
    different = [text for text in texts if _outcome(text, start) != _lark_outcome(text, start, monkeypatch)]
    assert different == []


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ost.queries())
def test_generated_query_strings_parse_and_fail_alike_on_both_paths(query: Any) -> None:
    from odatakit import serialize

    text = serialize(query)
    for variant in (text, text[: len(text) // 2], text + ","):
        ours = _query_outcome(variant)
        with pytest.MonkeyPatch.context() as patched:
            _lark_only(patched)
            assert _query_outcome(variant) == ours


def _query_outcome(text: str) -> Any:
    try:
        return odatakit.parse_query(text)
    except odatakit.ODataSyntaxError as error:
        return ("error", str(error), error.offset)


#: Texts on the edges of the simple option paths ($select lists, $top digits, $count, $orderby).
OPTION_EDGES = [
    "a", "a,b", "a/b,c", "a,,b", "a,", ",a", "a ,b", "a, b", "a/", "/a", "*", "a/*", "Ns.*", "Ns.T/a", "@a.b",
    "true", "max", "null", "a1,_b,Σx,名前", "1a", "a%2Cb", "a(b)", "a($top=1)", "١٠", "𝟏𝟐", "a٣",
    "0", "007", "10", "-1", "+1", "1.5", "99999999999999999999", "١", " 1", "1 ",
    "TRUE", "False", "yes", "truex", "",
    "a desc", "a asc,b", "a DESC", "a descending", "a desc desc", "a add b desc", "a eq 1 asc",
    "a/any(x:x eq 1) desc", "a,b desc,c asc", "a desc,", "a desc b", "contains(a,'x') desc",
]


@pytest.mark.parametrize("start", ["select_value", "top_value", "count_value", "orderby_value", "expr_value"])
def test_simple_option_paths_give_the_grammars_tree_and_error(start: str, monkeypatch: pytest.MonkeyPatch) -> None:
    different = [text for text in [*OPTION_EDGES, *FILTERS[:10]]
                 if _outcome(text, start) != _lark_outcome(text, start, monkeypatch)]
    assert different == []


#: Query strings on the edges of parse_query's everyday path (options as clients spell them,
#: straight to the simple or hand-written reader) and of the plain $select/$orderby runs.
QUERY_EDGES = [
    "$select=a,b&$select=c", "$SELECT=a,b", "Select=a", "select=a", "%24select=a", "$select=", "$select",
    "$select=a,&$top=1", "$select=a;b", "$select=a,b/c(d)", "$select=Σx,名前", "$select=*,Ns.*", "$select=a%2Cb",
    "$orderby=a%20desc,b", "$orderby=a desc&$orderby=b", "$orderby=null desc", "$orderby=not desc", "$orderby=a desc,",
    "$top=01&$skip=0", "$top=-1", "$top=", "$top=1&$TOP=2", "$count=TRUE", "$count=yes", "$skip=1.5",
    "$filter=a eq 1&$filter=b eq 2", "$filter=", "$filter=a%20eq%201", "$filter=a eq 'x&y'", "$expand=a($select=b&$top=1)",
    "$expand=a($select=b,c;$orderby=d desc;$top=2)&$select=a", "$search=a b&$select=c", "?$select=a", "$select=a&&$top=2",
    "$levels=max&$select=a", "$format=json&$select=a", "@p=1&$filter=a eq @p&$select=b", "x=1&$select=a",
]


@pytest.mark.parametrize("text", [*QUERIES, *QUERY_EDGES])
def test_query_strings_parse_and_fail_alike_with_and_without_the_accelerators(text: str) -> None:
    ours = _query_outcome(text)
    with pytest.MonkeyPatch.context() as patched:
        _lark_only(patched)
        assert _query_outcome(text) == ours


def test_the_fast_paths_name_pattern_is_the_grammars_name_terminal() -> None:
    """One home per fact: the fast paths read names with syntax.IDENTIFIER, the grammar with NAME."""
    from odatakit.query.syntax import IDENTIFIER

    terminals = {terminal.name: terminal for terminal in parser._parser().terminals}
    assert terminals["NAME"].pattern.to_regexp() == IDENTIFIER.pattern


def test_without_lark_internals_the_accelerator_is_off_and_parses_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Lark release that moves an internal the driver reads (lark>=1.2,<2 allows it) turns the
    driver off; Lark parses everything, with the same trees and errors."""
    from odatakit.query import _lalr

    texts = ["a,b/c($select=d;$top=1)", "a,", "a eq 1 and b", "Items($expand=x($levels=max))"]
    expected = [_outcome(text, start) for text in texts for start in ("select_value", "expand_value", "filter_value")]
    monkeypatch.setattr(_lalr, "INTERNALS", False)
    parser._driver.cache_clear()
    try:
        assert parser._driver() is None
        assert [_outcome(text, start) for text in texts for start in ("select_value", "expand_value", "filter_value")] == expected
    finally:
        parser._driver.cache_clear()


def _grammar_ladder() -> list[tuple[str, ...]]:
    """The binary operator levels of grammars/query.lark, loosest first, read from its
    ``?level: next ((OP | OP) next)*`` rules starting at ``?or_expr``."""
    import re

    from odatakit.query._grammar import grammar_path

    rules = dict(re.findall(r"^\?(\w+): (\w+ \(.*\)\*)$", grammar_path("query.lark").read_text("utf-8"), re.M))
    ladder, rule = [], "or_expr"
    while rule in rules:
        match = re.fullmatch(r"(\w+) \(\(?([\w |]+?)\)? \1\)\*", rules[rule])
        assert match is not None, rules[rule]
        ladder.append(tuple(name.strip() for name in match.group(2).split("|")))
        rule = match.group(1)
    return ladder


def test_the_fast_paths_precedence_ladder_is_the_grammars() -> None:
    """One home per fact: _fastexpr's levels and syntax.PRECEDENCE follow the grammar's rules."""
    from odatakit.query import _fastexpr
    from odatakit.query.syntax import PRECEDENCE

    ladder = _grammar_ladder()
    assert [set(level) for level in ladder] == [set(level) for level in _fastexpr._LEVELS]
    words = [{name.strip("_").lower() for name in level} for level in ladder]
    by_strength: dict[int, set[str]] = {}
    for word, strength in PRECEDENCE.items():
        by_strength.setdefault(strength, set()).add(word)
    assert [by_strength[strength] for strength in sorted(by_strength)][: len(words)] == words
