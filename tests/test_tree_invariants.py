"""Trees that cannot be wrong: a tree built by hand with an impossible state is refused where it is
built (BuildError), not later by the printer; and the error family shares one base."""

from __future__ import annotations

from decimal import Decimal

import pytest

import odatakit
from odatakit import (
    And, BinaryOp, BuildError, Case, Literal, ODataSyntaxError, Or, Path, PayloadError, Property, ServiceError,
    UnaryOp,
)

X = Path((Property("x"),))


@pytest.mark.parametrize(("build", "says"), [
    (lambda: Literal("Int32", 2**40), "Int32"),
    (lambda: Literal("Int64", 2**63), "Int64"),
    (lambda: Literal("Byte", -1), "Byte"),
    (lambda: Literal("Boolean", 1), "Boolean"),
    (lambda: Literal("String", 5), "String"),
    (lambda: Literal("Double", Decimal("1.5")), "Double"),
    (lambda: Literal("Null", 0), "Null"),
    (lambda: Literal("Frobnicate", 1), "not a literal type"),
    (lambda: BinaryOp("frobnicate", X, X), "not a binary operator"),
    (lambda: UnaryOp("~", X), "not a unary operator"),
    (lambda: And((X,)), "at least 2 operands"),
    (lambda: Or(()), "at least 2 operands"),
    (lambda: Case(()), "at least 1 branch"),
    (lambda: Path(()), "at least 1 segment"),
])
def test_an_impossible_tree_is_refused_where_it_is_built(build: object, says: str) -> None:
    with pytest.raises(BuildError, match=says):
        build()  # type: ignore[operator]


@pytest.mark.parametrize("node", [
    Literal("Int32", 2**31 - 1), Literal("Int64", 2**31), Literal("Decimal", Decimal("1.50")),
    Literal("Decimal", 2**70), Literal("Double", 1.5), Literal("Null", None), Literal("String", "it's"),
    Literal("GeographyPoint", "SRID=4326;Point(1 2)"), BinaryOp("has", X, X), UnaryOp("-", X),
    And((X, X, X)),
])
def test_valid_nodes_build(node: odatakit.Node) -> None:
    assert odatakit.serialize(node)


@pytest.mark.parametrize("error", [ODataSyntaxError, PayloadError, BuildError, ServiceError])
def test_every_error_odatakit_raises_is_an_odatakit_error(error: type) -> None:
    assert issubclass(error, odatakit.Error)


def test_the_service_error_keeps_its_former_name() -> None:
    assert odatakit.ODataError is ServiceError
    assert isinstance(odatakit.parse_error(b'{"error": {"code": "x", "message": "y"}}'), ServiceError)


def test_bad_input_errors_are_value_errors_too() -> None:
    for error in (ODataSyntaxError, PayloadError, BuildError):
        assert issubclass(error, ValueError)
    with pytest.raises(odatakit.Error):
        odatakit.parse_filter("a eq")
    with pytest.raises(odatakit.Error):
        odatakit.graph().me.messages.key(2**64)


def test_type_hints_of_every_node_resolve_before_the_lazy_classes_load() -> None:
    # typing.get_type_hints / attrs.resolve_types (cattrs, Hypothesis's from_type) read the
    # module's globals; a field typed with a lazily created class ($search, $apply) must resolve
    # in a fresh interpreter where those modules were never imported
    import subprocess
    import sys

    script = (
        "import sys, typing, attrs\n"
        "from odatakit.query import tree\n"
        "assert 'odatakit.query._apply_tree' not in sys.modules\n"
        "for name in tree.__all__:\n"
        "    cls = getattr(tree, name)\n"
        "    if attrs.has(cls): typing.get_type_hints(cls); attrs.resolve_types(cls)\n"
        "print(typing.get_type_hints(tree.Query)['apply'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Apply" in done.stdout
