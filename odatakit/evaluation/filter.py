"""Expressions → Python closures, compiled once: a dispatch table over the tree's node classes
(``_COMPILERS``), each entry turning a node into a function ``(current, scope) → value``.

``current`` is the instance unprefixed paths start from (the entity being filtered, or the item
of an expanded collection); ``scope`` holds what one evaluation fixes — ``$it``, ``$root``,
``now()`` and the lambda variables. Predicates are three-valued: True, False or None (null).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from .. import edm
from ..query import tree
from ..query.syntax import MAX_DEPTH
from .functions import FUNCTIONS, compile_pattern
from .geo import from_literal, is_geo_type
from .types import Types
from .values import (
    DECIMAL_CONTEXT,
    DIVISION_CONTEXT,
    EnumValue,
    EvaluationError,
    check_integer,
    compare,
    date_from_days,
    days_of,
    dto_from_instant,
    duration_from_picos,
    duration_picos,
    edm_type,
    equal,
    from_json,
    instant,
)

__all__ = ["MAX_EVAL_DEPTH", "Compiled", "Scope", "compile_expression", "compile_filter", "evaluate_filter"]

#: Deepest expression tree compiled; the closures call each other once per level, so this bounds
#: the Python stack the way ``syntax.MAX_DEPTH`` bounds the parser (hand-built trees may be deeper).
MAX_EVAL_DEPTH = MAX_DEPTH

Fn = Callable[[Any, "Scope"], Any]

#: The error for data nested past what Python's stack walks (the expression itself is bounded).
TOO_DEEP = "the data is nested too deep to evaluate over (more levels than Python's stack holds)"


class Scope:
    """What one evaluation fixes: ``$it`` (the outer instance; None when it is the current one),
    ``$root`` (the collection given), ``now()``, and the lambda variables bound so far."""

    __slots__ = ("it", "now", "root", "variables")

    def __init__(self, it: Any = None, root: Any = None, now: edm.DateTimeOffset | None = None,
                 variables: Mapping[str, Any] | None = None) -> None:
        self.it = it
        self.root = root
        self.now = now
        self.variables: dict[str, Any] = dict(variables or {})

    def bind(self, name: str, value: Any) -> Scope:
        inner = Scope.__new__(Scope)
        inner.it, inner.root, inner.now = self.it, self.root, self.now
        inner.variables = {**self.variables, name: value}
        return inner


def current_time() -> edm.DateTimeOffset:
    """``now()``: the current instant in UTC, read once per evaluation (every row sees the same)."""
    return edm.DateTimeOffset.from_python(_dt.datetime.now(_dt.UTC))


@attrs.frozen
class _Context:
    """Compile-time state: aliases, lambda variables in scope (with their item types), the model."""

    aliases: Mapping[str, tree.Expr]
    variables: Mapping[str, str | None]
    types: Types
    current_type: str | None
    expanding: frozenset[str] = frozenset()

    def with_variable(self, name: str, item_type: str | None) -> _Context:
        return attrs.evolve(self, variables={**self.variables, name: item_type})


def _depth_check(node: Any) -> None:
    from ..query.visit import walk_depth as walk

    for _, depth in walk(node):
        if depth > MAX_EVAL_DEPTH:
            raise EvaluationError(f"expression nested more than {MAX_EVAL_DEPTH} levels deep; odatakit evaluates "
                                  "trees up to that depth (the parser refuses deeper text too)")


def _text(node: Any) -> str:
    from ..query.printer import serialize

    try:
        text = serialize(node)
    except Exception:  # noqa: BLE001 - a hand-built tree the serializer refuses is still shown
        text = repr(node)
    return text if len(text) <= 200 else text[:197] + "..."


def compile_top(node: Any, ctx: _Context) -> Fn:
    """The closure of a whole expression; for the everyday subset, one generated function
    (``codegen.py``) that falls back to the closures wherever a value is not the plain case."""
    from .codegen import generate

    whole = _compile(node, ctx)
    generated = generate(node, lambda term: _compile(term, ctx),
                         lambda name: ctx.types.property_type(ctx.current_type, name), whole)
    return whole if generated is None else generated  # type: ignore[no-any-return]


def _compile(node: Any, ctx: _Context) -> Fn:
    compiler = _COMPILERS.get(type(node))
    if compiler is None:
        raise EvaluationError(f"{type(node).__name__} is not an expression odatakit can evaluate", _text(node))
    return compiler(node, ctx)


# -- literals ---------------------------------------------------------------------------------
def _literal_value(node: tree.Literal) -> Any:
    if node.type == "Decimal" and not isinstance(node.value, Decimal):
        return Decimal(node.value)
    if node.type in ("Single", "Double") and isinstance(node.value, (int, Decimal)):
        return float(node.value)
    if node.type.startswith(("Geography", "Geometry")):
        return from_literal(node.type, node.value)
    return node.value


def _constant(value: Any) -> Fn:
    return lambda cur, scope: value


def _c_literal(node: tree.Literal, ctx: _Context) -> Fn:
    return _constant(_literal_value(node))


def _c_enum(node: tree.EnumLiteral, ctx: _Context) -> Fn:
    text = ",".join(map(str, node.members))
    value = ctx.types.enum_value(node.type_name, text)
    return _constant(value)


def _c_list(node: tree.JsonArray | tree.ListExpr, ctx: _Context) -> Fn:
    items = [_compile(item, ctx) for item in node.items]
    return lambda cur, scope: [item(cur, scope) for item in items]


def _c_object(node: tree.JsonObject, ctx: _Context) -> Fn:
    members = [(m.name, _compile(m.value, ctx)) for m in node.members]
    return lambda cur, scope: {name: value(cur, scope) for name, value in members}


def _c_alias(node: tree.Alias, ctx: _Context) -> Fn:
    """A parameter alias: its value expression, compiled in place; an alias without a value is
    null (URL Conventions §5.3); one that refers to itself is an error."""
    if node.name in ctx.expanding:
        raise EvaluationError(f"parameter alias @{node.name} refers to itself")
    value = ctx.aliases.get(node.name)
    if value is None:
        return _constant(None)
    return _compile(value, attrs.evolve(ctx, expanding=ctx.expanding | {node.name}))


# -- paths ------------------------------------------------------------------------------------
Step = Callable[[Any, Any, "Scope"], Any]


def property_reader(name: str, declared: str | None, types: Types | None = None,
                    srid: int | None = None) -> Callable[[Any], Any]:
    """A reader of property ``name`` from a JSON object, typed by its ``@odata.type`` (or 4.01
    ``@type``) annotation, else by the model's declared type, else by the JSON value itself
    (``srid``: the model's SRID facet for a geo property)."""
    annotated_40, annotated_401 = f"{name}@odata.type", f"{name}@type"
    enums = types is not None and types.model is not None
    geo = is_geo_type(declared)

    def read(obj: Any) -> Any:
        if obj.__class__ is not dict:
            if obj is None:
                return None
            raise EvaluationError(f"cannot read property {name!r} of Edm.{edm_type(obj)} {obj!r}")
        value = obj.get(name)
        if value is None or value.__class__ is bool:
            return value
        if value.__class__ is dict and not geo and annotated_40 not in obj and annotated_401 not in obj:
            return value  # a complex value (GeoJSON is read only when a type says geo)
        annotation = obj.get(annotated_40) or obj.get(annotated_401) or declared
        if annotation is None:
            return value
        result = from_json(value, annotation, srid)
        if enums:  # with a model, enum members are flag values (names and numbers agree)
            if result.__class__ is EnumValue:
                return types.enum_value(result.type_name, result.text)  # type: ignore[union-attr]
            if result.__class__ is list:
                return [types.enum_value(v.type_name, v.text) if v.__class__ is EnumValue else v  # type: ignore[union-attr]
                        for v in result]
        return result

    return read


def _instance_type(obj: Any) -> str | None:
    if obj.__class__ is dict:
        annotated = obj.get("@odata.type") or obj.get("@type")
        if isinstance(annotated, str):
            return annotated.lstrip("#").rpartition("/")[2]
    return None


def _step_cast(name: str, types: Types, default_type: str | None) -> Step:
    """A type-cast segment: an instance of the type (or a derived one) passes, others are null;
    over a collection, only the items of that type remain (URL Conventions §4.11)."""
    def cast_one(value: Any) -> Any:
        if value is None:
            return None
        if value.__class__ is dict:
            return value if types.is_instance(value, name, default_type) else None
        return _cast_value(value, name, types)

    def step(value: Any, cur: Any, scope: Scope) -> Any:
        if isinstance(value, list):
            return [item for item in value if item is not None and cast_one(item) is not None]
        return cast_one(value)

    return step


def _collection(value: Any, what: str) -> list[Any]:
    if value is None:
        return []  # a collection is never null in OData; an absent one is read as empty
    if not isinstance(value, list):
        raise EvaluationError(f"{what} needs a collection, not Edm.{edm_type(value)}")
    return value


def _c_path(node: tree.Path, ctx: _Context) -> Fn:
    segments = list(node.segments)
    if not segments:
        raise EvaluationError("an empty path")
    first = segments[0]
    current_type = ctx.current_type
    start: Fn
    if isinstance(first, tree.Variable):
        segments.pop(0)
        if first.name == "$root":
            start = _root
            current_type = None
            head = segments[0] if segments else None
            if isinstance(head, (tree.Property, tree.EntitySet)):
                segments.pop(0)
                start = _root_set(head, ctx, start)
                current_type = ctx.types.entity_type
        elif first.name == "$it":
            start = lambda cur, scope: cur if scope.it is None else scope.it
            current_type = ctx.types.entity_type
        elif first.name == "$this":
            start = lambda cur, scope: cur
        else:
            raise EvaluationError(f"unknown variable {first.name}")
    elif type(first) is tree.LambdaVariable:
        segments.pop(0)
        variable = first.name
        if variable not in ctx.variables:
            raise EvaluationError(f"the lambda variable {variable} is used outside its any()/all() predicate")
        current_type = ctx.variables[variable]

        def start(cur: Any, scope: Scope) -> Any:
            return scope.variables[variable]
    else:
        if len(segments) == 1 and isinstance(first, tree.Property):
            declared = ctx.types.property_type(current_type, first.name)
            srid = ctx.types.srid(current_type, first.name) if is_geo_type(declared) else None
            return _property_path(first.name, declared, ctx.types, srid)
        start = lambda cur, scope: cur
    walk = _PathWalk(ctx, current_type)
    for index, segment in enumerate(segments):
        build = _SEGMENTS.get(type(segment))
        if build is None:
            raise EvaluationError(f"a {type(segment).__name__} segment is not supported in an expression "
                                  "by odatakit's evaluator (model functions and actions need a service)",
                                  _text(node))
        if isinstance(segment, tree.Lambda) and index + 1 < len(segments):
            raise EvaluationError("nothing can follow any() or all() in a path", _text(node))
        following = segments[index + 1] if index + 1 < len(segments) else None
        build(walk, segment, following)
    return _chain(start, walk.steps)


class _PathWalk:
    """The steps of a path being compiled, with the type reached so far (for the model) and the
    property an annotation segment belongs to."""

    def __init__(self, ctx: _Context, current_type: str | None) -> None:
        self.ctx = ctx
        self.current_type = current_type
        self.steps: list[Step] = []
        self.previous: str | None = None


def _seg_property(walk: _PathWalk, segment: tree.Property, following: Any) -> None:
    if isinstance(following, tree.Annotation):
        walk.previous = segment.name  # Name/@Term reads the annotation next to the property
        return
    types = walk.ctx.types
    declared = types.property_type(walk.current_type, segment.name)
    srid = types.srid(walk.current_type, segment.name) if is_geo_type(declared) else None
    walk.steps.append(_reading(property_reader(segment.name, declared, types, srid)))
    walk.current_type = types.item_type(declared)


def _seg_annotation(walk: _PathWalk, segment: tree.Annotation, following: Any) -> None:
    key = f"{walk.previous or ''}@{segment.term}" + (f"#{segment.qualifier}" if segment.qualifier else "")
    walk.steps.append(_annotation(key))
    walk.previous = None


def _seg_cast(walk: _PathWalk, segment: tree.TypeCast, following: Any) -> None:
    walk.steps.append(_step_cast(segment.name, walk.ctx.types, walk.current_type))
    walk.current_type = segment.name


def _seg_count(walk: _PathWalk, segment: tree.Count, following: Any) -> None:
    walk.steps.append(_step_count(segment, walk.ctx, walk.current_type))


def _seg_filter(walk: _PathWalk, segment: tree.FilterSegment, following: Any) -> None:
    walk.steps.append(_step_filter(segment.predicate, walk.ctx, walk.current_type))


def _seg_lambda(walk: _PathWalk, segment: tree.Lambda, following: Any) -> None:
    walk.steps.append(_step_lambda(segment, walk.ctx, walk.current_type))


#: Path segment class → what it adds to the path's steps.
_SEGMENTS: dict[type, Callable[[_PathWalk, Any, Any], None]] = {
    tree.Property: _seg_property,
    tree.Annotation: _seg_annotation,
    tree.TypeCast: _seg_cast,
    tree.Count: _seg_count,
    tree.FilterSegment: _seg_filter,
    tree.Lambda: _seg_lambda,
}


def _root(cur: Any, scope: Scope) -> Any:
    if scope.root is None:
        raise EvaluationError("$root needs the collection evaluated over: use odatakit.evaluate")
    return scope.root


def _property_path(name: str, declared: str | None, types: Types | None = None, srid: int | None = None) -> Fn:
    """A one-property path, the commonest operand: the value read straight from the JSON object,
    typed through ``property_reader`` only when an annotation or the model says more."""
    read = property_reader(name, declared, types, srid)
    if declared is not None:
        return lambda cur, scope: read(cur)
    annotated_40, annotated_401 = f"{name}@odata.type", f"{name}@type"

    def get(cur: Any, scope: Scope) -> Any:
        if cur.__class__ is dict:
            value = cur.get(name)
            if value is None or value.__class__ is bool:
                return value
            if annotated_40 not in cur and annotated_401 not in cur:
                return value
        return read(cur)

    return get


def _reading(read: Callable[[Any], Any]) -> Step:
    return lambda value, cur, scope: read(value)


def _annotation(key: str) -> Step:
    """An annotation segment: the annotation's JSON value (``Name@Ns.Term`` or ``@Ns.Term``)."""
    def step(value: Any, cur: Any, scope: Scope) -> Any:
        if value is None:
            return None
        if value.__class__ is not dict:
            raise EvaluationError(f"{key!r} is an annotation of an object, not of Edm.{edm_type(value)}")
        return value.get(key)
    return step


def _chain(start: Fn, steps: list[Step]) -> Fn:
    if not steps:
        return start
    if len(steps) == 1:
        only = steps[0]
        return lambda cur, scope: only(start(cur, scope), cur, scope)

    def run(cur: Any, scope: Scope) -> Any:
        value = start(cur, scope)
        for step in steps:
            value = step(value, cur, scope)
        return value

    return run


def _root_set(segment: tree.Property | tree.EntitySet, ctx: _Context, start: Fn) -> Fn:
    """``$root/Set`` is the collection evaluated over (whatever the set's name: the data given is
    the one set there is); ``$root/Set(key)`` the entity with that key (the model's key, else a
    property named ``Id``/``ID``/``id``)."""
    if isinstance(segment, tree.Property) or segment.key is None:
        return start
    values = [(kv.name, _compile(kv.value, ctx)) for kv in segment.key.values]
    key_names = ctx.types.key_names()

    def find(cur: Any, scope: Scope) -> Any:
        wanted = [(name, value(cur, scope)) for name, value in values]
        for entity in _collection(scope.root, "$root"):
            if _has_key(entity, wanted, key_names):
                return entity
        return None

    return find


def _has_key(entity: Any, wanted: list[tuple[str | None, Any]], key_names: tuple[str, ...] | None) -> bool:
    if not isinstance(entity, dict):
        return False
    if len(wanted) == 1 and wanted[0][0] is None:
        names = key_names or tuple(n for n in ("Id", "ID", "id") if n in entity)[:1]
        if len(names) != 1:
            return False
        return entity.get(names[0]) is not None and equal(property_reader(names[0], None)(entity), wanted[0][1])
    return all(name is not None and entity.get(name) is not None
               and equal(property_reader(name, None)(entity), value) for name, value in wanted)


def _step_count(segment: tree.Count, ctx: _Context, item_type: str | None) -> Step:
    keep = _item_filter(segment.filter, segment.search, ctx, item_type)

    def count(value: Any, cur: Any, scope: Scope) -> int:
        items = _collection(value, "$count")
        if keep is None:
            return len(items)
        inner = _outer(scope, cur)
        return sum(1 for item in items if keep(item, inner))

    return count


def _item_filter(predicate: tree.Expr | None, search: tree.Search | None, ctx: _Context,
                 item_type: str | None) -> Callable[[Any, Scope], bool] | None:
    """The test an item of a collection passes: ``$filter`` with ``$this`` the item, and ``$search``."""
    from .search import compile_search

    tests: list[Callable[[Any, Scope], bool]] = []
    if predicate is not None:
        compiled = _compile(predicate, attrs.evolve(ctx, current_type=item_type))
        tests.append(lambda item, scope: compiled(item, scope) is True)
    if search is not None:
        matches = compile_search(search)
        tests.append(lambda item, scope: matches(item))
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda item, scope: all(test(item, scope) for test in tests)


def _step_filter(predicate: tree.Expr, ctx: _Context, item_type: str | None) -> Step:
    keep = _item_filter(predicate, None, ctx, item_type)
    assert keep is not None
    def filter_(value: Any, cur: Any, scope: Scope) -> list[Any]:
        inner = _outer(scope, cur)
        return [item for item in _collection(value, "$filter()") if keep(item, inner)]

    return filter_


def _outer(scope: Scope, cur: Any) -> Scope:
    """The scope for a predicate over the items of a collection: ``$it`` stays the entity the
    whole expression is about (the current one, at the top level) while ``$this`` is the item."""
    if scope.it is not None:
        return scope
    inner = Scope.__new__(Scope)
    inner.it, inner.root, inner.now, inner.variables = cur, scope.root, scope.now, scope.variables
    return inner


def _step_lambda(segment: tree.Lambda, ctx: _Context, item_type: str | None) -> Step:
    """``any``/``all`` (§5.1.1.13): ``any`` over an empty collection is false and ``all`` true;
    a null predicate result counts as not true, so ``all`` is then false and ``any`` skips it."""
    if segment.predicate is None or segment.variable is None:
        if segment.kind == "all":
            raise EvaluationError("all() needs a lambda variable and a predicate")
        return lambda value, cur, scope: len(_collection(value, "any()")) > 0
    variable = segment.variable
    predicate = _compile(segment.predicate, ctx.with_variable(variable, item_type))
    if segment.kind == "any":
        def any_(value: Any, cur: Any, scope: Scope) -> bool:
            inner = scope.bind(variable, None)
            bound = inner.variables  # this call's own scope: rebinding the variable per item is safe
            for item in _collection(value, "any()"):
                bound[variable] = item
                if predicate(cur, inner) is True:
                    return True
            return False
        return any_

    def all_(value: Any, cur: Any, scope: Scope) -> bool:
        inner = scope.bind(variable, None)
        bound = inner.variables
        for item in _collection(value, "all()"):
            bound[variable] = item
            if predicate(cur, inner) is not True:
                return False
        return True

    return all_


# -- operators --------------------------------------------------------------------------------
_COMPARE = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}
_FAST_CLASSES = (int, str, float)


def _comparison(op: str) -> Callable[[Any, Any], bool]:
    """``gt``/``ge``/``lt``/``le`` over runtime values (§5.1.1.1.3–6): with a null operand ``gt``
    and ``lt`` are false; ``ge``/``le`` are true only when both are null (they are ``gt or eq``)."""
    test = {"gt": lambda c: c == 1, "ge": lambda c: c in (0, 1), "lt": lambda c: c == -1,
            "le": lambda c: c in (-1, 0)}[op]
    or_equal = op in ("ge", "le")
    native = _COMPARE[op]

    def run(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return or_equal and a is None and b is None
        cls = a.__class__
        if cls is b.__class__ and (cls is int or cls is str):
            return bool(native(a, b))
        return bool(test(compare(a, b)))

    return run


def _eq(a: Any, b: Any) -> bool:
    if a.__class__ is b.__class__ and (a.__class__ is str or a.__class__ is int):
        return bool(a == b)
    return equal(a, b)


def _ne(a: Any, b: Any) -> bool:
    return not _eq(a, b)


_PREDICATES: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _eq, "ne": _ne, **{op: _comparison(op) for op in ("gt", "ge", "lt", "le")},
}


def _has(a: Any, b: Any) -> bool | None:
    """``has`` (§5.1.1.1.10): every flag of the right operand is set in the left; null → null."""
    if a is None or b is None:
        return None
    if isinstance(a, str):
        a = EnumValue.parse(b.type_name if isinstance(b, EnumValue) else None, a)
    if not (isinstance(a, EnumValue) and isinstance(b, EnumValue)):
        raise EvaluationError(f"has needs enumeration values, not Edm.{edm_type(a)} and Edm.{edm_type(b)}")
    if a.type_name and b.type_name and a.type_name != b.type_name:
        raise EvaluationError(f"has compares values of one enumeration type, not {a.type_name} and {b.type_name}")
    return b.members <= a.members


def _numbers(op: str, a: Any, b: Any) -> tuple[Any, Any, type]:
    ta, tb = a.__class__, b.__class__
    if ta is bool or tb is bool or ta not in (int, Decimal, float) or tb not in (int, Decimal, float):
        raise EvaluationError(f"{op} is not defined for Edm.{edm_type(a)} and Edm.{edm_type(b)}")
    if ta is float or tb is float:
        return float(a), float(b), float
    if ta is Decimal or tb is Decimal:
        return Decimal(a), Decimal(b), Decimal
    return a, b, int


def _decimal(op: Callable[[Decimal, Decimal], Decimal], a: Decimal, b: Decimal, what: str) -> Decimal:
    try:
        return op(a, b)
    except decimal.DivisionByZero:
        raise EvaluationError(f"{what}: division by zero") from None
    except (decimal.InvalidOperation, decimal.Overflow) as error:
        raise EvaluationError(f"{what}: {type(error).__name__} in Edm.Decimal arithmetic") from None


_TEMPORAL_ADD: dict[tuple[type, type], Callable[[Any, Any], Any]] = {
    (edm.DateTimeOffset, edm.Duration): lambda a, b: dto_from_instant(instant(a) + duration_picos(b), a.offset_minutes),
    (edm.Duration, edm.DateTimeOffset): lambda a, b: dto_from_instant(instant(b) + duration_picos(a), b.offset_minutes),
    (edm.Duration, edm.Duration): lambda a, b: duration_from_picos(duration_picos(a) + duration_picos(b)),
    (edm.Date, edm.Duration): lambda a, b: _date_plus(a, duration_picos(b)),
    (edm.Duration, edm.Date): lambda a, b: _date_plus(b, duration_picos(a)),
}
_TEMPORAL_SUB: dict[tuple[type, type], Callable[[Any, Any], Any]] = {
    (edm.DateTimeOffset, edm.Duration): lambda a, b: dto_from_instant(instant(a) - duration_picos(b), a.offset_minutes),
    (edm.Duration, edm.Duration): lambda a, b: duration_from_picos(duration_picos(a) - duration_picos(b)),
    (edm.DateTimeOffset, edm.DateTimeOffset): lambda a, b: duration_from_picos(instant(a) - instant(b)),
    (edm.Date, edm.Date): lambda a, b: duration_from_picos((days_of(a) - days_of(b)) * 86_400 * 10**12),
    (edm.Date, edm.Duration): lambda a, b: _date_plus(a, -duration_picos(b)),
}


def _date_plus(date: edm.Date, picos: int) -> edm.Date:
    """Date ± Duration: whole days only (the spec gives a Date, which holds no time of day)."""
    days, rest = divmod(picos, 86_400 * 10**12)
    if rest:
        raise EvaluationError("adding a duration that is not a whole number of days to an Edm.Date")
    return date_from_days(days_of(date) + days)


def _temporal(table: dict[tuple[type, type], Callable[[Any, Any], Any]], op: str, a: Any, b: Any) -> Any:
    function = table.get((a.__class__, b.__class__))
    if function is None:
        return None
    return function(a, b)


_LOW, _HIGH = edm.INT_RANGES["Int64"]


def _add(a: Any, b: Any) -> Any:
    if a.__class__ is int and b.__class__ is int and _LOW <= (total := a + b) <= _HIGH:
        return total
    if a is None or b is None:
        return None
    result = _temporal(_TEMPORAL_ADD, "add", a, b)
    if result is not None:
        return result
    x, y, kind = _numbers("add", a, b)
    if kind is int:
        return check_integer(x + y, "add")
    if kind is Decimal:
        return _decimal(DECIMAL_CONTEXT.add, x, y, "add")
    return x + y


def _sub(a: Any, b: Any) -> Any:
    if a.__class__ is int and b.__class__ is int and _LOW <= (difference := a - b) <= _HIGH:
        return difference
    if a is None or b is None:
        return None
    result = _temporal(_TEMPORAL_SUB, "sub", a, b)
    if result is not None:
        return result
    x, y, kind = _numbers("sub", a, b)
    if kind is int:
        return check_integer(x - y, "sub")
    if kind is Decimal:
        return _decimal(DECIMAL_CONTEXT.subtract, x, y, "sub")
    return x - y


def _mul(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if isinstance(a, edm.Duration) or isinstance(b, edm.Duration):
        duration, factor = (a, b) if isinstance(a, edm.Duration) else (b, a)
        if type(factor) is not int:
            raise EvaluationError(f"mul scales an Edm.Duration by an integer, not Edm.{edm_type(factor)}")
        return duration_from_picos(duration_picos(duration) * factor)
    x, y, kind = _numbers("mul", a, b)
    if kind is int:
        return check_integer(x * y, "mul")
    if kind is Decimal:
        return _decimal(DECIMAL_CONTEXT.multiply, x, y, "mul")
    return x * y


def _float_divide(x: float, y: float) -> float:
    """IEEE 754 division: a Double divided by zero is ±INF (or NaN for 0/0), not an error."""
    if y == 0:
        if x == 0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def _div(a: Any, b: Any) -> Any:
    """``div`` (§5.1.1.2.4): integers divide to an integer truncated toward zero (``-7 div 2`` is
    -3); a zero integer divisor is an error; Decimal divides to 34 digits; Double per IEEE 754."""
    if a is None or b is None:
        return None
    x, y, kind = _numbers("div", a, b)
    if kind is int:
        if y == 0:
            raise EvaluationError("div: integer division by zero")
        quotient = abs(x) // abs(y)
        return check_integer(quotient if (x < 0) == (y < 0) else -quotient, "div")
    if kind is Decimal:
        return _decimal(DIVISION_CONTEXT.divide, x, y, "div")
    return _float_divide(x, y)


def _divby(a: Any, b: Any) -> Any:
    """``divby`` (§5.1.1.2.5, 4.01): never truncates — integers divide as Decimals."""
    if a is None or b is None:
        return None
    x, y, kind = _numbers("divby", a, b)
    if kind is float:
        return _float_divide(x, y)
    return _decimal(DIVISION_CONTEXT.divide, Decimal(x), Decimal(y), "divby")


def _mod(a: Any, b: Any) -> Any:
    """``mod`` (§5.1.1.2.6): the remainder takes the sign of the left operand (``-7 mod 2`` is -1)."""
    if a is None or b is None:
        return None
    x, y, kind = _numbers("mod", a, b)
    if kind is int:
        if y == 0:
            raise EvaluationError("mod: integer division by zero")
        return int(math.copysign(abs(x) % abs(y), x)) if x % y else 0
    if kind is Decimal:
        return _decimal(DECIMAL_CONTEXT.remainder, x, y, "mod")
    if y == 0:
        return math.nan
    return math.fmod(x, y)


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "add": _add, "sub": _sub, "mul": _mul, "div": _div, "divby": _divby, "mod": _mod, "has": _has,
}


def _c_binary(node: tree.BinaryOp, ctx: _Context) -> Fn:
    left, right = _compile(node.left, ctx), _compile(node.right, ctx)
    op = _PREDICATES.get(node.op) or _ARITHMETIC.get(node.op)
    if op is None:
        raise EvaluationError(f"unknown operator {node.op!r}")
    fast = _fast_comparison(node, ctx, op)
    if fast is not None:
        return fast
    if node.op in _PREDICATES and isinstance(node.right, tree.Literal):
        constant = _literal_value(node.right)
        if constant.__class__ in _FAST_CLASSES and not (constant.__class__ is float and math.isnan(constant)):
            return _against_constant(node, left, op, constant)
    text = None

    def run(cur: Any, scope: Scope) -> Any:
        try:
            return op(left(cur, scope), right(cur, scope))
        except EvaluationError as error:
            if error.expression is None:
                nonlocal text
                text = text or _text(node)
                raise EvaluationError(error.reason, text) from None
            raise

    return run


def _against_constant(node: tree.BinaryOp, left: Fn, op: Callable[[Any, Any], Any], constant: Any) -> Fn:
    """``expression op literal``: compared natively when the value has the literal's class."""
    native = {"eq": operator.eq, "ne": operator.ne, **_COMPARE}[node.op]
    cls = constant.__class__

    def run(cur: Any, scope: Scope) -> Any:
        value = left(cur, scope)
        if value.__class__ is cls:
            return native(value, constant)
        try:
            return op(value, constant)
        except EvaluationError as error:
            raise EvaluationError(error.reason, error.expression or _text(node)) from None

    return run


def _fast_comparison(node: tree.BinaryOp, ctx: _Context, op: Callable[[Any, Any], Any]) -> Fn | None:
    """``Property op literal`` over a plain JSON object: read the value and compare natively when
    it already has the literal's class (ints, strings, doubles), else take the general path."""
    if node.op not in _PREDICATES or not isinstance(node.right, tree.Literal) or not isinstance(node.left, tree.Path):
        return None
    segments = node.left.segments
    if len(segments) != 1 or not isinstance(segments[0], tree.Property) or segments[0].name in ctx.variables:
        return None
    constant = _literal_value(node.right)
    if constant is None and node.op in ("eq", "ne"):
        name, is_eq = segments[0].name, node.op == "eq"

        def null_test(cur: Any, scope: Scope) -> bool:
            if cur.__class__ is dict:
                return (cur.get(name) is None) is is_eq
            return (_property_path(name, None)(cur, scope) is None) is is_eq

        return null_test
    if constant.__class__ not in _FAST_CLASSES or (constant.__class__ is float and math.isnan(constant)):
        return None
    name = segments[0].name
    if ctx.types.property_type(ctx.current_type, name) is not None:
        return None
    read = property_reader(name, None)
    native = {"eq": operator.eq, "ne": operator.ne, **_COMPARE}[node.op]
    cls = constant.__class__

    def run(cur: Any, scope: Scope) -> Any:
        value = cur.get(name) if cur.__class__ is dict else read(cur)
        if value.__class__ is cls:
            return native(value, constant)
        try:
            return op(read(cur), constant)
        except EvaluationError as error:
            raise EvaluationError(error.reason, error.expression or _text(node)) from None

    return run


def _c_and(node: tree.And, ctx: _Context) -> Fn:
    """Three-valued ``and`` (§5.1.1.1.7): false wins, then null, then true."""
    operands = [_compile(o, ctx) for o in node.operands]
    if len(operands) == 2:
        first, second = operands

        def and2(cur: Any, scope: Scope) -> Any:
            a = first(cur, scope)
            if a is False:
                return False
            b = second(cur, scope)
            if a is True and b is True:
                return True
            return _and_values((a, b))
        return and2
    if len(operands) == 3:
        one, two, three = operands

        def and3(cur: Any, scope: Scope) -> Any:
            a = one(cur, scope)
            if a is False:
                return False
            b = two(cur, scope)
            if b is False:
                return False
            c = three(cur, scope)
            if a is True and b is True and c is True:
                return True
            return _and_values((a, b, c))
        return and3

    def run(cur: Any, scope: Scope) -> Any:
        unknown = False
        for operand in operands:
            value = operand(cur, scope)
            if value is True:
                continue
            if value is False:
                return False
            if value is None:
                unknown = True
            else:
                _boolean(value, "and")
        return None if unknown else True

    return run


def _and_values(values: tuple[Any, ...]) -> Any:
    unknown = False
    for value in values:
        if value is False:
            return False
        if value is None:
            unknown = True
        else:
            _boolean(value, "and")
    return None if unknown else True


def _c_or(node: tree.Or, ctx: _Context) -> Fn:
    """Three-valued ``or`` (§5.1.1.1.8): true wins, then null, then false."""
    operands = [_compile(o, ctx) for o in node.operands]

    def run(cur: Any, scope: Scope) -> Any:
        unknown = False
        for operand in operands:
            value = operand(cur, scope)
            if value is True:
                return True
            if value is False:
                continue
            if value is None:
                unknown = True
            else:
                _boolean(value, "or")
        return None if unknown else False

    return run


def _boolean(value: Any, op: str) -> bool:
    if value.__class__ is not bool:
        raise EvaluationError(f"{op} needs Edm.Boolean operands, not Edm.{edm_type(value)}")
    return bool(value)


def _negate(value: Any) -> Any:
    if value is None:
        return None
    if value.__class__ is int:
        return check_integer(-value, "negation")
    if value.__class__ in (Decimal, float):
        return -value
    if value.__class__ is edm.Duration:
        return duration_from_picos(-duration_picos(value))
    raise EvaluationError(f"- is not defined for Edm.{edm_type(value)}")


def _c_unary(node: tree.UnaryOp, ctx: _Context) -> Fn:
    """``not`` (§5.1.1.1.9: not null is null) and ``-`` (§5.1.1.2.7)."""
    operand = _compile(node.operand, ctx)
    if node.op == "not":
        def not_(cur: Any, scope: Scope) -> Any:
            value = operand(cur, scope)
            return None if value is None else not _boolean(value, "not")
        return not_
    return lambda cur, scope: _negate(operand(cur, scope))


def _c_in(node: tree.In, ctx: _Context) -> Fn:
    """``in`` (§5.1.1.1.11): true when the left operand equals an item of the right collection."""
    left, right = _compile(node.left, ctx), _compile(node.right, ctx)

    def run(cur: Any, scope: Scope) -> bool:
        value = left(cur, scope)
        return any(equal(value, item) for item in _collection(right(cur, scope), "in"))

    return run


# -- calls ------------------------------------------------------------------------------------
def _c_isdefined(node: tree.Call, ctx: _Context) -> Fn:
    """``isdefined(P)`` (Data Aggregation §3.2.4): whether the instance has property ``P`` at all
    (a null value is defined); never null itself."""
    (path,) = node.args
    if not isinstance(path, tree.Path) or not isinstance(path.segments[-1], tree.Property):
        raise EvaluationError("isdefined() takes a property path", _text(node))
    name = path.segments[-1].name
    parent = _compile(tree.Path(path.segments[:-1]), ctx) if len(path.segments) > 1 else (lambda cur, scope: cur)

    def run(cur: Any, scope: Scope) -> bool:
        holder = parent(cur, scope)
        properties = getattr(holder, "properties", holder)
        return isinstance(properties, Mapping) and name in properties

    return run


def _c_call(node: tree.Call, ctx: _Context) -> Fn:
    name = node.function
    if name == "now":
        return _now
    if name == "isdefined":
        return _c_isdefined(node, ctx)
    function = FUNCTIONS.get(name)
    if function is None:
        raise EvaluationError(f"unknown canonical function {name}()", _text(node))
    args = [_compile(a, ctx) for a in node.args]
    if name == "matchesPattern" and len(node.args) == 2 and isinstance(node.args[1], tree.Literal) \
            and isinstance(node.args[1].value, str):
        compile_pattern(node.args[1].value)  # a pattern RE2 cannot run fails at compile time
    text = None

    def run(cur: Any, scope: Scope) -> Any:
        values = [a(cur, scope) for a in args]
        if None in values:
            return None  # §5.1.1.4: a null parameter makes the result null
        try:
            return function(*values)
        except EvaluationError as error:
            nonlocal text
            text = text or _text(node)
            raise EvaluationError(error.reason, error.expression or text) from None

    if len(args) == 2 and isinstance(node.args[1], tree.Literal) and node.args[1].value is not None:
        first, constant = args[0], _literal_value(node.args[1])

        def run_constant(cur: Any, scope: Scope) -> Any:
            x = first(cur, scope)
            if x is None:
                return None
            try:
                return function(x, constant)
            except EvaluationError as error:
                raise EvaluationError(error.reason, error.expression or _text(node)) from None
        return run_constant
    if len(args) == 2:
        a0, a1 = args

        def run2(cur: Any, scope: Scope) -> Any:
            x = a0(cur, scope)
            y = a1(cur, scope)
            if x is None or y is None:
                return None
            try:
                return function(x, y)
            except EvaluationError as error:
                raise EvaluationError(error.reason, error.expression or _text(node)) from None
        return run2
    return run


def _now(cur: Any, scope: Scope) -> edm.DateTimeOffset:
    """``now()``: read once per scope, so every use in one evaluation sees the same instant."""
    if scope.now is None:
        scope.now = current_time()
    return scope.now


def _c_case(node: tree.Case, ctx: _Context) -> Fn:
    """``case`` (§5.1.1.12): the value of the first branch whose condition is true, else null."""
    branches = [(_compile(b.condition, ctx), _compile(b.value, ctx)) for b in node.branches]

    def run(cur: Any, scope: Scope) -> Any:
        for condition, value in branches:
            if condition(cur, scope) is True:
                return value(cur, scope)
        return None

    return run


def _cast_value(value: Any, type_name: str, types: Types) -> Any:
    """``cast`` of a non-null value (§5.1.1.10.1); a cast that fails gives null."""
    name = type_name.removeprefix("Edm.")
    kind = edm.PRIMITIVES.get(name)
    if kind is None:
        if value.__class__ is dict:
            return value if types.is_instance(value, type_name, None) else None
        if isinstance(value, (str, EnumValue)):
            text = value if isinstance(value, str) else value.text
            enum = types.enum_value(type_name, text)
            return enum
        return None
    if value.__class__ is dict or isinstance(value, list):
        return None
    if name == "String":
        if isinstance(value, str):
            return value
        if isinstance(value, EnumValue):
            return value.text
        own = edm_type(value)
        return edm.PRIMITIVES[own].format(value) if own in edm.PRIMITIVES else None
    try:
        if isinstance(value, str):
            return kind.parse(value)
        if name in edm.INT_RANGES:
            if value.__class__ is bool:
                return None
            if value.__class__ is float:
                if not value.is_integer():
                    return None
                value = int(value)
            if value.__class__ is Decimal:
                if value != value.to_integral_value():
                    return None
                value = int(value)
            if value.__class__ is not int:
                return None
            kind.check(value)
            return value
        if name == "Decimal":
            if value.__class__ is bool or value.__class__ not in (int, Decimal, float):
                return None
            return Decimal(repr(value)) if value.__class__ is float else Decimal(value)
        if name in ("Double", "Single"):
            if value.__class__ is bool or value.__class__ not in (int, Decimal, float):
                return None
            result = float(value)
            kind.check(result)
            return result
        if name == "Date" and value.__class__ is edm.DateTimeOffset:
            return value.date
        if name == "TimeOfDay" and value.__class__ is edm.DateTimeOffset:
            return value.time
        if name == "DateTimeOffset" and value.__class__ is edm.Date:
            return edm.DateTimeOffset(value, edm.TimeOfDay(0, 0), 0)
        return value if edm_type(value) == name else None
    except (ValueError, ArithmeticError, OverflowError):
        return None


def _is_of(value: Any, type_name: str, types: Types, default_type: str | None) -> bool:
    """``isof`` (§5.1.1.10.2): whether the value is of the type (or derived from it). Untyped JSON
    numbers are of every numeric type that holds them exactly (``5`` is an Int32 and an Int64)."""
    name = type_name.removeprefix("Edm.")
    if value.__class__ is dict:
        return types.is_instance(value, type_name, default_type)
    if name not in edm.PRIMITIVES:
        return isinstance(value, EnumValue) and (value.type_name in (None, type_name))
    own = edm_type(value)
    if own == name:
        return True
    if value.__class__ is int and name in edm.INT_RANGES:
        low, high = edm.INT_RANGES[name]
        return low <= value <= high
    if value.__class__ is float and name == "Single":
        return True
    return False


def _c_cast(node: tree.Cast, ctx: _Context) -> Fn:
    operand = _compile(node.operand, ctx) if node.operand is not None else (lambda cur, scope: cur)
    type_name, types = node.type.name, ctx.types
    if node.type.collection:
        def cast_all(cur: Any, scope: Scope) -> Any:
            value = operand(cur, scope)
            if value is None:
                return None
            return [None if v is None else _cast_value(v, type_name, types) for v in _collection(value, "cast")]
        return cast_all

    def run(cur: Any, scope: Scope) -> Any:
        value = operand(cur, scope)
        return None if value is None else _cast_value(value, type_name, types)

    return run


def _c_isof(node: tree.IsOf, ctx: _Context) -> Fn:
    operand = _compile(node.operand, ctx) if node.operand is not None else (lambda cur, scope: cur)
    type_name, types, default = node.type.name, ctx.types, ctx.current_type if node.operand is None else None
    if node.type.collection:
        def is_all(cur: Any, scope: Scope) -> Any:
            value = operand(cur, scope)
            return isinstance(value, list) and all(v is None or _is_of(v, type_name, types, None) for v in value)
        return is_all

    def run(cur: Any, scope: Scope) -> Any:
        value = operand(cur, scope)
        return None if value is None else _is_of(value, type_name, types, default)

    return run


def _c_function_call(node: tree.FunctionCall, ctx: _Context) -> Fn:
    raise EvaluationError(f"the model function {node.name} cannot be evaluated over data alone", _text(node))


_COMPILERS: dict[type, Callable[[Any, _Context], Fn]] = {
    tree.Literal: _c_literal,
    tree.EnumLiteral: _c_enum,
    tree.JsonArray: _c_list,
    tree.ListExpr: _c_list,
    tree.JsonObject: _c_object,
    tree.Alias: _c_alias,
    tree.Path: _c_path,
    tree.BinaryOp: _c_binary,
    tree.And: _c_and,
    tree.Or: _c_or,
    tree.UnaryOp: _c_unary,
    tree.In: _c_in,
    tree.Call: _c_call,
    tree.Case: _c_case,
    tree.Cast: _c_cast,
    tree.IsOf: _c_isof,
    tree.FunctionCall: _c_function_call,
}


# -- entry points -----------------------------------------------------------------------------
@attrs.frozen
class Compiled:
    """A compiled expression: call it with an entity (and optionally a ``Scope``) for its value."""

    expression: Any
    function: Fn = attrs.field(repr=False)
    #: Whether ``now()`` occurs: then each call gets a scope of its own to fix it in.
    uses_now: bool = attrs.field(default=True, repr=False)

    def value(self, current: Any, scope: Scope | None = None) -> Any:
        """The expression's runtime value for ``current`` (also ``$it``, unless the scope says)."""
        return self.function(current, Scope() if scope is None else scope)

    def __call__(self, entity: Any, scope: Scope | None = None) -> bool | None:
        """The three-valued result of a predicate: True, False or None (null)."""
        if scope is None:
            scope = Scope() if self.uses_now else _NO_SCOPE
        if entity.__class__ is not dict:
            from .query import entity_json

            entity = entity_json(entity)  # a decoded Structured reads as its JSON form
        try:
            result = self.function(entity, scope)
        except RecursionError:
            raise EvaluationError(TOO_DEEP) from None
        if result is True or result is False or result is None:
            return result  # type: ignore[no-any-return]
        raise EvaluationError(f"a filter must be Edm.Boolean, not Edm.{edm_type(result)}", _text(self.expression))


def compile_expression(expr: Any, *, aliases: Mapping[str, tree.Expr] | None = None, types: Types | None = None,
                       current_type: str | None = None) -> Compiled:
    """Compile an expression tree (or its text) once into a callable over entities."""
    if isinstance(expr, str):
        from ..query.parser import parse_expression

        expr = parse_expression(expr)
    if not isinstance(expr, tree.Node) and isinstance(getattr(expr, "node", None), tree.Node):
        expr = expr.node  # a builder Expression wraps its tree node
    _depth_check(expr)
    types = types or Types(None, None)
    context = _Context(dict(aliases or {}), {}, types, current_type or types.entity_type)
    return Compiled(expr, compile_top(expr, context), _uses_now(expr, context.aliases))


def _uses_now(expr: Any, aliases: Mapping[str, Any]) -> bool:
    from ..query.visit import walk

    return any(isinstance(node, tree.Call) and node.function == "now" for node in walk(expr)) or bool(aliases)


#: The scope of a call without one when nothing in it is fixed per evaluation (no ``now()``):
#: shared, since closures never write to it (lambdas bind into copies).
_NO_SCOPE = Scope()


def compile_filter(expr: Any, *, model: Any = None, entity_type: str | None = None) -> Compiled:
    """A predicate compiled once: ``compile_filter("Price gt 10")(entity)`` → True, False or None.

    ``expr`` is filter text, a tree, or a builder expression; an entity is a JSON object
    (``dict``) as parsed, with ``@odata.type`` annotations where values need a type.
    """
    return compile_expression(expr, types=Types(model, entity_type))


def evaluate_filter(expr: Any, entity: Any, *, model: Any = None, entity_type: str | None = None) -> bool | None:
    """The three-valued result of one predicate over one entity (URL Conventions §5.1.1)."""
    from .query import entity_json

    return compile_filter(expr, model=model, entity_type=entity_type)(entity_json(entity))
