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

import builtins
import types
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from . import tree

__all__ = ["unchecked", "unchecked_from"]

N = TypeVar("N")
_new = object.__new__


#: Where a constructor is kept: a module's globals and the name it is bound to there.
Home = tuple[dict[str, Any], str]


def unchecked(cls: type[N], given: int | None = None, *, home: Home | None = None) -> Callable[..., N]:
    """The unchecked constructor of ``cls`` (a frozen slotted attrs class: a tree node, an Edm
    temporal value): its fields positionally, no validators and no converters; with ``given``,
    only the first ``given`` fields and the rest take their defaults. Built in the class's draft
    (``_draft``): nothing is compiled for a class of up to four fields (a template per arity); a
    larger one gets straight-line code, compiled at its first call (not when the constructor is
    made), which then replaces the stand-in at ``home`` (a module global), so later calls skip
    the stand-in."""
    fields = attrs.fields(cls)  # type: ignore[arg-type, misc]
    setters = tuple(cls.__dict__[field.name].__set__ for field in fields)
    given = len(fields) if given is None else min(given, len(fields))
    defaults = _defaults(cls, fields[given:])
    if len(fields) >= len(_BY_ARITY):
        return _on_first_call(lambda: _unrolled(cls, fields, given, keyed=False), home)
    if given < len(fields):
        return _with_defaults(cls, setters[:given], setters[given:], defaults)
    if fields and _draftable(cls):
        return _from_template(cls, fields)
    return _BY_ARITY[len(setters)](cls, *setters)


def unchecked_from(cls: type[N], *, home: Home | None = None) -> Callable[[dict[str, Any]], N]:
    """The unchecked constructor of ``cls`` from a dict of some of its fields by name (the rest
    take their defaults): for option-heavy nodes (``SelectItem``, ``ExpandItem``, ``Query``);
    ``home`` as for ``unchecked``."""
    fields = attrs.fields(cls)  # type: ignore[arg-type, misc]
    if len(fields) >= len(_BY_ARITY) and all(field.default is not attrs.NOTHING for field in fields[1:]):
        _defaults(cls, fields[1:])  # a factory default is refused now, not at the first call
        return _on_first_call(lambda: _unrolled(cls, fields, 0, keyed=True), home)
    plan = tuple((field.name, cls.__dict__[field.name].__set__, default)
                 for field, default in zip(fields, _defaults(cls, fields, required=_REQUIRED)))

    def make(values: dict[str, Any]) -> Any:
        node = _new(cls)
        get = values.get
        for name, setter, default in plan:
            value = get(name, default)
            if value is _REQUIRED:
                raise TypeError(f"{cls.__name__} needs {name}")
            setter(node, value)
        return node
    return make


_REQUIRED = object()


def _on_first_call(build: Callable[[], Callable[..., Any]], home: Home | None = None) -> Callable[..., Any]:
    """A constructor that builds the real one at its first call (compiling costs ~0.3 ms, which
    a cold start should pay only for the classes it builds) and puts it at ``home``, if given."""
    made: list[Callable[..., Any]] = []

    def make(*values: Any) -> Any:
        if not made:
            made.append(build())
            if home is not None:
                namespace, name = home
                namespace[name] = made[0]
        return made[0](*values)
    return make


def _unrolled(cls: Any, fields: Any, given: int, keyed: bool) -> Callable[..., Any]:
    """Straight-line code that sets every slot of ``cls``: the first ``given`` fields
    positionally, or (``keyed``) all from a dict.

    The node is made as a draft (see ``_draft``): one plain slot store per field."""
    draft = _draft(cls)
    scope: dict[str, Any] = {"cls": cls, "draft": draft, "missing": _missing(cls)}
    lines = []
    for index, field in enumerate(fields):
        scope[f"default{index}"] = field.default
        if keyed and field.default is attrs.NOTHING:
            lines.append(f"    if {field.name!r} not in values:\n        missing({field.name!r})")
        elif keyed or index >= given:
            lines.append(f"    node.{field.name} = default{index}")
        else:
            lines.append(f"    node.{field.name} = a{index}")
    if keyed:  # most fields keep their defaults: store those, then the few given
        lines.append("    for name, value in values.items():\n        setattr(node, name, value)")
    head = "values" if keyed else ", ".join(f"a{index}" for index in range(given))
    source = (f"def make({head}):\n    node = draft()\n" + "\n".join(lines)
              + "\n    node.__class__ = cls\n    return node\n")
    exec(compile(source, f"<unchecked constructor of {cls.__name__}>", "exec"), scope)  # noqa: S102  (our own text)
    made: Callable[..., Any] = scope["make"]
    return made


_DRAFTS: dict[type, type] = {}


def _draftable(cls: type) -> bool:
    """A plain class: ``object``'s ``__new__`` and metaclass, so a draft's instance is one of it."""
    return cls.__new__ is object.__new__ and type(cls) is type


def _draft(cls: type) -> type:
    """The draft of ``cls``: a subclass that adds no slot and keeps ``object``'s ``__init__``,
    ``__setattr__`` and ``__delattr__``, in which a node is built before it is given its class.

    Why: a frozen class refuses plain attribute stores, and calling a slot's ``__set__`` (or
    ``object.__new__(cls)``) costs an argument tuple and a generic call each time (a Query has
    23 fields). In the draft each store is the interpreter's own slot store; ``__class__``
    assignment (same layout) then makes the node an ordinary ``cls`` instance, frozen like any
    other (tests/test_nodes.py)."""
    draft = _DRAFTS.get(cls)
    if draft is None:
        if not _draftable(cls):
            raise TypeError(f"{cls.__name__} has a __new__ or metaclass of its own: no draft")
        draft = _DRAFTS[cls] = type(f"{cls.__name__}Draft", (cls,), {
            "__slots__": (), "__init__": object.__init__, "__setattr__": object.__setattr__,
            "__delattr__": object.__delattr__, "__module__": __name__,
            "__doc__": f"A {cls.__name__} being built (see _nodes._draft).",
        })
    return draft


# Constructors of up to four fields: one function per arity, its field names filled in per class
# (``code.replace``: nothing to compile, so a cold start pays nothing per class).

def _template1(a0: Any) -> Any:
    node = DRAFT()  # type: ignore[name-defined]  # noqa: F821  (names filled in by _from_template)
    node.F0 = a0
    node.__class__ = CLS  # type: ignore[name-defined]  # noqa: F821
    return node


def _template2(a0: Any, a1: Any) -> Any:
    node = DRAFT()  # type: ignore[name-defined]  # noqa: F821
    node.F0 = a0
    node.F1 = a1
    node.__class__ = CLS  # type: ignore[name-defined]  # noqa: F821
    return node


def _template3(a0: Any, a1: Any, a2: Any) -> Any:
    node = DRAFT()  # type: ignore[name-defined]  # noqa: F821
    node.F0 = a0
    node.F1 = a1
    node.F2 = a2
    node.__class__ = CLS  # type: ignore[name-defined]  # noqa: F821
    return node


def _template4(a0: Any, a1: Any, a2: Any, a3: Any) -> Any:
    node = DRAFT()  # type: ignore[name-defined]  # noqa: F821
    node.F0 = a0
    node.F1 = a1
    node.F2 = a2
    node.F3 = a3
    node.__class__ = CLS  # type: ignore[name-defined]  # noqa: F821
    return node


_TEMPLATES = (None, _template1, _template2, _template3, _template4)


def _from_template(cls: type, fields: Any) -> Callable[..., Any]:
    """The template of ``cls``'s arity with its field names and its draft put in."""
    template = _TEMPLATES[len(fields)]
    assert template is not None
    names = {f"F{index}": field.name for index, field in enumerate(fields)}
    code = template.__code__
    code = code.replace(co_names=tuple(names.get(name, name) for name in code.co_names),
                        co_name="make", co_qualname=f"make_{cls.__name__}")
    made: Callable[..., Any] = types.FunctionType(code, {"DRAFT": _draft(cls), "CLS": cls, "__builtins__": builtins})
    return made


def _missing(cls: Any) -> Callable[[str], None]:
    def missing(name: str) -> None:
        raise TypeError(f"{cls.__name__} needs {name}")
    return missing


def _defaults(cls: Any, fields: Any, required: Any = None) -> tuple[Any, ...]:
    """The plain defaults of ``fields`` (a field without one: ``required``, or an error)."""
    defaults = []
    for field in fields:
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            raise TypeError(f"{cls.__name__}.{field.name} has a factory default: pass it")
        if field.default is attrs.NOTHING:
            if required is None:
                raise TypeError(f"{cls.__name__}.{field.name} has no default: pass it")
            defaults.append(required)
        else:
            defaults.append(field.default)
    return tuple(defaults)


def _with_defaults(cls: Any, passed: tuple[Any, ...], rest: tuple[Any, ...], defaults: tuple[Any, ...]) -> Callable[..., Any]:
    count = len(passed)

    def make(*values: Any) -> Any:
        if len(values) != count:
            raise TypeError(f"{cls.__name__} takes {count} leading fields here, got {len(values)}")
        node = _new(cls)
        for setter, value in zip(passed, values):
            setter(node, value)
        for setter, value in zip(rest, defaults):
            setter(node, value)
        return node
    return make


# One closure per arity, setting slots through their descriptors (which skips the frozen
# __setattr__): for a class with a __new__ or metaclass of its own, which a draft would not be.

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


def __getattr__(name: str) -> Callable[..., Any]:
    """``make.Literal``: the unchecked constructor of ``tree.Literal``, made on first use and kept."""
    cls = getattr(tree, name, None)
    if not (isinstance(cls, type) and issubclass(cls, tree.Node) and attrs.has(cls)):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    constructor = globals()[name] = unchecked(cls)
    return constructor
