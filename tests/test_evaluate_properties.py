"""The Boolean core of ``evaluate_filter`` against an independent formulation (URL Conventions
4.01 §5.1.1.1): Kleene's three-valued logic written as min/max over 0 (false) < 1 (null) < 2
(true), comparisons written from the spec's sentences. Trees are drawn, printed and parsed, so
the parser's view of precedence is part of what is checked."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from odatakit import compile_filter, parse_filter, serialize, tree

NAMES = ("A", "B", "C")
INTS = st.one_of(st.none(), st.integers(-3, 3))
BOOLS = st.one_of(st.none(), st.booleans())

FALSE, NULL, TRUE = 0, 1, 2


def kleene(value: bool | None) -> int:
    return NULL if value is None else (TRUE if value else FALSE)


def spec_compare(op: str, a: int | None, b: int | None) -> int:
    """§5.1.1.1.1–6 as written: eq/ne treat null as a value equal only to null; gt/lt are false
    with a null operand; ge/le are true for two nulls and false for one."""
    if op == "eq":
        return TRUE if a == b else FALSE
    if op == "ne":
        return FALSE if a == b else TRUE
    if a is None or b is None:
        return TRUE if (op in ("ge", "le") and a is None and b is None) else FALSE
    return TRUE if {"gt": a > b, "lt": a < b, "ge": a >= b, "le": a <= b}[op] else FALSE


def oracle(node: Any, entity: dict[str, Any]) -> int:
    if isinstance(node, tree.And):
        return min(oracle(o, entity) for o in node.operands)
    if isinstance(node, tree.Or):
        return max(oracle(o, entity) for o in node.operands)
    if isinstance(node, tree.UnaryOp):
        return TRUE - oracle(node.operand, entity)
    if isinstance(node, tree.BinaryOp):
        return spec_compare(node.op, operand(node.left, entity), operand(node.right, entity))
    if isinstance(node, tree.Path):
        return kleene(entity[node.segments[0].name])
    assert isinstance(node, tree.Literal) and node.type == "Boolean"
    return kleene(node.value)


def operand(node: Any, entity: dict[str, Any]) -> int | None:
    if isinstance(node, tree.Path):
        return entity[node.segments[0].name]
    return node.value  # Int32 or Null literal


def path(name: str) -> tree.Path:
    return tree.Path((tree.Property(name),))


number_operands = st.one_of(
    st.sampled_from(NAMES).map(path),
    st.integers(-3, 3).map(lambda i: tree.Literal("Int32", i)),
    st.just(tree.Literal("Null", None)),
)
comparisons = st.builds(tree.BinaryOp, st.sampled_from(("eq", "ne", "gt", "ge", "lt", "le")),
                        number_operands, number_operands)
boolean_leaves = st.one_of(
    comparisons,
    st.sampled_from(NAMES).map(lambda n: path(f"b{n}")),
    st.booleans().map(lambda b: tree.Literal("Boolean", b)),
)
predicates = st.recursive(
    boolean_leaves,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(tree.And),
        st.lists(inner, min_size=2, max_size=3).map(tree.Or),
        inner.map(lambda p: tree.UnaryOp("not", p)),
    ),
    max_leaves=10,
)
entities = st.fixed_dictionaries({**{n: INTS for n in NAMES}, **{f"b{n}": BOOLS for n in NAMES}})


@settings(max_examples=80)
@given(predicates, entities)
def test_boolean_core_agrees_with_kleene_logic_and_the_spec_comparisons(predicate, entity):
    expected = {FALSE: False, NULL: None, TRUE: True}[oracle(predicate, entity)]
    assert compile_filter(predicate)(entity) is expected
    # the same predicate through text: the printed form parses back to the same meaning
    assert compile_filter(parse_filter(serialize(predicate)))(entity) is expected


# -- the generated fast path (codegen.py) against the closures it stands for -----------------
_FAST_NAMES = ("P", "Q")
_fast_literals = st.one_of(
    st.integers(-3, 3).map(lambda i: tree.Literal("Int32", i)),
    st.sampled_from(("", "a", "ab", "b")).map(lambda s: tree.Literal("String", s)),
    st.sampled_from((0.5, -1.0)).map(lambda f: tree.Literal("Double", f)),
    st.just(tree.Literal("Null", None)),
)
_fast_terms = st.one_of(
    st.builds(tree.BinaryOp, st.sampled_from(("eq", "ne", "gt", "ge", "lt", "le")),
              st.sampled_from(_FAST_NAMES).map(path), _fast_literals),
    st.builds(lambda fn, name, text: tree.Call(fn, (path(name), tree.Literal("String", text))),
              st.sampled_from(("contains", "startswith", "endswith")), st.sampled_from(_FAST_NAMES),
              st.sampled_from(("", "a", "b"))),
)
_fast_filters = st.one_of(_fast_terms, st.lists(_fast_terms, min_size=2, max_size=4).map(tree.And),
                          st.lists(_fast_terms, min_size=2, max_size=4).map(tree.Or))
_fast_values = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(("", "a", "ab", "ba")),
                         st.sampled_from((0.5, -1.0, float("nan"))), st.booleans())


def _outcome(run: Any) -> Any:
    from odatakit.evaluation import EvaluationError

    try:
        return ("value", run())
    except EvaluationError:
        return ("error",)


@settings(max_examples=120)
@given(_fast_filters, st.fixed_dictionaries({}, optional={n: _fast_values for n in _FAST_NAMES}),
       st.booleans())
def test_the_generated_fast_path_gives_what_the_closures_give(predicate, entity, annotate):
    from odatakit.evaluation.filter import Scope, _compile, _Context
    from odatakit.evaluation.types import Types

    if annotate and "P" in entity and isinstance(entity["P"], str):
        entity = {**entity, "P@odata.type": "#String"}
    closures = _compile(predicate, _Context({}, {}, Types(None, None), None))
    generated = compile_filter(predicate)
    assert _outcome(lambda: generated(entity)) == _outcome(lambda: closures(entity, Scope()))
