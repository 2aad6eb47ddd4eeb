"""Errors from the cheap path are Lark's errors (issue 11: an error costs a small constant times a
successful parse).

When the hand-written parser steps aside it says how far it read; the lean driver recognises the
parser states up to the last separator before that point (no callbacks, no tokens) and parses
with callbacks from there, so an error near the end of a long list costs the tail, not a second
parse. The grammar stays the source of every message: each test here holds the outcome (tree, or
message with offset, caret and expected words) equal to what Lark alone gives, over the
conformance cases, truncations and one-character mutations of the benchmark corpus, the linear
test families ending in an error, and texts with a faulty value before the syntax error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import odatakit
from benchmarks.corpus import FILTERS, QUERIES
from odatakit.query import parser
from tests.test_linear import FAMILIES

DATA = Path(__file__).parent / "data" / "conformance"
OPTION_RULES = ["filter_value", "orderby_value", "expand_value", "select_value", "search_value", "compute_value"]


def _outcome(parse: Callable[[], Any]) -> Any:
    """The tree, or the syntax error as the user sees it (message, caret, offset, expected)."""
    try:
        return parse()
    except odatakit.ODataSyntaxError as error:
        return ("error", str(error), error.offset, tuple(error.expected))


def _both(parse: Callable[[], Any], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """The outcome with every accelerator on, and with Lark alone."""
    ours = _outcome(parse)
    with monkeypatch.context() as patched:
        patched.setattr(parser, "_fast", lambda: None)
        patched.setattr(parser, "_driver", lambda: None)
        patched.setattr(parser, "_SIMPLE_OPTIONS", {})
        return ours, _outcome(parse)


def _differences(cases: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(start rule or "query", text) pairs whose outcome differs from Lark's."""
    different = []
    for start, text in cases:
        if start == "query":
            ours, lark = _both(lambda: odatakit.parse_query(text), monkeypatch)
        else:
            ours, lark = _both(lambda: parser._parse(text, start), monkeypatch)
        if ours != lark:
            different.append((start, text))
    return different


def _conformance_inputs() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.json")):
        cases = json.loads(path.read_text("utf-8"))
        for case in cases if isinstance(cases, list) else ():
            if isinstance(case, dict) and isinstance(case.get("input"), str):
                texts.append(case["input"])
    return texts


def _mutations(text: str) -> Iterator[str]:
    """Truncations at every few characters, and one character dropped or replaced by a delimiter."""
    step = max(1, len(text) // 12)
    for cut in range(1, len(text), step):
        yield text[:cut]
        yield text[:cut] + text[cut + 1:]
        for stray in ",)( '":
            yield text[:cut] + stray + text[cut + 1:]


#: A faulty value early, a syntax error at the end: Lark reports the fault (its callback runs at
#: the reduction, before the parser reaches the error); the resumed parse must not skip it.
FAULT_THEN_ERROR = [
    ("filter_value", "A eq 2024-13-01 or B eq 1 or C eq 2 or"),
    ("filter_value", "A eq 1 or B eq 2024-02-30 or C eq 2 or D eq 3 and ("),
    ("filter_value", "A in (1,2,2024-13-01,3,4,)"),
    ("filter_value", "A in (1,2,3,4,5) or B eq 2024-13-01 or C eq 1,"),
    ("filter_value", "contains(A,'x',1) or B eq 1 or C eq 2 or"),
    ("filter_value", "nosuch(A) eq 1 or B eq 1 or C eq 2 or"),
    ("filter_value", "A has 1 or B eq 1 or C eq 2 or"),
    ("filter_value", "A in (B,C) or D eq 1 or E eq 2 or"),
    ("filter_value", "case(A eq 1:2024-13-01,B eq 2:2,C eq 3:3,)"),
    ("filter_value", "A eq [1,2,3,4,] or B eq 1"),
    ("filter_value", "A eq 1 or B eq [1,2] or C eq {\"a\":1} or D eq 2 or"),
    ("orderby_value", "A desc,B asc,year(2024-13-01),C desc,D asc asc"),
    ("orderby_value", "A desc,B asc,length(A,B),C desc,D asc asc"),
    ("expand_value", "A($top=x),B($select=a),C($select=b),D($select=c;)"),
    ("expand_value", "A($filter=B eq 2024-13-01),B($select=a),C($select=b),D(,"),
    ("expand_value", "A($levels=0),B,C,D($select=a,b;$top=1),("),
    ("select_value", "A,B,C/D,E(F,G),H,I,"),
    ("select_value", "A,B,C/$count,D,E,"),
    ("select_value", "a,b,c,"), ("select_value", "a,b/c,d,("), ("select_value", "a,b,c,d)"),
    ("select_value", "a,b,c, "), ("select_value", "a,b,c,,"), ("select_value", "a,b,c,Ns.*,"),
    ("select_value", "a,b,c,d(x),"), ("select_value", "a,b,c,%20"), ("select_value", "a,b,c,$count"),
    ("select_value", "a,b,c,d/$ref"), ("select_value", "a,b,c,'x'"), ("select_value", "a/b,c/d,e/f,g/"),
    # plain $orderby lists broken in their tail (the shortcut that reads the tail alone)
    ("orderby_value", "a,b desc,c asc,"), ("orderby_value", "a desc,b desc,c desc asc"),
    ("orderby_value", "a,b,c,d)"), ("orderby_value", "a,b,c, "), ("orderby_value", "a,b,c,,"),
    ("orderby_value", "a,b,c,d desc desc"), ("orderby_value", "a,b/c,d/,"), ("orderby_value", "a,b,c,%20x"),
    ("orderby_value", "a,b,c,'x' desc,"), ("orderby_value", "a,b,c desc,1 add"), ("orderby_value", "a,b,c,d eq"),
    ("orderby_value", "a,b,c,d ASC asc"), ("orderby_value", "a,b,c,d(x),"), ("orderby_value", "a,b,c,$count"),
    ("orderby_value", "not,a,b,c,"), ("orderby_value", "a,not,b,c,"), ("orderby_value", "a,b,not c,d,"),
    ("orderby_value", "true,null,b,c asc,("), ("orderby_value", "a,b,c desc ,d,"), ("orderby_value", "a,b,c ,"),
    ("orderby_value", "a,b,c,d/e desc/f"), ("orderby_value", "a,b eq 1,c,d,"), ("orderby_value", "a,b,c,d,e f"),
    ("orderby_value", "a,b,c,INF,-"), ("orderby_value", "a,b,c,d,e desc,"), ("orderby_value", "a,b,$it,d,"),
    ("query", "$orderby=a,b desc,c,d,&$select=a"), ("query", "$select=a,b&$orderby=a,b,c,d asc desc"),
    # plain lists in nested options: the recognition pass reads their first item only
    ("expand_value", "N($select=a,b,c;$orderby=a,b desc,c;)"), ("expand_value", "N($orderby=a,b,c desc;$select=x,y,z;$top=x)"),
    ("expand_value", "A($select=a,b),B($orderby=c,d;$select=e,f,g),("), ("expand_value", "N(select=a,b;ORDERBY=c,d;,)"),
    ("expand_value", "N($select=a,b;$expand=M($orderby=a,b asc;$select=c,d;)),"), ("expand_value", "N($select=a,b ;$top=1;)"),
    ("expand_value", "N($select=a,not,b;$top=1;)"), ("expand_value", "N($orderby=a,not,b desc;$top=1;)"),
    ("expand_value", "N($orderby=a desc,b;$filter=x eq 1 or)"), ("expand_value", "N($orderby=true,b;$top=("),
    ("expand_value", "N(%24select=a,b;%24orderby=c,d;)"), ("expand_value", "N($select=a,b);M($select=a,b;)"),
    ("expand_value", "N($orderby=a,b c;$top=1;)"), ("expand_value", "N($select=a,b)/x,M($select=c,d;"),
    ("query", "$expand=N($select=a,b,c;$orderby=a,b;)"), ("query", "$expand=N($orderby=a,b,c;$select=a,b;$skip=,)"),
    ("search_value", "a OR b AND NOT c d e OR"),
    ("query", "$filter=A eq 2024-13-01 or B eq 1 or C eq 2 or&$select=a"),
    ("query", "$select=a,b,c,d,e,&$orderby=a"),
    ("query", "$orderby=a,b desc,c,d asc,e asc asc"),
    ("query", "$expand=a($select=x),b($select=y),c($select=z;)"),
]


def test_a_fault_before_the_syntax_error_is_still_the_error_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _differences(FAULT_THEN_ERROR, monkeypatch) == []


def test_the_linear_families_ending_in_an_error_fail_as_lark_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every list family of tests/test_linear.py, small, broken at the end and in the middle."""
    different = []
    for family, (parse, make, make_error, _) in sorted(FAMILIES.items()):
        for n in (1, 2, 3, 7):
            for text in (make_error(n), make(n) + ",", make(n)[:-1], make(n) + " or"):
                ours, lark = _both(lambda: parse(text), monkeypatch)
                if ours != lark:
                    different.append((family, text))
    assert different == []


@pytest.mark.slow
@pytest.mark.parametrize("start", OPTION_RULES)
def test_conformance_inputs_fail_and_parse_as_lark_says(start: str, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _conformance_inputs()
    assert len(texts) > 800
    assert _differences([(start, text) for text in texts], monkeypatch) == []


@pytest.mark.slow
@pytest.mark.parametrize("start", ["filter_value", "orderby_value"])
def test_mutated_corpus_filters_fail_and_parse_as_lark_says(start: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [(start, text) for filter_text in FILTERS for text in _mutations(filter_text)]
    assert _differences(cases, monkeypatch) == []


@pytest.mark.slow
def test_mutated_corpus_query_strings_fail_and_parse_as_lark_says(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [("query", text) for query in QUERIES for text in _mutations(query)]
    assert _differences(cases, monkeypatch) == []


def test_conformance_sample_fails_and_parses_as_lark_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """A quick slice of the slow conformance tests above."""
    texts = _conformance_inputs()[::6]
    assert _differences([(start, text) for start in ("filter_value", "expand_value") for text in texts], monkeypatch) == []


def test_mutated_corpus_sample_fails_as_lark_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """A quick slice of the slow mutation tests above, so the quick subset covers them too."""
    cases = [("filter_value", text) for filter_text in FILTERS[::7] for text in _mutations(filter_text)]
    cases += [("query", text) for query in QUERIES[::4] for text in _mutations(query)]
    assert _differences(cases, monkeypatch) == []


# -- the mechanism itself ------------------------------------------------------------------------

def test_an_error_after_a_long_list_resumes_at_its_last_separator(monkeypatch: pytest.MonkeyPatch) -> None:
    """The error path parses only the tail with callbacks: no whole parse by the driver."""
    from odatakit.query import _lalr

    whole_parses = []
    parse = _lalr.Driver.parse

    def counted(self: Any, text: str, start: str, resume: Any = None) -> Any:
        if resume is None:
            whole_parses.append(text)
        return parse(self, text, start, resume)

    monkeypatch.setattr(_lalr.Driver, "parse", counted)
    for family in ("select", "orderby", "or-chain-of-comparisons", "in-list", "case", "expand-nested-option-list"):
        check, _, make_error, _ = FAMILIES[family]
        with pytest.raises(odatakit.ODataSyntaxError):
            check(make_error(50))
    assert whole_parses == []


@pytest.mark.parametrize("family", ["select", "orderby", "query-string-of-options"])
def test_a_plain_list_broken_in_its_tail_is_recognised_over_two_items_only(family: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain $select/$orderby list that fails in its last characters: the states after its
    first two items and comma stand for those after all of them, so the recognition pass reads
    a few characters, not the list (the message is Lark's: the rows above)."""
    from odatakit.query import _lalr

    recognised = []
    checkpoint = _lalr.Driver._checkpoint

    def counted(self: Any, text: str, start: str, reached: int) -> Any:
        recognised.append(reached)
        return checkpoint(self, text, start, reached)

    monkeypatch.setattr(_lalr.Driver, "_checkpoint", counted)
    check, _, make_error, _ = FAMILIES[family]
    with pytest.raises(odatakit.ODataSyntaxError):
        check(make_error(200))
    assert recognised and max(recognised) < 20


@pytest.mark.parametrize("text", [
    "N($select=a,b,c/d;$orderby=a desc,b,c asc;$top=1;",
    "A($orderby=a,b),B($select=x,y;$expand=C($select=p,q;$orderby=r desc,s);$count=true;",
    "N(select=a,b;ORDERBY=c,d;%24select=e,f;",
])
def test_the_recognition_pass_skips_plain_nested_lists_and_keeps_the_states(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A nested $select/$orderby value that is a plain list is read up to its first item: the
    list and that item both reduce to the option's rule on the same lookahead (``;``/``)``), so
    the states at the last separator are those of the pass that reads every item."""
    from odatakit.query import _lalr

    driver = parser._driver()
    assert driver is not None
    skipped = driver._checkpoint(text, "expand_value", len(text))
    assert skipped is not None
    monkeypatch.setattr(_lalr, "_PLAIN_RUNS", {})
    assert driver._checkpoint(text, "expand_value", len(text)) == skipped


def test_a_plain_nested_list_is_skipped_from_its_first_comma_to_its_end() -> None:
    from odatakit.query import _lalr

    text = "N($select=a,b/c,d;$top=1)"
    at = text.index("=") + 1
    assert _lalr._plain_run(_lalr.PLAIN_SELECT, text, at, len(text)) == (text.index(","), text.index(";"))
    assert _lalr._plain_run(_lalr.PLAIN_SELECT, text, at, text.index(";")) == (-1, -1)  # not read past it
    assert _lalr._plain_run(_lalr.PLAIN_SELECT, "N($select=a;$top=1)", at, 19) == (-1, -1)  # one item: nothing to skip
    assert _lalr._plain_run(_lalr.PLAIN_SELECT, "N($select=a,b($top=1))", at, 22) == (-1, -1)  # not plain to its end


def test_a_resumed_parse_that_reaches_back_gives_way_to_a_whole_parse() -> None:
    """A valid text the fast path does not cover: the rule that closes the list holds values
    before the checkpoint, so the driver parses the whole text (the tree is the grammar's)."""
    from odatakit.query import _lalr

    driver = parser._driver()
    assert driver is not None
    text = "A eq 1 or B eq 2 or C eq [1,2]"
    with pytest.raises(_lalr.Crossed):
        driver.resume(text, "filter_value", text.index("["))
    assert odatakit.parse_filter(text) == parser._parser().parse(text, start="filter_value")


def test_the_checkpoint_is_the_end_of_the_last_separator_before_the_point_reached() -> None:
    driver = parser._driver()
    assert driver is not None
    text = "A eq 1 or B eq 2 or C eq 3"
    at, states = driver._checkpoint(text, "filter_value", text.index("C") + 1)
    assert at == text.index("C")
    assert driver._checkpoint(text, "filter_value", text.index("B")) == driver._checkpoint(text, "filter_value", text.index("B") + 1)
    assert driver._checkpoint(text, "filter_value", 3) is None  # no separator yet: no checkpoint
    assert states == driver._checkpoint("X eq 9 or Y eq 8 or C", "filter_value", 20)[1]  # states, not values


def test_a_valid_select_with_a_tail_outside_the_plain_form_does_not_load_lark() -> None:
    """The plain-list shortcut runs only after the fast paths refused the text: a valid list
    never reaches the grammar (a fresh interpreter, so no earlier test has loaded Lark)."""
    import subprocess
    import sys

    code = (
        "import sys, odatakit\n"
        "odatakit.parse_select('a,b/c,d,e($select=x)')\n"
        "odatakit.parse_select('a,b,c,d($top=1;$orderby=x desc)')\n"
        "odatakit.parse_query('$select=a,b,c,d($top=2)&$filter=a eq 1')\n"
        "odatakit.parse_orderby('a,b desc,c,length(d) asc,e')\n"
        "odatakit.parse_query('$orderby=a,b,c desc,d eq 1&$top=1')\n"
        "assert 'lark' not in sys.modules, 'lark was loaded'\n"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env={"PYTHONPATH": str(root)})


def test_without_lark_internals_errors_are_still_lark_s(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Lark release that moves an internal the driver reads turns the driver off, and with it
    the resumed error path and the plain-list shortcut: Lark words every error as before."""
    from odatakit.query import _lalr

    cases = [(start, text) for start, text in FAULT_THEN_ERROR if start != "query"]
    expected = [_outcome(lambda: parser._parse(text, start)) for start, text in cases]
    monkeypatch.setattr(_lalr, "INTERNALS", False)
    parser._driver.cache_clear()
    try:
        assert parser._driver() is None
        assert [_outcome(lambda: parser._parse(text, start)) for start, text in cases] == expected
    finally:
        parser._driver.cache_clear()


#: What the mutations below splice in: delimiters, operators, faulty values, escapes.
PIECES = [",", ")", "(", " or ", " and ", "'", "2024-13-01", "9999999999999999999999", "x(", "/", ";", " eq ",
          "$", "[", "{", "-", " ", "@a", "nosuch(", "has 1", "1.5e", "geo.x(", "@", "%2C", "%20"]


@pytest.mark.parametrize("seed", [1, pytest.param(2, marks=pytest.mark.slow), pytest.param(3, marks=pytest.mark.slow)])
def test_random_mutations_of_lists_and_queries_fail_as_lark_says(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeded splices anywhere in the linear families (small), the corpus filters and query
    strings: a broken item in the middle, a fault before an error, an error inside an item."""
    import random

    rng = random.Random(seed)
    families = [(parse, make) for family, (parse, make, _, _) in sorted(FAMILIES.items()) if family != "url-key-list"]
    different = []
    for round_ in range(700):
        if round_ % 2:
            parse, make = rng.choice(families)
            text = make(rng.randint(2, 9))
        else:
            source = rng.choice([*QUERIES, *FILTERS])
            parse = odatakit.parse_query if source in QUERIES else odatakit.parse_filter
            text = source
        for _ in range(rng.randint(1, 2)):
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(PIECES) + text[at + rng.randint(0, 2):]
        ours, lark = _both(lambda: parse(text), monkeypatch)
        if ours != lark:
            different.append(text)
    assert different == []
