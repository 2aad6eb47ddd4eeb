"""The bounded grammar generator the fuzz tests draw from (``tests/_grammar_texts.py``): repeats
bounded, lookaheads the next rule satisfies left out, every derivation finishing, texts the
grammar reads."""

from __future__ import annotations

import re

import lark
import pytest
from hypothesis import given, settings

from _grammar_texts import _bounded_repeats, _ranks, _regex_texts, grammar_texts

# pattern → the same pattern with its open repeats bounded (3 past the minimum)
BOUNDED = [
    (r"a*", r"a{0,3}"),
    (r"a+", r"a{1,4}"),
    (r"a++b*+", r"a{1,4}+b{0,3}+"),
    (r"a+?", r"a{1,4}?"),
    (r"[0-9]{4,}", r"[0-9]{4,7}"),
    (r"a{2,5}", r"a{2,5}"),  # already bounded
    (r"\*\+", r"\*\+"),  # escaped: literal characters
    (r"[*+]x", r"[*+]x"),  # inside a class: literal characters
    (r"[]*]+", r"[]*]{1,4}"),  # a ] first in a class is literal
    (r"(?:ab|%20)*", r"(?:ab|%20){0,3}"),
    (r"(?i:x)+", r"(?i:x){1,4}"),
    (r"null(?!\w)", r"null(?!\w)"),
    (r"a?+b", r"a?+b"),  # a possessive ? stays as it is
    (r"a{2}+b{2,3}+c{,4}+", r"a{2}+b{2,3}+c{,4}+"),  # so do bounded repeats, possessive or not
    (r"a{,}", r"a{0,3}"),
    (r"(?#[)a*", r"(?#[)a*"),  # an unclosed [ in a comment: the rest is copied
]


@pytest.mark.parametrize(("pattern", "bounded"), BOUNDED)
def test_open_repeats_are_bounded(pattern: str, bounded: str) -> None:
    assert _bounded_repeats(pattern, 3) == bounded
    re.compile(bounded)


@settings(max_examples=30)
@given(_regex_texts(r"filter(?=\(|%28)"))
def test_a_trailing_lookahead_is_left_to_the_rule_that_follows(text: str) -> None:
    assert text == "filter"


@settings(max_examples=30)
@given(_regex_texts(r"(?i:any(?=\(|%28))"))
def test_a_trailing_lookahead_inside_a_flag_group_is_left_out_too(text: str) -> None:
    assert text.lower() == "any"


@settings(max_examples=30)
@given(_regex_texts(r"(?:[ \t]++|%20)*x"))
def test_terminal_texts_match_their_pattern_whole(text: str) -> None:
    assert re.fullmatch(r"(?:[ \t]++|%20)*x", text)


# A left-recursive, deeply chained grammar: unbounded expansion would never end.
CHAIN = r"""
start: sum
sum: sum "+" product | product
product: product "*" atom | atom
atom: NUMBER | "(" sum ")" | "-" atom
NUMBER: /[0-9]+/
"""
CHAIN_PARSER = lark.Lark(CHAIN, parser="lalr")


def test_ranks_are_the_round_each_rule_first_derives_terminals() -> None:
    _, rules, _ = CHAIN_PARSER.grammar.compile(["start"], set())
    expansions: dict[str, list[tuple[object, ...]]] = {}
    for rule in rules:
        expansions.setdefault(rule.origin.name, []).append(tuple(rule.expansion))
    assert _ranks(expansions) == {"atom": 1, "product": 2, "sum": 3, "start": 4}


@settings(max_examples=60)
@given(grammar_texts(CHAIN_PARSER, "start", max_depth=8, max_rules=20))
def test_every_derivation_ends_in_a_text_the_grammar_reads(text: str) -> None:
    CHAIN_PARSER.parse(text)
