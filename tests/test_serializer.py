"""Tree → text: canonical text, URL form, minimal parentheses, and the round trips."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

import odatakit
from odatakit.query.tree import (
    And, BinaryOp, EnumLiteral, In, ListExpr, Literal, Or, Path, Property, Query, Search, SearchAnd, SearchPhrase,
    SearchWord, UnaryOp,
)


def P(name: str) -> Path:
    return Path((Property(name),))


# (input text, canonical text): serialize(parse(input)) == canonical, and canonical is a fixed point
CANONICAL = [
    ("A  eq  1", "A eq 1"),
    ("A%20EQ%20'x'", "A eq 'x'"),
    ("(A eq 1)", "A eq 1"),
    ("((A)) or ((B))", "A or B"),
    ("(A or B) and C", "(A or B) and C"),
    ("A or (B and C)", "A or B and C"),
    ("(A and B) and C", "A and B and C"),
    ("A and (B and C)", "A and B and C"),
    ("A sub (B sub C)", "A sub (B sub C)"),
    ("(A sub B) sub C", "A sub B sub C"),
    ("A mul (B add C)", "A mul (B add C)"),
    ("(A mul B) add C", "A mul B add C"),
    ("not (A eq B)", "not (A eq B)"),
    ("not(A)", "not A"),
    ("-(A add B)", "-(A add B)"),
    ("- 5", "-(5)"),
    ("-(-5)", "-(-5)"),
    ("(A has 'B') eq true", "A has 'B' eq true"),
    ("(A add B) has Ns.E'C'", "(A add B) has Ns.E'C'"),
    ("Name in ( 'a' , 'b' )", "Name in ('a','b')"),
    ("Name in (A add B)", "Name in (A add B)"),
    ("'O''Neil'", "'O''Neil'"),
    ("'%27%27'", "''''"),
    ("'100%2541'", "'100%2541'"),
    ("'a&b#c'", "'a%26b%23c'"),
    ("1.50", "1.50"),
    ("1e5", "100000.0e0"),
    ("1E-3", "0.001e0"),
    ("INF", "INF"),
    ("true", "true"),
    ("TRUE", "true"),
    ("2012-09-03T14:53+02:00", "2012-09-03T14:53:00%2B02:00"),  # "+" encoded: a form decoder reads it as a space
    ("01234567-89AB-CDEF-0123-456789ABCDEF", "01234567-89ab-cdef-0123-456789abcdef"),
    ("duration'P1DT36H'", "duration'P1DT36H'"),
    ("binary'T0RhdGE='", "binary'T0RhdGE'"),
    ("CONTAINS(A,'b')", "contains(A,'b')"),
    ("Items/ANY(d : d/X eq 1)", "Items/any(d:d/X eq 1)"),
    ("case( X gt 0 : 1 , true : 0)", "case(X gt 0 : 1,true:0)"),
    ("case(X gt 10 : 12,true:A)", "case(X gt 10 : 12,true:A)"),
    ("Price/@Currency#Reporting", "Price/@Currency%23Reporting"),
]


@pytest.mark.parametrize(("text", "canonical"), CANONICAL, ids=[t for t, _ in CANONICAL])
def test_canonical_text_is_a_fixed_point(text: str, canonical: str) -> None:
    tree = odatakit.parse_expression(text)
    assert odatakit.serialize(tree) == canonical
    assert odatakit.parse_expression(canonical) == tree
    assert odatakit.serialize(odatakit.parse_expression(canonical)) == canonical


# (tree, URL form)
URL_FORMS = [
    (BinaryOp("eq", P("Id"), Literal("String", "Com.Contoso.Referral")), "Id%20eq%20'Com.Contoso.Referral'"),
    (BinaryOp("eq", P("Name"), Literal("String", "a b&c#d%e+f;g'h")), "Name%20eq%20'a%20b%26c%23d%25e%2Bf%3Bg''h'"),
    (BinaryOp("eq", P("Name"), Literal("String", "Δ/?:@")), "Name%20eq%20'%CE%94/?:@'"),
    (BinaryOp("eq", P("Name"), Literal("String", "line\nbreak")), "Name%20eq%20'line%0Abreak'"),
    (In(P("A"), ListExpr((Literal("Int32", 1), Literal("Int32", 2)))), "A%20in%20(1,2)"),
    (BinaryOp("eq", P("When"), odatakit.parse_literal("2012-09-03T14:53+02:00")), "When%20eq%202012-09-03T14:53:00%2B02:00"),
    (odatakit.parse_expression('A eq {"k":"v w"}'), "A%20eq%20%7B%22k%22:%22v%20w%22%7D"),
    (odatakit.parse_expression('A in ["a\\\\b"]'), "A%20in%20%5B%22a%5C%5Cb%22%5D"),
]


@pytest.mark.parametrize(("tree", "url"), URL_FORMS, ids=[u for _, u in URL_FORMS])
def test_url_form_encodes_what_a_url_cannot_carry(tree: object, url: str) -> None:
    assert odatakit.serialize(tree, url=True) == url
    assert odatakit.parse_expression(url) == tree


def test_data_extensions_example_comes_out_exactly() -> None:
    text = "$filter=Extensions/any(f:f/Id eq 'Com.Contoso.Referral')&$expand=Extensions($filter=Id eq 'Com.Contoso.Referral')"
    query = odatakit.parse_query(text)
    assert odatakit.serialize(query) == text
    assert odatakit.serialize(query, url=True) == (
        "$filter=Extensions/any(f:f/Id%20eq%20'Com.Contoso.Referral')"
        "&$expand=Extensions($filter=Id%20eq%20'Com.Contoso.Referral')"
    )


# Trees the parser would never build itself (the builder can): they still print to text that
# means the same tree.
BUILT_TREES = [
    BinaryOp("sub", P("A"), BinaryOp("sub", P("B"), P("C"))),
    And((Or((P("A"), P("B"))), P("C"))),
    Or((And((P("A"), P("B"))), And((P("C"), P("D"))))),
    UnaryOp("-", Literal("Int32", 5)),
    UnaryOp("-", Literal("Double", math.inf)),
    UnaryOp("-", UnaryOp("-", P("A"))),
    UnaryOp("not", UnaryOp("not", P("A"))),
    BinaryOp("has", UnaryOp("-", P("A")), EnumLiteral("Ns.E", ("B",))),
    In(BinaryOp("add", P("A"), P("B")), ListExpr((Literal("Int32", 1),))),
    BinaryOp("eq", P("D"), Literal("Decimal", Decimal("1E+5"))),
    BinaryOp("eq", P("D"), Literal("Decimal", Decimal("-0.000"))),
    BinaryOp("eq", P("D"), Literal("Decimal", Decimal("1E+500"))),
    BinaryOp("eq", P("D"), Literal("Double", 1e300)),
    BinaryOp("eq", P("D"), Literal("Double", -0.0)),
    BinaryOp("eq", P("D"), Literal("Double", 5e-324)),
    BinaryOp("eq", P("D"), Literal("Decimal", 2**70)),
]


@pytest.mark.parametrize("tree", BUILT_TREES, ids=repr)
def test_every_tree_prints_to_text_that_parses_back_to_it(tree: object) -> None:
    text = odatakit.serialize(tree)
    assert odatakit.parse_expression(text) == tree
    assert odatakit.parse_expression(odatakit.serialize(tree, url=True)) == tree


SEARCHES = [
    (Search(SearchAnd(SearchWord("NOT"), SearchWord("x"))), "(NOT) AND x"),
    (Search(SearchWord("a;b&c")), "a%3Bb%26c"),
    (Search(SearchPhrase("blue green")), '"blue green"'),
]


@pytest.mark.parametrize(("tree", "text"), SEARCHES, ids=[t for _, t in SEARCHES])
def test_search_words_that_could_misread_are_protected(tree: object, text: str) -> None:
    assert odatakit.serialize(tree) == text
    assert odatakit.parse_search(text) == tree


@pytest.mark.parametrize(
    "tree",
    [Search(SearchWord("two words")), Search(SearchPhrase('say "hi"')), Search(SearchWord("(x"))],
    ids=repr,
)
def test_search_text_the_grammar_cannot_carry_is_refused(tree: object) -> None:
    with pytest.raises(ValueError):
        odatakit.serialize(tree)


def test_query_options_come_out_in_canonical_order() -> None:
    query = odatakit.parse_query("find=x&@a=1&$top=5&$select=A&$filter=A eq @a")
    assert odatakit.serialize(query) == "$filter=A eq @a&$select=A&$top=5&@a=1&find=x"


def test_custom_option_that_looks_like_a_system_option_is_refused() -> None:
    from odatakit.query.tree import CustomOption

    with pytest.raises(ValueError):
        odatakit.serialize(Query(custom=(CustomOption("$filter", "x"),)))


def test_serializing_something_that_is_not_a_tree_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        odatakit.serialize("A eq 1")


@pytest.mark.parametrize(
    ("tree", "path_form"),
    [
        (odatakit.parse_key("('AAMkAGE1M2IyNGNmLTI5MTktNDUyZi1iOTVl===')"), "('AAMkAGE1M2IyNGNmLTI5MTktNDUyZi1iOTVl===')"),
        (odatakit.parse_key("('Smartphone%2FTablet?x')"), "('Smartphone%2FTablet%3Fx')"),
        (odatakit.parse_key("('O''Neil')"), "('O''Neil')"),
        (odatakit.parse_expression("Name eq '/../admin' and Address/City eq 'a b'"),
         "Name%20eq%20'%2F..%2Fadmin'%20and%20Address/City%20eq%20'a%20b'"),
    ],
    ids=["base64-id", "slash-and-question-mark", "quote", "filter-segment"],
)
def test_path_form_encodes_what_would_split_a_path_segment(tree: object, path_form: str) -> None:
    """url="path": a literal's '/' would split the segment and '?' start the query; '=' is plain."""
    assert odatakit.serialize(tree, url="path") == path_form
    parse = odatakit.parse_key if isinstance(tree, odatakit.Key) else odatakit.parse_expression
    assert parse(path_form) == tree


#: Texts at the parser's depth limit, one per way of nesting: (name, text of n levels)
_DEEPEST = {
    "not": lambda n: "$filter=" + "not " * n + "A",
    "negation": lambda n: "$filter=" + "-" * n + "A eq 1",
    "call": lambda n: "$filter=" + "tolower(" * n + "A" + ")" * n + " eq 'a'",
    "cast": lambda n: "$filter=" + "cast(" * n + "A" + ",Edm.Int32)" * n + " eq 1",
    "in": lambda n: "$filter=" + "A in (" * n + "1" + ")" * n,
    "sub": lambda n: "$filter=" + "1 sub (" * n + "1" + ")" * n + " eq 1",
    "lambda": lambda n: "$filter=" + "A/any(x:" * n + "true" + ")" * n,
    "expand": lambda n: "$expand=" + "A($expand=" * n + "B" + ")" * n,
}


@pytest.mark.parametrize("kind", sorted(_DEEPEST))
def test_the_deepest_tree_the_parser_returns_prints(kind: str) -> None:
    """The printer counts its own nesting; every tree the parser returns is within it."""
    make = _DEEPEST[kind]
    deepest = max(n for n in range(1, 210, 1) if _parses(make(n)))
    node = odatakit.parse_query(make(deepest))
    assert odatakit.parse_query(odatakit.serialize(node, url=True)) == node


def _parses(text: str) -> bool:
    try:
        odatakit.parse_query(text)
    except odatakit.ODataSyntaxError:
        return False
    return True
