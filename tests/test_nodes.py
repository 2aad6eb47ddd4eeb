"""The parser's unchecked constructors (odatakit.query._nodes) build the very nodes the checked tree
classes build: same type, equal, same hash and repr, still frozen. Only the checks are skipped."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings, strategies as st

import odatakit
from odatakit import tree
from odatakit.query import _nodes as make
from odatakit import edm
from odatakit.query._nodes import unchecked, unchecked_from
from odatakit.query.visit import walk

NODE_CLASSES = sorted(
    (cls for cls in vars(tree).values() if isinstance(cls, type) and issubclass(cls, tree.Node) and attrs.has(cls)),
    key=lambda cls: cls.__name__,
)

#: Parsed trees that hold most node families: every node in them is rebuilt unchecked.
PARSED = [
    odatakit.parse_query(
        "$filter=Extensions/any(f:f/Id eq 'Com.Contoso.Referral') and not (Price add 2.5 gt -Tax)"
        " or Id in ('a','b') or Kind has Ns.Color'Red' or cast(Price,Edm.Int64) eq 2147483648"
        " or case(Price gt 1:true,true:false) or [1,2] eq {\"a\":@x}"
        "&$select=Id,Ns.*,Model.F(A,B),Items($top=2)&$orderby=Date desc,Id&$top=5&$skip=1&$count=true"
        "&$expand=Items($filter=Qty gt 1;$select=Qty;$levels=max),*/$ref&$compute=Price mul 2 as Double"
        "&$search=\"blue green\" OR NOT red&@x=2012-12-03&custom=1"
    ),
    odatakit.parse_apply(
        "groupby((Country,rollup(Region,City)),aggregate(Amount with sum as Total,$count as N))"
        "/filter(Total gt 5)/topcount(2,Total)/concat(identity,aggregate(Amount with max as M))"
    ),
]


def _fields(node: Any) -> list[Any]:
    return [getattr(node, field.name) for field in attrs.fields(type(node))]


def _assert_same(rebuilt: Any, node: Any) -> None:
    assert type(rebuilt) is type(node)
    assert rebuilt == node and node == rebuilt
    assert hash(rebuilt) == hash(node)
    assert repr(rebuilt) == repr(node)
    assert _fields(rebuilt) == _fields(node)


@pytest.mark.parametrize("parsed", PARSED, ids=["query", "apply"])
def test_every_parsed_node_rebuilt_unchecked_is_the_same_node(parsed: tree.Node) -> None:
    seen = set()
    for node in walk(parsed):
        seen.add(type(node))
        _assert_same(unchecked(type(node))(*_fields(node)), node)
    assert len(seen) > 12  # the table above really reaches many families


@pytest.mark.parametrize("cls", NODE_CLASSES, ids=lambda cls: cls.__name__)
def test_every_tree_class_has_an_unchecked_constructor_that_builds_it(cls: type) -> None:
    @settings(max_examples=5)
    @given(st.from_type(cls))
    def check(node: Any) -> None:
        _assert_same(getattr(make, cls.__name__)(*_fields(node)), node)

    check()


def test_an_unchecked_node_is_still_frozen_and_evolves_into_a_checked_one() -> None:
    node = make.BinaryOp("eq", make.Path((make.Property("Id"),)), make.Literal("Int32", 1))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        node.op = "ne"  # type: ignore[misc]
    assert attrs.evolve(node, op="ne") == tree.BinaryOp("ne", tree.Path((tree.Property("Id"),)), tree.Literal("Int32", 1))
    with pytest.raises(odatakit.BuildError):
        attrs.evolve(node, op="frobnicate")  # evolve goes through the checked __init__


@pytest.mark.parametrize(("build", "checked"), [
    (lambda: make.Literal("Int32", 2**40), lambda: tree.Literal("Int32", 2**40)),
    (lambda: make.BinaryOp("frobnicate", None, None), lambda: tree.BinaryOp("frobnicate", None, None)),
    (lambda: make.Path(()), lambda: tree.Path(())),
])
def test_the_unchecked_constructor_skips_exactly_the_checks_the_parser_needs_not(build: Any, checked: Any) -> None:
    """Documents the contract: the parser vouches for what it builds; a user's tree is checked."""
    build()
    with pytest.raises(odatakit.BuildError):
        checked()


@pytest.mark.parametrize(("cls", "values"), [
    (tree.Property, ()), (tree.Property, ("a", "b")), (tree.Star, ("x",)),
    (tree.ExpandItem, (("a",),)),  # the many-field classes check their arity too
])
def test_the_unchecked_constructor_takes_exactly_every_field(cls: type, values: tuple[Any, ...]) -> None:
    with pytest.raises(TypeError):
        unchecked(cls)(*values)


@pytest.mark.parametrize("name", ["Node", "parse_filter", "AGGREGATION_METHODS", "Nothing"])
def test_only_tree_classes_have_unchecked_constructors(name: str) -> None:
    with pytest.raises(AttributeError):
        getattr(make, name)


@pytest.mark.parametrize("node", [
    tree.SelectItem((tree.Property("a"),), top=5),
    tree.ExpandItem((tree.Property("a"),), suffix="$ref", levels="max"),
    tree.Query(top=1, count=True),
])
def test_option_heavy_nodes_build_unchecked_from_their_set_fields(node: Any) -> None:
    cls = type(node)
    given = {field.name: getattr(node, field.name) for field in attrs.fields(cls)
             if getattr(node, field.name) != field.default}
    _assert_same(unchecked_from(cls)(given), node)
    if "path" in given:
        assert unchecked(cls, 1)(node.path) == cls(node.path)


@pytest.mark.parametrize("build", [
    lambda: unchecked(tree.SelectItem, 1)((tree.Property("a"),)),
    lambda: unchecked(tree.ExpandItem)(*_fields(tree.ExpandItem((tree.Property("a"),), top=2))),
    lambda: unchecked_from(tree.Query)({"top": 1, "count": True}),
    lambda: odatakit.parse_query("$select=a,b&$expand=c($select=d)"),
], ids=["SelectItem", "ExpandItem", "Query", "parsed"])
def test_a_many_field_node_built_through_its_draft_is_a_plain_frozen_node(build: Any) -> None:
    """The many-field constructors store into a slot-less subclass, then assign the real class:
    what comes out is the real class, frozen, and copies, pickles and evolves like a checked node."""
    import copy
    import pickle

    node = build()
    for part in walk(node):
        assert type(part) in NODE_CLASSES
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        node.top = 3
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        del node.top
    _assert_same(copy.deepcopy(node), node)
    _assert_same(pickle.loads(pickle.dumps(node)), node)
    _assert_same(attrs.evolve(node), node)


@attrs.frozen
class _Interned:
    """A frozen class with a ``__new__`` of its own: a draft would skip it."""

    name: str
    size: int

    def __new__(cls, *args: Any, **kwargs: Any) -> "_Interned":
        return super().__new__(cls)


@pytest.mark.parametrize("cls", [_Interned, tree.Literal, tree.BinaryOp])
def test_a_class_with_its_own_new_is_built_without_a_draft_and_others_through_one(cls: type) -> None:
    from odatakit.query import _nodes

    values = ("a", 1, None)[:len(attrs.fields(cls))]
    node: Any = unchecked(cls)(*values)
    assert type(node) is cls and _fields(node) == list(values)
    assert (cls in _nodes._DRAFTS) is (cls is not _Interned)


@pytest.mark.parametrize("value", [edm.Date(2024, 2, 29), edm.DateTimeOffset.parse("2016-01-01T10:00:00Z")])
def test_edm_values_build_unchecked_too(value: Any) -> None:
    _assert_same(unchecked(type(value))(*_fields(value)), value)


def test_a_missing_field_without_default_is_an_error_not_a_hole() -> None:
    with pytest.raises(TypeError, match="path"):
        unchecked_from(tree.SelectItem)({})
    with pytest.raises(TypeError, match="no default"):
        unchecked(tree.BinaryOp, 1)
