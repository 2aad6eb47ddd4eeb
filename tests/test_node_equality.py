"""Tree nodes compare and hash as attrs made them do (same class, then the fields in order),
though ``Node`` now holds one ``__eq__``/``__hash__`` for every class (issue 11: a cold start
no longer compiles both per class)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import odatakit
from odatakit import tree

SAME = [
    ("Id eq 'x'", "Id eq 'x'"),
    ("a/any(d:d/b eq 1) and c in (1,2)", "a/any(d:d/b eq 1) and c in (1,2)"),
    ("contains(Subject,'x') or not (A lt 1.5)", "contains(Subject,'x') or not (A lt 1.5)"),
]
DIFFERENT = [
    ("Id eq 'x'", "Id eq 'y'"),
    ("a eq 1", "a ne 1"),
    ("a eq 1 and b eq 2", "b eq 2 and a eq 1"),
    ("a/b eq 1", "a/c eq 1"),
]


@pytest.mark.parametrize(("left", "right"), SAME)
def test_equal_trees_are_equal_and_hash_alike(left: str, right: str) -> None:
    one, other = odatakit.parse_filter(left), odatakit.parse_filter(right)
    assert one == other and not one != other
    assert hash(one) == hash(other)
    assert len({one, other}) == 1


@pytest.mark.parametrize(("left", "right"), DIFFERENT)
def test_trees_that_differ_in_a_field_are_unequal(left: str, right: str) -> None:
    one, other = odatakit.parse_filter(left), odatakit.parse_filter(right)
    assert one != other and not one == other


def test_nodes_of_different_classes_with_the_same_fields_are_unequal() -> None:
    assert tree.Property("a") != tree.TypeCast("a")
    assert tree.Star() != tree.Count()
    assert tree.Property("a").__eq__(("a",)) is NotImplemented
    assert tree.Property("a") != "a"


@pytest.mark.parametrize("node", [tree.Star(), tree.Property("a"), tree.BinaryOp("eq", tree.Path([tree.Property("a")]), tree.Literal("Int32", 1))])
def test_equality_matches_attrs_field_tuples(node: Any) -> None:
    """Node's equality is the field tuple's, for classes with no, one and several fields."""
    copy = attrs.evolve(node)
    assert copy == node and hash(copy) == hash(node)
    assert attrs.astuple(copy, recurse=False) == attrs.astuple(node, recurse=False)


def test_literal_keeps_its_own_equality_nan_equals_nan() -> None:
    nan = odatakit.parse_filter("a eq NaN")
    assert nan == odatakit.parse_filter("a eq NaN")
    assert tree.Literal("Int32", 1) != tree.Literal("Int64", 1)
