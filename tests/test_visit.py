"""odatakit.visit: the one traversal API (walk, find, fold, transform, Transformer), never recursive."""

from __future__ import annotations

import pytest

import odatakit
from odatakit import And, BinaryOp, Literal, Or, Path, Property, UnaryOp, parse_filter, serialize, visit

FILTER = parse_filter("Subject eq 'x' and (Size gt 10 or not IsRead)")


def test_walk_is_depth_first_left_to_right_from_the_node_itself() -> None:
    kinds = [type(node).__name__ for node in visit.walk(FILTER)]
    assert kinds[:4] == ["And", "BinaryOp", "Path", "Property"]
    assert [p.name for p in visit.find_all(FILTER, Property)] == ["Subject", "Size", "IsRead"]


def test_prune_keeps_the_node_and_skips_what_lies_under_it() -> None:
    names = [n.name for n in visit.walk(FILTER, prune=lambda n: isinstance(n, Or)) if isinstance(n, Property)]
    assert names == ["Subject"]
    assert any(isinstance(n, Or) for n in visit.walk(FILTER, prune=lambda n: isinstance(n, Or)))


@pytest.mark.parametrize(("types", "expected"), [
    ((UnaryOp,), UnaryOp("not", Path((Property("IsRead"),)))),
    ((Literal,), Literal("String", "x")),
    ((Or, UnaryOp), None),  # the first in walk order is the Or
])
def test_find_returns_the_first_match_in_walk_order(types: tuple[type, ...], expected: object) -> None:
    found = visit.find(FILTER, *types)
    if expected is None:
        assert isinstance(found, Or)
    else:
        assert found == expected


def test_find_returns_none_when_nothing_matches() -> None:
    assert visit.find(parse_filter("a eq 1"), Or) is None


def test_an_identity_transform_returns_the_same_tree_object() -> None:
    assert visit.transform(FILTER, lambda n: n) is FILTER


def test_transform_rebuilds_only_the_path_to_a_change() -> None:
    renamed = visit.transform(FILTER, lambda n: Property("Topic") if n == Property("Subject") else n)
    assert serialize(renamed) == "Topic eq 'x' and (Size gt 10 or not IsRead)"
    assert isinstance(renamed, And) and isinstance(FILTER, And)
    assert renamed.operands[1] is FILTER.operands[1]  # the untouched branch is shared, not copied


def test_transformer_dispatches_on_the_class_name() -> None:
    class Double(visit.Transformer):
        def visit_Literal(self, node: Literal) -> Literal:
            return Literal(node.type, node.value * 2) if node.type == "Int32" else node

    assert serialize(Double().transform(FILTER)) == "Subject eq 'x' and (Size gt 20 or not IsRead)"


def test_fold_computes_bottom_up_in_children_order() -> None:
    text = visit.fold(parse_filter("a eq 1"), lambda n, kids: f"{type(n).__name__}({','.join(kids)})")
    assert text == "BinaryOp(Path(Property()),Literal())"


@pytest.mark.parametrize("depth", [50_000])
def test_trees_deeper_than_the_stack_are_walked_folded_and_transformed(depth: int) -> None:
    node: odatakit.Expr = Path((Property("x"),))
    for _ in range(depth):
        node = UnaryOp("not", node)
    assert sum(1 for _ in visit.walk(node)) == depth + 2
    assert max(d for _, d in visit.walk_depth(node)) == depth + 2
    assert visit.fold(node, lambda n, kids: 1 + sum(kids)) == depth + 2
    renamed = visit.transform(node, lambda n: Property("y") if n == Property("x") else n)
    assert visit.find(renamed, Property) == Property("y")


def test_binary_nodes_keep_operand_order_through_transform() -> None:
    swapped = visit.transform(parse_filter("a lt 1"), lambda n: BinaryOp("gt", n.right, n.left) if isinstance(n, BinaryOp) else n)
    assert serialize(swapped) == "1 gt a"


@pytest.mark.parametrize(("text", "expected"), [
    # the scope is the number of lambdas around a node: 1 inside the first, 2 inside the second
    ("a/any(x:x eq 1)", "a/any(x:x eq 2)"),
    ("a/any(x:x/b/any(y:y eq 1))", "a/any(x:x/b/any(y:y eq 3))"),
    ("1 eq 1 or a/all(x:x eq 1)", "1 eq 1 or a/all(x:x eq 2)"),
])
def test_transform_in_scope_hands_each_node_the_scope_of_its_ancestors(text: str, expected: str) -> None:
    depth = visit.transform_in_scope(
        parse_filter(text),
        lambda n, d: Literal("Int32", d + 1) if n == Literal("Int32", 1) else n,
        lambda n, d: d + 1 if isinstance(n, odatakit.Lambda) else d, 0)
    assert serialize(depth) == expected
