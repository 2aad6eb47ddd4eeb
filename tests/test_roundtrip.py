"""Round trips over generated trees: for every tree t a strategy draws,
``parse(serialize(t)) == t`` (canonical and URL form) and printing is a fixed point
(``serialize(parse(serialize(t))) == serialize(t)``).

Bugs these properties found are fixed; their exact texts stay below as regression pins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import odatakit
from odatakit import strategies as ost

# found by these properties, fixed in the parser: kept as regression pins
@pytest.mark.parametrize("text", ["-0001-01-01T00:00:00Z", "10000-01-01T00:00:00Z"])
def test_date_time_offset_with_any_year_parses(text: str) -> None:
    assert odatakit.serialize(odatakit.parse_expression(text)) == text


@pytest.mark.parametrize("text", ["%27x", "%27"])
def test_search_word_led_by_an_encoded_quote_is_refused(text: str) -> None:
    with pytest.raises(odatakit.ODataSyntaxError):
        odatakit.parse_search(text)


@pytest.mark.parametrize("text", ["blue%0AND", "a%0Db"])
def test_search_words_the_parser_reads_print_back(text: str) -> None:
    node = odatakit.parse_search(text)
    assert odatakit.parse_search(odatakit.serialize(node)) == node


# -- the properties --------------------------------------------------------------------------

#: option → (tree strategy, parse function)
_OPTIONS: dict[str, tuple[st.SearchStrategy[Any], Callable[[str], Any]]] = {
    "filter": (ost.filters(), odatakit.parse_filter),
    "filter-4.0": (ost.filters(version="4.0"), odatakit.parse_filter),
    "expression": (ost.expressions(), odatakit.parse_expression),
    "literal": (ost.literals(), odatakit.parse_literal),
    "enum-literal": (ost.enum_literals(), odatakit.parse_literal),
    "path": (ost.paths(), odatakit.parse_expression),
    "search": (ost.searches(), odatakit.parse_search),
    "orderby": (ost.orderbys(), odatakit.parse_orderby),
    "compute": (ost.computes(), odatakit.parse_compute),
    "select": (ost.selects(), odatakit.parse_select),
    "expand": (ost.expands(), odatakit.parse_expand),
    "query": (ost.queries(), odatakit.parse_query),
    "query-4.0": (ost.queries(version="4.0"), odatakit.parse_query),
}


def _roundtrip(node: Any, parse: Callable[[str], Any]) -> None:
    text = odatakit.serialize(node)
    assert parse(text) == node, text
    url_text = odatakit.serialize(node, url=True)
    assert parse(url_text) == node, url_text
    assert odatakit.serialize(parse(text)) == text


@pytest.mark.parametrize("option", sorted(_OPTIONS))
def test_generated_tree_survives_serialize_and_parse(option: str) -> None:
    strategy, parse = _OPTIONS[option]

    @given(strategy)
    def check(node: Any) -> None:
        _roundtrip(node, parse)

    check()


@given(ost.query_examples())
def test_query_example_texts_are_the_serializers(example: ost.Example) -> None:
    assert odatakit.parse_query(example.text) == example.tree
    assert odatakit.parse_query("?" + example.url) == example.tree


@settings(max_examples=30)
@given(ost.filters(max_depth=8, max_leaves=40))
def test_large_filters_round_trip(node: Any) -> None:
    _roundtrip(node, odatakit.parse_filter)


@pytest.mark.parametrize("kind", [k for k in ost.EXPRESSION_KINDS if k != "collection"])
def test_every_expression_kind_round_trips(kind: str) -> None:
    @settings(max_examples=25)
    @given(ost.expressions(kind, max_depth=3))
    def check(node: Any) -> None:
        _roundtrip(node, odatakit.parse_expression)

    check()
