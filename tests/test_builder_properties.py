"""Hypothesis properties of the query builder.

1. Round trip: for any built expression, ``parse_filter(serialize(built)) == built`` in both the
   canonical and the URL form.
2. Security: no string value, wherever the builder puts it (a comparison, an ``in`` list, a
   nested expand filter, a search phrase, an alias value, a custom option), can change the
   query's structure: the URL form parses back to exactly the built query, holding the value
   unchanged.
"""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal
from typing import Any

import pytest
import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odatakit import F, Expression, Q, alias, case, cast, fn, isof, it, lit, parse_filter, parse_query, serialize, tree
from odatakit.strategies import CONFUSABLES
from odatakit.query.syntax import FUNCTIONS

# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------

#: Names that look like operators, keywords or functions: each must stay a property name.
TRICKY_NAMES = [
    "eq", "ne", "and", "or", "has", "in", "add", "sub", "mul", "div", "divby", "mod", "as", "asc", "desc",
    "any", "all", "contains", "now", "cast", "isof", "case", "Collection", "duration", "binary",
    "geography", "max", "notes", "nullable", "trueValue", "INFO", "NaNa", "it", "root", "this",
    "AND", "OR", "NOT", "Ns", "x", "f", "x1", "_", "Größe", "名前",
]
names = st.one_of(
    st.sampled_from(TRICKY_NAMES),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
).filter(lambda name: name.lower() not in ("null", "true", "false", "not") and name not in ("NaN", "INF"))

paths = st.builds(
    lambda first, rest: Expression(tree.Path([tree.Property(first), *(tree.Property(n) for n in rest)])),
    names, st.lists(names, max_size=2),
)

#: Strings of every kind: quotes, URL delimiters, percent escapes, unicode, control characters.
texts = st.one_of(
    st.text(),
    st.lists(
        st.sampled_from(list("'\"%&#+/?=;:@$!()*, \t\r\n\x00\x7f\u00e9\u4e2d\U0001f600") + ["%27", "%26", "%2", "''", "%2B"]
                        + list(CONFUSABLES)),
    ).map("".join),
)
# Decimals in plain positional range (a Decimal such as 1E+5 has no Decimal-typed literal text).
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**12, max_value=10**12)
aware_datetimes = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
    timezones=st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-8))]),
)
values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), decimals, texts,
    st.dates(), aware_datetimes, st.times(), st.timedeltas(), st.uuids(), st.binary(max_size=12),
)
literals = values.map(lit)


def _calls(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    # isdefined takes a member path only (Data Aggregation isdefinedExpr): drawn on its own
    defined = st.sampled_from(["Name", "Price", "Tags"]).map(lambda name: fn.isdefined(F[name]))
    return defined | st.sampled_from(sorted(set(FUNCTIONS) - {"isdefined"})).flatmap(
        lambda name: st.integers(*FUNCTIONS[name]).flatmap(
            lambda count: st.lists(children, min_size=count, max_size=count).map(lambda args: fn[name](*args))
        )
    )


def _lambda(kind: str, collection: Expression, prop: str, value: Any, inner: Expression, parameter: int) -> Expression:
    # Different Python parameter names, and predicates that mix the variable, outer paths and
    # nested lambdas, so the variable naming meets collisions.
    makers = [
        lambda x: (x[prop] == value) & inner,
        lambda f: (f[prop] == value) | inner,
        lambda Name: inner & (Name[prop] != value),
    ]
    return getattr(collection, kind)(makers[parameter])


def _extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    binary = st.sampled_from([
        lambda a, b: a == b, lambda a, b: a != b, lambda a, b: a < b, lambda a, b: a <= b,
        lambda a, b: a > b, lambda a, b: a >= b, lambda a, b: a & b, lambda a, b: a | b,
        lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
        lambda a, b: a % b, lambda a, b: a.divby(b),
    ])
    return st.one_of(
        st.builds(lambda op, a, b: op(a, b), binary, children, children),
        st.builds(lambda a: ~a, children),
        st.builds(lambda a: -a, children),
        st.builds(lambda a, items: a.in_(items), children, st.lists(st.one_of(values, names.map(alias)), min_size=1, max_size=3)),
        _calls(children),
        st.builds(lambda a, t: cast(a, t), children, st.sampled_from(["Edm.String", "Edm.Int64", "Collection(Ns.T)"])),
        st.builds(lambda a, t: isof(a, t), children, st.sampled_from(["Edm.String", "Ns.T"])),
        st.builds(lambda c, v, d: case((c, v), (True, d)), children, children, children),
        st.builds(_lambda, st.sampled_from(["any", "all"]), paths, names, values, children, st.integers(0, 2)),
    )


expressions = st.recursive(
    st.one_of(paths, literals, st.just(it).map(lambda root: root.Name), names.map(alias)),
    _extend, max_leaves=12,
)


def _round_trips(built: Expression) -> None:
    for url in (False, True):
        text = serialize(built.node, url=url)
        assert parse_filter(text) == built.node, text


# ---------------------------------------------------------------------------------------------
# 1. Round trip of built expressions
# ---------------------------------------------------------------------------------------------


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_built_expressions_parse_back_to_the_built_tree(built: Expression) -> None:
    _round_trips(built)


@pytest.mark.parametrize(
    "operand",
    [lit(0).in_([None]), lit(dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)).in_([1]), lit(float("inf")).in_([1])],
)
def test_negated_in_with_a_literal_on_the_left_round_trips(operand: Expression) -> None:
    _round_trips(-operand)


@given(values)
def test_every_python_value_round_trips_as_a_literal(value: Any) -> None:
    _round_trips(F.Value == value)


@given(st.integers(), st.floats(allow_nan=False), decimals)
def test_negating_a_number_literal_round_trips(integer: int, number: float, decimal: Decimal) -> None:
    for value in (integer, number, decimal):
        _round_trips(F.X == -lit(value))
        _round_trips(-lit(value) + F.X)


# ---------------------------------------------------------------------------------------------
# 2. Security: a value never changes the query's structure
# ---------------------------------------------------------------------------------------------

URL_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/?%")


def _same_query_back(query: Q) -> tree.Query:
    """The URL form is plain URL characters and parses back to exactly the built query; the
    canonical text does too."""
    url = query.to_url()
    assert set(url) <= URL_CHARACTERS, url
    assert "#" not in url and " " not in url
    built = query.to_tree()
    assert parse_query(url) == built, url
    assert parse_query("?" + url) == built
    assert parse_query(query.to_string()) == built, query.to_string()
    return built


def _name_eq(value: str) -> tree.BinaryOp:
    return tree.BinaryOp("eq", tree.Path((tree.Property("Name"),)), tree.Literal("String", value))


@given(texts)
def test_a_string_value_cannot_change_a_filter(value: str) -> None:
    built = _same_query_back(Q().filter(F.Name == value))
    assert built == tree.Query(filter=_name_eq(value))
    assert parse_query(Q().filter(F.Name == value).to_url()).filter.right.value == value  # type: ignore[union-attr]


@given(st.lists(texts, min_size=1, max_size=4))
def test_string_values_cannot_change_an_in_list(items: list[str]) -> None:
    built = _same_query_back(Q().filter(F.Name.in_(items)).top(1))
    assert built.filter == tree.In(
        tree.Path((tree.Property("Name"),)), tree.ListExpr(tree.Literal("String", item) for item in items),
    )
    assert built.top == 1 and built.expand is None and not built.custom and not built.aliases


@given(texts, texts)
def test_string_values_cannot_change_a_nested_expand_filter(outer: str, inner: str) -> None:
    query = Q().filter(F.Extensions.any(lambda f: f.Id == outer)).expand("Extensions", filter=F.Id == inner)
    built = _same_query_back(query)
    (item,) = built.expand.items  # type: ignore[union-attr]
    assert item.filter == tree.BinaryOp("eq", tree.Path((tree.Property("Id"),)), tree.Literal("String", inner))
    lambda_ = built.filter.segments[-1]  # type: ignore[union-attr]
    assert lambda_.predicate.right == tree.Literal("String", outer)


@given(texts.filter(lambda text: text and '"' not in text))
def test_a_string_cannot_change_a_search(value: str) -> None:
    built = _same_query_back(Q().search(value).top(2))
    assert built.search is not None and built.top == 2
    term = built.search.expr
    assert isinstance(term, (tree.SearchWord, tree.SearchPhrase)) and term.text == value


@given(texts, texts)
def test_string_values_cannot_change_alias_values_or_custom_options(value: str, custom: str) -> None:
    query = Q().filter(F.Region == alias("p1")).alias("p1", value).custom("note", custom)
    built = _same_query_back(query)
    assert built.aliases == (tree.AliasDefinition("p1", tree.Literal("String", value)),)
    assert built.custom == (tree.CustomOption("note", custom),)


# ---------------------------------------------------------------------------------------------
# 3. Lambda scoping: every reference resolves to the lambda it was written against
# ---------------------------------------------------------------------------------------------


def _nest(plan: list[tuple[int, bool, str]], level: int = 0, ancestors: tuple[Expression, ...] = ()) -> Expression:
    """Nested lambdas, one per plan step (Python parameter x, f or Name; starting from F or from
    the enclosing variable); the innermost predicate references every ancestor's ``P<i>`` and
    a plain property of the outer resource."""
    if level == len(plan):
        condition = F[plan[-1][2]] == 0  # a property, not a variable: must not be captured
        for depth, variable in enumerate(ancestors):
            condition = condition & (variable[f"P{depth}"] == depth)
        return condition
    maker, from_variable, _ = plan[level]
    collection = ancestors[-1][f"C{level}"] if from_variable and ancestors else F[f"C{level}"]
    makers = [
        lambda x: _nest(plan, level + 1, (*ancestors, x)),
        lambda f: _nest(plan, level + 1, (*ancestors, f)),
        lambda Name: _nest(plan, level + 1, (*ancestors, Name)),
    ]
    return collection.any(makers[maker])


def _resolve(node: Any, scope: tuple[str, ...], found: list[tuple[str, int | None]]) -> None:
    """Record, for each path starting with a property, which enclosing lambda (by depth) it names."""
    if isinstance(node, tree.Path):
        first = node.segments[0]
        if isinstance(first, tree.Property):
            depth = max((i for i, name in enumerate(scope) if name == first.name), default=None)
            second = node.segments[1] if len(node.segments) > 1 else None
            found.append((second.name if isinstance(second, tree.Property) else first.name, depth))
        for segment in node.segments:
            if isinstance(segment, tree.Lambda) and segment.predicate is not None:
                _resolve(segment.predicate, (*scope, segment.variable), found)  # type: ignore[arg-type]
        return
    if isinstance(node, tree.Node):
        for field in attrs.fields(type(node)):
            value = getattr(node, field.name)
            for item in value if isinstance(value, tuple) else (value,):
                _resolve(item, scope, found)


@given(st.lists(st.tuples(st.integers(0, 2), st.booleans(), st.sampled_from(["x", "f", "Name", "x1", "Other"])), min_size=1, max_size=5))
def test_nested_lambda_variables_resolve_to_their_own_lambda(plan: list[tuple[int, bool, str]]) -> None:
    built = _nest(plan)
    _round_trips(built)
    found: list[tuple[str, int | None]] = []
    _resolve(built.node, (), found)
    for name, depth in found:
        if name.startswith("P"):
            assert depth == int(name[1:]), (str(built), name, depth)  # P<i> is read on lambda i
        elif name.startswith("C"):
            level = int(name[1:])
            assert depth is None or depth == level - 1, str(built)
        else:
            assert depth is None, (str(built), name)  # the outer property is never captured
