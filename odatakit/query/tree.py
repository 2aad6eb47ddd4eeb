"""The query tree: one frozen attrs class per OData construct.

The parser, the builder and the Hypothesis strategies all produce these classes, and the
serializer is the only code that turns them back into text. Nodes hold data and nothing else;
fields are named for what they are (``left``/``op``/``right``, ``path``/``variable``/``predicate``).
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Union

import attrs

from .. import edm
from ..errors import BuildError
from .syntax import BINARY_OPERATORS

__all__ = [
    "Node", "Expr",
    # literals
    "Literal", "EnumLiteral", "JsonArray", "JsonObject", "JsonMember", "ListExpr",
    # paths and their segments
    "Path", "Segment", "Property", "TypeCast", "Annotation", "Variable", "LambdaVariable", "Count", "Lambda",
    "FilterSegment", "FunctionCall", "NamedArg", "Key", "KeyValue", "Star", "QualifiedStar", "Value",
    "FunctionSignature", "EntitySet",
    # operators and calls
    "BinaryOp", "And", "Or", "UnaryOp", "In", "Call", "Cast", "IsOf", "Case", "CaseBranch",
    "Alias", "TypeName",
    # query options
    "Query", "Expand", "ExpandItem", "Select", "SelectItem", "OrderBy", "OrderByItem",
    "AliasDefinition", "CustomOption",
]
class _LazyModule:
    """A module imported on its first attribute read, so that annotations naming a lazily
    created class (``_rare.Search``) resolve in ``typing.get_type_hints`` and ``attrs.resolve_types``
    (which read this module's globals, never its ``__getattr__``) without importing it early."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        import importlib

        return getattr(importlib.import_module(f".{self._name}", __package__), attribute)


if TYPE_CHECKING:
    from . import _apply_tree as _apply, _rare_tree as _rare
else:
    _rare, _apply = _LazyModule("_rare_tree"), _LazyModule("_apply_tree")

#: Public names defined in other modules, each loaded on first use (``__getattr__`` at the end):
#: creating a class costs ~0.5 ms, and a common parse needs none of these. Name → module.
_LAZY: dict[str, str] = {
    **dict.fromkeys((  # $search and $compute: the fast paths leave them to the grammar
        "Search", "SearchExpr", "SearchWord", "SearchPhrase", "SearchNot", "SearchAnd", "SearchOr",
        "Compute", "ComputeItem",
    ), "_rare_tree"),
    **dict.fromkeys((  # $apply (Data Aggregation 4.0)
        "Apply", "Transformation", "Aggregate", "AggregateExpr", "AggregateFrom", "AggregateSegment",
        "GroupBy", "Rollup", "RollupRecursive", "Hierarchy", "ApplyFilter", "ApplySearch", "ApplyCompute",
        "ApplyOrderBy", "ApplyTop", "ApplySkip", "Identity", "Concat", "Ranking", "Nest", "AddNested",
        "NestItem", "Join", "HierarchyFilter", "Traverse", "AGGREGATION_METHODS", "RANKING_FUNCTIONS",
    ), "_apply_tree"),
}


class Node:
    """Base of every tree class; its repr leaves out fields that still hold their default.

    Equality and hash are attrs' (same class, then the fields in order), written once here for
    every class made with ``eq=False``: attrs compiles both per class, half the cost of creating one,
    and a cold start (``import odatakit`` + a parse) creates some forty."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        fields = _FIELDS.get(self.__class__) or _fields_of(self.__class__)
        return fields(self) == fields(other)  # type: ignore[no-any-return]

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        fields = _FIELDS.get(self.__class__) or _fields_of(self.__class__)
        return hash((self.__class__.__name__, fields(self)))

    def __repr__(self) -> str:
        shown = []
        for field in attrs.fields(type(self)):  # type: ignore[misc, arg-type]  # every Node subclass is an attrs class
            value = getattr(self, field.name)
            default = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if default is not attrs.NOTHING and _same(value, default):
                continue
            shown.append(f"{field.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


#: Node class → a function giving its field values as a tuple, for ``Node.__eq__``/``__hash__``.
_FIELDS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _fields_of(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    names = [field.name for field in attrs.fields(cls)]
    getter = operator.attrgetter(*names) if names else None
    if getter is None:
        values: Callable[[Any], tuple[Any, ...]] = lambda node: ()  # noqa: E731
    elif len(names) == 1:
        values = lambda node: (getter(node),)  # noqa: E731
    else:
        values = getter
    _FIELDS[cls] = values
    return values


def _same(value: Any, default: Any) -> bool:
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:  # a value whose == refuses to compare is simply shown
        return False


def _value_key(value: Any) -> Any:
    """Equality key for literal values: NaN equals NaN, so parse(serialize(t)) == t holds for it."""
    if isinstance(value, float) and math.isnan(value):
        return ("NaN",)
    return (type(value).__name__, value)


def as_tuple(items: Any) -> tuple[Any, ...]:
    """Converter for tuple fields: any iterable in, a tuple out (typed loosely, so mypy's attrs
    plugin accepts a list or a generator where the field says ``tuple[X, ...]``)."""
    return tuple(items)


# -- invariants: checked where a tree is built, so a wrong tree fails at once, not when printed --

def _one_of(names: frozenset[str], what: str) -> Any:
    def check(node: Any, _attribute: Any, value: Any) -> None:
        if value not in names:
            raise BuildError(f"{value!r} is not {what} of {type(node).__name__}; one of {', '.join(sorted(names))}")
    return check


def _at_least(count: int, what: str) -> Any:
    def check(node: Any, _attribute: Any, value: tuple[Any, ...]) -> None:
        if len(value) < count:
            raise BuildError(f"{type(node).__name__} needs at least {count} {what}, got {len(value)}")
    return check


_GEO_PREFIXES = ("Geography", "Geometry")


def _check_literal_value(node: Literal, _attribute: Any, value: Any) -> None:
    """The value fits the literal's type: ``Literal("Int32", 2**40)`` is refused, not read back as Int64."""
    kind = node.type
    if kind == "Null":
        ok = value is None
    elif kind.startswith(_GEO_PREFIXES):
        ok = isinstance(value, str)
    elif kind == "Decimal" and isinstance(value, int) and not isinstance(value, bool):
        ok = True  # an integer past Int64: only a Decimal holds it exactly
    elif kind in edm.PRIMITIVES:
        try:
            edm.PRIMITIVES[kind].check(value)
        except ValueError as error:
            raise BuildError(f"Literal of type {kind}: {error}") from None
        return
    else:
        raise BuildError(f"{kind!r} is not a literal type (an Edm primitive name such as Int32, or Null)")
    if not ok:
        raise BuildError(f"Literal of type {kind} cannot hold {type(value).__name__} {value!r}")


# ---------------------------------------------------------------------------------------------
# Literals (ABNF §7 primitiveLiteral, arrayOrObject)
# ---------------------------------------------------------------------------------------------

#: Python value held by a Literal, by Edm type name (without ``Edm.``).
LiteralValue = Union[
    None, bool, int, Decimal, float, str, bytes, "edm.Date", "edm.TimeOfDay",
    "edm.DateTimeOffset", "edm.Duration", Any,
]


@attrs.frozen(repr=False)
class Literal(Node):
    """A primitive literal: its Edm type (``Int32``, ``String``, ``Null``…) and exact Python value.

    Integers are ``int`` of any size, decimals ``Decimal`` (digits kept), doubles ``float`` only
    when the text fits a double exactly; temporal values are the exact classes of ``odatakit.edm``.
    Geography/geometry literals keep their well-known text in ``value`` (``SRID=0;Point(1 2)``).
    """

    type: str
    value: Any = attrs.field(eq=_value_key, validator=_check_literal_value)


@attrs.frozen(repr=False, eq=False)
class EnumLiteral(Node):
    """An enum literal ``Ns.Type'A,B'``: the qualified type name and the member names (or numbers)."""

    type_name: str
    members: tuple[str, ...] = attrs.field(converter=as_tuple)


@attrs.frozen(repr=False, eq=False)
class JsonMember(Node):
    """One ``"name": value`` of a JSON object literal."""

    name: str
    value: Expr


@attrs.frozen(repr=False, eq=False)
class JsonObject(Node):
    """A JSON object literal (complex value) as used in ``$filter`` and alias values."""

    members: tuple[JsonMember, ...] = attrs.field(converter=as_tuple)


@attrs.frozen(repr=False, eq=False)
class JsonArray(Node):
    """A JSON array literal (collection value), e.g. the right side of ``in``."""

    items: tuple[Expr, ...] = attrs.field(converter=as_tuple)


@attrs.frozen(repr=False, eq=False)
class ListExpr(Node):
    """A parenthesized list ``('Milk','Cheese')``: only as the right operand of ``in``; its items
    are values (``LISTABLE``: literals, enum values, aliases), never other expressions."""

    items: tuple[Expr, ...] = attrs.field(converter=as_tuple, validator=lambda _n, _a, items: _check_listable(items))


def _check_listable(items: tuple[Expr, ...]) -> None:
    for item in items:
        if not isinstance(item, LISTABLE):
            raise BuildError(f"an 'in' list holds values (literals, enum values, aliases), not {type(item).__name__}")


# ---------------------------------------------------------------------------------------------
# Paths (ABNF memberExpr, firstMemberExpr, collectionPathExpr, select/expand paths)
# ---------------------------------------------------------------------------------------------


@attrs.frozen(repr=False, eq=False)
class Property(Node):
    """A property (or navigation property) name in a path."""

    name: str


@attrs.frozen(repr=False, eq=False)
class TypeCast(Node):
    """A type-cast segment: a qualified type name such as ``Microsoft.OutlookServices.EventMessage``."""

    name: str


@attrs.frozen(repr=False, eq=False)
class Annotation(Node):
    """An annotation segment ``@Ns.Term#Qualifier`` (``term`` without the ``@``)."""

    term: str
    qualifier: str | None = None


@attrs.frozen(repr=False, eq=False)
class Variable(Node):
    """One of the implicit variables ``$it``, ``$this``, ``$root`` (name with the ``$``)."""

    name: str


@attrs.frozen(repr=False, eq=False)
class LambdaVariable(Node):
    """A use of a lambda's range variable, first in a path: the ``d`` of ``any(d:d/Price gt 5)``.
    Distinct from ``Property`` so a scope is known from the tree alone (a property of the same
    name outside the lambda, or shadowed inside it, stays a ``Property``)."""

    name: str


@attrs.frozen(repr=False, eq=False)
class KeyValue(Node):
    """One part of a key predicate: ``value`` alone, or ``name=value`` in a compound key."""

    value: Expr
    name: str | None = None


@attrs.frozen(repr=False, eq=False)
class Key(Node):
    """A parenthesized key predicate ``('A1245')`` or ``(OrderID=1,ItemID=2)``."""

    values: tuple[KeyValue, ...] = attrs.field(converter=as_tuple)


@attrs.frozen(repr=False, eq=False)
class Count(Node):
    """The ``$count`` segment, with the ``$filter``/``$search`` it may carry: ``$count($filter=…)``."""

    filter: Expr | None = None
    search: _rare.Search | None = None


@attrs.frozen(repr=False, eq=False)
class Lambda(Node):
    """``any(v:predicate)`` / ``all(v:predicate)``; ``any()`` has neither variable nor predicate."""

    kind: str
    variable: str | None = None
    predicate: Expr | None = None


@attrs.frozen(repr=False, eq=False)
class FilterSegment(Node):
    """The 4.01 ``$filter(expr)`` path segment that filters a collection inside a path."""

    predicate: Expr


@attrs.frozen(repr=False, eq=False)
class NamedArg(Node):
    """A named function parameter ``name=value``."""

    name: str
    value: Expr


@attrs.frozen(repr=False, eq=False)
class FunctionCall(Node):
    """A call of a model function with named parameters: ``Model.PhoneticallySimilar(Word=@w)``."""

    name: str
    args: tuple[NamedArg, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(repr=False, eq=False)
class FunctionSignature(Node):
    """In ``$select``: a function named with its parameter names, ``Model.MostPopularName(Location,Kind)``."""

    name: str
    parameters: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(repr=False, eq=False)
class Star(Node):
    """``*``: all structural properties (``$select``) or all navigation properties (``$expand``)."""


@attrs.frozen(repr=False, eq=False)
class QualifiedStar(Node):
    """``Ns.*``: all actions and functions of a namespace, in ``$select``."""

    namespace: str


@attrs.frozen(repr=False, eq=False)
class Value(Node):
    """The ``$value`` expand item: the media stream of a media entity."""


@attrs.frozen(repr=False, eq=False)
class EntitySet(Node):
    """A named entity set with an optional key, as reached through ``$root/Employees('A1245')``."""

    name: str
    key: Key | None = None


Segment = Union[
    Property, TypeCast, Annotation, Variable, LambdaVariable, Count, Lambda, FilterSegment, FunctionCall,
    EntitySet, Star, QualifiedStar, Value, FunctionSignature, "_apply.AggregateSegment",
]


@attrs.frozen(repr=False, eq=False)
class Path(Node):
    """A member path ``A/B/Ns.Type/C``: the segments in order. ``$it``, ``$this`` and ``$root`` are
    ``Variable`` segments at the front."""

    segments: tuple[Segment, ...] = attrs.field(converter=as_tuple, validator=_at_least(1, "segment"))


# ---------------------------------------------------------------------------------------------
# Operators and calls (URL Conventions §5.1.1; precedence in odatakit.syntax.PRECEDENCE)
# ---------------------------------------------------------------------------------------------


@attrs.frozen(repr=False, eq=False)
class BinaryOp(Node):
    """``left op right`` for the comparison, arithmetic and ``has`` operators."""

    op: str = attrs.field(validator=_one_of(frozenset(BINARY_OPERATORS), "a binary operator"))
    left: Expr
    right: Expr


@attrs.frozen(repr=False, eq=False)
class And(Node):
    """``a and b and …``: n-ary, since ``and`` is associative (keeps long chains shallow)."""

    operands: tuple[Expr, ...] = attrs.field(converter=as_tuple, validator=_at_least(2, "operands"))

    @classmethod
    def of(cls, *operands: Expr) -> And:
        """``a and b and …`` in the shape the parser gives: a directly nested And is spliced in."""
        return cls(_spliced(cls, operands))


@attrs.frozen(repr=False, eq=False)
class Or(Node):
    """``a or b or …``: n-ary, since ``or`` is associative (keeps long chains shallow)."""

    operands: tuple[Expr, ...] = attrs.field(converter=as_tuple, validator=_at_least(2, "operands"))

    @classmethod
    def of(cls, *operands: Expr) -> Or:
        """``a or b or …`` in the shape the parser gives: a directly nested Or is spliced in."""
        return cls(_spliced(cls, operands))


def _spliced(kind: type[And] | type[Or], operands: tuple[Expr, ...]) -> list[Expr]:
    flat: list[Expr] = []
    for operand in operands:
        flat.extend(operand.operands if type(operand) is kind else (operand,))  # type: ignore[union-attr]
    return flat


@attrs.frozen(repr=False, eq=False)
class UnaryOp(Node):
    """``not operand`` or ``-operand`` (negation of a non-literal)."""

    op: str = attrs.field(validator=_one_of(frozenset({"not", "-"}), "a unary operator"))
    operand: Expr


@attrs.frozen(repr=False, eq=False)
class In(Node):
    """``left in right``: right is a ``ListExpr``, a ``JsonArray``, or a collection expression."""

    left: Expr
    right: Expr


@attrs.frozen(repr=False, eq=False)
class Call(Node):
    """A canonical function call such as ``contains(Name,'x')`` (name in its canonical spelling)."""

    function: str
    args: tuple[Expr, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(repr=False, eq=False)
class TypeName(Node):
    """A qualified type name as an argument of ``cast``/``isof``: ``Edm.String``, ``Collection(Ns.T)``."""

    name: str
    collection: bool = False


@attrs.frozen(repr=False, eq=False)
class Cast(Node):
    """``cast(type)`` or ``cast(operand,type)``."""

    type: TypeName
    operand: Expr | None = None


@attrs.frozen(repr=False, eq=False)
class IsOf(Node):
    """``isof(type)`` or ``isof(operand,type)``."""

    type: TypeName
    operand: Expr | None = None


@attrs.frozen(repr=False, eq=False)
class CaseBranch(Node):
    """``condition:value`` inside ``case(…)``."""

    condition: Expr
    value: Expr


@attrs.frozen(repr=False, eq=False)
class Case(Node):
    """``case(c1:v1,c2:v2,…)``: the value of the first true condition, else null."""

    branches: tuple[CaseBranch, ...] = attrs.field(converter=as_tuple, validator=_at_least(1, "branch"))


@attrs.frozen(repr=False, eq=False)
class Alias(Node):
    """A parameter alias ``@name`` used in an expression (``name`` without the ``@``)."""

    name: str


#: What an ``in`` list may hold (ABNF listExpr: primitiveLiteral / parameterAlias / enum).
LISTABLE = (Literal, EnumLiteral, Alias)


Expr = Union[
    Literal, EnumLiteral, JsonObject, JsonArray, ListExpr, Path, BinaryOp, And, Or, UnaryOp, In,
    Call, Cast, IsOf, Case, Alias, FunctionCall,
]

# $search (ABNF searchExpr): the nodes live in _rare_tree, loaded on first use (see the end)


# ---------------------------------------------------------------------------------------------
# Query options (URL Conventions §5; ABNF queryOptions)
# ---------------------------------------------------------------------------------------------


@attrs.frozen(repr=False, eq=False)
class OrderByItem(Node):
    """One ``$orderby`` item: an expression and its direction."""

    expr: Expr
    descending: bool = False


@attrs.frozen(repr=False, eq=False)
class OrderBy(Node):
    """The value of ``$orderby``."""

    items: tuple[OrderByItem, ...] = attrs.field(converter=as_tuple)


@attrs.frozen(repr=False, eq=False)
class AliasDefinition(Node):
    """``@name=value``: a parameter alias given a value (``name`` without the ``@``)."""

    name: str
    value: Expr


@attrs.frozen(repr=False, eq=False)
class SelectItem(Node):
    """One ``$select`` item: a path (possibly ending in ``*``, ``Ns.*`` or a function signature)
    with the nested options a select item may carry."""

    path: tuple[Segment, ...] = attrs.field(converter=as_tuple)
    filter: Expr | None = None
    search: _rare.Search | None = None
    select: Select | None = None
    orderby: OrderBy | None = None
    top: int | None = None
    skip: int | None = None
    count: bool | None = None
    compute: _rare.Compute | None = None
    aliases: tuple[AliasDefinition, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(repr=False, eq=False)
class Select(Node):
    """The value of ``$select``."""

    items: tuple[SelectItem, ...] = attrs.field(converter=as_tuple)


# $apply (Data Aggregation 4.0): the nodes live in _apply_tree, loaded on first use (see the end)


@attrs.frozen(repr=False, eq=False)
class ExpandItem(Node):
    """One ``$expand`` item: a path (or ``*`` / ``$value``), ``/$ref`` or ``/$count``, and the
    nested options written in parentheses after it."""

    path: tuple[Segment, ...] = attrs.field(converter=as_tuple)
    suffix: str | None = None  # "$ref" or "$count" (the ``/$ref`` / ``/$count`` after the path)
    filter: Expr | None = None
    search: _rare.Search | None = None
    select: Select | None = None
    expand: Expand | None = None
    orderby: OrderBy | None = None
    top: int | None = None
    skip: int | None = None
    count: bool | None = None
    levels: int | str | None = None
    compute: _rare.Compute | None = None
    at: Expr | str | None = None
    from_: Expr | str | None = None
    to: Expr | str | None = None
    to_inclusive: Expr | str | None = None
    aliases: tuple[AliasDefinition, ...] = attrs.field(default=(), converter=as_tuple)
    apply: _apply.Apply | None = None  # Data Aggregation: expandOption =/ apply


@attrs.frozen(repr=False, eq=False)
class Expand(Node):
    """The value of ``$expand``."""

    items: tuple[ExpandItem, ...] = attrs.field(converter=as_tuple)


@attrs.frozen(repr=False, eq=False)
class CustomOption(Node):
    """A custom query option ``name=value`` (value decoded; ``None`` when there was no ``=``)."""

    name: str
    value: str | None = None


@attrs.frozen(repr=False, eq=False)
class Query(Node):
    """A whole query string: every system query option, alias definitions and custom options."""

    filter: Expr | None = None
    search: _rare.Search | None = None
    expand: Expand | None = None
    select: Select | None = None
    orderby: OrderBy | None = None
    top: int | None = None
    skip: int | None = None
    count: bool | None = None
    compute: _rare.Compute | None = None
    index: int | None = None
    levels: int | str | None = None
    format: str | None = None
    skiptoken: str | None = None
    deltatoken: str | None = None
    schemaversion: str | None = None
    id: str | None = None
    #: Temporal extension: a date/time expression, or "min" / "max"
    at: Expr | str | None = None
    from_: Expr | str | None = None
    to: Expr | str | None = None
    to_inclusive: Expr | str | None = None
    aliases: tuple[AliasDefinition, ...] = attrs.field(default=(), converter=as_tuple)
    custom: tuple[CustomOption, ...] = attrs.field(default=(), converter=as_tuple)
    #: Data Aggregation: ``$apply`` (systemQueryOption =/ apply)
    apply: _apply.Apply | None = None


def __getattr__(name: str) -> Any:
    """A lazily created name (``tree.Search``, ``tree.Apply``): import its module once, then keep
    its names here too, so they resolve as globals of this one (type hints, ``from .tree import``)."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    importlib.import_module(f".{module_name}", __package__)
    loaded = {home: sys.modules.get(f"{__package__}.{home}") for home in set(_LAZY.values())}  # _apply_tree loads _rare_tree
    globals().update((lazy, getattr(loaded[home], lazy)) for lazy, home in _LAZY.items() if loaded[home] is not None)
    return globals()[name]


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


if TYPE_CHECKING:  # the lazily created names, for type checkers
    from ._apply_tree import (
        AGGREGATION_METHODS as AGGREGATION_METHODS, RANKING_FUNCTIONS as RANKING_FUNCTIONS, AddNested as AddNested,
        Aggregate as Aggregate, AggregateExpr as AggregateExpr, AggregateFrom as AggregateFrom,
        AggregateSegment as AggregateSegment, Apply as Apply, ApplyCompute as ApplyCompute, ApplyFilter as ApplyFilter,
        ApplyOrderBy as ApplyOrderBy, ApplySearch as ApplySearch, ApplySkip as ApplySkip, ApplyTop as ApplyTop,
        Concat as Concat, GroupBy as GroupBy, Hierarchy as Hierarchy, HierarchyFilter as HierarchyFilter,
        Identity as Identity, Join as Join, Nest as Nest, NestItem as NestItem, Ranking as Ranking, Rollup as Rollup,
        RollupRecursive as RollupRecursive, Transformation as Transformation, Traverse as Traverse,
    )
    from ._rare_tree import (
        Compute as Compute, ComputeItem as ComputeItem, Search as Search, SearchAnd as SearchAnd,
        SearchExpr as SearchExpr, SearchNot as SearchNot, SearchOr as SearchOr, SearchPhrase as SearchPhrase,
        SearchWord as SearchWord,
    )
