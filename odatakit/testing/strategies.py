"""Hypothesis strategies for property-based testing of OData clients and servers.

Every strategy draws a *tree* (``odatakit.tree`` nodes, ``odatakit.url`` parts, typed payload
values) and renders text from it with odatakit's own serializer, so a failing test shrinks to a
small, readable counterexample and can compare what another tool made of the text with what the
tree says::

    from hypothesis import given
    from odatakit import strategies as ost

    @given(ost.filter_examples())
    def test_my_server_parses_filters(example):
        my_server.parse_filter(example.text)   # example.tree is what the text means

Strategies named ``*_examples`` give an ``Example(tree, text, url)``: the tree, its canonical
text and its URL-encoded text. The others give trees (or typed values) alone; wrap any tree
strategy in ``examples(...)`` to get the text too.

Everything a strategy here yields is *valid*: ``parse(serialize(t)) == t`` for the query trees,
``parse_url(render(u)) == u`` for URLs, and the payloads validate and decode back to their
values. The one exception, ``invalid_payloads``, says so in its name and labels the fault each
payload carries.

Knobs: ``max_depth`` and ``max_leaves`` bound the size of expressions, ``version`` ("4.0" or
"4.01") leaves out syntax a 4.0 service does not know (for queries) or picks the annotation style
(for payloads), ``dialect`` ("outlook" or "graph") picks the service. Importing this module has no
side effect; ``st.from_type`` learns the odatakit classes through ``_hypothesis_setup_hook``, which
Hypothesis calls through the entry point odatakit declares.
"""

from __future__ import annotations

import decimal
import functools
import string
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar, cast

import attrs
from hypothesis import strategies as st

from .. import edm
from ..query import tree
from ..query.syntax import ARITHMETIC_OPERATORS, COMPARISON_OPERATORS, FUNCTIONS, canonical_function_name

__all__ = [
    "Example", "PayloadExample", "InvalidPayload", "PAYLOAD_FAULTS",
    # names and literals
    "names", "qualified_names", "LITERAL_TYPES", "literals", "enum_literals", "edm_values",
    "dates", "times_of_day", "date_time_offsets", "durations", "geo_literals",
    # expressions and query options
    "EXPRESSION_KINDS", "expressions", "filters", "paths", "searches", "orderbys", "selects",
    "computes", "expands", "queries", "applies", "examples", "filter_examples", "query_examples",
    # URLs and payloads
    "CONFUSABLES", "hostile_keys", "entity_urls", "url_examples",
    "primitives", "payload_values", "open_extensions", "extension_payloads", "invalid_payloads",
    "payloads", "invalid_queries",
]

# ---------------------------------------------------------------------------------------------
# What the strategies hand out besides bare trees
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class Example:
    """A tree and its text: ``text`` is the canonical (readable) form, ``url`` the form to put
    in a URL's query (``serialize(tree, url=True)``). For a URL, ``tree`` is an ``odatakit.url.Url``
    and both texts are the rendered URL."""

    tree: Any
    text: str
    url: str


@attrs.frozen
class PayloadExample:
    """A valid payload: the typed value it means, the JSON-ready object (``payload``, Decimals
    kept exact), its JSON text, and the style it was written in."""

    value: Any
    payload: Any
    text: str
    version: str
    dialect: str | None


@attrs.frozen
class InvalidPayload:
    """A payload with exactly one planted fault: ``fault`` names it (a key of ``PAYLOAD_FAULTS``),
    ``codes`` are the ``Fault.code`` values odatakit reports for it, ``path`` is where it is."""

    payload: Any
    fault: str
    codes: frozenset[str]
    path: str
    description: str
    valid: Any  # the payload before the mutation


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _shared(factory: Callable[_P, _T]) -> Callable[_P, _T]:
    """One strategy per set of arguments: a strategy is immutable, so the one built first serves
    every later call. The composite strategies call these factories inside each draw, and a
    strategy built anew is validated anew: that had been most of the time of drawing a query."""
    return cast("Callable[_P, _T]", functools.lru_cache(maxsize=None)(factory))


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

#: Words the lexer reads as keywords when they stand alone (lower-cased comparison; ``true`` and
#: ``false`` are case-insensitive in URLs). Names that merely start with one are fine and drawn.
_KEYWORDS = frozenset({"null", "true", "false", "inf", "nan", "not", "any", "all", "case", "cast", "isof"})
#: Realistic and tricky names first, so failures shrink to them.
_NAMES = (
    "Name", "Price", "Subject", "Items", "Tags", "IsRead", "notes", "anything", "trueValue",
    "orders", "nullable", "INFO", "NaNa", "android", "isofType", "castle", "casework", "alloy",
    "Collection", "duration", "binary", "geography", "eq", "and", "or", "has", "in", "asc",
    "desc", "max", "as", "Edm", "Ünïcödé", "名前", "_x1",
)
_FIRST = string.ascii_letters + "_" + "éßΩжñ名"
_REST = _FIRST + string.digits


@_shared
def names(*, keywords: bool = False) -> st.SearchStrategy[str]:
    """OData identifiers (ASCII and Unicode letters, ``_``, digits), never a lone keyword.

    ``keywords=True`` also draws the keywords themselves (``null``, ``not``…), which are valid
    names only where no keyword can stand, e.g. after a ``/`` in a path.
    """
    generated = st.builds(lambda a, b: a + b, st.sampled_from(_FIRST), st.text(_REST, max_size=7))
    drawn = st.one_of(st.sampled_from(_NAMES), generated)
    if keywords:
        return st.one_of(drawn, st.sampled_from(sorted(_KEYWORDS)))
    return drawn.filter(lambda name: name.lower() not in _KEYWORDS)


@_shared
def _ascii_names() -> st.SearchStrategy[str]:
    return st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,6}", fullmatch=True).filter(lambda n: n.lower() not in _KEYWORDS)


@_shared
def qualified_names(*, parts: int = 2) -> st.SearchStrategy[str]:
    """Namespace-qualified names ``Ns.Type`` (``parts`` to ``parts + 1`` parts), never a canonical
    function name such as ``geo.length``."""
    namespace = st.sampled_from(("Ns", "Model", "Microsoft.OutlookServices", "microsoft.graph", "Com.Contoso"))
    joined = st.builds(lambda ns, rest: ".".join([ns, *rest]), namespace, st.lists(names(), min_size=parts - 1,
                                                                                     max_size=parts))
    return joined.filter(lambda name: canonical_function_name(name) is None)


# ---------------------------------------------------------------------------------------------
# Edm values and literals
# ---------------------------------------------------------------------------------------------


@_shared
def _decimals(max_exponent: int = 30) -> st.SearchStrategy[Decimal]:
    """Finite Decimals with a bounded exponent (digits kept as drawn: ``1.50`` stays ``1.50``)."""
    return st.builds(
        lambda digits, exponent: Decimal(digits).scaleb(exponent, decimal.Context(prec=100)),
        st.integers(-(10**30), 10**30), st.integers(-max_exponent, max_exponent),
    )


@_shared
def dates() -> st.SearchStrategy[edm.Date]:
    """``edm.Date`` values: years 0000 and negative included (proleptic Gregorian)."""

    @st.composite
    def draw_date(draw: Any) -> edm.Date:
        year = draw(st.one_of(st.integers(1, 9999), st.integers(-9999, 99999)))
        month = draw(st.integers(1, 12))
        day = draw(st.integers(1, edm._days_in_month(year, month)))
        return edm.Date(year, month, day)

    return draw_date()


@_shared
def times_of_day() -> st.SearchStrategy[edm.TimeOfDay]:
    """``edm.TimeOfDay`` values, with leap second 60 and up to 12 fractional digits."""
    return st.builds(
        edm.TimeOfDay, st.integers(0, 23), st.integers(0, 59), st.integers(0, 60),
        st.text(string.digits, max_size=12),
    )


@_shared
def date_time_offsets() -> st.SearchStrategy[edm.DateTimeOffset]:
    """``edm.DateTimeOffset`` values with offsets from -23:59 to +23:59 (``Z`` for 0)."""
    offset = st.one_of(st.just(0), st.integers(-(24 * 60 - 1), 24 * 60 - 1))
    return st.builds(edm.DateTimeOffset, dates(), times_of_day(), offset)


@_shared
def durations() -> st.SearchStrategy[edm.Duration]:
    """``edm.Duration`` values as written (``PT36H`` stays 36 hours), seconds exact to 12 digits."""
    seconds = st.builds(lambda n, scale: Decimal(n).scaleb(-scale), st.integers(0, 10**14), st.integers(0, 12))
    return st.builds(
        edm.Duration, st.booleans(), st.integers(0, 10**6), st.integers(0, 100), st.integers(0, 100), seconds,
    )


def _floats(width: int = 64) -> st.SearchStrategy[float]:
    return st.floats(allow_nan=True, allow_infinity=True, width=width)  # type: ignore[arg-type]


#: Value strategies for Python classes of the Edm table (``edm.PRIMITIVES``), by class.
_BY_PYTHON: dict[type, Callable[[], st.SearchStrategy[Any]]] = {
    bool: st.booleans,
    Decimal: _decimals,
    str: st.text,
    uuid.UUID: st.uuids,
    bytes: lambda: st.binary(max_size=24),
    edm.Date: dates,
    edm.TimeOfDay: times_of_day,
    edm.DateTimeOffset: date_time_offsets,
    edm.Duration: durations,
}


@_shared
def edm_values(type_name: str, *, allow_nan: bool = True) -> st.SearchStrategy[Any]:
    """Python values of the Edm primitive ``type_name`` (``Int64``, ``Edm.Date``…) as
    ``edm.PRIMITIVES`` defines it: ints in range, exact temporal classes, ``Decimal``…

    ``allow_nan=False`` leaves out NaN (which equals nothing, not even itself).
    """
    kind = edm.primitive(type_name)
    if kind.name in edm.INT_RANGES:
        low, high = edm.INT_RANGES[kind.name]
        return st.integers(low, high)
    if kind.python is float:
        floats = _floats(32 if kind.name == "Single" else 64)
        return floats if allow_nan else floats.filter(lambda f: f == f)
    factory = _BY_PYTHON.get(kind.python)
    if factory is None:  # a type added to the table without a strategy here: let Hypothesis try
        return st.from_type(kind.python)
    return factory()


# -- geography / geometry well-known text (ABNF fullPointLiteral … fullCollectionLiteral) ------

_COORDINATE = st.one_of(
    st.integers(-180, 180).map(str),
    st.builds(lambda a, b: f"{a}.{b}", st.integers(-180, 180), st.integers(0, 999)),
    st.builds(lambda a, e: f"{a}e{e}", st.integers(-9, 9), st.integers(-5, 5)),
)
_POSITION = st.builds(lambda x, y: f"{x} {y}", _COORDINATE, _COORDINATE)


def _positions(min_size: int) -> st.SearchStrategy[str]:
    return st.lists(_POSITION, min_size=min_size, max_size=4).map(",".join)


def _ring() -> st.SearchStrategy[str]:
    return st.builds(lambda first, middle: f"({first},{middle},{first})", _POSITION, _positions(2))


_SHAPES: dict[str, st.SearchStrategy[str]] = {
    "Point": _POSITION.map(lambda p: f"Point({p})"),
    "LineString": _positions(2).map(lambda p: f"LineString({p})"),
    "Polygon": st.lists(_ring(), min_size=1, max_size=2).map(lambda r: f"Polygon({','.join(r)})"),
    "MultiPoint": st.lists(_POSITION, max_size=3).map(lambda ps: "MultiPoint(" + ",".join(f"({p})" for p in ps) + ")"),
    "MultiLineString": st.lists(_positions(2), max_size=2).map(
        lambda ls: "MultiLineString(" + ",".join(f"({p})" for p in ls) + ")"),
    "MultiPolygon": st.lists(st.lists(_ring(), min_size=1, max_size=2), max_size=2).map(
        lambda ps: "MultiPolygon(" + ",".join("(" + ",".join(p) + ")" for p in ps) + ")"),
}
_SHAPES["Collection"] = st.lists(st.one_of(_SHAPES["Point"], _SHAPES["LineString"], _SHAPES["Polygon"]),
                                 min_size=1, max_size=3).map(lambda s: f"Collection({','.join(s)})")


@_shared
def geo_literals(family: str | None = None, kind: str | None = None) -> st.SearchStrategy[tree.Literal]:
    """Geography/geometry literals: ``Literal('GeographyPoint', 'SRID=4326;Point(1 2)')``.

    ``family`` is ``Geography`` or ``Geometry``, ``kind`` one of ``Point``, ``LineString``,
    ``Polygon``, ``MultiPoint``, ``MultiLineString``, ``MultiPolygon``, ``Collection``.
    """
    families = [family] if family else ["Geography", "Geometry"]
    kinds = [kind] if kind else list(_SHAPES)
    srid = st.sampled_from(("SRID=0;", "SRID=4326;", "SRID=3857;"))
    return st.sampled_from(families).flatmap(lambda f: st.sampled_from(kinds).flatmap(
        lambda k: st.builds(lambda s, body: tree.Literal(f + k, s + body), srid, _SHAPES[k])))


#: The literal types ``literals`` draws, as the parser types them (``Literal.type``). Byte, SByte,
#: Int16 and Single never come out of the parser (``5`` is an Int32), so they are payload-only.
LITERAL_TYPES = (
    "Null", "Boolean", "Int32", "Int64", "Decimal", "Double", "String", "Date", "TimeOfDay",
    "DateTimeOffset", "Duration", "Guid", "Binary", "Geography", "Geometry",
)
_INT32 = edm.INT_RANGES["Int32"]
_INT64 = edm.INT_RANGES["Int64"]


@_shared
def _literal_values(type_name: str) -> st.SearchStrategy[tree.Literal]:
    if type_name == "Null":
        return st.just(tree.Literal("Null", None))
    if type_name in ("Geography", "Geometry"):
        return geo_literals(type_name)
    if type_name == "Int64":
        values: st.SearchStrategy[Any] = st.one_of(st.integers(_INT64[0], _INT32[0] - 1),
                                                   st.integers(_INT32[1] + 1, _INT64[1]))
    elif type_name == "Decimal":
        # an int past Int64 is a Decimal too: no other type holds it exactly
        values = st.one_of(_decimals(), st.sampled_from((_INT64[1] + 1, _INT64[0] - 1, 10**30)),
                           _decimals(500))
    else:
        values = edm_values(type_name)
    return values.map(lambda value: tree.Literal(type_name, value))


@_shared
def literals(*types: str) -> st.SearchStrategy[tree.Literal]:
    """Literals of the given ``LITERAL_TYPES`` (all when none given), shaped as the parser returns
    them: ``Int32`` in Int32 range, ``Int64`` outside it, ``Double`` floats (INF and NaN too)…"""
    for name in types:
        if name not in LITERAL_TYPES:
            raise ValueError(f"unknown literal type {name!r}; expected one of {', '.join(LITERAL_TYPES)}")
    return st.one_of([_literal_values(name) for name in (types or LITERAL_TYPES)])


@_shared
def enum_literals() -> st.SearchStrategy[tree.EnumLiteral]:
    """Enum literals ``Ns.Color'Red,Blue'`` (member names or integers)."""
    member = st.one_of(_ascii_names(), st.integers(0, 2**31).map(str))
    return st.builds(tree.EnumLiteral, qualified_names(), st.lists(member, min_size=1, max_size=3))


# ---------------------------------------------------------------------------------------------
# Expressions: typed, so a number stands where a number is needed
# ---------------------------------------------------------------------------------------------

#: What an expression strategy can be asked for.
EXPRESSION_KINDS = (
    "boolean", "number", "string", "date", "datetime", "time", "duration", "guid", "enum",
    "geopoint", "geopolygon", "geolinestring", "collection", "any",
)
_COMPARABLE = ("number", "string", "date", "datetime", "time", "duration", "guid")

#: Canonical functions: result kind and argument kinds ("a|b" = either, trailing "?" = optional).
#: Names and arities come from ``syntax.FUNCTIONS``; this adds only the types (checked below).
_SIGNATURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "concat": ("string", ("string", "string")),
    "contains": ("boolean", ("string", "string")),
    "endswith": ("boolean", ("string", "string")),
    "startswith": ("boolean", ("string", "string")),
    "indexof": ("number", ("string", "string")),
    "length": ("number", ("string|collection",)),
    "substring": ("string", ("string", "number", "number?")),
    "hassubset": ("boolean", ("collection", "collection")),
    "hassubsequence": ("boolean", ("collection", "collection")),
    "matchesPattern": ("boolean", ("string", "string")),
    "tolower": ("string", ("string",)),
    "toupper": ("string", ("string",)),
    "trim": ("string", ("string",)),
    "date": ("date", ("datetime",)),
    "time": ("time", ("datetime",)),
    "year": ("number", ("date|datetime",)),
    "month": ("number", ("date|datetime",)),
    "day": ("number", ("date|datetime",)),
    "hour": ("number", ("datetime|time",)),
    "minute": ("number", ("datetime|time",)),
    "second": ("number", ("datetime|time",)),
    "fractionalseconds": ("number", ("datetime|time",)),
    "totaloffsetminutes": ("number", ("datetime",)),
    "totalseconds": ("number", ("duration",)),
    "now": ("datetime", ()),
    "mindatetime": ("datetime", ()),
    "maxdatetime": ("datetime", ()),
    "ceiling": ("number", ("number",)),
    "floor": ("number", ("number",)),
    "round": ("number", ("number",)),
    "geo.distance": ("number", ("geopoint", "geopoint")),
    "geo.intersects": ("boolean", ("geopoint", "geopolygon")),
    "geo.length": ("number", ("geolinestring",)),
    "isdefined": ("boolean", ("member",)),  # Data Aggregation: a member path, no other expression
}
for _name, (_, _args) in _SIGNATURES.items():  # the table above must agree with syntax.FUNCTIONS
    assert FUNCTIONS[_name] == (sum(not a.endswith("?") for a in _args), len(_args)), _name
assert set(_SIGNATURES) == set(FUNCTIONS), set(FUNCTIONS) ^ set(_SIGNATURES)

#: Functions and operators a 4.0 service does not know (URL Conventions 4.01 "what's new").
#: (isdefined comes from the Data Aggregation extension, which builds on 4.01: left out of 4.0 too.)
_ONLY_401_FUNCTIONS = frozenset({"hassubset", "hassubsequence", "matchesPattern", "isdefined"})

_LEAF_LITERALS: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
    "boolean": lambda: literals("Boolean"),
    "number": lambda: literals("Int32", "Int64", "Decimal", "Double"),
    "string": lambda: literals("String"),
    "date": lambda: literals("Date"),
    "datetime": lambda: literals("DateTimeOffset"),
    "time": lambda: literals("TimeOfDay"),
    "duration": lambda: literals("Duration"),
    "guid": lambda: literals("Guid"),
    "enum": enum_literals,
    "geopoint": lambda: geo_literals(kind="Point"),
    "geopolygon": lambda: geo_literals(kind="Polygon"),
    "geolinestring": lambda: geo_literals(kind="LineString"),
}
_EDM_CAST = {"number": ("Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double"), "string": ("Edm.String",),
             "date": ("Edm.Date",), "datetime": ("Edm.DateTimeOffset",), "time": ("Edm.TimeOfDay",),
             "duration": ("Edm.Duration",), "guid": ("Edm.Guid",), "boolean": ("Edm.Boolean",)}
for _type_names in _EDM_CAST.values():
    assert all(edm.primitive(n) for n in _type_names)


#: Strategies the expression drawer uses at every step, built once (see ``_shared``). Up to two
#: segments after a path's first: properties (keywords allowed after a /) and type casts.
_LATER_SEGMENTS = st.lists(st.one_of(names(keywords=True).map(tree.Property), qualified_names().map(tree.TypeCast)),
                            max_size=2)
_STRING_ARGUMENTS = st.lists(st.builds(tree.NamedArg, _ascii_names(), _LEAF_LITERALS["string"]()), max_size=2,
                             unique_by=lambda a: a.name)
_TYPE_NAMES = st.one_of(st.sampled_from(sorted(f"Edm.{t}" for t in edm.PRIMITIVES)), qualified_names())


@_shared
def _literal_lists(kind: str, max_size: int, *, aliases: bool = False) -> st.SearchStrategy[list[Any]]:
    """Lists of literals of ``kind`` (and ``@alias`` items when ``aliases``): JSON arrays, ``in`` lists."""
    items = _LEAF_LITERALS[kind]()
    return st.lists(st.one_of(items, _ascii_names().map(tree.Alias)) if aliases else items, max_size=max_size)


@attrs.define
class _State:
    """One expression being drawn: the knobs, the leaves still allowed, the lambda variables in scope."""

    max_leaves: int
    version: str
    aliases: bool
    variables: tuple[str, ...] = ()
    leaves: int = 0

    @property
    def v401(self) -> bool:
        return self.version == "4.01"

    def can_grow(self, depth: int) -> bool:
        return depth > 0 and self.leaves < self.max_leaves


class _Expressions:
    """The productions of the expression language, one method per construct, drawn through a
    Hypothesis ``draw``. Leaves come first in every choice, so failures shrink to leaves."""

    def __init__(self, draw: Any, state: _State) -> None:
        self.draw = draw
        self.state = state

    # -- entry --------------------------------------------------------------------------------
    def expr(self, kind: str, depth: int) -> Any:
        if kind == "any":
            kind = self.draw(st.sampled_from(("boolean", "number", "string", "date", "datetime", "guid")))
        if kind == "collection":
            return self.collection(depth)
        if not self.state.can_grow(depth):
            return self.leaf(kind)
        grow = {
            "boolean": self.boolean, "number": self.number, "string": self.string,
            "date": self.temporal, "datetime": self.temporal, "time": self.temporal,
        }.get(kind)
        if grow is None or not self.draw(st.booleans()):
            return self.leaf(kind)
        return grow(kind, depth - 1)

    def leaf(self, kind: str) -> Any:
        self.state.leaves += 1
        choices = ["literal", "path"]
        if self.state.aliases and kind != "boolean":
            choices.append("alias")
        choice = self.draw(st.sampled_from(choices))
        if choice == "literal":
            return self.draw(_LEAF_LITERALS[kind]())
        if choice == "alias":
            return tree.Alias(self.draw(_ascii_names()))
        return self.path(kind, depth=0)

    # -- paths --------------------------------------------------------------------------------
    def path(self, kind: str, depth: int) -> tree.Path:
        draw = self.draw
        first: list[Any]
        start = draw(st.sampled_from(("name", "variable", "it", "cast", "annotation", "root", "this")))
        if start == "variable" and self.state.variables:
            first = [tree.LambdaVariable(draw(st.sampled_from(self.state.variables)))]
        elif start == "it":
            first = [tree.Variable("$it")]
        elif start == "this" and self.state.v401:
            first = [tree.Variable("$this")]
        elif start == "cast":
            first = [tree.TypeCast(draw(qualified_names())), tree.Property(draw(names()))]
        elif start == "annotation":
            first = [self.annotation()]
        elif start == "root":
            key = tree.Key((tree.KeyValue(draw(literals("String", "Int32", "Guid"))),))
            first = [tree.Variable("$root"), tree.EntitySet(draw(names()), key)]
        else:  # a property named like a variable in scope would read back as the variable
            in_scope = self.state.variables
            first = [tree.Property(draw(names().filter(lambda name: name not in in_scope) if in_scope else names()))]
        middle = draw(_LATER_SEGMENTS)
        segments = [*first, *middle]
        if isinstance(segments[-1], tree.TypeCast) or segments == [tree.Variable("$it")]:
            segments.append(tree.Property(draw(names())))
        if depth > 0 and draw(st.booleans()):
            segments.append(self.last_segment(kind, depth - 1))
        return tree.Path(segments)

    def annotation(self) -> tree.Annotation:
        return tree.Annotation(self.draw(qualified_names()), self.draw(st.none() | _ascii_names()))

    def last_segment(self, kind: str, depth: int) -> Any:
        """A segment that gives the path its kind: ``$count`` (number), a lambda (boolean)…"""
        draw = self.draw
        if kind == "number":
            if draw(st.booleans()):
                return tree.Count()
            return tree.Count(filter=self.expr("boolean", depth) if draw(st.booleans()) else None,
                              search=draw(searches(max_leaves=3)) if draw(st.booleans()) else None)
        if kind == "boolean":
            if draw(st.booleans()):
                return tree.Lambda("any")
            variable = draw(_ascii_names())
            outer = self.state.variables
            self.state.variables = (*outer, variable)
            try:
                predicate = self.expr("boolean", depth)
            finally:
                self.state.variables = outer
            return tree.Lambda(draw(st.sampled_from(("any", "all"))), variable, predicate)
        if self.state.v401 and draw(st.booleans()):
            return tree.FilterSegment(self.expr("boolean", depth))
        return tree.FunctionCall(draw(qualified_names()), draw(_STRING_ARGUMENTS))

    # -- collections (right of in, arguments of hassubset) --------------------------------------
    def collection(self, depth: int) -> Any:
        self.state.leaves += 1
        kind = self.draw(st.sampled_from(("number", "string")))
        if self.draw(st.booleans()):
            return self.path("collection", 0)
        return tree.JsonArray(self.draw(_literal_lists(kind, 3)))

    # -- booleans -----------------------------------------------------------------------------
    def boolean(self, kind: str, depth: int) -> Any:
        choices = ["comparison", "and", "or", "not", "call", "lambda", "null", "in", "has", "isof"]
        if self.state.v401:
            choices += ["case"]
        choice = self.draw(st.sampled_from(choices))
        draw = self.draw
        if choice == "comparison":
            operand_kind = draw(st.sampled_from((*_COMPARABLE, "boolean")))
            ops = COMPARISON_OPERATORS if operand_kind != "boolean" else ("eq", "ne")
            left = self.expr(operand_kind, depth)
            return tree.BinaryOp(draw(st.sampled_from(ops)), left, self.expr(operand_kind, depth))
        if choice in ("and", "or"):
            cls = tree.And if choice == "and" else tree.Or
            count = draw(st.integers(2, 3))
            operands = []
            for _ in range(count):
                operand = self.expr("boolean", depth)
                operands.append(operand)
            return cls.of(*operands)  # the parser's shape: a and (b and c) is one And
        if choice == "not":
            return tree.UnaryOp("not", self.expr("boolean", depth))
        if choice == "call":
            return self.call("boolean", depth)
        if choice == "lambda":
            return self.path("boolean", depth + 1)
        if choice == "null":
            return tree.BinaryOp(draw(st.sampled_from(("eq", "ne"))), self.path("any", 0), tree.Literal("Null", None))
        if choice == "in" and self.state.v401:
            operand_kind = draw(st.sampled_from(("number", "string")))
            left = self.expr(operand_kind, depth)
            if draw(st.booleans()):
                return tree.In(left, tree.ListExpr(draw(_literal_lists(operand_kind, 4, aliases=self.state.aliases))))
            return tree.In(left, self.collection(depth))
        if choice == "has":
            return tree.BinaryOp("has", self.path("enum", 0), draw(enum_literals()))
        if choice == "case":
            return self.case("boolean", depth)
        operand = self.expr(draw(st.sampled_from(_COMPARABLE)), depth) if draw(st.booleans()) else None
        return tree.IsOf(self.type_name(), operand)

    def type_name(self) -> tree.TypeName:
        draw = self.draw
        name = draw(_TYPE_NAMES)
        return tree.TypeName(name, draw(st.booleans()) if not name.startswith("Edm.") else False)

    # -- numbers, strings, temporal -----------------------------------------------------------
    def number(self, kind: str, depth: int) -> Any:
        draw = self.draw
        ops = tuple(op for op in ARITHMETIC_OPERATORS if op != "divby" or self.state.v401)
        choices = ["arithmetic", "negate", "call", "count", "cast"] + (["case"] if self.state.v401 else [])
        choice = draw(st.sampled_from(choices))
        if choice == "arithmetic":
            return tree.BinaryOp(draw(st.sampled_from(ops)), self.expr("number", depth), self.expr("number", depth))
        if choice == "negate":
            operand = self.expr("number", depth)
            if isinstance(operand, tree.Literal):  # -5 is a literal, not a negation
                return operand
            return tree.UnaryOp("-", operand)
        if choice == "count":
            return self.path("number", depth + 1)
        if choice == "cast":
            return self.cast("number", depth)
        if choice == "case":
            return self.case("number", depth)
        return self.call("number", depth)

    def string(self, kind: str, depth: int) -> Any:
        choice = self.draw(st.sampled_from(["call", "cast"] + (["case"] if self.state.v401 else [])))
        if choice == "cast":
            return self.cast("string", depth)
        if choice == "case":
            return self.case("string", depth)
        return self.call("string", depth)

    def temporal(self, kind: str, depth: int) -> Any:
        return self.call(kind, depth)

    def cast(self, kind: str, depth: int) -> tree.Cast:
        draw = self.draw
        type_name = tree.TypeName(draw(st.sampled_from(_EDM_CAST[kind])))
        source = draw(st.sampled_from(("number", "string")))
        return tree.Cast(type_name, self.expr(source, depth) if draw(st.booleans()) else None)

    def case(self, kind: str, depth: int) -> tree.Case:
        count = self.draw(st.integers(1, 3))
        return tree.Case([tree.CaseBranch(self.expr("boolean", depth), self.expr(kind, depth)) for _ in range(count)])

    def call(self, kind: str, depth: int) -> Any:
        candidates = sorted(name for name, (result, _) in _SIGNATURES.items()
                            if result == kind and (self.state.v401 or name not in _ONLY_401_FUNCTIONS))
        if not candidates:
            return self.leaf(kind)
        name = self.draw(st.sampled_from(candidates))
        arg_kinds = _SIGNATURES[name][1]
        args = []
        for arg_kind in arg_kinds:
            if arg_kind.endswith("?"):
                if not self.draw(st.booleans()):
                    break
                arg_kind = arg_kind[:-1]
            if arg_kind == "member":
                args.append(self.path("string", depth=0))
                continue
            args.append(self.expr(self.draw(st.sampled_from(arg_kind.split("|"))), depth))
        return tree.Call(name, args)


def _check_kind(kind: str) -> None:
    if kind not in EXPRESSION_KINDS:
        raise ValueError(f"unknown expression kind {kind!r}; expected one of {', '.join(EXPRESSION_KINDS)}")


def _check_version(version: str) -> None:
    if version not in ("4.0", "4.01"):
        raise ValueError(f"version is '4.0' or '4.01', not {version!r}")


@_shared
def expressions(
    kind: str = "any", *, max_depth: int = 4, max_leaves: int = 12, version: str = "4.01", aliases: bool = True,
) -> st.SearchStrategy[Any]:
    """Expression trees whose value has ``kind`` (one of ``EXPRESSION_KINDS``): ``number`` gives
    ``Price mul 2``, ``length(Name)``, ``Items/$count``…; ``boolean`` gives filters.

    ``max_depth`` bounds the operator nesting, ``max_leaves`` the literals and paths drawn;
    ``version="4.0"`` leaves out ``in``, ``divby``, ``case``, ``$this``, ``$filter()`` segments
    and the 4.01 functions; ``aliases=False`` leaves out ``@alias`` operands.
    """
    _check_kind(kind)
    _check_version(version)
    if max_depth < 0 or max_leaves < 1:
        raise ValueError("max_depth must be >= 0 and max_leaves >= 1")

    @st.composite
    def draw_expression(draw: Any) -> Any:
        return _Expressions(draw, _State(max_leaves, version, aliases)).expr(kind, max_depth)

    return draw_expression()


@_shared
def filters(*, max_depth: int = 4, max_leaves: int = 12, version: str = "4.01",
            aliases: bool = True) -> st.SearchStrategy[Any]:
    """Boolean expressions: the trees ``parse_filter`` returns for ``$filter`` values."""
    return expressions("boolean", max_depth=max_depth, max_leaves=max_leaves, version=version, aliases=aliases)


@_shared
def paths(kind: str = "any", *, max_depth: int = 2, version: str = "4.01") -> st.SearchStrategy[tree.Path]:
    """Member paths: ``Name``, ``$it/Address/City``, ``Ns.Type/Prop``, ``Items/$count``,
    ``Items/any(x:x/Price gt 5)`` (for ``kind="boolean"``), ``$root/People('x')/Name``."""
    _check_kind(kind)

    @st.composite
    def draw_path(draw: Any) -> tree.Path:
        return _Expressions(draw, _State(8, version, False)).path(kind, max_depth)

    return draw_path()


# ---------------------------------------------------------------------------------------------
# $search, $orderby, $compute, $select, $expand, whole queries
# ---------------------------------------------------------------------------------------------

_SEARCH_CHARS = string.ascii_letters + string.digits + "-._~!*+,:@/?$=&#%;éж名'\n"


@_shared
def searches(*, max_leaves: int = 6) -> st.SearchStrategy[tree.Search]:
    """``$search`` trees: words (also ``AND`` as a word, characters that need encoding such as a
    line break, a quote inside), phrases, ``NOT``, ``AND``, ``OR``."""
    chars = _SEARCH_CHARS
    word = st.one_of(
        st.sampled_from(("blue", "green", "AND", "OR", "NOT", "and", "a-b", "café")),
        st.text(chars, min_size=1, max_size=8),
    ).filter(lambda w: not w.startswith("'"))  # a leading quote opens searchExpr-incomplete
    phrase = st.text(st.characters(exclude_characters='"', exclude_categories=["Cs"]), min_size=1,
                     max_size=10).map(tree.SearchPhrase)
    expr = st.recursive(
        st.one_of(word.map(tree.SearchWord), phrase),
        lambda children: st.one_of(
            st.builds(tree.SearchNot, children),
            st.builds(tree.SearchAnd, children, children),
            st.builds(tree.SearchOr, children, children),
        ),
        max_leaves=max_leaves,
    )
    return st.builds(tree.Search, expr)


@_shared
def orderbys(*, max_depth: int = 2, max_items: int = 3, version: str = "4.01") -> st.SearchStrategy[tree.OrderBy]:
    """``$orderby`` trees: paths and typed expressions, ascending or descending."""
    item = st.builds(tree.OrderByItem,
                     expressions(max_depth=max_depth, max_leaves=4, version=version, aliases=False),
                     st.booleans())
    return st.builds(tree.OrderBy, st.lists(item, min_size=1, max_size=max_items))


@_shared
def computes(*, max_depth: int = 2, max_items: int = 2) -> st.SearchStrategy[tree.Compute]:
    """``$compute`` trees: ``Price mul Quantity as Total``."""
    expr = st.sampled_from(("number", "string", "date")).flatmap(
        lambda k: expressions(k, max_depth=max_depth, max_leaves=4, aliases=False))
    item = st.builds(tree.ComputeItem, expr, names())
    return st.builds(tree.Compute, st.lists(item, min_size=1, max_size=max_items))


@_shared
def _grouping_paths() -> st.SearchStrategy[tree.Path]:
    """groupingProperty: names with an optional type cast inside, a name last."""
    return st.builds(
        lambda first, cast, rest: tree.Path([tree.Property(first), *([tree.TypeCast(cast)] if cast else []),
                                             *map(tree.Property, rest)] if not cast or rest else [tree.Property(first)]),
        names(), st.none() | qualified_names(), st.lists(names(keywords=True), max_size=1),
    )


@_shared
def _aggregate_exprs(depth: int, *, alias: bool = True) -> st.SearchStrategy[tree.AggregateExpr]:
    methods = st.sampled_from(tree.AGGREGATION_METHODS) | qualified_names()
    froms = st.lists(st.builds(tree.AggregateFrom, st.lists(_grouping_paths(), min_size=1, max_size=2), methods),
                     max_size=2)
    number = expressions("number", max_depth=depth, max_leaves=4, aliases=False)

    @st.composite
    def draw_one(draw: Any) -> tree.AggregateExpr:
        shape = draw(st.sampled_from(("with", "count", "custom")))
        name = draw(names()) if alias else None
        if shape == "count":
            counted = draw(st.sampled_from(((), (tree.Property("Sales"),))))
            return tree.AggregateExpr(tree.Path((*counted, tree.Count())), None, draw(froms), name)
        if shape == "custom":
            custom_froms = draw(st.lists(st.builds(tree.AggregateFrom, st.lists(_grouping_paths(), min_size=1, max_size=2),
                                                   st.none() | methods), max_size=2))
            keep_alias = bool(custom_froms) or draw(st.booleans())
            return tree.AggregateExpr(draw(_grouping_paths()), None, custom_froms, name if keep_alias else None)
        value = draw(number)
        if isinstance(value, tree.Path) and type(value.segments[-1]) is tree.Count:
            value = tree.BinaryOp("add", value, tree.Literal("Int32", 1))
        return tree.AggregateExpr(value, draw(methods), draw(froms), name)

    return draw_one()


@_shared
def applies(*, max_depth: int = 2) -> st.SearchStrategy[tree.Apply]:
    """``$apply`` trees (Data Aggregation): sequences of transformations, nested up to
    ``max_depth`` (groupby, concat, nest, join and the hierarchy functions hold sequences)."""

    def sequence(depth: int, preserving: bool = False) -> st.SearchStrategy[tree.Apply]:
        return st.builds(tree.Apply, st.lists(step(depth, preserving), min_size=1, max_size=3))

    def step(depth: int, preserving: bool = False) -> st.SearchStrategy[Any]:
        expr_depth = 1
        hierarchy = st.builds(tree.Hierarchy, st.builds(lambda n: tree.Path((tree.Variable("$root"), tree.Property(n))), names()),
                              names(), _grouping_paths())
        kept = [
            st.builds(tree.ApplyFilter, filters(max_depth=expr_depth, max_leaves=4, aliases=False)),
            st.builds(tree.ApplySearch, searches(max_leaves=3)),
            st.builds(tree.ApplyOrderBy, st.lists(st.builds(tree.OrderByItem, _grouping_paths(), st.booleans()), min_size=1, max_size=2)),
            st.builds(tree.ApplyTop, st.integers(0, 2**31)),
            st.builds(tree.ApplySkip, st.integers(0, 2**31)),
            st.just(tree.Identity()),
            st.builds(tree.Ranking, st.sampled_from(tree.RANKING_FUNCTIONS),
                      expressions("number", max_depth=expr_depth, max_leaves=3, aliases=False), _grouping_paths()),
            st.builds(tree.FunctionCall, qualified_names(),
                      st.lists(st.builds(tree.NamedArg, _ascii_names(), literals("String", "Int32")), max_size=2,
                               unique_by=lambda a: a.name)),
        ]
        if depth > 0:
            kept.append(st.builds(tree.HierarchyFilter, st.sampled_from(("ancestors", "descendants")), hierarchy,
                                  sequence(depth - 1, preserving=True), st.none() | st.integers(0, 9), st.booleans()))
            kept.append(st.builds(tree.Traverse, hierarchy, st.sampled_from(("preorder", "postorder")),
                                  st.none() | st.builds(tree.Apply, st.lists(kept[0], min_size=1, max_size=2)),
                                  st.lists(st.builds(tree.OrderByItem, _grouping_paths(), st.booleans()), max_size=2)))
        if preserving:
            return st.one_of(kept)
        changing = [
            st.builds(tree.Aggregate, st.lists(_aggregate_exprs(expr_depth), min_size=1, max_size=3)),
            st.builds(tree.ApplyCompute, computes(max_depth=expr_depth).map(lambda c: c.items)),
        ]
        grouping = st.one_of(
            _grouping_paths(),
            st.builds(tree.Rollup, st.lists(_grouping_paths(), min_size=2, max_size=3)),
            st.builds(lambda name: tree.Rollup(hierarchy=name), names()),
        )
        if depth > 0:
            nest_items = st.lists(st.builds(tree.NestItem, sequence(depth - 1), names()), min_size=1, max_size=2)
            changing += [
                st.builds(tree.GroupBy, st.lists(grouping, min_size=1, max_size=3), st.none() | sequence(depth - 1)),
                st.builds(tree.Concat, st.lists(sequence(depth - 1), min_size=2, max_size=3)),
                st.builds(tree.Nest, nest_items),
                st.builds(tree.AddNested, _grouping_paths(), nest_items),
                st.builds(tree.Join, _grouping_paths(), names(), st.none() | sequence(depth - 1), st.booleans()),
            ]
        return st.one_of(*kept, *changing)

    return sequence(max_depth)


@_shared
def _alias_definitions(max_size: int = 2) -> st.SearchStrategy[tuple[tree.AliasDefinition, ...]]:
    value = st.one_of(literals("String", "Int32", "Decimal", "Date", "Null"),
                      st.lists(literals("String", "Int32"), max_size=3).map(tree.JsonArray),
                      st.lists(st.builds(tree.JsonMember, st.text(max_size=5), literals("Int32", "String", "Boolean")),
                               max_size=2).map(tree.JsonObject))
    return st.lists(st.builds(tree.AliasDefinition, _ascii_names(), value), max_size=max_size,
                    unique_by=lambda a: a.name).map(tuple)


_ITEM_FIRST_SEGMENTS = st.one_of(names().map(tree.Property), st.just(None))  # None: an annotation instead
_ITEM_ANNOTATIONS = st.builds(tree.Annotation, qualified_names(), st.none() | _ascii_names())


def _item_path(draw: Any, *, star: bool) -> tuple[Any, ...]:
    """The path of a select or expand item: names, a cast after a navigation, an annotation."""
    segments: list[Any] = [draw(_ITEM_FIRST_SEGMENTS)]
    if segments[0] is None:
        segments = [draw(_ITEM_ANNOTATIONS)]
    segments += draw(_LATER_SEGMENTS)
    if star and draw(st.booleans()):
        segments.append(tree.Star())
    return tuple(segments)


def _options(draw: Any, allowed: Sequence[str], depth: int, version: str) -> dict[str, Any]:
    """Nested options for an expand or select item: each one present or not."""
    makers: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
        "filter": lambda: filters(max_depth=2, max_leaves=4, version=version),
        "search": lambda: searches(max_leaves=3),
        "select": lambda: selects(max_depth=depth - 1, version=version),
        "expand": lambda: expands(max_depth=depth - 1, version=version),
        "orderby": lambda: orderbys(max_depth=1, max_items=2, version=version),
        "top": lambda: st.integers(0, 2**31),
        "skip": lambda: st.integers(0, 2**31),
        "count": st.booleans,
        "levels": lambda: st.one_of(st.integers(1, 99), st.just("max")),
        "compute": lambda: computes(max_depth=1, max_items=1),
        "aliases": lambda: _alias_definitions(),
    }
    found = {}
    for name in allowed:
        if name in ("select", "expand") and depth <= 0:
            continue
        if version == "4.0" and name in ("compute", "aliases"):
            continue
        if draw(st.booleans()):
            found[name] = draw(makers[name]())
    return found


_SELECT_OPTIONS = ("filter", "search", "select", "orderby", "top", "skip", "count", "compute", "aliases")
_EXPAND_OPTIONS = ("filter", "search", "select", "expand", "orderby", "top", "skip", "count", "levels", "compute",
                   "aliases")
_REF_OPTIONS = ("filter", "search", "orderby", "top", "skip", "count")
_COUNT_OPTIONS = ("filter", "search")


@_shared
def selects(*, max_depth: int = 2, max_items: int = 3, version: str = "4.01") -> st.SearchStrategy[tree.Select]:
    """``$select`` trees: paths, ``*``, ``Ns.*``, function signatures, and (4.01) nested options."""

    @st.composite
    def item(draw: Any) -> tree.SelectItem:
        form = draw(st.sampled_from(("path", "star", "qualified_star", "signature")))
        if form == "star":
            return tree.SelectItem((tree.Star(),))
        if form == "qualified_star":
            return tree.SelectItem((tree.QualifiedStar(draw(st.sampled_from(("Ns", "Model", "microsoft.graph")))),))
        path = _item_path(draw, star=True)
        if form == "signature" and not isinstance(path[-1], (tree.Star, tree.Annotation)):
            parameters = draw(st.lists(names(), min_size=1, max_size=3))  # parameterNames: one or more
            return tree.SelectItem((*path[:-1], tree.FunctionSignature(path[-1].name, parameters)))
        if isinstance(path[-1], tree.Star) or version == "4.0":
            return tree.SelectItem(path)
        return tree.SelectItem(path, **_options(draw, _SELECT_OPTIONS, max_depth, version))

    return st.builds(tree.Select, st.lists(item(), min_size=1, max_size=max_items))


@_shared
def expands(*, max_depth: int = 2, max_items: int = 3, version: str = "4.01") -> st.SearchStrategy[tree.Expand]:
    """``$expand`` trees with nested options, in the shapes the grammar allows: ``*`` with only
    ``$levels`` (or ``*/$ref``), ``/$ref`` items with filter/search/orderby/top/skip/count,
    ``/$count`` items with filter/search, ``$value``, and navigation paths with every option."""

    @st.composite
    def item(draw: Any) -> tree.ExpandItem:
        form = draw(st.sampled_from(("path", "star", "ref", "count", "value")))
        if form == "star":
            suffix = draw(st.sampled_from((None, "$ref", "levels")))
            if suffix == "levels":
                return tree.ExpandItem((tree.Star(),), levels=draw(st.one_of(st.integers(1, 9), st.just("max"))))
            return tree.ExpandItem((tree.Star(),), suffix=suffix)
        if form == "value":
            return tree.ExpandItem((tree.Value(),))
        path = _item_path(draw, star=form == "path")
        if isinstance(path[-1], tree.Star):
            levels = draw(st.none() | st.integers(1, 9))
            return tree.ExpandItem(path, levels=levels)
        if form == "ref":
            return tree.ExpandItem(path, suffix="$ref", **_options(draw, _REF_OPTIONS, max_depth, version))
        if form == "count":
            return tree.ExpandItem(path, suffix="$count", **_options(draw, _COUNT_OPTIONS, max_depth, version))
        return tree.ExpandItem(path, **_options(draw, _EXPAND_OPTIONS, max_depth, version))

    return st.builds(tree.Expand, st.lists(item(), min_size=1, max_size=max_items))


_TOKEN_TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12)


def queries(model: Any = None, resource: Any = None, *, max_depth: int = 2, version: str = "4.01",
            custom: bool = True) -> st.SearchStrategy[tree.Query]:
    """Whole query trees: any mix of system query options, alias definitions and custom options.

    ``custom=False`` leaves out custom options (``debug=1``), which many services reject.
    With a service ``model`` (``odatakit.csdl``) and a ``resource`` path: only queries the model
    accepts for that resource (``odatakit.model.strategies.queries``).
    """
    if model is not None:
        from ..model import strategies as model_strategies

        return model_strategies.queries(model, resource, max_depth=max_depth)
    _check_version(version)
    return _queries(max_depth, version, custom)


@_shared
def _queries(max_depth: int, version: str, custom: bool) -> st.SearchStrategy[tree.Query]:
    @st.composite
    def query(draw: Any) -> tree.Query:
        def maybe(strategy: st.SearchStrategy[Any]) -> Any:
            return draw(strategy) if draw(st.booleans()) else None

        options: dict[str, Any] = {
            "filter": maybe(filters(max_depth=max_depth + 1, max_leaves=8, version=version)),
            "search": maybe(searches()),
            "expand": maybe(expands(max_depth=max_depth, version=version)),
            "select": maybe(selects(max_depth=max_depth, version=version)),
            "orderby": maybe(orderbys(version=version)),
            "top": maybe(st.integers(0, 2**40)),
            "skip": maybe(st.integers(0, 2**40)),
            "count": maybe(st.booleans()),
            "format": maybe(st.sampled_from(("json", "application/json;odata.metadata=minimal", "xml"))),
            "skiptoken": maybe(_TOKEN_TEXT),
            "deltatoken": maybe(_TOKEN_TEXT),
        }
        if version == "4.01":
            options.update(
                compute=maybe(computes()),
                index=maybe(st.integers(-5, 2**31)),
                levels=maybe(st.one_of(st.integers(1, 9), st.just("max"))),
                schemaversion=maybe(st.sampled_from(("1.0", "2", "*"))),
                # Data Aggregation builds on 4.01 ($this, key-less paths…): only in 4.01 queries
                apply=draw(applies(max_depth=1)) if draw(st.integers(0, 3)) == 0 else None,
            )
        aliases = draw(_alias_definitions())
        options_custom: tuple[tree.CustomOption, ...] = ()
        if custom:
            options_custom = tuple(draw(_CUSTOM_OPTIONS))
        return tree.Query(**{k: v for k, v in options.items() if v is not None}, aliases=aliases,
                          custom=options_custom)

    return query()


def _system_names() -> frozenset[str]:
    from ..query.syntax import SYSTEM_QUERY_OPTIONS

    return frozenset(SYSTEM_QUERY_OPTIONS)


_SYSTEM_NAMES = _system_names()
_CUSTOM_NAMES = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=8).filter(
    lambda n: not n.startswith(("$", "@")) and n.lower() not in _SYSTEM_NAMES)
_CUSTOM_OPTIONS = st.lists(st.builds(tree.CustomOption, _CUSTOM_NAMES, st.none() | st.text(max_size=8)), max_size=2)


# ---------------------------------------------------------------------------------------------
# Trees with their text
# ---------------------------------------------------------------------------------------------


def _example(node: Any) -> Example:
    from ..query.printer import serialize

    return Example(node, serialize(node), serialize(node, url=True))


def examples(trees: st.SearchStrategy[Any]) -> st.SearchStrategy[Example]:
    """Any tree strategy → ``Example(tree, text, url)`` with odatakit's canonical and URL text."""
    return trees.map(_example)


def filter_examples(**knobs: Any) -> st.SearchStrategy[Example]:
    """``$filter`` values with their trees: ``Example(tree, text, url)``; knobs as ``filters``."""
    return examples(filters(**knobs))


def query_examples(**knobs: Any) -> st.SearchStrategy[Example]:
    """Whole query strings (without the ``?``) with their ``Query`` trees; knobs as ``queries``."""
    return examples(queries(**knobs))


# ---------------------------------------------------------------------------------------------
# Entity and resource URLs
# ---------------------------------------------------------------------------------------------

#: Characters that break hand-built URLs: quotes, delimiters, escapes, spaces, controls, Unicode.
#: Look-alikes of the URL and query delimiters (fullwidth and punctuation forms of ' / ? # & ; ) = %),
#: invisible characters and Cyrillic letters: a value holding them must stay itself, never be
#: normalized into the character it imitates (U+037E, the Greek question mark, is NFKC ';').
CONFUSABLES = (
    "\uff07", "\u2019", "\u02bc", "\u2032", "\uff0f", "\u2215", "\u2044", "\u29f8", "\uff1f", "\ufe56",
    "\uff03", "\ufe5f", "\uff06", "\ufe60", "\uff1b", "\u037e", "\uff09", "\ufe5a", "\uff1d", "\uff05",
    "\u200b", "\u200d", "\ufeff", "\u2028", "\u00a0", "\u0430", "\u0435", "\u043e",
)
_HOSTILE = "'\"/%+#?&=;:@$()[]{}, \t\n\x00\x7f-_.~!*é€😀" + "".join(CONFUSABLES)


@_shared
def hostile_keys() -> st.SearchStrategy[str]:
    """Key values that break naive URL building: ``O'Neil``, ``a/b``, ``100%``, ``C++``, ``#1``,
    ``?``, Unicode, control characters, and base64 ids ending in ``=``."""
    base64_ids = st.builds(lambda body, pad: body + pad,
                           st.text(string.ascii_letters + string.digits + "+/-_", min_size=4, max_size=20),
                           st.sampled_from(("", "=", "==", "===")))
    return st.one_of(
        st.sampled_from(("O'Neil", "Smartphone/Tablet", "100%", "C++", "#1", "?", "a&b=c", "'", "''", "..", "%27")),
        base64_ids,
        st.text(st.sampled_from(_HOSTILE) | st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12),
    )


@_shared
def entity_urls(*, dialect: str | None = None, query: bool = False, max_depth: int = 1) -> st.SearchStrategy[Any]:
    """``odatakit.url.Url`` parts of entity and resource URLs with hostile keys: Outlook
    (``…/api/v2.0/me/messages('…')/extensions('…')``), Graph (keys as segments too) or any
    service (``dialect=None`` draws all three). ``query=True`` adds a ``Query`` tree."""
    from .. import url as _url

    if dialect not in (None, "outlook", "graph", "service"):
        raise ValueError(f"dialect is 'outlook', 'graph', 'service' or None, not {dialect!r}")

    @st.composite
    def draw_url(draw: Any) -> Any:
        which = dialect or draw(st.sampled_from(("outlook", "graph", "service")))
        if which == "outlook":
            base = _url.outlook(draw(st.sampled_from(("v2.0", "v1.0", "beta"))))
        elif which == "graph":
            base = _url.graph(draw(st.sampled_from(("v1.0", "beta"))))
        else:
            base = _url.service(draw(st.sampled_from(("https://host/odata", "http://localhost:8080/svc.svc"))))
        as_segment = which != "service" and draw(st.booleans())
        if which != "service":
            user = draw(st.sampled_from(("me", "upn", None)))
            if user == "me":
                base = base.me
            elif user == "upn":
                base = base.user_context(draw(st.emails()))
            collection = draw(st.sampled_from(("messages", "events", "contacts")))
        else:
            collection = draw(st.sampled_from(("People", "Products", "Orders")))
        key = draw(hostile_keys())
        try:
            address = base.nav(collection).key(key, as_segment=as_segment)
        except ValueError:  # a key the segment form cannot carry ('', '.', '..'): the parenthesized form can
            address = base.nav(collection).key(key)
        tail = draw(st.sampled_from(("none", "extension", "nav", "count", "value")))
        if tail == "extension" and which != "service":
            address = address.extensions.key(draw(hostile_keys()))
        elif tail == "nav":
            address = address.nav(draw(_ascii_names()))
        elif tail == "count":
            address = address.nav(draw(_ascii_names())).count
        elif tail == "value":
            address = address.nav(draw(_ascii_names())).value
        if query:
            address = address.with_query(draw(queries(max_depth=max_depth, custom=False)))
        return address

    return draw_url()


def url_examples(**knobs: Any) -> st.SearchStrategy[Example]:
    """``entity_urls`` with their text: ``Example(tree=Url, text=url, url=url)``."""

    def to_example(address: Any) -> Example:
        text = str(address)
        return Example(address, text, text)

    return entity_urls(**knobs).map(to_example)


# ---------------------------------------------------------------------------------------------
# Payloads: typed values, open extensions, targeted mutations
# ---------------------------------------------------------------------------------------------

#: Extension names: reverse DNS of a domain that is not Microsoft's.
_EXTENSION_NAMES = st.one_of(
    st.sampled_from(("Com.Contoso.Referral", "Com.Contoso.Deal", "Org.Example.Tags")),
    st.builds(lambda a, b: f"Com.{a}.{b}", _ascii_names(), _ascii_names()).filter(
        lambda n: not n.lower().startswith(("com.microsoft", "com.onmicrosoft"))),
)


@_shared
def primitives(*types: str, allow_nan: bool = False) -> st.SearchStrategy[Any]:
    """Typed primitive values ``values.Primitive(type, value)`` of the Edm types given (all of
    ``edm.PRIMITIVES`` when none), NaN left out unless ``allow_nan``."""
    from ..payload.values import Primitive

    chosen = types or tuple(edm.PRIMITIVES)
    return st.one_of([edm_values(name, allow_nan=allow_nan).map(functools.partial(Primitive, edm.primitive(name).name))
                      for name in chosen])


@_shared
def payload_values(*, allow_nan: bool = False) -> st.SearchStrategy[Any]:
    """What an open extension's custom property holds: a primitive, null, or a collection of
    primitives of one type (its ``item_type`` given)."""
    return st.one_of(primitives(allow_nan=allow_nan), st.none(), _collections(allow_nan=allow_nan))


@_shared
def _collections(*, allow_nan: bool = False) -> st.SearchStrategy[Any]:
    from ..payload.values import Collection

    of_type = {name: st.lists(st.one_of(primitives(name, allow_nan=allow_nan), st.none()), max_size=4)
               .map(functools.partial(Collection, name)) for name in sorted(edm.PRIMITIVES)}
    return st.sampled_from(sorted(of_type)).flatmap(of_type.__getitem__)


@_shared
def open_extensions(*, dialect: str | None = None, max_properties: int = 5) -> st.SearchStrategy[Any]:
    """``OpenTypeExtension`` values (Outlook or Graph dialect) with typed custom properties."""
    from ..payload.extensions import DIALECTS, OpenTypeExtension

    dialects = [DIALECTS[dialect]] if dialect else list(DIALECTS.values())

    def properties_of(chosen: Any) -> st.SearchStrategy[dict[str, Any]]:
        reserved = {chosen.name_key.lower(), chosen.id_key.lower(), "extensionname", "id"}
        keys = _ascii_names().filter(lambda k: k.lower() not in reserved)
        return st.dictionaries(keys, payload_values(), max_size=max_properties)

    properties = [properties_of(chosen) for chosen in dialects]

    @st.composite
    def draw_extension(draw: Any) -> Any:
        which = draw(st.integers(0, len(dialects) - 1))
        return OpenTypeExtension(draw(_EXTENSION_NAMES), draw(properties[which]), dialects[which])

    return draw_extension()


@_shared
def extension_payloads(*, dialect: str | None = None, version: str | None = None,
                       always_annotate: bool | None = None) -> st.SearchStrategy[PayloadExample]:
    """Valid create bodies of open extensions, in the 4.0 style (``@odata.type``, ``#Int64``) or
    the 4.01 style (``@type``, ``Int64``), Outlook or Graph: ``PayloadExample(value=OpenTypeExtension, …)``."""
    from ..payload.encode import encode
    from ..payload._jsontext import write

    if version is not None:
        _check_version(version)

    @st.composite
    def draw_payload(draw: Any) -> PayloadExample:
        extension = draw(open_extensions(dialect=dialect))
        chosen_version = version or draw(st.sampled_from(("4.0", "4.01")))
        annotate = draw(st.booleans()) if always_annotate is None else always_annotate
        payload = encode(extension.to_structured(), version=cast(Any, chosen_version), always_annotate=annotate)
        return PayloadExample(extension, payload, write(payload), chosen_version, extension.dialect.name)

    return draw_payload()


def _type_key(payload: dict[str, Any], prop: str) -> str:
    return f"{prop}@odata.type" if "@odata.type" in payload or any(k.endswith("@odata.type") for k in payload) \
        else f"{prop}@type"


def _set_property(payload: dict[str, Any], prop: str, value: Any, annotation: str | None) -> dict[str, Any]:
    out = {k: v for k, v in payload.items() if k != prop and not k.startswith(prop + "@")}
    if annotation is not None:
        out[_type_key(payload, prop)] = annotation if "@odata.type" in _type_key(payload, prop) else annotation.lstrip("#")
    out[prop] = value
    return out


def _name_key(payload: dict[str, Any]) -> str:
    return "ExtensionName" if "ExtensionName" in payload else "extensionName"


#: The faults ``invalid_payloads`` plants: name → (what it is, the Fault codes odatakit reports).
PAYLOAD_FAULTS: dict[str, tuple[str, frozenset[str]]] = {
    "wrong-annotation": ("a value annotated with a type it is not (#Boolean on a number, #Date on 'soon')",
                         frozenset({"invalid-value", "type-mismatch"})),
    "int32-out-of-range": ("#Int32 on a number past the Int32 range", frozenset({"invalid-value"})),
    "nested-object": ("an object as a custom property of an open extension", frozenset({"extension-value"})),
    "nested-collection": ("a collection of collections in an open extension",
                          frozenset({"extension-value", "type-mismatch", "invalid-value"})),
    "missing-extension-name": ("no ExtensionName / extensionName", frozenset({"extension-name"})),
    "microsoft-extension-name": ("an extension name in Microsoft's domain", frozenset({"extension-name"})),
    "missing-type": ("no @odata.type naming the extension type", frozenset({"extension-type"})),
    "id-in-request": ("the service-assigned Id in a create body", frozenset({"extension-id"})),
    "other-dialect-key": ("the other service's spelling of the name key", frozenset({"extension-dialect"})),
    "annotation-without-property": ("a type annotation for a property that is not there",
                                    frozenset({"bad-annotation"})),
    "inexact-unannotated-number": ("an integer past 2**53 without annotation (read as an inexact Edm.Double)",
                                   frozenset({"inexact-number"})),
    "scalar-annotated-collection": ("#Collection(String) on a single string", frozenset({"type-mismatch"})),
}


def invalid_payloads(model: Any = None, type: str | None = None, *, dialect: str | None = None,
                     version: str | None = None, faults: Sequence[str] | None = None) -> st.SearchStrategy[Any]:
    """Extension create bodies with one planted fault each, labelled: ``InvalidPayload(payload,
    fault, codes, path, description, valid)``. ``faults`` picks among ``PAYLOAD_FAULTS``.
    With a service ``model`` and a ``type``: instances of that type with one planted fault
    (``odatakit.model.strategies.invalid_payloads``)."""
    if model is not None:
        from ..model import strategies as model_strategies

        return model_strategies.invalid_payloads(model, type or "", **({"faults": tuple(faults)} if faults else {}))
    chosen = tuple(faults or PAYLOAD_FAULTS)
    for fault in chosen:
        if fault not in PAYLOAD_FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {', '.join(PAYLOAD_FAULTS)}")
    return _invalid_payloads(dialect, version, chosen)


_EXTRA_PROPERTY_NAMES = _ascii_names().filter(lambda k: k.lower() not in ("extensionname", "id")).map(lambda k: "X" + k)


@_shared
def _invalid_payloads(dialect: str | None, version: str | None, chosen: tuple[str, ...]) -> st.SearchStrategy[Any]:
    @st.composite
    def draw_invalid(draw: Any) -> InvalidPayload:
        valid = draw(extension_payloads(dialect=dialect, version=version))
        payload = dict(valid.payload)
        fault = draw(st.sampled_from(chosen))
        name_key = _name_key(payload)
        prop = draw(_EXTRA_PROPERTY_NAMES)
        path = f"$.{prop}"
        if fault == "wrong-annotation":
            value, annotation = draw(st.sampled_from(((5, "#Boolean"), ("soon", "#Date"), (True, "#Int32"),
                                                      ("abc", "#Guid"), (1.5, "#Int64"), ("x", "#Binary"))))
            payload = _set_property(payload, prop, value, annotation)
        elif fault == "int32-out-of-range":
            value = draw(st.one_of(st.integers(_INT32[1] + 1, _INT64[1]), st.integers(_INT64[0], _INT32[0] - 1)))
            payload = _set_property(payload, prop, value, "#Int32")
        elif fault == "nested-object":
            payload = _set_property(payload, prop, {"Inner": draw(st.text(max_size=5))}, None)
        elif fault == "nested-collection":
            payload = _set_property(payload, prop, [["a"], ["b"]], None)
        elif fault == "missing-extension-name":
            payload.pop(name_key)
            path = f"$.{name_key}"
        elif fault == "microsoft-extension-name":
            payload[name_key] = draw(st.sampled_from(("Com.Microsoft.Thing", "com.onmicrosoft.x", "Com.Microsoft")))
            path = f"$.{name_key}"
        elif fault == "missing-type":
            for key in ("@odata.type", "@type"):
                payload.pop(key, None)
            path = "$"
        elif fault == "id-in-request":
            id_key = "Id" if name_key == "ExtensionName" else "id"
            payload[id_key] = "Microsoft.OutlookServices.OpenTypeExtension." + payload[name_key]
            path = f"$.{id_key}"
        elif fault == "other-dialect-key":
            other = "extensionName" if name_key == "ExtensionName" else "ExtensionName"
            payload[other] = payload[name_key]
            path = f"$.{other}"
        elif fault == "annotation-without-property":
            key = _type_key(payload, prop)
            payload[key] = "#Int64" if "@odata.type" in key else "Int64"
            path = f"$['{key}']"
        elif fault == "inexact-unannotated-number":
            payload = _set_property(payload, prop, draw(st.integers(2**53 + 1, 2**63 - 1).filter(
                lambda n: float(n) != n)), None)
        elif fault == "scalar-annotated-collection":
            payload = _set_property(payload, prop, draw(st.text(max_size=5)), "#Collection(String)")
        description, codes = PAYLOAD_FAULTS[fault]
        return InvalidPayload(payload, fault, codes, path, description, valid.payload)

    return draw_invalid()


# ---------------------------------------------------------------------------------------------
# st.from_type
# ---------------------------------------------------------------------------------------------


def _expression_of(cls: type, kind: str = "boolean", depth: int = 3) -> st.SearchStrategy[Any]:
    """Expressions whose root is ``cls``: drawn by the production that makes it, not filtered."""

    @st.composite
    def draw_root(draw: Any) -> Any:
        productions = _Expressions(draw, _State(8, "4.01", True))
        makers: dict[type, Callable[[], Any]] = {
            tree.BinaryOp: lambda: tree.BinaryOp(draw(st.sampled_from(COMPARISON_OPERATORS)),
                                                 productions.expr("number", depth), productions.expr("number", depth)),
            tree.And: lambda: tree.And.of(*[productions.expr("boolean", depth) for _ in range(2)]),
            tree.Or: lambda: tree.Or.of(*[productions.expr("boolean", depth) for _ in range(2)]),
            tree.UnaryOp: lambda: tree.UnaryOp("not", productions.expr("boolean", depth)),
            tree.In: lambda: tree.In(productions.path("string", 0), tree.ListExpr(draw(st.lists(literals("String"))))),
            tree.Call: lambda: productions.call(draw(st.sampled_from(("boolean", "number", "string"))), depth),
            tree.Cast: lambda: productions.cast("number", depth),
            tree.IsOf: lambda: tree.IsOf(productions.type_name(), productions.expr("number", depth)),
            tree.Case: lambda: productions.case("number", depth),
            tree.Path: lambda: productions.path(draw(st.sampled_from(("boolean", "number", "string"))), depth),
        }
        return makers[cls]()

    return draw_root()


def _from_type_table() -> dict[type, st.SearchStrategy[Any]]:
    from ..payload import extensions, values
    from .. import url

    table: dict[type, st.SearchStrategy[Any]] = {
        tree.Literal: literals(),
        tree.EnumLiteral: enum_literals(),
        tree.ListExpr: st.lists(literals("Int32", "String"), max_size=3).map(tree.ListExpr),
        tree.JsonArray: st.lists(literals("Int32", "String"), max_size=3).map(tree.JsonArray),
        tree.JsonMember: st.builds(tree.JsonMember, st.text(max_size=6), literals("Int32", "String")),
        tree.JsonObject: st.lists(st.builds(tree.JsonMember, st.text(max_size=6), literals("Int32", "String")),
                                  max_size=3).map(tree.JsonObject),
        tree.Property: names().map(tree.Property),
        tree.TypeCast: qualified_names().map(tree.TypeCast),
        tree.Annotation: st.builds(tree.Annotation, qualified_names(), st.none() | _ascii_names()),
        tree.Variable: st.sampled_from(("$it", "$this", "$root")).map(tree.Variable),
        tree.Count: st.just(tree.Count()),
        tree.Lambda: st.builds(tree.Lambda, st.just("any")),
        tree.FilterSegment: filters(max_depth=2, max_leaves=4).map(tree.FilterSegment),
        tree.NamedArg: st.builds(tree.NamedArg, _ascii_names(), literals("Int32", "String")),
        tree.FunctionCall: st.builds(tree.FunctionCall, qualified_names(),
                                     st.lists(st.builds(tree.NamedArg, _ascii_names(), literals("Int32")), max_size=2,
                                              unique_by=lambda a: a.name)),
        tree.FunctionSignature: st.builds(tree.FunctionSignature, names(), st.lists(names(), min_size=1, max_size=2)),
        tree.KeyValue: st.builds(tree.KeyValue, literals("String", "Int32", "Guid")),
        tree.Key: st.builds(lambda v: tree.Key((tree.KeyValue(v),)), literals("String", "Int32", "Guid")),
        tree.EntitySet: st.builds(tree.EntitySet, names(),
                                  st.builds(lambda v: tree.Key((tree.KeyValue(v),)), literals("String", "Int32"))),
        tree.Star: st.just(tree.Star()),
        tree.QualifiedStar: st.sampled_from(("Ns", "Model")).map(tree.QualifiedStar),
        tree.Value: st.just(tree.Value()),
        tree.TypeName: st.builds(tree.TypeName, st.sampled_from(sorted(f"Edm.{t}" for t in edm.PRIMITIVES))),
        tree.CaseBranch: st.builds(tree.CaseBranch, filters(max_depth=1, max_leaves=3),
                                   expressions("number", max_depth=1, max_leaves=3)),
        tree.Alias: _ascii_names().map(tree.Alias),
        tree.Search: searches(),
        tree.SearchWord: st.sampled_from(("blue", "green", "AND")).map(tree.SearchWord),
        tree.SearchPhrase: st.text(st.characters(exclude_characters='"', exclude_categories=["Cs"]), min_size=1,
                                   max_size=8).map(tree.SearchPhrase),
        tree.SearchNot: searches(max_leaves=3).map(lambda s: tree.SearchNot(s.expr)),
        tree.SearchAnd: st.builds(lambda a, b: tree.SearchAnd(a.expr, b.expr), searches(max_leaves=2),
                                  searches(max_leaves=2)),
        tree.SearchOr: st.builds(lambda a, b: tree.SearchOr(a.expr, b.expr), searches(max_leaves=2),
                                 searches(max_leaves=2)),
        tree.OrderBy: orderbys(),
        tree.OrderByItem: orderbys(max_items=1).map(lambda o: o.items[0]),
        tree.Compute: computes(),
        tree.ComputeItem: computes(max_items=1).map(lambda c: c.items[0]),
        tree.Select: selects(),
        tree.SelectItem: selects(max_items=1).map(lambda s: s.items[0]),
        tree.Expand: expands(),
        tree.ExpandItem: expands(max_items=1).map(lambda e: e.items[0]),
        tree.AliasDefinition: st.builds(tree.AliasDefinition, _ascii_names(), literals("String", "Int32")),
        tree.CustomOption: st.builds(tree.CustomOption, st.sampled_from(("debug", "x-trace", "culture")),
                                     st.none() | st.text(max_size=6)),
        tree.Query: queries(),
        edm.Date: dates(),
        edm.TimeOfDay: times_of_day(),
        edm.DateTimeOffset: date_time_offsets(),
        edm.Duration: durations(),
        values.Primitive: primitives(),
        values.Collection: _collections(),
        extensions.OpenTypeExtension: open_extensions(),
    }
    for cls in (tree.BinaryOp, tree.And, tree.Or, tree.UnaryOp, tree.In, tree.Call, tree.Cast, tree.IsOf, tree.Case,
                tree.Path):
        table[cls] = _expression_of(cls)
    table[url.Url] = entity_urls()
    table.update(_url_part_table())
    return table


def payloads(model: Any, type: str, *, max_depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    """JSON-ready instances of an entity or complex ``type`` of a service model (``odatakit.csdl``)
    that ``model.validate`` accepts (``odatakit.model.strategies.payloads``)."""
    from ..model import strategies as model_strategies

    return model_strategies.payloads(model, type, max_depth=max_depth)


def invalid_queries(model: Any, resource: Any, *, faults: Sequence[str] | None = None) -> st.SearchStrategy[Any]:
    """Queries with one planted fault each, labelled with the code ``model.check`` reports
    (``odatakit.model.strategies.invalid_queries``)."""
    from ..model import strategies as model_strategies

    return model_strategies.invalid_queries(model, resource, **({"faults": tuple(faults)} if faults else {}))


def _url_part_table() -> dict[type, st.SearchStrategy[Any]]:
    """``st.from_type`` for the URL parts, context URLs, preferences and builder terms: drawn from
    the same strategies (or parsed from known-good text), so every value is one the parsers give."""
    from .. import url
    from ..http import messages
    from ..payload import values
    from ..payload.extension_requests import ExtensionRequest
    from ..query import builder
    from ..errors import Fault
    from ..query.limits import Limits

    segments = _ascii_names()
    contexts = st.sampled_from((
        "https://graph.microsoft.com/v1.0/$metadata#users",
        "https://graph.microsoft.com/v1.0/$metadata#users('a%40b.com')/messages",
        "https://outlook.office.com/api/v2.0/$metadata#Me/Messages(Subject,Id)",
        "https://graph.microsoft.com/v1.0/$metadata#Collection(Edm.String)",
    )).map(url.parse_context_url)
    return {
        url.NameSegment: segments.map(url.NameSegment),
        url.CastSegment: qualified_names().filter(str.isascii).map(url.CastSegment),
        url.KeyAsSegment: st.text(st.characters(min_codepoint=48, max_codepoint=122), min_size=1, max_size=8)
        .filter(lambda v: not v.startswith("$")).map(url.KeyAsSegment),
        url.DollarSegment: st.sampled_from(("$count", "$value", "$ref", "$metadata")).map(url.DollarSegment),
        url.CrossJoinSegment: st.lists(segments, min_size=1, max_size=3, unique=True).map(url.CrossJoinSegment),
        url.ServiceRoot: entity_urls().map(lambda u: u.root).filter(lambda r: r is not None),
        url.UserContext: entity_urls().map(lambda u: u.user).filter(lambda u: u is not None),
        url.ContextUrl: contexts,
        url.ContextFragment: contexts.map(lambda c: c.fragment),
        messages.Preference: st.sampled_from(("return=minimal", "odata.maxpagesize=50", "respond-async",
                                              'outlook.timezone="Pacific Standard Time"'))
        .map(lambda text: messages.parse_prefer(text)[0]),
        values.Structured: open_extensions().map(lambda e: e.to_structured()),
        builder.SearchTerm: st.builds(lambda a, b: builder.S(a) & builder.S(b), _ascii_names(), _ascii_names()),
        **_apply_node_table(),
        ExtensionRequest: st.tuples(open_extensions(), st.sampled_from(("create", "get", "update", "delete")))
        .map(lambda pair: _extension_request(*pair)),
        Limits: st.builds(Limits, max_node_count=st.none() | st.integers(1, 1000),
                          max_expansion_depth=st.none() | st.integers(0, 5), max_top=st.none() | st.integers(0, 1000)),
        # a fault's path is its steps: member names and array indices (the text form is derived)
        Fault: st.builds(Fault, st.lists(st.text(max_size=8) | st.integers(0, 50), max_size=4).map(tuple),
                         st.text(min_size=1, max_size=40), st.sampled_from(("invalid", "type-mismatch", "missing"))),
    }


#: Query strings of the OASIS aggregation suite, at least one for every ``$apply`` node class:
#: ``st.from_type`` draws those nodes from their parses (some are too rare in ``applies()`` draws).
_APPLY_EXAMPLES = (
    "$apply=addnested(ShipTo,identity as Stuff)",
    "$apply=aggregate(Forecast from Time as Stuff)",
    "$compute=Sales/aggregate(Amount with sum) as Total",
    "$apply=compute(Amount mul Product/TaxRate as Tax)/orderby(Country,Name desc)/top(5)",
    "$apply=concat(topcount(2,Amount),bottomcount(2,Amount))",
    "$apply=ancestors($root/SalesOrganizations,SalesOrgHierarchy,ID,search(East)/top(3))",
    "$apply=join(Sales as Sale)",
    "$apply=nest(groupby((Customer/ID)) as CustomerIDs,groupby((Product/ID)) as ProductIDs)",
    "$apply=groupby((rollup(CustomerHierarchy),rollup(Product/ProductGroup/Name,Product/Name),Currency/Code),"
    "aggregate(Amount with sum as Total))",
    "$apply=groupby((rolluprecursive($root/SalesOrganizations,SalesOrgHierarchy,ID)),aggregate($count as SalesOrgCount))",
    "$apply=traverse($root/SalesOrganizations,SalesOrgHierarchy,ID,preorder)",
)


def _apply_node_table() -> dict[type, st.SearchStrategy[Any]]:
    from ..query.parser import parse_query
    from ..query.visit import walk

    found: dict[type, list[Any]] = {}
    for text in _APPLY_EXAMPLES:
        for node in walk(parse_query(text)):
            if type(node).__name__ in _APPLY_CLASSES and getattr(tree, type(node).__name__) is type(node):
                found.setdefault(type(node), []).append(node)
    return {cls: st.sampled_from(nodes) for cls, nodes in found.items()}


_APPLY_CLASSES = frozenset({
    "AddNested", "Aggregate", "AggregateExpr", "AggregateFrom", "AggregateSegment", "Apply", "ApplyCompute",
    "ApplyOrderBy", "Concat", "GroupBy", "HierarchyFilter", "Join", "Nest", "NestItem", "Rollup", "RollupRecursive",
    "Traverse",
})


def _extension_request(extension: Any, operation: str) -> Any:
    """One of the requests that work ``extension``: on an Outlook message, or on a Graph user
    (whose PATCH replaces, so a null value is a valid update there)."""
    from .. import url

    item = url.outlook().me.messages.key("AAMkAGI2") if extension.dialect.name == "outlook" else url.graph().me
    return getattr(extension, f"{operation}_request")(item)


def _hypothesis_setup_hook() -> None:
    """Teach ``st.from_type`` the odatakit tree and value classes (Hypothesis calls this through
    the ``hypothesis`` entry point in odatakit's package metadata). Safe to call more than once."""
    for cls, strategy in _from_type_table().items():
        st.register_type_strategy(cls, strategy)
