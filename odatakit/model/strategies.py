"""Hypothesis strategies that know a service model: requests and payloads it accepts, and twins
with one labelled fault each. Exposed as ``odatakit.strategies.queries(model, resource)``,
``payloads(model, type)``, ``invalid_queries(model, resource)`` and ``invalid_payloads(model, type)``.

``queries`` draws query trees built only from what the model declares for the resource's type
(properties by type, literals of the right type, navigations for ``$expand`` with nested options
against their target, ``$levels`` only on recursive navigations), so every draw passes
``Model.check``; ``payloads`` draws JSON-ready objects every ``Model.validate`` accepts.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import strategies as st

from .. import edm
from ..query import tree
from . import elements as E
from .check import NUMERIC
from .model import Model

__all__ = ["queries", "invalid_queries", "payloads", "invalid_payloads", "InvalidQuery", "InvalidModelPayload",
           "QUERY_FAULTS", "MODEL_PAYLOAD_FAULTS"]


@attrs.frozen
class InvalidQuery:
    """A query with one planted fault: ``code`` is the ``QueryFault.code`` check reports for it."""

    query: tree.Query
    code: str
    description: str


@attrs.frozen
class InvalidModelPayload:
    """A payload with one planted fault: the ``Fault.code`` validate reports and its JSON path."""

    payload: Any
    code: str
    path: str
    description: str


#: Edm types a literal of which the query strategies can write, by the literal type they use.
_LITERAL_FOR = {
    "Edm.String": "String", "Edm.Boolean": "Boolean", "Edm.Int32": "Int32", "Edm.Int16": "Int32", "Edm.Byte": "Int32",
    "Edm.SByte": "Int32", "Edm.Int64": "Int64", "Edm.Decimal": "Decimal", "Edm.Double": "Double",
    "Edm.Single": "Double", "Edm.Date": "Date", "Edm.DateTimeOffset": "DateTimeOffset", "Edm.Guid": "Guid",
    "Edm.TimeOfDay": "TimeOfDay", "Edm.Duration": "Duration", "Edm.Binary": "Binary",
}


class _Shape:
    """What a type offers to a query: its primitive, enum, collection and navigation members."""

    def __init__(self, model: Model, type_name: str) -> None:
        self.model = model
        self.type_name = type_name
        self.single: list[tuple[str, str]] = []  # (property, primitive or enum type)
        self.collections: list[tuple[str, str]] = []
        self.structured: list[tuple[str, str]] = []  # single complex properties
        self.navigations: list[E.NavigationProperty] = []
        for name, member in model.members(type_name).items():
            if isinstance(member, E.NavigationProperty):
                self.navigations.append(member)
                continue
            kind = _primitive(model, member.type.type)
            if kind is None:
                if model.structured_type(member.type.type) is not None and not member.type.collection:
                    self.structured.append((name, model.qualified(member.type.type)))
                continue
            (self.collections if member.type.collection else self.single).append((name, kind))


def _primitive(model: Model, name: str) -> str | None:
    """The Edm type (or qualified enum) a literal can stand for, or None (geo, stream, structured)."""
    if name in _LITERAL_FOR:
        return name
    found = model.type(name) if not name.startswith("Edm.") else None
    if isinstance(found, E.TypeDefinition):
        return _primitive(model, found.underlying.type)
    if isinstance(found, E.EnumType) and found.members:
        return model.qualified(name)
    return None


def _literal(model: Model, kind: str) -> st.SearchStrategy[tree.Expr]:
    from .. import strategies as ost

    if kind.startswith("Edm."):
        literal = _LITERAL_FOR[kind]
        if literal == "Double":
            return ost.literals("Double").filter(lambda lit: lit.value == lit.value)
        if literal == "Int64":
            return st.one_of(ost.literals("Int32"), ost.literals("Int64"))
        return ost.literals(literal)
    enum = model.type(kind)
    assert isinstance(enum, E.EnumType)
    names = [m.name for m in enum.members]
    if enum.is_flags:
        members = st.lists(st.sampled_from(names), min_size=1, max_size=min(3, len(names)), unique=True)
    else:
        members = st.sampled_from(names).map(lambda n: [n])
    return members.map(lambda ms: tree.EnumLiteral(kind, ms))


def _comparison(model: Model, shape: _Shape, prefix: tuple[Any, ...] = ()) -> st.SearchStrategy[tree.Expr] | None:
    options: list[st.SearchStrategy[Any]] = []
    for name, kind in shape.single:
        path = tree.Path([*prefix, tree.Property(name)])
        ops = ("eq", "ne") if kind in ("Edm.Boolean", "Edm.Guid", "Edm.Binary") or not kind.startswith("Edm.") \
            else ("eq", "ne", "gt", "ge", "lt", "le")
        comparison = st.builds(lambda op, lit, p=path: tree.BinaryOp(op, p, lit), st.sampled_from(ops), _literal(model, kind))
        options.append(comparison)
        if kind == "Edm.String":
            options.append(st.builds(tree.Call, st.sampled_from(("contains", "startswith", "endswith")),
                                     _literal(model, kind).map(functools.partial(_pair, path))))
        if not kind.startswith("Edm."):
            options.append(_literal(model, kind).map(functools.partial(tree.BinaryOp, "has", path)))
        if kind in NUMERIC:
            options.append(st.lists(_literal(model, kind), min_size=1, max_size=3).map(
                functools.partial(_in, path)))
        options.append(st.just(tree.BinaryOp("eq", path, tree.Literal("Null", None))))
    for name, kind in shape.collections:
        variable = "x"
        inner = st.builds(lambda op, lit: tree.BinaryOp(op, tree.Path([tree.LambdaVariable(variable)]), lit),
                          st.just("eq"), _literal(model, kind))
        options.append(st.builds(lambda lam, pred, n=name: tree.Path([*prefix, tree.Property(n), tree.Lambda(lam, variable, pred)]),
                                 st.sampled_from(("any", "all")), inner))
        options.append(st.builds(lambda lit, n=name: tree.BinaryOp(
            "gt", tree.Path([*prefix, tree.Property(n), tree.Count()]), lit), _literal(model, "Edm.Int32")))
    return st.one_of(options) if options else None


def _pair(left: Any, right: Any) -> list[Any]:
    return [left, right]


def _in(left: Any, items: list[Any]) -> tree.In:
    return tree.In(left, tree.ListExpr(items))


def _any(name: str, predicate: Any) -> tree.Path:
    return tree.Path([tree.Property(name), tree.Lambda("any", "y", predicate)])


def _filter(model: Model, type_name: str, depth: int = 1) -> st.SearchStrategy[tree.Expr] | None:
    shape = _Shape(model, type_name)
    base = _comparison(model, shape)
    if base is None:
        return None
    nested = []
    for nav in shape.navigations[:8]:
        if nav.collection and depth > 0:
            target = _Shape(model, model.qualified(nav.target))
            inner = _comparison(model, target, (tree.LambdaVariable("y"),))
            if inner is not None:
                nested.append(inner.map(functools.partial(_any, nav.name)))
    leaf = st.one_of(base, *nested)
    return st.recursive(leaf, lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda ops: tree.And(_flat(ops, tree.And))),
        st.lists(inner, min_size=2, max_size=3).map(lambda ops: tree.Or(_flat(ops, tree.Or))),
        inner.map(lambda e: tree.UnaryOp("not", e))), max_leaves=4)


def _flat(operands: list[Any], kind: type) -> list[Any]:
    """``a and (b and c)`` as the parser reads it: one n-ary node."""
    return [inner for op in operands for inner in (getattr(op, "operands") if isinstance(op, kind) else (op,))]


def _sortable(model: Model, shape: _Shape, source: Any) -> list[str]:
    from .check import _non_sortable

    banned = _non_sortable(model, source) if source is not None else set()
    return [name for name, _ in shape.single if name not in banned]


def _options(model: Model, type_name: str, source: Any, depth: int, collection: bool) -> st.SearchStrategy[dict[str, Any]]:
    shape = _Shape(model, type_name)
    parts: dict[str, st.SearchStrategy[Any]] = {}
    condition = _filter(model, type_name)
    if condition is not None and collection:
        parts["filter"] = condition
    selectable = [name for name, _ in (*shape.single, *shape.collections, *shape.structured)]
    if selectable:
        parts["select"] = st.lists(st.sampled_from(selectable), min_size=1, max_size=4, unique=True).map(
            lambda names: tree.Select([tree.SelectItem([tree.Property(n)]) for n in names]))
    sortable = _sortable(model, shape, source)
    if sortable and collection:
        parts["orderby"] = st.lists(st.tuples(st.sampled_from(sortable), st.booleans()), min_size=1, max_size=2,
                                    unique_by=lambda t: t[0]).map(
            lambda items: tree.OrderBy([tree.OrderByItem(tree.Path([tree.Property(n)]), d) for n, d in items]))
    if collection:
        parts["top"] = st.integers(0, 1000)
        parts["skip"] = st.integers(0, 1000)
        parts["count"] = st.booleans()
    if shape.navigations and depth > 0:
        parts["expand"] = st.lists(_expand_item(model, type_name, shape, depth - 1), min_size=1, max_size=2,
                                   unique_by=lambda item: item.path).map(tree.Expand)
    return st.fixed_dictionaries({}, optional=parts)


def _expand_item(model: Model, owner: str, shape: _Shape, depth: int) -> st.SearchStrategy[tree.ExpandItem]:
    @st.composite
    def item(draw: Any) -> tree.ExpandItem:
        nav = shape.navigations[draw(st.integers(0, min(len(shape.navigations), 40) - 1))]
        target = model.qualified(nav.target)
        options = draw(_options(model, target, None, depth, nav.collection))
        options.pop("count", None)
        if model.is_a(target, owner) or model.is_a(owner, target):
            if draw(st.booleans()):
                options["levels"] = draw(st.one_of(st.integers(1, 5), st.just("max")))
        return tree.ExpandItem([tree.Property(nav.name)], **options)

    return item()


def queries(model: Model, resource: Any, *, max_depth: int = 1) -> st.SearchStrategy[tree.Query]:
    """Query trees ``Model.check(query, resource=resource)`` accepts (no error; no warning either)."""
    resolved = model.resolve(resource)
    source = resolved.source if resolved.navigation is None else None
    return _options(model, resolved.type_name, source, max_depth, resolved.collection).map(lambda o: tree.Query(**o))


#: Each planted query fault and the code ``Model.check`` reports for it.
QUERY_FAULTS = ("unknown-property", "type-mismatch", "not-a-navigation", "not-a-collection", "unknown-type",
                "not-recursive")


def invalid_queries(model: Model, resource: Any, *, faults: tuple[str, ...] = QUERY_FAULTS) -> st.SearchStrategy[InvalidQuery]:
    """Queries with exactly one planted fault, labelled with the code ``Model.check`` reports.
    A fault the type cannot carry (no string property for a type mismatch…) is not drawn."""
    resolved = model.resolve(resource)
    type_name = resolved.type_name
    shape = _Shape(model, type_name)
    planted: list[st.SearchStrategy[InvalidQuery]] = []
    if "unknown-property" in faults and not model.is_open(type_name):
        name = "zzUndeclared"
        planted.append(st.just(InvalidQuery(
            tree.Query(filter=tree.BinaryOp("eq", tree.Path([tree.Property(name)]), tree.Literal("Int32", 1))),
            "unknown-property", f"{name} is not a property of {type_name}")))
    strings = [n for n, k in shape.single if k == "Edm.String"]
    numbers = [n for n, k in shape.single if k in NUMERIC]
    if "type-mismatch" in faults and strings:
        planted.append(st.sampled_from(strings).map(lambda n: InvalidQuery(
            tree.Query(filter=tree.BinaryOp("add", tree.Path([tree.Property(n)]), tree.Literal("Int32", 1))),
            "type-mismatch", f"{n} is a string: it cannot be added to")))
    if "type-mismatch" in faults and numbers:
        planted.append(st.sampled_from(numbers).map(lambda n: InvalidQuery(
            tree.Query(filter=tree.BinaryOp("eq", tree.Path([tree.Property(n)]), tree.Literal("String", "x"))),
            "type-mismatch", f"{n} is a number, compared with a string")))
    structural = [n for n, _ in (*shape.single, *shape.collections)]
    if "not-a-navigation" in faults and structural:
        planted.append(st.sampled_from(structural).map(lambda n: InvalidQuery(
            tree.Query(expand=tree.Expand([tree.ExpandItem([tree.Property(n)])])), "not-a-navigation",
            f"{n} is structural: it cannot be expanded")))
    singles = [n for n, _ in shape.single]
    if "not-a-collection" in faults and singles:
        planted.append(st.sampled_from(singles).map(lambda n: InvalidQuery(
            tree.Query(filter=tree.Path([tree.Property(n), tree.Lambda("any")])), "not-a-collection",
            f"{n} is a single value: any() needs a collection")))
    if "unknown-type" in faults:
        planted.append(st.just(InvalidQuery(tree.Query(filter=tree.IsOf(tree.TypeName("Undeclared.Type"))),
                                            "unknown-type", "no such type")))
    flat = [nav for nav in shape.navigations
            if not (model.is_a(model.qualified(nav.target), type_name) or model.is_a(type_name, model.qualified(nav.target)))]
    if "not-recursive" in faults and flat:
        planted.append(st.sampled_from(flat).map(lambda nav: InvalidQuery(
            tree.Query(expand=tree.Expand([tree.ExpandItem([tree.Property(nav.name)], levels=2)])), "not-recursive",
            f"{nav.name} leads to another type: no $levels")))
    if not planted:
        raise ValueError(f"{type_name} can carry none of the faults {faults}")
    return st.one_of(planted)


# ---------------------------------------------------------------------------------------------
# Payloads
# ---------------------------------------------------------------------------------------------


def _json_value(model: Model, ref: E.TypeRef, depth: int) -> st.SearchStrategy[Any]:
    from .. import strategies as ost

    name = ref.type
    found = model.type(name) if not name.startswith("Edm.") else None
    facets = ref
    if isinstance(found, E.TypeDefinition):
        facets = found.underlying
        name = found.underlying.type
    if isinstance(found, E.EnumType):
        names = [m.name for m in found.members]
        if not names:
            return st.nothing()
        if found.is_flags:
            return st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True).map(",".join)
        return st.sampled_from(names)
    structured = model.structured_type(name) if not name.startswith("Edm.") else None
    if structured is not None:
        if depth <= 0:
            return st.nothing()
        return _object(model, model.qualified(name), depth - 1, key=False)
    edm_name = name[4:]
    if edm_name not in edm.PRIMITIVES:
        return st.nothing()  # geo, stream, untyped: left out of drawn payloads
    kind = edm.PRIMITIVES[edm_name]
    if edm_name == "String":
        limit = facets.max_length if isinstance(facets.max_length, int) else 20
        return st.text(max_size=min(limit, 20))
    if edm_name == "Decimal":
        scale = facets.scale if isinstance(facets.scale, int) else 4
        precision = facets.precision if isinstance(facets.precision, int) else scale + 14
        whole = max(precision - scale, 0)
        return st.builds(lambda i, f: Decimal(i) + Decimal(f).scaleb(-scale),
                         st.integers(-(10 ** whole - 1), 10 ** whole - 1), st.integers(0, 10 ** scale - 1))
    values = ost.edm_values(edm_name, allow_nan=False)
    if kind.json == "number":
        if kind.python is float:
            return values.filter(lambda f: f not in (float("inf"), float("-inf")))
        return values
    if kind.json == "boolean":
        return values
    if edm_name == "Guid":
        return st.uuids().map(str)
    return values.map(kind.format)


def _object(model: Model, type_name: str, depth: int, key: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object of ``type_name`` or a non-abstract derived type (then with ``@odata.type``)."""
    candidates = [type_name, *model.derived_types(type_name)]
    concrete = [c for c in candidates if not getattr(model.type(c), "abstract", False)] or [type_name]

    @st.composite
    def draw_object(draw: Any) -> dict[str, Any]:
        chosen = concrete[draw(st.integers(0, min(len(concrete), 20) - 1))]
        members = model.members(chosen)
        obj: dict[str, Any] = {}
        if chosen != type_name:
            obj["@odata.type"] = "#" + chosen
        keys = {ref.name for ref in model.key(chosen)} if key else set()
        properties = [m for m in members.values() if isinstance(m, E.Property)]
        for prop in properties:
            if prop.name in keys:
                obj[prop.name] = draw(_json_value(model, attrs.evolve(prop.type, nullable=False), depth))
        optional = [p for p in properties if p.name not in keys]
        picked = draw(st.lists(st.integers(0, len(optional) - 1), max_size=5, unique=True)) if optional else []
        for prop in (optional[i] for i in picked):
            value = _property_value(model, prop, depth)
            drawn = draw(st.one_of(value, st.just(_ABSENT)))
            if drawn is not _ABSENT:
                obj[prop.name] = drawn
        if model.is_open(chosen) and draw(st.booleans()):
            obj["DynamicNote"] = draw(st.text(max_size=10))
        return obj

    return draw_object()


_ABSENT = object()


def _property_value(model: Model, prop: E.Property, depth: int) -> st.SearchStrategy[Any]:
    single = _json_value(model, attrs.evolve(prop.type, collection=False), depth)
    if prop.type.collection:
        item = st.one_of(single, st.none()) if prop.type.nullable else single
        return st.lists(item, max_size=3)
    return st.one_of(single, st.none()) if prop.type.nullable else single


def payloads(model: Model, type: str, *, max_depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    """JSON-ready objects of the entity or complex ``type`` (exact Decimals, keys always present)
    that ``Model.validate(payload, type=type)`` accepts; derived types carry ``@odata.type``."""
    if model.structured_type(type) is None:
        raise ValueError(f"{type!r} is not an entity or complex type of the model")
    return _object(model, model.qualified(type), max_depth)


#: Each planted payload fault and the code ``Model.validate`` reports for it.
MODEL_PAYLOAD_FAULTS = ("null", "unknown-property", "invalid-value", "type-mismatch", "missing-key")


def invalid_payloads(model: Model, type: str, *, faults: tuple[str, ...] = MODEL_PAYLOAD_FAULTS) -> st.SearchStrategy[InvalidModelPayload]:
    """Valid payloads with one planted fault each, labelled with the code and JSON path
    ``Model.validate`` reports; faults the type cannot carry are not drawn."""
    qualified = model.qualified(type)
    members = model.members(qualified)
    keys = {ref.name for ref in model.key(qualified)}
    properties = [m for m in members.values() if isinstance(m, E.Property)]
    non_nullable = [p for p in properties if not p.type.nullable and not p.type.collection]
    strings = [p for p in properties if p.type.type == "Edm.String" and not p.type.collection]
    numbers = [p for p in properties if p.type.type in ("Edm.Int32", "Edm.Int64", "Edm.Int16") and not p.type.collection]
    unrelated = [n for n, t in model.types() if isinstance(t, E.ComplexType) and not model.is_a(n, qualified)]
    plans: list[st.SearchStrategy[tuple[str, str, Any, str]]] = []
    if "null" in faults and non_nullable:
        plans.append(st.sampled_from(non_nullable).map(lambda p: ("null", p.name, None, f"{p.name} is not nullable")))
    if "unknown-property" in faults and not model.is_open(qualified):
        plans.append(st.just(("unknown-property", "UndeclaredProperty", 1, "not declared, type not open")))
    if "invalid-value" in faults and strings:
        plans.append(st.sampled_from(strings).map(lambda p: ("invalid-value", p.name, 42, f"{p.name} is a string")))
    if "invalid-value" in faults and numbers:
        plans.append(st.sampled_from(numbers).map(lambda p: ("invalid-value", p.name, "forty-two", f"{p.name} is an integer")))
    if "type-mismatch" in faults and unrelated:
        plans.append(st.sampled_from(unrelated[:50]).map(lambda n: ("type-mismatch", "@odata.type", "#" + n,
                                                                    f"{n} is not derived from {qualified}")))
    if "missing-key" in faults and keys and isinstance(model.type(qualified), E.EntityType):
        plans.append(st.just(("missing-key", "", _ABSENT, "the key is left out")))
    if not plans:
        raise ValueError(f"{type} can carry none of the faults {faults}")

    @st.composite
    def draw(draw_: Any) -> InvalidModelPayload:
        code, name, value, description = draw_(st.one_of(plans))
        payload = dict(draw_(payloads(model, qualified, max_depth=1)))
        payload.pop("@odata.type", None)  # the fault is planted on the declared type itself
        for member in list(payload):
            if member not in members and member != "@odata.type":
                del payload[member]  # derived-type properties, now undeclared
        if code == "missing-key":
            for key in keys:
                payload.pop(key.split("/")[0], None)
            return InvalidModelPayload(payload, code, "$", description)
        payload[name] = value
        path = "$['@odata.type']" if name == "@odata.type" else f"$.{name}"
        return InvalidModelPayload(payload, code, path, description)

    return draw()

