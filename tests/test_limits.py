"""No input crashes, hangs or runs Python's recursion out: deep, long and hostile text ends in a
tree or in ODataSyntaxError. (Sizes are large enough to catch quadratic or exponential
behaviour; the benchmarks, not these tests, measure speed.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import odatakit
from odatakit import ODataSyntaxError
from odatakit.query.syntax import MAX_DEPTH
from odatakit.query.tree import BinaryOp, Literal, Or, Path, Property, UnaryOp

MEGABYTE = 1_000_000


def test_ten_thousand_parentheses_parse_to_the_inner_expression() -> None:
    text = "(" * 10_000 + "A eq 1" + ")" * 10_000
    assert odatakit.parse_filter(text) == BinaryOp("eq", Path((Property("A"),)), Literal("Int32", 1))


def test_unbalanced_ten_thousand_parentheses_is_a_syntax_error() -> None:
    with pytest.raises(ODataSyntaxError, match="end of input"):
        odatakit.parse_filter("(" * 10_000 + "A eq 1" + ")" * 9_999)


@pytest.mark.parametrize(
    "text",
    [
        "not " * 10_000 + "A",
        "-" * 10_000 + "A",
        " add ".join(["A"] * 10_000) + " eq 1",
        "A/any(x:" * 10_000 + "x" + ")" * 10_000,
        "A/all(x:" * 10_000 + "x eq 1" + ")" * 10_000,
        "A eq " + "[" * 10_000 + "1" + "]" * 10_000,
        "case(" * 2_000 + "true:1" + ")" * 2_000,
    ],
    ids=["not", "negation", "add-chain", "any-lambdas", "all-lambdas", "json", "case"],
)
def test_deep_trees_end_in_an_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(ODataSyntaxError):
        odatakit.parse_filter(text)


def test_deep_nested_expand_ends_in_an_error() -> None:
    with pytest.raises(ODataSyntaxError, match="nested more than"):
        odatakit.parse_expand("A($expand=" * 5_000 + "B" + ")" * 5_000)


def test_trees_up_to_the_depth_limit_parse_print_and_compare() -> None:
    text = "not " * (MAX_DEPTH - 3) + "A"
    tree = odatakit.parse_filter(text)
    assert odatakit.parse_filter(odatakit.serialize(tree)) == tree
    assert repr(tree).startswith("UnaryOp(")


def test_built_tree_deeper_than_the_limit_is_refused_by_the_serializer() -> None:
    tree: object = Path((Property("A"),))
    for _ in range(MAX_DEPTH + 20):  # the printer allows a few levels around the parser's limit
        tree = UnaryOp("not", tree)
    with pytest.raises(ValueError, match="nested more than"):
        odatakit.serialize(tree)


def test_long_or_chains_stay_flat() -> None:
    text = " or ".join(f"Id eq {n}" for n in range(100_000))
    tree = odatakit.parse_filter(text)
    assert isinstance(tree, Or) and len(tree.operands) == 100_000
    assert odatakit.serialize(tree) == text


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("A eq '" + "x" * MEGABYTE + "'", "tree"),
        ("A eq '" + "x" * MEGABYTE, "error"),
        ("A eq '" + "''" * (MEGABYTE // 2), "error"),
        ("A" + " " * MEGABYTE + "eq 1", "tree"),
        ("A eq 1" + " " * MEGABYTE, "error"),
        ("A" + "%20" * (MEGABYTE // 3) + "eq 1", "tree"),
        ("\x00\xff" * (MEGABYTE // 2), "error"),
        ('A eq ["' + "\\\\" * (MEGABYTE // 2) + '"]', "tree"),
        ("A eq geography'SRID=0;Polygon((" + ",".join(["1 2"] * 100_000) + "))'", "tree"),
        ("A in (" + ",".join(["1"] * 50_000) + ")", "tree"),
    ],
    ids=["string", "unterminated", "quote-pairs", "spaces", "trailing-spaces", "encoded-spaces",
         "binary-garbage", "json-escapes", "geo", "in-list"],
)
def test_megabyte_inputs_end_in_a_tree_or_a_syntax_error(text: str, outcome: str) -> None:
    try:
        odatakit.parse_filter(text)
    except ODataSyntaxError:
        assert outcome == "error"
    else:
        assert outcome == "tree"


def test_megabyte_query_string_of_custom_options() -> None:
    text = "&".join(f"x{n}=1" for n in range(100_000))
    assert len(odatakit.parse_query(text).custom) == 100_000


def test_search_terms_nest_so_long_searches_meet_the_depth_limit() -> None:
    """AND/OR in $search build a binary tree: more than MAX_DEPTH terms is a clear error."""
    assert odatakit.parse_search(" OR ".join(f"w{n}" for n in range(MAX_DEPTH - 1)))
    with pytest.raises(ODataSyntaxError, match="nested more than"):
        odatakit.parse_search(" OR ".join(f"w{n}" for n in range(100_000)))


# An error names its offset and shows ~72 characters around it: its message does not grow with
# the input (no copy of a megabyte of text, no per-character work in the report).
_MEGABYTE_ERRORS = [
    (odatakit.parse_query, "$filter=" + " or ".join(f"Id eq {n}" for n in range(60_000)) + " or"),
    (odatakit.parse_query, "$filter=A eq '" + "x" * MEGABYTE),
    (odatakit.parse_query, "x=1&" * (MEGABYTE // 4) + "$top=-1"),
    (odatakit.parse_filter, "A eq 1 " + "and " * (MEGABYTE // 4)),
    (odatakit.parse_filter, "(" * MEGABYTE),
    (odatakit.parse_url, "https://h/s/People('" + "x" * MEGABYTE),
    (odatakit.parse_url, "https://h/s/People" + "(" * MEGABYTE),
    (odatakit.parse_url, "https://h/s/People" + "/$count" * (MEGABYTE // 7)),
    (odatakit.parse_context_url, "https://h/s/$metadata#People(" + "A," * (MEGABYTE // 2)),
]


@pytest.mark.parametrize(("parse", "text"), _MEGABYTE_ERRORS,
                         ids=["or-at-end", "unterminated", "after-options", "and-chain", "parentheses", "url-key",
                              "url-parentheses", "url-count", "context-select"])
def test_errors_in_megabyte_inputs_stay_short(parse: Callable[[str], object], text: str) -> None:
    with pytest.raises(ODataSyntaxError) as caught:
        parse(text)
    assert 0 <= caught.value.offset <= len(text)
    assert len(str(caught.value)) < 600


def test_megabyte_key_in_a_url_reads_back() -> None:
    url = odatakit.parse_url("https://h/s/People('" + "x" * MEGABYTE + "')")
    assert url.path[0].key.values[0].value == Literal("String", "x" * MEGABYTE)
