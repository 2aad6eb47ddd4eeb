"""Reuse a built statement for queries of the same shape: only the values are new.

A service sees the same query shapes again and again with other values (``Name eq 'Ann'``, then
``Name eq 'Bob'``). ``shape(query)`` reads a query's shape (every node and name, the Edm type of
each literal, not its value) and its values in one pass. A ``Template`` keeps the statement built
for the first query of a shape, with each bound parameter made from a literal and how its value
follows from the literal's (``Compiler.bind``); the next query of that shape gets a copy in which
only those parameters, and the elements above them, are new objects holding the new values: the
template and every copy made from it share nothing that holds a value. This is the idea of
SQLAlchemy's own compiled cache (a statement's structure is its key, its values are extracted),
one level up: it saves building the statement, not only compiling it to SQL text.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import attrs
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter, ClauseElement
from sqlalchemy.sql.visitors import InternalTraversal

try:  # SQLAlchemy's own cloning machinery (tested with 2.1; differential tests hold copies to fresh builds)
    from sqlalchemy.sql.elements import _anonymous_label
    from sqlalchemy.sql.traversals import HasCopyInternals

    _new_key: Any = _anonymous_label.safe_construct_with_key
    _PLAIN_COPY = {HasCopyInternals._copy_internals, Select._copy_internals}
except (ImportError, AttributeError):  # pragma: no cover - another SQLAlchemy: build every statement
    _new_key = None
    _PLAIN_COPY = set()

from ..query import tree
from ..query.visit import _fields, transform
from ._dialect import _Template

__all__ = ["shape", "Template", "TemplateCache", "distinct_literals"]

#: Nodes whose value is data, not shape: the field holding it.
_VALUES: dict[type, str] = {tree.Literal: "value", tree.SearchWord: "text", tree.SearchPhrase: "text"}
#: Query fields that are values ($top, $skip: slots 0 and 1) or that odatakit.sql never reads.
_QUERY_SKIPPED = frozenset({"top", "skip", "custom"})
_CHILD = object()  # stands for a child node in a parent's part of the key


def shape(query: tree.Query) -> tuple[tuple[Any, ...], list[Any], list[tree.Node]]:
    """``(key, values, sources)``: the query's shape as a hashable tuple (pre-order, each node's
    class and fields, each child as a marker, each literal as its Edm type), the values it leaves
    out (``$top``, ``$skip``, then each literal's value in pre-order) and the literal nodes."""
    key: list[Any] = [query.top is not None, query.skip is not None]
    values: list[Any] = [query.top, query.skip]
    sources: list[tree.Node] = []
    stack: list[Any] = [query]
    node_class, names_of, value_field = tree.Node, _NAMES, _VALUES
    while stack:
        node = stack.pop()
        cls = node.__class__
        field = value_field.get(cls)
        if field is not None:
            key.append(cls)
            key.append(getattr(node, "type", None))
            values.append(getattr(node, field))
            sources.append(node)
            continue
        names = names_of.get(cls)
        if names is None:
            names = names_of[cls] = _fields(cls)
        key.append(cls)
        first = len(stack)
        for name in names:
            value = getattr(node, name)
            if value is None:
                key.append(None)
            elif isinstance(value, node_class):
                key.append(_CHILD)
                stack.append(value)
            elif value.__class__ is tuple:
                key.append(len(value))
                for item in value:
                    if isinstance(item, node_class):
                        key.append(_CHILD)
                        stack.append(item)
                    else:
                        key.append(item)
            else:
                key.append(value)
        if len(stack) - first > 1:  # children are taken from the end: the first child first
            stack[first:] = stack[first:][::-1]
    return tuple(key), values, sources


#: Node class → the fields ``shape`` reads (a Query's without the values and what is never read).
_NAMES: dict[type, tuple[str, ...]] = {
    tree.Query: tuple(name for name in _fields(tree.Query) if name not in _QUERY_SKIPPED)}


def distinct_literals(query: tree.Query) -> tree.Query:
    """``query`` with a literal node of its own at each place (a parser or builder may share one
    node between two places, which a later query of the same shape need not do)."""
    def fresh(node: tree.Node) -> tree.Node:
        return attrs.evolve(node) if type(node) in _VALUES else node  # type: ignore[misc]  # a Node is an attrs class

    return transform(query, fresh)  # type: ignore[return-value]  # a Query stays a Query


# -- rebuilding a statement with new values ---------------------------------------------------

_ONE, _MANY, _NESTED = 0, 1, 2
_LAYOUTS = {
    InternalTraversal.dp_clauseelement: _ONE,
    InternalTraversal.dp_clauseelement_list: _MANY,
    InternalTraversal.dp_clauseelement_tuple: _MANY,
    InternalTraversal.dp_clauseelement_tuples: _NESTED,
}
#: Element class → (attribute, layout) of each attribute that holds elements.
_LAYOUTS_OF: dict[type, tuple[tuple[str, int], ...]] = {}
#: Classes whose copy is a shallow copy with some child elements replaced (what their own
#: ``_copy_internals`` does): a parameter under any other class makes a statement not reusable.
if _PLAIN_COPY:
    _PLAIN_COPY.add(_Template._copy_internals)


class NotReusable(Exception):
    """The statement holds a value where a copy cannot replace it: build each query afresh."""


@attrs.frozen
class Template:
    """A statement and the recipe that copies it with new values.

    ``steps`` run in order, each making one new element, as ``ClauseElement._clone`` does (a new
    object of the class with a copy of the attributes, memoized ones left out, ``_is_clone_of``
    set): ``(None, slot, derive, attributes, key, class)`` a bound parameter holding
    ``derive(values[slot])`` under a new anonymous name (``key`` is the original name);
    ``(class, attributes, fields)`` an element whose ``fields`` take the new elements of earlier
    steps. The last step makes the statement. ``checks`` are ``(slot, ok)`` the values must pass.
    """

    statement: Any
    steps: tuple[Any, ...]
    checks: tuple[tuple[int, Callable[[Any], bool]], ...]

    @classmethod
    def make(cls, statement: Any, binds: list[tuple[BindParameter[Any], int, Callable[[Any], Any]]],
             checks: list[tuple[int, Callable[[Any], bool]]], sources: list[tree.Node], query: tree.Query) -> Template:
        """The template of ``statement``, built by a recording ``Compiler`` for ``query`` (whose
        literal nodes, in ``shape`` order, are ``sources``); raises ``NotReusable``."""
        if _new_key is None:  # pragma: no cover
            raise NotReusable("this SQLAlchemy has no anonymous parameter names to copy")
        slot_of = {id(node): index + 2 for index, node in enumerate(sources)}
        targets: dict[int, tuple[int, Callable[[Any], Any], BindParameter[Any]]] = {}
        for parameter, source, derive in binds:
            targets[id(parameter)] = (slot_of[source], derive, parameter)
        for slot, clause, value in ((0, "_limit_clause", query.top), (1, "_offset_clause", query.skip)):
            if value is None:
                continue
            paging = getattr(statement, clause, None)
            if paging is None:  # a count: no LIMIT, no OFFSET
                continue
            if not isinstance(paging, BindParameter) or paging.value != value:
                raise NotReusable(f"{clause} is not a bound parameter")
            targets[id(paging)] = (slot, int, paging)
        steps: list[Any] = []
        done: dict[int, int | None] = {}
        try:
            root = _plan(statement, targets, steps, done)
        except RecursionError:  # too deep to copy safely: built afresh each time
            raise NotReusable("statement too deep") from None
        if any(target not in done for target in targets):
            raise NotReusable("a bound parameter sits where a copy cannot reach it")
        if root is None:  # no values at all: every copy is the statement itself, shallowly copied
            steps.append((type(statement), _attributes(statement), ()))
        return cls(statement, tuple(steps),
                   tuple((slot_of[source], ok) for source, ok in checks))

    def accepts(self, values: list[Any]) -> bool:
        """Whether ``values`` pass the checks the first query's values passed."""
        return all(ok(values[slot]) for slot, ok in self.checks)

    def build(self, values: list[Any]) -> Any:
        """A new statement of this shape holding ``values`` (from ``shape``)."""
        made: list[Any] = []
        new_object, label = object.__new__, _new_key
        for step in self.steps:
            cls = step[0]
            if cls is None:
                parameter = new_object(step[5])
                attributes = parameter.__dict__ = step[3].copy()
                attributes["value"] = step[2](values[step[1]])
                attributes["key"], attributes["_anon_map_key"] = label(id(parameter), step[4], sanitize_key=True)
                made.append(parameter)
                continue
            copy = new_object(cls)
            attributes = copy.__dict__ = step[1].copy()
            for attr, layout, refs in step[2]:
                old = attributes[attr]
                if layout == _ONE:
                    attributes[attr] = made[refs]
                elif layout == _MANY:
                    attributes[attr] = type(old)(item if ref is None else made[ref] for item, ref in zip(old, refs))
                else:
                    attributes[attr] = type(old)(
                        tuple(item if ref is None else made[ref] for item, ref in zip(items, row))
                        for items, row in zip(old, refs))
            made.append(copy)
        return made[-1]


def _plan(element: Any, targets: dict[int, Any], steps: list[Any], done: dict[int, int | None]) -> int | None:
    """Append the steps that copy ``element`` with new values; the index of its step, or None
    when nothing under it holds a value (it is then shared as it is)."""
    ident = id(element)
    if ident in done:
        return done[ident]
    target = targets.get(ident)
    if target is not None:
        slot, derive, parameter = target
        if type(parameter)._clone is not BindParameter._clone or not parameter.unique:
            raise NotReusable("a value in a parameter that is not a plain unique BindParameter")
        steps.append((None, slot, derive, _attributes(parameter), parameter._orig_key or "param", type(parameter)))
        done[ident] = len(steps) - 1
        return done[ident]
    done[ident] = None  # a cycle back to here (a column's table) holds no value
    if element._is_immutable:  # tables and columns: copies share them, as SQLAlchemy's do
        return None
    fields = []
    cls = type(element)
    layouts = _LAYOUTS_OF.get(cls)
    if layouts is None:
        layouts = _LAYOUTS_OF[cls] = tuple((attr, _LAYOUTS[kind]) for attr, kind in getattr(cls, "_traverse_internals", ())
                                           if kind in _LAYOUTS)
    for attr, layout in layouts:
        value = getattr(element, attr, None)
        if value is None:
            continue
        refs: Any
        if layout == _ONE:
            refs = _plan(value, targets, steps, done)
            changed = refs is not None
        elif layout == _MANY:
            refs = tuple(_plan(item, targets, steps, done) for item in value)
            changed = any(ref is not None for ref in refs)
        else:
            refs = tuple(tuple(_plan(item, targets, steps, done) for item in items) for items in value)
            changed = any(ref is not None for row in refs for ref in row)
        if changed:
            fields.append((attr, layout, refs))
    if not fields:
        return None
    if type(element)._copy_internals not in _PLAIN_COPY or type(element)._clone is not ClauseElement._clone:
        raise NotReusable(f"a value under {type(element).__name__}")
    for attr, _layout, _refs in fields:
        if attr not in element.__dict__:
            raise NotReusable(f"{type(element).__name__}.{attr} is not a plain attribute")
    steps.append((type(element), _attributes(element), tuple(fields)))
    done[ident] = len(steps) - 1
    return done[ident]


def _attributes(element: Any) -> dict[str, Any]:
    """What ``ClauseElement._clone`` copies into a clone of ``element``."""
    skip = element._memoized_keys
    attributes = {key: value for key, value in element.__dict__.items() if key not in skip}
    attributes["_is_clone_of"] = element.__dict__.get("_is_clone_of") or element
    return attributes


class TemplateCache:
    """The templates of the most recently used shapes (least recently used dropped first);
    safe to share between threads. A shape whose statement cannot be reused is remembered as such."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.reused = 0
        self.built = 0
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bool, Any]:
        """``(found, entry)``: a ``Template``, ``None`` for a shape built afresh each time, or
        what the caller put for a shape met once."""
        with self._lock:
            try:
                entry = self._entries[key]
            except KeyError:
                return False, None
            self._entries.move_to_end(key)
            return True, entry

    def reuse(self, template: Template, values: list[Any]) -> Any:
        """A copy of ``template``'s statement holding ``values`` (counted)."""
        statement = template.build(values)
        with self._lock:
            self.reused += 1
        return statement

    def built_by(self, build: Callable[..., Any], *args: Any) -> Any:
        """``build(*args)`` (counted)."""
        statement = build(*args)
        with self._lock:
            self.built += 1
        return statement

    def put(self, key: Hashable, template: Any) -> None:
        with self._lock:
            self._entries[key] = template
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.reused = self.built = 0

    def __len__(self) -> int:
        return len(self._entries)
