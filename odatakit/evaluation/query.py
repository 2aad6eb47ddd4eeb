"""``evaluate``: the system query options of a request applied to the data given, as a service
would (URL Conventions 4.01 §5.1), into the collection payload it would send.

Order per collection (top level, and each expanded or selected collection): ``$compute``, then
``$filter`` and ``$search``, ``$count`` (before paging), ``$orderby``, ``$skip``, ``$top``, and
last the shape — ``$select`` and ``$expand`` (with their nested options, ``$levels`` included).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ..query import tree
from ..edm import decimal_of
from .filter import (
    TOO_DEEP,
    Compiled,
    Scope,
    compile_top,
    _Context,
    _depth_check,
    current_time,
)
from .search import compile_search
from ..payload.values import JsonPayload
from .types import Types
from .values import EvaluationError, _Key, to_json

__all__ = ["entity_json", "evaluate", "read_payload"]


# -- input ------------------------------------------------------------------------------------
def _reject_constant(name: str) -> Any:
    raise EvaluationError(f"{name} is not JSON (write non-finite numbers as the strings 'NaN', 'INF', '-INF')")


def read_payload(text: str | bytes) -> Any:
    """JSON text read exactly: integers stay ``int``, other numbers become ``Decimal`` (no float
    ever touches an Int64 or a Decimal). Huge integers and bad text fall back to odatakit's
    careful reader, whose faults become an ``EvaluationError``."""
    try:
        return json.loads(text, parse_float=decimal_of, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        from ..payload._jsontext import read

        value, faults = read(text)
        if faults:
            raise EvaluationError("the data is not JSON: " + "; ".join(map(str, faults))) from None
        return value


def entity_json(value: Any) -> Any:
    """A decoded odatakit value (``Structured``/``Collection``) as the JSON the evaluator reads
    (annotations where types need them); JSON values pass through."""
    if value.__class__ is dict or value.__class__ is list:
        return value
    from ..payload.values import Collection, Primitive, Structured

    if isinstance(value, (Structured, Collection, Primitive)):
        from ..payload.encode import encode

        return encode(value)
    return value


def _entities(data: Any) -> tuple[list[Any], Mapping[str, Any]]:
    """The entities of ``data`` and the payload's control information (kept for the response)."""
    if isinstance(data, (str, bytes)):
        data = read_payload(data)
    data = entity_json(data)
    control: Mapping[str, Any] = {}
    if isinstance(data, Mapping):
        if "value" not in data or not isinstance(data["value"], list):
            raise EvaluationError("the data is a collection payload {\"value\": [...]} or a list of entities")
        control = {k: v for k, v in data.items() if k.startswith("@")}
        data = data["value"]
    if not isinstance(data, (list, tuple)):
        raise EvaluationError(f"the data is a collection payload or a list of entities, not {type(data).__name__}")
    items = [item if item.__class__ is dict else entity_json(item) for item in data]
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise EvaluationError(f"$.value[{index}] is not an entity (a JSON object) but {type(item).__name__}")
    return items, control


def _as_query(query: Any) -> tree.Query:
    if isinstance(query, tree.Query):
        return query
    to_tree = getattr(query, "to_tree", None)
    if callable(to_tree):
        result = to_tree()
        if isinstance(result, tree.Query):
            return result
    if isinstance(query, str):
        from ..query.parser import parse_query

        return parse_query(query.removeprefix("?"))
    node = query if isinstance(query, tree.Node) else getattr(query, "node", None)
    if isinstance(node, tree.Node):  # a bare expression (tree or builder): taken as $filter
        return tree.Query(filter=node)  # type: ignore[arg-type]
    raise EvaluationError(f"a query is text, a tree.Query or a builder Q, not {type(query).__name__}")


# -- options ----------------------------------------------------------------------------------
@attrs.frozen
class _Options:
    """The options one collection is processed with (the query, an expand item or a select item)."""

    filter: Any = None
    search: Any = None
    orderby: Any = None
    top: int | None = None
    skip: int | None = None
    count: bool | None = None
    compute: Any = None
    select: Any = None
    expand: Any = None
    aliases: tuple[tree.AliasDefinition, ...] = ()


def _options(node: Any) -> _Options:
    values: dict[str, Any] = {f.name: getattr(node, f.name, None) for f in attrs.fields(_Options)}
    values["aliases"] = tuple(getattr(node, "aliases", ()))
    return _Options(**values)


@attrs.frozen
class _Env:
    types: Types
    aliases: Mapping[str, tree.Expr]
    root: list[Any]
    now: Any


def _context(env: _Env, current_type: str | None, extra_aliases: Sequence[tree.AliasDefinition]) -> _Context:
    aliases = {**env.aliases, **{a.name: a.value for a in extra_aliases}}
    return _Context(aliases, {}, env.types, current_type)


def _compiled(expr: Any, ctx: _Context) -> Compiled:
    _depth_check(expr)
    return Compiled(expr, compile_top(expr, ctx))


def _process(items: list[Any], opts: _Options, env: _Env, current_type: str | None,
             outer: Any, root_level: bool) -> tuple[list[Any], int | None, list[str]]:
    """Apply the collection options; return the shaped items, the count (when asked) and the
    names of computed properties (they need their values rendered as JSON)."""
    ctx = _context(env, current_type, opts.aliases)
    computed: list[str] = []

    # $it is the current item at the top level (None says so) and the outer entity below it.
    scope = Scope(it=None if root_level else outer, root=env.root, now=env.now)
    if opts.compute is not None:
        compiled = [(c.alias, _compiled(c.expr, ctx)) for c in opts.compute.items]
        computed = [alias for alias, _ in compiled]
        items = [{**item, **{alias: fn.value(item, scope) for alias, fn in compiled}} for item in items]
    if opts.filter is not None:
        predicate = _compiled(opts.filter, ctx)
        try:
            items = [item for item in items if predicate(item, scope) is True]
        except EvaluationError as error:
            raise _located(error, items, lambda item: predicate(item, scope), root_level) from None
    if opts.search is not None:
        matches = compile_search(opts.search)
        items = [item for item in items if matches(item)]
    count = len(items) if opts.count else None
    if opts.orderby is not None:
        items = _order(items, opts.orderby, ctx, scope)
    if opts.skip:
        items = items[opts.skip:]
    if opts.top is not None:
        items = items[:opts.top]
    shaped = [_shape(item, opts, env, current_type, item if root_level else outer, computed) for item in items]
    return shaped, count, computed


_NATIVE = (int, str, bytes, bool)


def _located(error: EvaluationError, items: list[Any], run: Callable[[Any], Any], root_level: bool) -> EvaluationError:
    """``error`` with the JSON path of the first top-level entity it happens on (found by running
    again one by one: only on the error path)."""
    if not root_level or error.path is not None:
        return error
    for index, item in enumerate(items):
        try:
            run(item)
        except EvaluationError:
            return error.at(f"$.value[{index}]")
    return error


def _order(items: list[Any], orderby: tree.OrderBy, ctx: _Context, scope: Scope) -> list[Any]:
    """``$orderby`` (§5.1.5): stable, key by key; null sorts first ascending and last descending."""
    for item in reversed(orderby.items):
        keys = _order_keys(items, item.expr, ctx, scope)
        present = {k.__class__ for k in keys if k is not None}
        nulls = [i for i, k in enumerate(keys) if k is None]
        values = [i for i, k in enumerate(keys) if k is not None]
        if len(present) <= 1 and present <= set(_NATIVE):
            values.sort(key=keys.__getitem__, reverse=item.descending)
        else:
            wrapped = [_Key(k) for k in keys]
            values.sort(key=wrapped.__getitem__, reverse=item.descending)
        order = values + nulls if item.descending else nulls + values
        items = [items[i] for i in order]
    return items


def _order_keys(items: list[Any], expr: Any, ctx: _Context, scope: Scope) -> list[Any]:
    """The key of each item. A one-property path whose values are plain integers (or nulls) is
    read straight from the objects; anything else runs the compiled expression."""
    segments: tuple[Any, ...] = getattr(expr, "segments", ())
    head = segments[0] if len(segments) == 1 else None
    if isinstance(head, tree.Property) and ctx.types.property_type(ctx.current_type, head.name) is None:
        name = head.name
        keys = [entity.get(name) for entity in items if entity.__class__ is dict]
        if len(keys) == len(items) and all(k is None or k.__class__ is int for k in keys):
            return keys  # an annotation cannot change the order of integers
    function = _compiled(expr, ctx).function
    return [function(entity, scope) for entity in items]


# -- shaping: $select and $expand -------------------------------------------------------------
def _is_property(key: str) -> bool:
    return "@" not in key


def _annotations_of(entity: Mapping[str, Any], name: str) -> dict[str, Any]:
    prefix = name + "@"
    return {k: v for k, v in entity.items() if k.startswith(prefix)}


def _shape(entity: Any, opts: _Options, env: _Env, current_type: str | None, outer: Any,
           computed: list[str]) -> Any:
    if not isinstance(entity, dict):
        return entity
    expanded = _expansions(entity, opts.expand, env, current_type, outer)
    if opts.select is None:
        out = {k: v for k, v in entity.items() if k not in computed}
    else:
        out = _select(entity, opts.select, env, current_type, outer, computed)
        _refuse_reshaped_collections(opts.select, expanded)
    out = _without_navigation(out, env, current_type)
    _apply_expansions(out, expanded, entity)
    for name in computed:
        if name in out or opts.select is None:
            value, annotation = to_json(entity.get(name))
            out[name] = value
            if annotation is not None:
                out[f"{name}@odata.type"] = annotation
    return out


def _is_navigation(env: _Env, current_type: str | None, name: str) -> bool:
    navigation = getattr(env.types.model, "is_navigation", None)
    return current_type is not None and callable(navigation) and bool(navigation(current_type, name))


def _own_type(obj: Mapping[str, Any], declared: str | None) -> str | None:
    """The type of an entity or complex value: its ``@odata.type`` (a derived type), else the declared one."""
    annotated = obj.get("@odata.type", obj.get("@type"))
    if isinstance(annotated, str):
        return annotated.lstrip("#").rpartition("/")[2]
    return declared


def _navigates(env: _Env, obj: Mapping[str, Any], declared: str | None, name: str) -> bool:
    """Whether ``name`` is a navigation property of ``obj`` (by its own type or the declared one,
    so an annotation naming a type the model lacks changes nothing)."""
    own = _own_type(obj, declared)
    return _is_navigation(env, own, name) or (own != declared and _is_navigation(env, declared, name))


def _declared_type(env: _Env, obj: Mapping[str, Any], declared: str | None, name: str) -> str | None:
    """The declared type of property ``name`` of ``obj``, by its own type first, then the declared one."""
    own = _own_type(obj, declared)
    found = env.types.property_type(own, name)
    return found if found is not None or own == declared else env.types.property_type(declared, name)


def _without_navigation(obj: dict[str, Any], env: _Env, type_name: str | None) -> dict[str, Any]:
    """With a model, navigation properties carry data only when expanded — in the entity and in
    its complex values (expansions are put back afterwards); without one, the data cannot tell a
    navigation from a complex property, so what is embedded stays."""
    if env.types.model is None or not callable(getattr(env.types.model, "is_navigation", None)):
        return obj
    if _own_type(obj, type_name) is None:
        return obj
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if _is_property(key) and _navigates(env, obj, type_name, key):
            continue
        if _is_property(key) and value.__class__ in (dict, list):
            inner = env.types.item_type(_declared_type(env, obj, type_name, key))
            if inner is not None and not inner.startswith("Edm."):  # a complex value: its navigations too
                value = _without_navigation(value, env, inner) if value.__class__ is dict else \
                    [_without_navigation(v, env, inner) if v.__class__ is dict else v for v in value]
        out[key] = value
    return out


def _select(entity: dict[str, Any], select: tree.Select, env: _Env, current_type: str | None, outer: Any,
            computed: list[str]) -> dict[str, Any]:
    """``$select`` (§5.1.4): the named properties (with their annotations), nested paths into
    complex values, ``*`` for every property; control information (``@odata.*``) is kept."""
    out: dict[str, Any] = {k: v for k, v in entity.items() if k.startswith("@")}
    for item in select.items:
        _select_item(entity, list(item.path), item, out, env, current_type, outer, computed)
    return out


def _select_item(entity: dict[str, Any], path: list[Any], item: tree.SelectItem, out: dict[str, Any], env: _Env,
                 current_type: str | None, outer: Any, computed: list[str]) -> None:
    if not path:
        return
    select = _SELECT.get(type(path[0]))
    if select is None:
        raise EvaluationError(f"a {type(path[0]).__name__} cannot be selected")
    select(entity, path[0], path[1:], item, out, env, current_type, outer, computed)


def _select_star(entity: dict[str, Any], head: Any, rest: list[Any], item: tree.SelectItem, out: dict[str, Any],
                 env: _Env, current_type: str | None, outer: Any, computed: list[str]) -> None:
    out.update(entity)  # computed properties too: §5.1.9 includes them for $select=*


def _select_cast(entity: dict[str, Any], head: tree.TypeCast, rest: list[Any], item: tree.SelectItem,
                 out: dict[str, Any], env: _Env, current_type: str | None, outer: Any, computed: list[str]) -> None:
    if env.types.is_instance(entity, head.name, current_type):
        _select_item(entity, rest, item, out, env, head.name, outer, computed)


def _select_nothing(entity: dict[str, Any], head: Any, rest: list[Any], item: tree.SelectItem, out: dict[str, Any],
                    env: _Env, current_type: str | None, outer: Any, computed: list[str]) -> None:
    """Actions and functions (``Ns.*``, ``Ns.F(a,b)``): the data holds nothing to select."""


def _select_annotation(entity: dict[str, Any], head: tree.Annotation, rest: list[Any], item: tree.SelectItem,
                       out: dict[str, Any], env: _Env, current_type: str | None, outer: Any,
                       computed: list[str]) -> None:
    key = f"@{head.term}" + (f"#{head.qualifier}" if head.qualifier else "")
    if key in entity:
        out[key] = entity[key]


def _select_property(entity: dict[str, Any], head: tree.Property, rest: list[Any], item: tree.SelectItem,
                     out: dict[str, Any], env: _Env, current_type: str | None, outer: Any,
                     computed: list[str]) -> None:
    name = head.name
    if name not in entity or _is_navigation(env, current_type, name):
        return  # a navigation property's data is in the response only when expanded
    value = entity[name]
    out.update(_annotations_of(entity, name))
    declared = env.types.property_type(current_type, name)
    if rest:
        if isinstance(value, dict):
            previous = out.get(name)
            inner: dict[str, Any] = previous if isinstance(previous, dict) else {
                k: v for k, v in value.items() if k.startswith("@")}
            _select_item(value, rest, item, inner, env, env.types.item_type(declared), outer, computed)
            out[name] = inner
        elif isinstance(value, list):  # a collection of complex values: the path in each item
            previous_items = out.get(name)
            shaped_items = []
            for index, member in enumerate(value):
                if not isinstance(member, dict):
                    shaped_items.append(member)
                    continue
                before = previous_items[index] if isinstance(previous_items, list) \
                    and index < len(previous_items) and isinstance(previous_items[index], dict) else None
                inner_item: dict[str, Any] = before if before is not None else {
                    k: v for k, v in member.items() if k.startswith("@")}
                _select_item(member, rest, item, inner_item, env, env.types.item_type(declared), outer, computed)
                shaped_items.append(inner_item)
            out[name] = shaped_items
        elif value is None:
            out[name] = None
        return
    nested = _options(item)
    if isinstance(value, list) and _has_collection_options(nested):
        shaped, count, _ = _process(value, nested, env, env.types.item_type(declared), outer, False)
        out[name] = shaped
        if count is not None:
            out[f"{name}@odata.count"] = count
    else:
        out[name] = value


#: $select path head class → what it puts in the response object.
_SELECT: dict[type, Callable[..., None]] = {
    tree.Star: _select_star,
    tree.TypeCast: _select_cast,
    tree.QualifiedStar: _select_nothing,
    tree.FunctionSignature: _select_nothing,
    tree.Annotation: _select_annotation,
    tree.Property: _select_property,
}


def _has_collection_options(opts: _Options) -> bool:
    return any(getattr(opts, n) is not None for n in ("filter", "search", "orderby", "top", "skip", "count",
                                                       "compute", "select", "expand"))


@attrs.frozen
class _Inside:
    """Expansions inside a complex value that an expand path goes through (``Address/Country``):
    for one complex value its expansions, for a collection of them each item's (None: none)."""

    single: Mapping[str, Any] | None = None
    items: tuple[Mapping[str, Any] | None, ...] | None = None


def _expansions(entity: dict[str, Any], expand: tree.Expand | None, env: _Env, current_type: str | None,
                outer: Any) -> dict[str, Any]:
    """``$expand`` (§5.1.3) over navigations embedded in the data (the entity already holds them):
    nested options apply to the embedded value; ``/$count`` and ``/$ref`` replace it. A path may
    go through complex properties and type casts (``Address/Country``, ``Ns.VIP/Addresses/Ns.Home/
    Country``): the expansion lands inside the complex value, with the options at the navigation's
    level. Named navigations take precedence over ``*``."""
    out: dict[str, Any] = {}
    if expand is None:
        return out
    items = sorted(expand.items, key=lambda i: bool(i.path) and isinstance(i.path[-1], tree.Star))
    for item in items:
        steps, last, cast = _expand_plan(item.path)
        finish = _finisher(item, last, cast, env, outer)
        _merge(out, _through(entity, steps, finish, env, current_type), keep=isinstance(last, tree.Star))
    return out


def _finisher(item: tree.ExpandItem, last: Any, cast: str | None, env: _Env,
              outer: Any) -> Callable[[dict[str, Any], str | None], dict[str, Any]]:
    """What an expand item does at the end of its path, in the object that holds the navigation."""
    if isinstance(last, tree.Star):
        def star(container: dict[str, Any], type_name: str | None) -> dict[str, Any]:
            found: dict[str, Any] = {}
            for name in _star_names(container, env, type_name):
                found.update(_expand_one(container, name, None, item, env, type_name, outer))
            return found
        return star
    name = last.name

    def one(container: dict[str, Any], type_name: str | None) -> dict[str, Any]:
        if name not in container:
            return {}
        return _expand_one(container, name, cast, item, env, type_name, outer)
    return one


def _expand_plan(path: Sequence[Any]) -> tuple[list[Any], Any, str | None]:
    """An expand path taken apart (ABNF ``expandPath``): the steps to the container (type casts
    and complex properties), the navigation property (or ``*``) and the type cast after it."""
    ends = [i for i, s in enumerate(path) if isinstance(s, (tree.Property, tree.Star))]
    if not ends:
        raise EvaluationError("odatakit evaluates $expand of navigation properties (or *), not $value or "
                              "annotations")
    last = ends[-1]
    steps, tail = list(path[:last]), list(path[last + 1:])
    if any(not isinstance(s, (tree.Property, tree.TypeCast)) for s in steps) \
            or len(tail) > 1 or any(not isinstance(s, tree.TypeCast) for s in tail) \
            or (tail and isinstance(path[last], tree.Star)):
        raise EvaluationError("an $expand path goes through complex properties and type casts to one navigation "
                              "property (optionally with a type cast) or *; annotations and $value are not "
                              "evaluated")
    return steps, path[last], tail[0].name if tail else None


def _star_names(container: dict[str, Any], env: _Env, type_name: str | None) -> list[str]:
    """The navigations ``*`` expands: the model's (by the container's own type), else every
    embedded object or array of objects."""
    if getattr(env.types.model, "is_navigation", None) is not None and _own_type(container, type_name) is not None:
        return [k for k in container if _is_property(k) and _navigates(env, container, type_name, k)]
    return [k for k, v in container.items() if _is_property(k) and _navigation_like(v)]


def _through(container: dict[str, Any], steps: list[Any], finish: Callable[[dict[str, Any], str | None], Any],
             env: _Env, type_name: str | None) -> dict[str, Any]:
    """Follow ``steps`` from ``container`` (a cast that does not hold leaves nothing to expand) and
    expand at the end; what is found inside complex values comes back wrapped in ``_Inside``."""
    if not steps:
        return finish(container, type_name)  # type: ignore[no-any-return]
    head, rest = steps[0], steps[1:]
    if isinstance(head, tree.TypeCast):
        if not env.types.is_instance(container, head.name, type_name):
            return {}
        return _through(container, rest, finish, env, head.name)
    name = head.name
    if _navigates(env, container, type_name, name):
        raise EvaluationError(f"the $expand path goes through the navigation property {name}: a path traverses "
                              f"complex properties only; expand {name} with a nested $expand instead")
    inner_type = env.types.item_type(_declared_type(env, container, type_name, name))
    value = container.get(name)
    if isinstance(value, dict):
        inner = _through(value, rest, finish, env, inner_type)
        return {name: _Inside(single=inner)} if inner else {}
    if isinstance(value, list):
        each = tuple(_through(v, rest, finish, env, inner_type) or None if isinstance(v, dict) else None
                     for v in value)
        return {name: _Inside(items=each)} if any(e is not None for e in each) else {}
    return {}  # a null or absent complex value holds nothing to expand


def _merge(into: dict[str, Any], found: Mapping[str, Any], keep: bool) -> None:
    """Add ``found`` expansions; two paths through one complex value merge inside it, and with
    ``keep`` (a ``*``) what is already expanded stays."""
    for key, value in found.items():
        before = into.get(key)
        if isinstance(before, _Inside) and isinstance(value, _Inside):
            into[key] = _merged(before, value, keep)
        elif key not in into or not keep:
            into[key] = value


def _merged(a: _Inside, b: _Inside, keep: bool) -> _Inside:
    def both(x: Mapping[str, Any] | None, y: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        if x is None or y is None:
            return x if y is None else y
        out = dict(x)
        _merge(out, y, keep)
        return out

    if a.items is not None and b.items is not None:
        return _Inside(items=tuple(both(x, y) for x, y in zip(a.items, b.items)))
    return _Inside(single=both(a.single, b.single))


def _apply_expansions(out: dict[str, Any], expanded: Mapping[str, Any], source: Mapping[str, Any]) -> None:
    """Put the expansions into the response object; inside a complex value that was not selected,
    the value appears with its control information and the expansions only."""
    for key, value in expanded.items():
        if not isinstance(value, _Inside):
            out[key] = value
            continue
        original = source.get(key)
        base = out[key] if key in out else _control_only(original)
        if value.single is not None and isinstance(base, dict) and isinstance(original, dict):
            shaped = dict(base)
            _apply_expansions(shaped, value.single, original)
            out[key] = shaped
        elif value.items is not None and isinstance(base, list) and isinstance(original, list):
            out[key] = [_item_with(b, e, o) for b, e, o in zip(base, value.items, original)]


def _item_with(base: Any, expanded: Mapping[str, Any] | None, original: Any) -> Any:
    if expanded is None or not isinstance(base, dict) or not isinstance(original, dict):
        return base
    shaped = dict(base)
    _apply_expansions(shaped, expanded, original)
    return shaped


def _control_only(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k.startswith("@")}
    if isinstance(value, list):
        return [_control_only(v) if isinstance(v, dict) else v for v in value]
    return value


def _refuse_reshaped_collections(select: tree.Select, expanded: Mapping[str, Any]) -> None:
    """A selected collection of complex values reshaped by nested options (``$select=Addresses($top=1)``)
    no longer lines up item by item with an expansion through it: refused, never misplaced."""
    for item in select.items:
        if len(item.path) == 1 and isinstance(item.path[0], tree.Property) \
                and isinstance(expanded.get(item.path[0].name), _Inside) \
                and expanded[item.path[0].name].items is not None and _has_collection_options(_options(item)):
            raise EvaluationError(f"$select={item.path[0].name}(...) reshapes the collection, so its items no longer "
                                  f"line up item by item with the $expand through {item.path[0].name}; odatakit "
                                  "does not evaluate the two together")


def _navigation_like(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value))


def _expand_one(entity: dict[str, Any], name: str, cast: str | None, item: tree.ExpandItem, env: _Env,
                current_type: str | None, outer: Any) -> dict[str, Any]:
    declared = _declared_type(env, entity, current_type, name)
    target_type = env.types.item_type(declared)
    value = entity.get(name)
    out = _annotations_of(entity, name)
    opts = _options(item)
    levels = item.levels
    if levels is not None and (levels == "max" or (isinstance(levels, int) and levels > 1)):
        deeper = attrs.evolve(item, levels=levels - 1 if isinstance(levels, int) else levels)
        extra = (deeper,) if not (opts.expand and any(_same_path(i, item) for i in opts.expand.items)) else ()
        opts = attrs.evolve(opts, expand=tree.Expand((*(opts.expand.items if opts.expand else ()), *extra)))
    if cast is not None:
        value = _cast_navigation(value, cast, env, target_type)
        target_type = cast
    if isinstance(value, list):
        items = [v for v in value if isinstance(v, dict)]
        if item.suffix == "$count":
            _, count, _ = _process(items, attrs.evolve(opts, count=True, select=None, expand=None), env,
                                         target_type, outer, False)
            return {f"{name}@odata.count": count}
        shaped, count, _ = _process(items, opts, env, target_type, outer, False)
        if item.suffix == "$ref":
            shaped = [_reference(v, name) for v in shaped]
        out[name] = shaped
        if count is not None:
            out[f"{name}@odata.count"] = count
        return out
    if isinstance(value, dict):
        shaped_list, _, _ = _process([value], attrs.evolve(opts, count=None, top=None, skip=None, orderby=None),
                                     env, target_type, outer, False)
        shaped_one = shaped_list[0] if shaped_list else None
        out[name] = _reference(shaped_one, name) if item.suffix == "$ref" and shaped_one is not None else shaped_one
        return out
    out[name] = value
    return out


def _same_path(a: tree.ExpandItem, b: tree.ExpandItem) -> bool:
    return tuple(a.path) == tuple(b.path)


def _cast_navigation(value: Any, cast: str, env: _Env, target_type: str | None) -> Any:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict) and env.types.is_instance(v, cast, target_type)]
    if isinstance(value, dict):
        return value if env.types.is_instance(value, cast, target_type) else None
    return value


def _reference(entity: Any, name: str) -> dict[str, Any]:
    ref = entity.get("@odata.id", entity.get("@id")) if isinstance(entity, dict) else None
    if ref is None:
        raise EvaluationError(f"$expand={name}/$ref needs the entity's @odata.id in the data")
    return {"@odata.id": ref}


# -- entry point ------------------------------------------------------------------------------
def evaluate(query: Any, data: Any, *, model: Any = None, entity_type: str | None = None) -> dict[str, Any]:
    """The response a service would send for ``query`` over ``data``: ``{"@odata.count": …,
    "value": [...]}`` (the count only when ``$count=true``), ready for ``odatakit.encode_json``.

    ``query`` is query text (``"$filter=Price gt 10&$top=5"``), a ``tree.Query`` or a builder
    ``Q``; ``data`` a collection payload (JSON text, bytes, or parsed), a list of entities, or
    decoded odatakit values. ``model`` (a service model) and ``entity_type`` (the qualified name
    of the entities' type) type the properties the data leaves unannotated.
    """
    try:
        return _evaluate(_as_query(query), data, model, entity_type)
    except RecursionError:
        raise EvaluationError(TOO_DEEP) from None


#: Options that have no meaning over data alone: refused, never silently ignored.
_UNSUPPORTED = {
    "index": "$index positions an item in a POST body",
    "skiptoken": "$skiptoken is a server's own paging token",
    "deltatoken": "$deltatoken is a server's own change-tracking token",
    "at": "the temporal extension ($at) needs versioned data",
    "from_": "the temporal extension ($from) needs versioned data",
    "to": "the temporal extension ($to) needs versioned data",
    "to_inclusive": "the temporal extension ($toInclusive) needs versioned data",
}


def _refuse_unsupported(node: Any, where: str) -> None:
    for name, why in _UNSUPPORTED.items():
        if getattr(node, name, None) is not None:
            raise EvaluationError(f"{where}: {why}; odatakit.evaluate cannot apply it")
    fmt = getattr(node, "format", None)
    if fmt is not None and fmt.lower().partition(";")[0] not in ("json", "application/json"):
        raise EvaluationError(f"{where}: $format={fmt} — odatakit.evaluate answers in JSON only")
    expand = getattr(node, "expand", None)
    for item in expand.items if expand is not None else ():
        _refuse_unsupported(item, "$expand")


def _evaluate(q: tree.Query, data: Any, model: Any, entity_type: str | None) -> dict[str, Any]:
    _refuse_unsupported(q, "the query")
    items, _ = _entities(data)
    env = _Env(Types(model, entity_type), {a.name: a.value for a in q.aliases}, items, current_time())
    opts = attrs.evolve(_options(q), aliases=())
    if q.levels is not None and q.expand is not None:
        opts = attrs.evolve(opts, expand=tree.Expand(
            attrs.evolve(i, levels=i.levels if i.levels is not None else q.levels) for i in q.expand.items))
    shaped, count, _ = _process(items, opts, env, entity_type, None, True)
    payload: dict[str, Any] = JsonPayload()
    if count is not None:
        payload["@odata.count"] = count
    payload["value"] = shaped
    return payload

