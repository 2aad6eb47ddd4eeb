"""Walk, search and rewrite query trees: the one traversal API every layer uses.

Modelled on sqlglot's ``walk``/``find``/``transform`` and graphql-core's ``visit``: nothing here
recurses, so a tree as deep as memory allows is walked without ``RecursionError``, and a rewrite
rebuilds only the nodes on the way to a change (the rest of the tree is shared, not copied).

>>> from odatakit import parse_filter, Property
>>> tree = parse_filter("Subject eq 'x' and Importance eq 'high'")
>>> [p.name for p in find_all(tree, Property)]
['Subject', 'Importance']
>>> renamed = transform(tree, lambda n: Property("Topic") if n == Property("Subject") else n)
>>> from odatakit import serialize
>>> serialize(renamed)
"Topic eq 'x' and Importance eq 'high'"
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import attrs

from .tree import Node

__all__ = [
    "children", "rebuild", "walk", "walk_depth", "find", "find_all", "fold", "transform", "transform_in_scope",
    "Transformer",
]

N = TypeVar("N", bound=Node)
S = TypeVar("S")

#: Node class → its field names (``attrs.fields`` checks its argument on every call).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(field.name for field in attrs.fields(cls))
    return names


def children(node: Node) -> tuple[Node, ...]:
    """The nodes directly under ``node``, in field order (items of tuple fields in their order)."""
    found: list[Node] = []
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, Node):
            found.append(value)
        elif isinstance(value, tuple):
            found.extend(item for item in value if isinstance(item, Node))
    return tuple(found)


def walk(node: Node, *, prune: Callable[[Node], bool] | None = None) -> Iterator[Node]:
    """Every node under ``node`` (itself first), depth first, left to right.

    ``prune(n)`` true skips what lies under ``n`` (``n`` itself is still yielded).
    """
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if prune is None or not prune(current):
            stack.extend(reversed(children(current)))


def walk_depth(node: Node) -> Iterator[tuple[Node, int]]:
    """Every node under ``node`` with its depth (``node`` itself is at depth 1), in no set order."""
    stack = [(node, 1)]
    node_class = Node
    while stack:
        current, depth = stack.pop()
        yield current, depth
        for name in _fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, node_class):
                stack.append((value, depth + 1))
            elif isinstance(value, tuple):
                stack.extend([(item, depth + 1) for item in value if isinstance(item, node_class)])


def find_all(node: Node, *types: type[N]) -> Iterator[N]:
    """Every node under ``node`` (itself included) that is an instance of one of ``types``."""
    for current in walk(node):
        if isinstance(current, types):
            yield current


def find(node: Node, *types: type[N]) -> N | None:
    """The first node (in ``walk`` order) that is an instance of one of ``types``; None if none."""
    return next(find_all(node, *types), None)


def rebuild(node: Node, new_children: list[Node]) -> Node:
    """``node`` with its child nodes replaced, in ``children`` order, by ``new_children``."""
    replacements = iter(new_children)
    changes: dict[str, Any] = {}
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, Node):
            changes[name] = next(replacements)
        elif isinstance(value, tuple) and any(isinstance(item, Node) for item in value):
            changes[name] = tuple(next(replacements) if isinstance(item, Node) else item for item in value)
    return attrs.evolve(node, **changes)  # type: ignore[misc]  # every Node is an attrs class


R = TypeVar("R")


def fold(node: Node, fn: Callable[[Node, list[R]], R]) -> R:
    """Compute a value per node bottom up: ``fn(n, results)`` gets the values already computed for
    ``children(n)``, in that order (a printer, a JSON view, an evaluator's compiler).

    >>> from odatakit import parse_filter
    >>> fold(parse_filter("a eq 1 and b eq 2"), lambda n, kids: 1 + sum(kids))  # how many nodes
    9
    """
    stack: list[tuple[Node, int | None]] = [(node, None)]
    done: list[R] = []
    while stack:
        current, count = stack.pop()
        if count is None:
            kids = children(current)
            stack.append((current, len(kids)))
            stack.extend((kid, None) for kid in reversed(kids))
            continue
        results = done[len(done) - count:] if count else []
        if count:
            del done[len(done) - count:]
        done.append(fn(current, results))
    return done[0]


def transform(node: Node, fn: Callable[[Node], Node]) -> Node:
    """Rewrite ``node`` bottom up: ``fn`` sees each node after its children were rewritten and
    returns the node to put in its place (the same node to keep it).

    A node none of whose children changed is not rebuilt, so an identity ``fn`` returns ``node``
    itself. Rebuilt nodes go through their class's checks (``attrs.evolve``).
    """
    return transform_in_scope(node, lambda current, _scope: fn(current), _same_scope, None)


def _same_scope(node: Node, scope: Any) -> Any:
    return scope


def transform_in_scope(node: Node, fn: Callable[[Node, S], Node], enter: Callable[[Node, S], S], scope: S) -> Node:
    """``transform`` with a scope handed down: ``enter(node, scope)`` is the scope of ``node``'s
    children (``scope`` at the root), and ``fn(node, scope)`` sees each node with its own scope.
    This is how names bound by a node (a lambda's variable) reach the nodes inside it.

    >>> from odatakit import parse_filter, serialize, Lambda, Literal
    >>> depth = transform_in_scope(parse_filter("a/any(x:x/b/any(y:y eq 1))"),
    ...     lambda n, d: Literal("Int32", d) if n == Literal("Int32", 1) else n,
    ...     lambda n, d: d + 1 if isinstance(n, Lambda) else d, 0)
    >>> serialize(depth)
    'a/any(x:x/b/any(y:y eq 2))'
    """
    # Each stack entry is (node, its original children or None before they are pushed, its scope).
    stack: list[tuple[Node, tuple[Node, ...] | None, S]] = [(node, None, scope)]
    done: list[Node] = []
    while stack:
        current, kids, own = stack.pop()
        if kids is None:
            kids = children(current)
            stack.append((current, kids, own))
            if kids:
                inner = enter(current, own)
                stack.extend((kid, None, inner) for kid in reversed(kids))
            continue
        if kids:
            new_kids = done[len(done) - len(kids):]
            del done[len(done) - len(kids):]
            if any(new is not old for new, old in zip(new_kids, kids)):
                current = rebuild(current, new_kids)
        done.append(fn(current, own))
    return done[0]


class Transformer:
    """A rewrite as methods: ``visit_<ClassName>(node)`` returns the replacement of each node of that
    class (after its children were rewritten); classes without a method are kept.

    >>> from odatakit import parse_filter, serialize, Literal
    >>> class Upper(Transformer):
    ...     def visit_Literal(self, node):
    ...         return Literal("String", node.value.upper()) if node.type == "String" else node
    >>> serialize(Upper().transform(parse_filter("Subject eq 'hi'")))
    "Subject eq 'HI'"
    """

    def transform(self, node: Node) -> Node:
        """``node`` rewritten by this transformer's ``visit_*`` methods."""
        methods: dict[type, Callable[[Node], Node] | None] = {}

        def dispatch(current: Node) -> Node:
            cls = type(current)
            if cls not in methods:
                methods[cls] = getattr(self, "visit_" + cls.__name__, None)
            method = methods[cls]
            return current if method is None else method(current)

        return transform(node, dispatch)
