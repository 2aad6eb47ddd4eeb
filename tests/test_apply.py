"""$apply (OData Data Aggregation 4.0, odata-aggregation-abnf): trees, printing, builder, errors.

The OASIS suite itself runs in tests/test_conformance_aggregation.py; this file pins the tree
shapes, the builder, the errors and the round-trip property over drawn trees.
"""

from __future__ import annotations

import pytest
from hypothesis import given

import odatakit
from odatakit import F, ODataSyntaxError, Q, T, tree
from odatakit.strategies import applies, queries

P = lambda text: odatakit.parse_expression(text)  # noqa: E731  (a path, as the parser reads it)


@pytest.mark.parametrize(("text", "expected"), [
    ("identity", tree.Apply([tree.Identity()])),
    ("top(5)/skip(2)", tree.Apply([tree.ApplyTop(5), tree.ApplySkip(2)])),
    ("aggregate($count as N)", tree.Apply([tree.Aggregate([tree.AggregateExpr(tree.Path([tree.Count()]), alias="N")])])),
    ("aggregate(Forecast)", tree.Apply([tree.Aggregate([tree.AggregateExpr(P("Forecast"))])])),
    ("aggregate(Self.DigitalProduct with Custom.discount as D)", tree.Apply([tree.Aggregate([
        tree.AggregateExpr(tree.Path([tree.TypeCast("Self.DigitalProduct")]), "Custom.discount", alias="D")])])),
    ("groupby((rollup(H)),topcount(2,Amount))", tree.Apply([tree.GroupBy(
        [tree.Rollup(hierarchy="H")], tree.Apply([tree.Ranking("topcount", tree.Literal("Int32", 2), P("Amount"))]))])),
    ("join(Sales as S,filter(true))", tree.Apply([tree.Join(
        P("Sales"), "S", tree.Apply([tree.ApplyFilter(tree.Literal("Boolean", True))]))])),
    ("outerjoin(Sales as S)", tree.Apply([tree.Join(P("Sales"), "S", outer=True)])),
    ("nest(identity as A)", tree.Apply([tree.Nest([tree.NestItem(tree.Apply([tree.Identity()]), "A")])])),
    ("Custom.condense()", tree.Apply([tree.FunctionCall("Custom.condense")])),
    ("ancestors($root/T,H,ID,filter(true),2,keep start)", tree.Apply([tree.HierarchyFilter(
        "ancestors", tree.Hierarchy(P("$root/T"), "H", P("ID")),
        tree.Apply([tree.ApplyFilter(tree.Literal("Boolean", True))]), 2, keep_start=True)])),
    ("traverse($root/T,H,ID,postorder,Name desc)", tree.Apply([tree.Traverse(
        tree.Hierarchy(P("$root/T"), "H", P("ID")), "postorder", None, [tree.OrderByItem(P("Name"), True)])])),
])
def test_apply_text_parses_to_its_tree_and_prints_back(text: str, expected: tree.Apply) -> None:
    assert odatakit.parse_apply(text) == expected
    assert odatakit.serialize(expected) == text


@pytest.mark.parametrize(("text", "reason"), [
    ("aggregate()", "unexpected"),
    ("aggregate(Amount with sum)", "needs an alias"),
    ("aggregate(Amount with total as T)", "unknown aggregation method 'total'"),
    ("aggregate(Amount mul 2 as T)", "needs a method"),
    ("aggregate($count with sum as N)", "$count takes no aggregation method"),
    ("aggregate(Amount with sum from Time as T)", "each from needs its method"),
    ("groupby((A/@Core.Term))", "grouping property"),
    ("groupby((A/Ns.T))", "grouping property"),
    ("rollup(A,B)", "unexpected"),
    ("groupby((rollup(A/B)))", "rollup() takes two or more"),
    ("top(-1)", "digits 0-9"),
    ("top(١)", "top("),
    ("concat(identity)", "unexpected"),
    ("Items", "unexpected"),
    ("ancestors($root/T,H,Sales(1)/ID,identity)", "unexpected '('"),
])
def test_bad_apply_text_is_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ODataSyntaxError) as caught:
        odatakit.parse_apply(text)
    assert reason in str(caught.value)


def test_apply_nests_in_expand_options() -> None:
    """Data Aggregation §3.16: expandOption =/ apply."""
    expand = odatakit.parse_expand("Products($apply=aggregate(Price with average as A);$top=1)")
    assert expand.items[0].apply == odatakit.parse_apply("aggregate(Price with average as A)")
    assert odatakit.serialize(expand) == "Products($apply=aggregate(Price with average as A);$top=1)"


def test_builder_makes_the_parsers_apply_tree() -> None:
    built = Q().apply(
        T.filter(F.Amount > 3),
        T.groupby("Customer/Country", T.rollup("A/B", "A/C"),
                  then=T.aggregate(T.agg(F.Amount, "sum", alias="Total", from_=[("Time", "average")]), N="$count")),
        T.concat(T.identity, [T.topcount(2, F.Amount), T.top(1)]),
    )
    text = ("$apply=filter(Amount gt 3)/groupby((Customer/Country,rollup(A/B,A/C)),"
            "aggregate(Amount with sum from Time with average as Total,$count as N))/concat(identity,topcount(2,Amount)/top(1))")
    assert str(built) == text
    assert odatakit.parse_query(text) == built.to_tree()


@pytest.mark.parametrize(("make", "error"), [
    (lambda: T.agg(F.Amount, "total"), ValueError),
    (lambda: T.rollup("A"), ValueError),
    (lambda: T.concat(T.identity), ValueError),
    (lambda: T.aggregate(), ValueError),
    (lambda: T.ranking("topfew", 1, F.A), ValueError),
    (lambda: Q().apply(), TypeError),
])
def test_builder_refuses_what_the_grammar_refuses(make, error: type[Exception]) -> None:
    with pytest.raises(error):
        make()


@pytest.mark.slow
@given(applies())
def test_drawn_apply_trees_round_trip(apply: tree.Apply) -> None:
    text = odatakit.serialize(apply)
    assert odatakit.parse_apply(text) == apply
    assert odatakit.serialize(odatakit.parse_apply(text)) == text
    assert odatakit.parse_apply(odatakit.serialize(apply, url=True)) == apply


@pytest.mark.slow
@given(queries())
def test_drawn_queries_with_apply_round_trip(query: tree.Query) -> None:
    assert odatakit.parse_query(odatakit.serialize(query, url=True)) == query
