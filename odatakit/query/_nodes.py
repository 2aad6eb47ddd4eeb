"""Unchecked constructors of the tree classes, for the parser: the same frozen node, no checks.

Why: a tree class's ``__init__`` runs its validators and converters (a Literal checks its value
against its Edm type: ~2 µs of a ~0.4 µs node) so that a tree built by hand cannot be wrong. The
parser builds only what the grammar and its literal converters already guarantee, so it may skip
them: ``make.Literal("Int32", 1)`` is ``tree.Literal("Int32", 1)`` (equal, same hash and repr)
built without the check. The caller passes every field, positionally, in the class's field order,
and a tuple wherever the field is a tuple (no converter turns a list into one).

    from . import _nodes as make
    make.BinaryOp("eq", make.Path((make.Property("Id"),)), make.Literal("Int32", 1))

Trees built by users go through the checked classes (tests/test_tree_invariants.py); the unchecked
ones are held to them by tests/test_nodes.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from . import tree

__all__ = ["unchecked"]

N = TypeVar("N")
_new = object.__new__


def unchecked(cls: type[N]) -> Callable[..., N]:
    """The unchecked constructor of tree class ``cls``: every field positionally, no validators
    and no converters. Built from the class's slot descriptors (no code compiled: cheap to make)."""
    setters = tuple(cls.__dict__[field.name].__set__ for field in attrs.fields(cls))  # type: ignore[arg-type, misc]
    return _BY_ARITY[len(setters)](cls, *setters) if len(setters) < len(_BY_ARITY) else _any_arity(cls, setters)


# One closure per arity: setting slots through their descriptors skips the frozen __setattr__
# and is as fast as construction gets in Python (a loop over the setters costs ~50% more).

def _arity0(cls: Any) -> Callable[[], Any]:
    def make() -> Any:
        return _new(cls)
    return make


def _arity1(cls: Any, s0: Any) -> Callable[[Any], Any]:
    def make(a: Any) -> Any:
        node = _new(cls)
        s0(node, a)
        return node
    return make


def _arity2(cls: Any, s0: Any, s1: Any) -> Callable[[Any, Any], Any]:
    def make(a: Any, b: Any) -> Any:
        node = _new(cls)
        s0(node, a)
        s1(node, b)
        return node
    return make


def _arity3(cls: Any, s0: Any, s1: Any, s2: Any) -> Callable[[Any, Any, Any], Any]:
    def make(a: Any, b: Any, c: Any) -> Any:
        node = _new(cls)
        s0(node, a)
        s1(node, b)
        s2(node, c)
        return node
    return make


def _arity4(cls: Any, s0: Any, s1: Any, s2: Any, s3: Any) -> Callable[[Any, Any, Any, Any], Any]:
    def make(a: Any, b: Any, c: Any, d: Any) -> Any:
        node = _new(cls)
        s0(node, a)
        s1(node, b)
        s2(node, c)
        s3(node, d)
        return node
    return make


_BY_ARITY: tuple[Callable[..., Callable[..., Any]], ...] = (_arity0, _arity1, _arity2, _arity3, _arity4)


def _any_arity(cls: Any, setters: tuple[Any, ...]) -> Callable[..., Any]:
    count = len(setters)

    def make(*values: Any) -> Any:
        if len(values) != count:
            raise TypeError(f"{cls.__name__} takes {count} fields, got {len(values)}")
        node = _new(cls)
        for setter, value in zip(setters, values):
            setter(node, value)
        return node
    return make


def __getattr__(name: str) -> Callable[..., Any]:
    """``make.Literal``: the unchecked constructor of ``tree.Literal``, made on first use and kept."""
    cls = getattr(tree, name, None)
    if not (isinstance(cls, type) and issubclass(cls, tree.Node) and attrs.has(cls)):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    constructor = globals()[name] = unchecked(cls)
    return constructor
