"""Text → tree: parse OData query option text into ``odatakit.tree`` nodes.

The syntax lives in ``grammars/query.lark``; this module turns each grammar rule into its tree
class (an embedded LALR transformer, so no Lark ``Tree`` is ever built) and turns Lark's
exceptions into ``ODataSyntaxError`` with an offset into the text as given.
"""

from __future__ import annotations

import functools
import math
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn, TypeGuard

import attrs

from .. import edm
from . import percent
from . import tree
from ._grammar import Fallback, Stop, build_parser
from ._fastexpr import FastExpressions, TooDeep, filler
from . import _tables
from . import _fastoptions
from ..errors import ODataSyntaxError
from .syntax import FUNCTIONS, IDENTIFIER, MAX_DEPTH, OPTION_FIELDS, SYSTEM_QUERY_OPTIONS, canonical_function_name
from .visit import transform_in_scope, walk_depth

if TYPE_CHECKING:  # Lark loads only when a text falls back to the grammar (see _grammar)
    from lark import Token
    from lark.exceptions import UnexpectedInput

    from ._lalr import Driver

__all__ = [
    "parse_filter", "parse_expression", "parse_expand", "parse_select", "parse_orderby",
    "parse_search", "parse_compute", "parse_apply", "parse_query", "parse_literal", "parse_key",
]

_START_RULES = (
    "filter_value", "expr_value", "orderby_value", "expand_value", "select_value", "search_value",
    "compute_value", "top_value", "index_value", "count_value", "levels_value", "literal_value",
    "key_value", "temporal_value", "apply_value",
)


class _Fault(Exception):
    """A value the grammar accepts but the language does not (month 13, unknown function…)."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


def _is_token(value: Any) -> TypeGuard[Token]:
    """Whether a rule's child is a token (Lark's, or the fast path's without Lark): tokens are
    the only strings among the children; every other child is a tree node or None."""
    return isinstance(value, str)


def _at(token: Any) -> int:
    return getattr(token, "start_pos", 0) or 0


# ---------------------------------------------------------------------------------------------
# Literal tokens → values (one converter per terminal: a table, not an if-ladder)
# ---------------------------------------------------------------------------------------------

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def _unquote(body: str) -> str:
    """The content of a quoted literal: strip the quotes, percent-decode once, undouble ``''``."""
    start = 3 if body.startswith("%27") else 1
    end = -3 if body.endswith("%27") else -1
    return percent.decode(body[start:end]).replace("''", "'")


def _after_prefix(text: str) -> str:
    """``prefix'body'`` → body (decoded): duration'…', binary'…', geography'…', Ns.Enum'…'."""
    quote = min(i for i in (text.find("'"), text.find("%27")) if i >= 0)
    return _unquote(text[quote:])


def _number_text(text: str) -> str:
    return percent.decode(text)


def _int(text: str) -> int:
    """An integer of any size, as long as Python converts text to int (4300 digits by default)."""
    try:
        return int(text)
    except ValueError:
        if len(text.lstrip("+-")) > 1000:
            raise ValueError(f"an integer of {len(text.lstrip('+-'))} digits is too long") from None
        raise


def _integer(text: str) -> tree.Literal:
    value = _int(_number_text(text))
    if _INT32[0] <= value <= _INT32[1]:
        return tree.Literal("Int32", value)
    if _INT64[0] <= value <= _INT64[1]:
        return tree.Literal("Int64", value)
    return tree.Literal("Decimal", value)  # beyond Int64 only a Decimal holds it; kept exact


def _decimal(text: str) -> tree.Literal:
    return tree.Literal("Decimal", Decimal(_number_text(text)))


def _double(text: str) -> tree.Literal:
    """Exponent notation: a Double when a double holds the number exactly as written, else a
    Decimal, so no digit is ever lost (``1.23456789012345678901e5`` stays Decimal)."""
    exact = Decimal(_number_text(text))
    as_float = float(exact)
    if math.isfinite(as_float) and Decimal(repr(as_float)) == exact:
        return tree.Literal("Double", as_float)
    return tree.Literal("Decimal", exact)


def _nan_inf(text: str) -> tree.Literal:
    return tree.Literal("Double", float({"NaN": "nan", "INF": "inf", "-INF": "-inf"}[text]))


def _temporal(kind: str, parse: Callable[[str], Any]) -> Callable[[str], tree.Literal]:
    def convert(text: str) -> tree.Literal:
        return tree.Literal(kind, parse(percent.decode(text)))

    return convert


def _duration(text: str) -> tree.Literal:
    return tree.Literal("Duration", edm.Duration.parse(_after_prefix(text)))


def _binary(text: str) -> tree.Literal:
    return tree.Literal("Binary", edm.parse_binary(_after_prefix(text)))


def _geo(text: str) -> tree.Literal:
    from ._geo import SHAPES, check_well_known_text  # the geo body has a small grammar of its own

    family = "Geography" if text[:9].lower() == "geography" else "Geometry"
    body = _after_prefix(text)
    kind = check_well_known_text(body)
    return tree.Literal(family + SHAPES[kind.lower()], body)


def _geo_fault_offset(text: str, offset: int) -> int:
    """Where in ``text`` (the whole token) a fault at ``offset`` of the decoded body is: exact
    when the body was written without percent-encoding, else the literal's start."""
    quote = min(i for i in (text.find("'"), text.find("%27")) if i >= 0)
    opening = 3 if text.startswith("%27", quote) else 1
    raw = text[quote + opening:]
    return quote + opening + offset if "%" not in raw[: offset + 1] else 0


def _enum_member(text: str) -> str:
    """A member name, or a member value as a canonical integer (``+42`` → ``42``)."""
    digits = text.lstrip("+-")
    return str(int(text)) if digits.isascii() and digits.isdigit() else text


def _enum(text: str) -> tree.EnumLiteral:
    quote = min(i for i in (text.find("'"), text.find("%27")) if i >= 0)
    members = tuple(_enum_member(member.strip()) for member in _unquote(text[quote:]).split(","))
    for member in members:
        if not (member.isidentifier() or (member.lstrip("+-").isascii() and member.lstrip("+-").isdigit())):
            raise ValueError(f"enum member {member!r} is neither a name nor an integer")
    return tree.EnumLiteral(text[:quote], members)


_LITERALS: dict[str, Callable[[str], Any]] = {
    "NULL": lambda text: tree.Literal("Null", None),
    "TRUE": lambda text: tree.Literal("Boolean", True),
    "FALSE": lambda text: tree.Literal("Boolean", False),
    "NAN_INF": _nan_inf,
    "GUID": lambda text: tree.Literal("Guid", uuid.UUID(text)),
    # the URL literal allows "t"/"z" in either case; nothing else in it has a case
    "DATE_TIME_OFFSET": _temporal("DateTimeOffset", lambda t: edm.DateTimeOffset.parse(t.upper())),
    "DATE": _temporal("Date", edm.Date.parse),
    "TIME_OF_DAY": _temporal("TimeOfDay", edm.TimeOfDay.parse),
    "DOUBLE": _double,
    "DECIMAL": _decimal,
    "INTEGER": _integer,
    "STRING": lambda text: tree.Literal("String", _unquote(text)),
    "DURATION": _duration,
    "BINARY": _binary,
    "GEO": _geo,
    "ENUM": _enum,
}


def _literal(token: Token) -> Any:
    try:
        return _LITERALS[token.type](str(token))
    except (ValueError, ArithmeticError) as error:
        if token.type == "GEO":
            from ._geo import GeoError  # loaded with the first geo literal, not with the parser

            if isinstance(error, GeoError):
                offset = _at(token) + _geo_fault_offset(str(token), error.offset)
                raise _Fault(f"invalid geography/geometry literal: {error}", offset) from None
        raise _Fault(f"invalid {_LITERAL_NAMES.get(token.type, 'literal')}: {error}", _at(token)) from None


_LITERAL_NAMES = {
    "GUID": "Guid", "DATE_TIME_OFFSET": "DateTimeOffset", "DATE": "Date", "TIME_OF_DAY": "TimeOfDay",
    "DURATION": "Duration", "BINARY": "Binary", "GEO": "geography/geometry literal", "ENUM": "enum literal",
    "DOUBLE": "number", "DECIMAL": "number", "INTEGER": "number",
}


def _name_of_at(token: Token) -> tuple[str, str | None]:
    """``@Ns.Term#Qualifier`` (raw or with %40/%23) → (``Ns.Term``, ``Qualifier``)."""
    text = percent.decode(str(token))[1:]
    term, _, qualifier = text.partition("#")
    return term, qualifier or None


def _non_negative(token: Token, what: str) -> int:
    try:
        value = _int(percent.decode(str(token)))
    except ValueError as error:
        raise _Fault(f"{what}: {error}", _at(token)) from None
    if value < 0:
        raise _Fault(f"{what} must not be negative", _at(token))
    return value


# ---------------------------------------------------------------------------------------------
# Grammar rules → tree classes
# ---------------------------------------------------------------------------------------------

_NESTED_OPTION = {
    "option_filter": "filter", "option_search": "search", "option_select": "select",
    "option_expand": "expand", "option_orderby": "orderby", "option_top": "top", "option_skip": "skip",
    "option_count": "count", "option_levels": "levels", "option_compute": "compute",
    "option_apply": "apply",
}


class _Option:
    """A nested option while its item is being built: its name, value and where it started.
    (Plain slotted classes for these parse-time holders: an attrs class costs a cold start ~0.5 ms.)"""

    __slots__ = ("name", "value", "offset")

    def __init__(self, name: str, value: Any, offset: int) -> None:
        self.name, self.value, self.offset = name, value, offset


def _options(items: list[Any]) -> dict[str, Any]:
    """Nested options → keyword arguments of ExpandItem/SelectItem/Count; a repeat is an error."""
    found: dict[str, Any] = {}
    aliases: list[tree.AliasDefinition] = []
    for option in items:
        if option is None:
            continue
        if isinstance(option.value, tree.AliasDefinition):
            aliases.append(option.value)
            continue
        if option.name in found:
            raise _Fault(f"option ${option.name.rstrip('_')} is given more than once", option.offset)
        found[option.name] = option.value
    if aliases:
        found["aliases"] = tuple(aliases)
    return found


class _Build:
    """Grammar rule → tree class. Method names are the rule names and aliases of query.lark.

    Lark calls the methods by rule name (its embedded transformer needs no base class), so the
    fast paths call them too without importing Lark. Tokens are the only strings among children.
    """

    # -- start rules: unwrap ------------------------------------------------------------------
    def filter_value(self, c: list[Any]) -> Any:
        return c[0]

    expr_value = orderby_value = expand_value = select_value = filter_value

    def search_value(self, c: list[Any]) -> Any:
        return c[-1]
    compute_value = literal_value = key_value = levels_value = apply_value = filter_value

    def temporal_value(self, c: list[Any]) -> Any:
        return str(c[0]) if _is_token(c[0]) else c[0]

    def top_value(self, c: list[Any]) -> int:
        return _non_negative(c[0], "the value")

    def index_value(self, c: list[Any]) -> int:
        try:
            return _int(percent.decode(str(c[0])))
        except ValueError as error:
            raise _Fault(f"$index: {error}", _at(c[0])) from None

    def count_value(self, c: list[Any]) -> bool:
        return c[0].type == "TRUE"

    # -- operators ----------------------------------------------------------------------------
    def or_expr(self, c: list[Any]) -> tree.Or:
        return tree.Or.of(*c)

    def and_expr(self, c: list[Any]) -> tree.And:
        return tree.And.of(*c)

    def _fold(self, c: list[Any]) -> Any:
        result = c[0]
        for position in range(1, len(c), 2):
            result = tree.BinaryOp(c[position].type.lower(), result, c[position + 1])
        return result

    equality = relational = additive = multiplicative = _fold

    def not_expr(self, c: list[Any]) -> tree.UnaryOp:
        return tree.UnaryOp("not", c[1])

    def negate_expr(self, c: list[Any]) -> tree.UnaryOp:
        return tree.UnaryOp("-", c[1])

    def has_expr(self, c: list[Any]) -> tree.BinaryOp:
        """hasExpr = RWS "has" RWS enumLiteral (4.01: the type prefix may be left out, so a
        string literal stands for the members; an @alias holds one)."""
        flag = c[1]
        if not isinstance(flag, (tree.EnumLiteral, tree.Alias)) and not (isinstance(flag, tree.Literal) and flag.type == "String"):
            raise _Fault("'has' takes an enum literal: Style has Ns.Color'Red' (or 'Red')", 0)
        return tree.BinaryOp("has", c[0], flag)

    def in_expr(self, c: list[Any]) -> tree.In:
        left, operator, right = c
        if isinstance(right, _NotAList):
            raise _Fault("an 'in' list holds literals (or @aliases) only: Name in ('a','b')", operator.end_pos)
        return tree.In(left, right)

    def in_list(self, c: list[Any]) -> Any:
        c = [item for item in c if item is not None]
        listable = tree.LISTABLE
        if len(c) == 1 and not isinstance(c[0], listable):
            return c[0]  # a parenthesized collection expression
        if not all(isinstance(item, listable) for item in c):
            return _NotAList()  # reported by in_expr, which knows where the list starts
        return tree.ListExpr(c)

    def paren_expr(self, c: list[Any]) -> Any:
        return c[0]

    # -- literals -----------------------------------------------------------------------------
    def literal(self, c: list[Token]) -> Any:
        return _literal(c[0])

    def json_array(self, c: list[Any]) -> tree.JsonArray:
        return tree.JsonArray(item for item in c if item is not None)

    def json_object(self, c: list[Any]) -> tree.JsonObject:
        return tree.JsonObject(member for member in c if member is not None)

    def json_member(self, c: list[Any]) -> tree.JsonMember:
        return tree.JsonMember(_json_string(c[0]), c[1])

    def json_string(self, c: list[Token]) -> tree.Literal:
        return tree.Literal("String", _json_string(c[0]))

    def at_name(self, c: list[Token]) -> Any:
        term, qualifier = _name_of_at(c[0])
        if "." in term or qualifier:
            return tree.Path((tree.Annotation(term, qualifier),))
        return tree.Alias(term)

    # -- calls --------------------------------------------------------------------------------
    def canonical_call(self, c: list[Any]) -> Any:
        """``contains(…)`` is a canonical function; any other ``Name(…)`` starts a path: a key
        with positional values (``Items(1)``, an EntitySet segment), else a function call."""
        name_token, args = c[0], c[1]
        name = str(name_token)
        if canonical_function_name(name) is None and args is not None:
            if isinstance(args, _Positional):
                if all(isinstance(arg, (tree.Literal, tree.EnumLiteral, tree.Alias)) for arg in args.items):
                    if len(args.items) > 1:
                        raise _Fault("a compound key names every part: (Part1=…,Part2=…)", _at(name_token))
                    return tree.Path((tree.EntitySet(name, tree.Key(tree.KeyValue(arg) for arg in args.items)),))
            else:
                return tree.FunctionCall(name, args.items)
        if canonical_function_name(name) is None and args is None:
            return tree.FunctionCall(name)
        return _canonical_call(name, list(args.items) if args else [], _at(name_token))

    def call_path(self, c: list[Any]) -> tree.Path:
        first, rest = c[0], _segments(c[1:])
        if isinstance(first, tree.Path):
            return tree.Path((*first.segments, *rest))
        if isinstance(first, tree.FunctionCall):
            return tree.Path((first, *rest))
        called = first.function if isinstance(first, tree.Call) else getattr(first, "name", "the call")
        raise _Fault(f"the result of {called}() is a primitive value: it has no members to navigate to", 0)

    def bound_call_key(self, c: list[Any]) -> list[Any]:
        return [self.function_call(c[:2]), c[2]]

    def filter_segment_key(self, c: list[Any]) -> list[Any]:
        return [tree.FilterSegment(c[1]), c[2]]

    def function_call(self, c: list[Any]) -> Any:
        name_token, args = c[0], c[1]
        name = str(name_token)
        if isinstance(args, _Positional) or canonical_function_name(name):
            return _canonical_call(name, list(args.items) if args else [], _at(name_token))
        return tree.FunctionCall(name, args.items if args else ())

    bound_call = function_call

    def name_call_segment(self, c: list[Any]) -> Any:
        """``Items(1)`` (a key) or ``BestProduct()`` / ``F(p=1)`` (a function in the default namespace)."""
        name, args = str(c[0]), c[1]
        if isinstance(args, _Positional):
            _one_positional_key(args, c[0])
            return tree.EntitySet(name, tree.Key(tree.KeyValue(_key_value(arg)) for arg in args.items))
        return tree.FunctionCall(name, args.items if args else ())

    def positional_args(self, c: list[Any]) -> _Positional:
        return _Positional(tuple(c))

    def named_args(self, c: list[Any]) -> _Named:
        return _Named(tuple(c))

    def named_arg(self, c: list[Any]) -> tree.NamedArg:
        return tree.NamedArg(str(c[0])[:-1], c[1])

    def cast_expr(self, c: list[Any]) -> tree.Cast:
        return tree.Cast(c[2], c[1])

    def isof_expr(self, c: list[Any]) -> tree.IsOf:
        return tree.IsOf(c[2], c[1])

    def type_name(self, c: list[Token]) -> tree.TypeName:
        return tree.TypeName(str(c[0]))

    def collection_type_name(self, c: list[Token]) -> tree.TypeName:
        return tree.TypeName(str(c[1]), collection=True)

    def case_expr(self, c: list[Any]) -> tree.Case:
        return tree.Case(c[1:])

    def case_branch(self, c: list[Any]) -> tree.CaseBranch:
        return tree.CaseBranch(c[0], c[1])

    # -- paths --------------------------------------------------------------------------------
    def path(self, c: list[Any]) -> tree.Path:
        return tree.Path(_segments(c))

    def cast_path(self, c: list[Any]) -> tree.Path:
        return tree.Path((tree.TypeCast(str(c[0])), *_segments(c[1:])))

    def annotation_path(self, c: list[Any]) -> tree.Path:
        term, qualifier = _name_of_at(c[0])
        return tree.Path((tree.Annotation(term, qualifier), *_segments(c[1:])))

    def these_path(self, c: list[Any]) -> tree.Path:
        return tree.Path((tree.Variable("$these"), *_segments(c[1:])))

    def root_path(self, c: list[Any]) -> tree.Path:
        return tree.Path((tree.Variable("$root"), *_segments(c[1:])))

    def property(self, c: list[Token]) -> tree.Property:
        return tree.Property(str(c[0]))

    def type_cast(self, c: list[Token]) -> tree.TypeCast:
        return tree.TypeCast(str(c[0]))

    def it_variable(self, c: list[Token]) -> tree.Variable:
        return tree.Variable("$it")

    def this_variable(self, c: list[Token]) -> tree.Variable:
        return tree.Variable("$this")

    def annotation(self, c: list[Token]) -> tree.Annotation:
        return tree.Annotation(*_name_of_at(c[0]))

    def count_segment(self, c: list[Any]) -> tree.Count:
        return tree.Count(**_options(c[1:]))

    def filter_segment(self, c: list[Any]) -> tree.FilterSegment:
        return tree.FilterSegment(c[1])

    def lambda_(self, c: list[Any]) -> tree.Lambda:
        kind, variable, predicate = c
        if kind.type == "ALL" and predicate is None:
            raise _Fault("all() needs a lambda variable and a predicate, e.g. all(x:x/Price gt 5)", _at(kind))
        # Uses of the variable in the predicate become LambdaVariable segments once the whole
        # tree is built (_bind_lambda_variables): one pass, however deep lambdas nest.
        return tree.Lambda(str(kind).lower(), str(variable) if variable is not None else None, predicate)

    def root_call_segment(self, c: list[Any]) -> Any:
        """After ``$root/``: ``Employees('A1245')`` / ``Orders(ID=1,Line=2)`` is an entity set with
        a key; ``TheMostPopularAddress()`` (empty parentheses) a function import."""
        name, args = str(c[0]), c[1]
        if args is None:
            return tree.FunctionCall(name)
        if isinstance(args, _Positional):
            _one_positional_key(args, c[0])
            return tree.EntitySet(name, tree.Key(tree.KeyValue(_key_value(arg)) for arg in args.items))
        return tree.EntitySet(name, tree.Key(tree.KeyValue(arg.value, arg.name) for arg in args.items))

    def key(self, c: list[Any]) -> tree.Key:
        names = [part.name for part in c]
        if len(c) > 1 and None in names:
            raise _Fault("a compound key names every part: (Part1=…,Part2=…)", 0)
        return tree.Key(c)

    def simple_key_part(self, c: list[Any]) -> tree.KeyValue:
        return tree.KeyValue(_key_value(c[0]))

    def named_key_part(self, c: list[Any]) -> tree.KeyValue:
        return tree.KeyValue(_key_value(c[1]), str(c[0])[:-1])

    # -- $orderby, $compute -------------------------------------------------------------------
    def orderby(self, c: list[Any]) -> tree.OrderBy:
        return tree.OrderBy(c)

    def orderby_item(self, c: list[Any]) -> tree.OrderByItem:
        return tree.OrderByItem(c[0], c[1] is not None and c[1].type == "DESC")

    def compute(self, c: list[Any]) -> tree.Compute:
        return tree.Compute(c)

    def compute_item(self, c: list[Any]) -> tree.ComputeItem:
        return tree.ComputeItem(c[0], str(c[2]))

    # -- $select ------------------------------------------------------------------------------
    def select(self, c: list[Any]) -> tree.Select:
        return tree.Select(c)

    def select_star(self, c: list[Any]) -> tree.SelectItem:
        return tree.SelectItem((tree.Star(),))

    def select_qualified_star(self, c: list[Token]) -> tree.SelectItem:
        return tree.SelectItem((_qualified_star(c[0]),))

    def select_item(self, c: list[Any]) -> tree.SelectItem:
        return tree.SelectItem(c[0], **_options(c[1:]))

    def select_signature(self, c: list[Any]) -> tree.SelectItem:
        path = c[0]
        parameters = tuple(str(name) for name in c[1:] if name is not None)
        last = path[-1]
        if not isinstance(last, (tree.Property, tree.TypeCast)):
            raise _Fault("only a function or action name can take a parameter list here", 0)
        return tree.SelectItem((*path[:-1], tree.FunctionSignature(last.name, parameters)))

    def select_path(self, c: list[Any]) -> tuple[Any, ...]:
        return tuple(_star_segment(segment) for segment in c if segment is not None)

    # -- $expand ------------------------------------------------------------------------------
    def expand(self, c: list[Any]) -> tree.Expand:
        return tree.Expand(c)

    def expand_path(self, c: list[Any]) -> tuple[Any, ...]:
        return tuple(_star_segment(segment) for segment in c if segment is not None)

    def expand_star(self, c: list[Any]) -> tree.ExpandItem:
        return tree.ExpandItem((tree.Star(),))

    def expand_star_ref(self, c: list[Any]) -> tree.ExpandItem:
        return tree.ExpandItem((tree.Star(),), suffix="$ref")

    def expand_star_levels(self, c: list[Any]) -> tree.ExpandItem:
        return tree.ExpandItem((tree.Star(),), **_options(c[1:]))

    def expand_value_item(self, c: list[Any]) -> tree.ExpandItem:
        return tree.ExpandItem((tree.Value(),))

    def expand_plain(self, c: list[Any]) -> tree.ExpandItem:
        return tree.ExpandItem(c[0])

    def expand_with_options(self, c: list[Any]) -> tree.ExpandItem:
        options = _options(c[1:])
        if isinstance(c[0][-1], tree.Star) and set(options) - {"levels"}:
            raise _Fault("an expand item ending in * takes only $levels", 0)
        return tree.ExpandItem(c[0], **options)

    def expand_ref(self, c: list[Any]) -> tree.ExpandItem:
        return tree.ExpandItem(c[0], suffix="$ref", **_options(c[2:]))

    def expand_count(self, c: list[Any]) -> tree.ExpandItem:
        if isinstance(c[0][-1], tree.Star):
            raise _Fault("*/$count is not an expand item; use */$ref or *($levels=…)", 0)
        return tree.ExpandItem(c[0], suffix="$count", **_options(c[2:]))

    # -- nested options -----------------------------------------------------------------------
    def option_filter(self, c: list[Any]) -> _Option:
        return _Option("filter", c[1], _at(c[0]))

    def option_search(self, c: list[Any]) -> _Option:
        return _Option("search", c[-1], _at(c[0]))

    def option_select(self, c: list[Any]) -> _Option:
        return _Option("select", c[1], _at(c[0]))

    def option_expand(self, c: list[Any]) -> _Option:
        return _Option("expand", c[1], _at(c[0]))

    def option_orderby(self, c: list[Any]) -> _Option:
        return _Option("orderby", c[1], _at(c[0]))

    def option_compute(self, c: list[Any]) -> _Option:
        return _Option("compute", c[1], _at(c[0]))

    def option_apply(self, c: list[Any]) -> _Option:
        return _Option("apply", c[1], _at(c[0]))

    def option_top(self, c: list[Any]) -> _Option:
        return _Option("top", _non_negative(c[1], "$top"), _at(c[0]))

    def option_skip(self, c: list[Any]) -> _Option:
        return _Option("skip", _non_negative(c[1], "$skip"), _at(c[0]))

    def option_count(self, c: list[Any]) -> _Option:
        return _Option("count", c[1].type == "TRUE", _at(c[0]))

    def option_temporal(self, c: list[Any]) -> _Option:
        name = {"OPT_AT": "at", "OPT_FROM": "from_", "OPT_TO": "to", "OPT_TO_INCLUSIVE": "to_inclusive"}[c[0].type]
        return _Option(name, self.temporal_value(c[1:]), _at(c[0]))

    def option_levels(self, c: list[Any]) -> _Option:
        return _Option("levels", c[1], _at(c[0]))

    def option_alias(self, c: list[Any]) -> _Option:
        name = percent.decode(str(c[0]))[1:-1]
        return _Option("@" + name, tree.AliasDefinition(name, c[1]), _at(c[0]))

    def levels(self, c: list[Token]) -> int | str:
        token = c[0]
        if token.type == "LEVELS_MAX":
            return "max"
        text = percent.decode(str(token))
        if not text.isdigit() or text.startswith("0") or len(text) > 18:
            raise _Fault("$levels is a positive integer without leading zeros, or max", _at(token))
        return int(text)

    # -- $search ------------------------------------------------------------------------------
    def search(self, c: list[Any]) -> tree.Search:
        return tree.Search(c[0])

    def search_incomplete(self, c: list[Token]) -> tree.Search:
        return tree.Search(tree.SearchWord(percent.decode(str(c[0]))))

    def search_or(self, c: list[Any]) -> Any:
        result = c[0]
        for operand in c[2::2]:
            result = tree.SearchOr(result, operand)
        return result

    def search_and(self, c: list[Any]) -> Any:
        result = c[0]
        for operand in c[2::2]:
            result = tree.SearchAnd(result, operand)
        return result

    def search_negate(self, c: list[Any]) -> tree.SearchNot:
        return tree.SearchNot(c[1])

    def search_word(self, c: list[Token]) -> tree.SearchWord:
        return tree.SearchWord(percent.decode(str(c[0])))

    def search_phrase(self, c: list[Token]) -> tree.SearchPhrase:
        text = str(c[0])
        start = 3 if text.startswith("%22") else 1
        end = -3 if text.endswith("%22") else -1
        return tree.SearchPhrase(percent.decode(text[start:end]))


    # -- $apply (odata-aggregation-abnf) ------------------------------------------------------
    def apply(self, c: list[Any]) -> tree.Apply:
        return tree.Apply(c)

    preserving_chain = apply

    def traverse_chain(self, c: list[Any]) -> tree.Apply:
        return tree.Apply(c)

    def aggregate_item(self, c: list[Any]) -> _AggregatePiece:
        value, method, *froms, _as, alias = c
        if _is_token(value):  # "$count" or a type cast (aggrCastPath) on its own
            value = tree.Path((tree.Count(),) if value.type == "COUNT_SEGMENT" else (tree.TypeCast(str(value)),))
        offset = _at(c[0]) if _is_token(c[0]) else 0
        return _AggregatePiece(value, _method(method), [list(f) for f in froms], None if alias is None else str(alias), offset)

    def aggregate_from(self, c: list[Any]) -> tuple[list[Any], str | None]:
        return ([c[0]], _method(c[1]))

    def aggregate_trafo(self, c: list[Any]) -> tree.Aggregate:
        items = _join_aggregate_pieces(c[1:], _at(c[0]))
        for item in items:
            if item.alias is None and (item.method is not None or item.from_ or _is_count(item.value)):
                raise _Fault("this aggregate expression needs an alias: … as Name", _at(c[0]))
        return tree.Aggregate(items)

    def aggregate_segment(self, c: list[Any]) -> tree.AggregateSegment:
        items = _join_aggregate_pieces(c[1:], _at(c[0]))
        if len(items) != 1 or items[0].alias is not None:
            raise _Fault("/aggregate(…) holds one aggregate expression without an alias", _at(c[0]))
        return tree.AggregateSegment(items[0])

    def compute_trafo(self, c: list[Any]) -> tree.ApplyCompute:
        return tree.ApplyCompute(c[1:])

    def concat_trafo(self, c: list[Any]) -> tree.Concat:
        return tree.Concat(c[1:])

    def groupby_trafo(self, c: list[Any]) -> tree.GroupBy:
        *elements, apply = c[1:]
        for element in elements:
            if isinstance(element, tree.Path):
                _grouping_path(element, _at(c[0]))
        return tree.GroupBy(elements, apply)

    def rollup(self, c: list[Any]) -> tree.Rollup:
        paths = c[1:]
        for path in paths:
            _grouping_path(path, _at(c[0]))
        if len(paths) == 1:
            (segment,) = paths[0].segments if len(paths[0].segments) == 1 else (None,)
            if type(segment) is not tree.Property:
                raise _Fault("rollup() takes two or more grouping paths, or one hierarchy qualifier", _at(c[0]))
            return tree.Rollup(hierarchy=segment.name)
        return tree.Rollup(paths)

    def rollup_recursive(self, c: list[Any]) -> tree.RollupRecursive:
        return tree.RollupRecursive(c[1], c[2])

    def hierarchy(self, c: list[Any]) -> tree.Hierarchy:
        nodes, qualifier, prop = c
        _grouping_path(prop, 0, what="a hierarchy's node property")
        return tree.Hierarchy(nodes, str(qualifier), prop)

    def join_trafo(self, c: list[Any]) -> tree.Join:
        keyword, path, _as, alias, apply = c
        _join_path(path, _at(keyword))
        return tree.Join(path, str(alias), apply, outer=keyword.type == "T_OUTERJOIN")

    def nest_item(self, c: list[Any]) -> tree.NestItem:
        return tree.NestItem(c[0], str(c[2]))

    def nest_trafo(self, c: list[Any]) -> tree.Nest:
        return tree.Nest(c[1:])

    def addnested_trafo(self, c: list[Any]) -> tree.AddNested:
        _join_path(c[1], _at(c[0]))
        return tree.AddNested(c[1], c[2:])

    def custom_trafo(self, c: list[Any]) -> tree.FunctionCall:
        return tree.FunctionCall(str(c[0]), [arg for arg in c[1:] if arg is not None])

    def ranking_trafo(self, c: list[Any]) -> tree.Ranking:
        return tree.Ranking(str(c[0]), c[1], c[2])

    def filter_trafo(self, c: list[Any]) -> tree.ApplyFilter:
        return tree.ApplyFilter(c[1])

    def identity_trafo(self, c: list[Any]) -> tree.Identity:
        return tree.Identity()

    def orderby_trafo(self, c: list[Any]) -> tree.ApplyOrderBy:
        return tree.ApplyOrderBy(c[1:])

    def search_trafo(self, c: list[Any]) -> tree.ApplySearch:
        return tree.ApplySearch(c[1])

    def top_trafo(self, c: list[Any]) -> tree.ApplyTop:
        return tree.ApplyTop(_digits(c[1], "top()"))

    def skip_trafo(self, c: list[Any]) -> tree.ApplySkip:
        return tree.ApplySkip(_digits(c[1], "skip()"))

    def hierarchy_filter_trafo(self, c: list[Any]) -> tree.HierarchyFilter:
        keyword, hierarchy, apply, distance, keep = c
        return tree.HierarchyFilter(
            str(keyword), hierarchy, apply,
            None if distance is None else _digits(distance, f"{keyword}() distance"), keep is not None,
        )

    def traverse_trafo(self, c: list[Any]) -> tree.Traverse:
        keyword, hierarchy, order, *items = c
        apply = items.pop(0) if items and isinstance(items[0], tree.Apply) else None
        for item in items:
            if isinstance(item, tree.Apply):
                raise _Fault("traverse(): transformations come before the order-by items", _at(keyword))
        return tree.Traverse(hierarchy, str(order), apply, items)


@attrs.frozen
class _AggregatePiece:
    """One comma-separated piece of ``aggregate(…)`` before pieces of a ``from`` list are joined."""

    value: Any
    method: str | None
    froms: list[list[Any]]  # [[paths…], method]
    alias: str | None
    offset: int


def _method(token: Any) -> str | None:
    """aggregateMethod: a built-in method or a qualified custom one."""
    if token is None:
        return None
    name = str(token)
    if token.type == "NAME" and name not in tree.AGGREGATION_METHODS:
        raise _Fault(
            f"unknown aggregation method {name!r} (sum, min, max, average, countdistinct, or a qualified custom method)",
            _at(token),
        )
    return name


def _is_count(value: Any) -> bool:
    return isinstance(value, tree.Path) and type(value.segments[-1]) is tree.Count


def _join_aggregate_pieces(pieces: list[_AggregatePiece], offset: int) -> list[tree.AggregateExpr]:
    """Join the pieces the grammar split at commas: a piece after an open ``from A`` (no method,
    no alias yet) continues that grouping list, as the ABNF's greedy groupingProperties reads it."""
    joined: list[_AggregatePiece] = []
    for piece in pieces:
        last = joined[-1] if joined else None
        if last is not None and last.froms and last.froms[-1][1] is None and last.alias is None:
            if not isinstance(piece.value, tree.Path) or _is_count(piece.value):
                raise _Fault("a from list holds grouping paths", offset)
            last.froms[-1][0].append(piece.value)
            last.froms[-1][1] = piece.method
            joined[-1] = attrs.evolve(last, froms=last.froms + piece.froms, alias=piece.alias)
            continue
        joined.append(piece)
    return [_aggregate_expr(piece, offset) for piece in joined]


def _aggregate_expr(piece: _AggregatePiece, offset: int) -> tree.AggregateExpr:
    value, method = piece.value, piece.method
    froms = tuple(tree.AggregateFrom([_grouping_path(p, offset) for p in paths], m) for paths, m in piece.froms)
    counted = _is_count(value)
    if counted and method is not None:
        raise _Fault("$count takes no aggregation method: $count as Name", offset)
    custom = method is None and not counted
    if custom and not _is_aggregate_path(value):
        raise _Fault("an aggregated expression needs a method: … with sum as Name", offset)
    if not custom and any(f.method is None for f in froms):
        raise _Fault("each from needs its method here: … from Time with average …", offset)
    return tree.AggregateExpr(value, method, froms, piece.alias)


def _is_aggregate_path(value: Any) -> bool:
    """aggregateCustom: [ path "/" ] customAggregate — names and type casts, a name last."""
    return (
        isinstance(value, tree.Path)
        and all(type(s) in (tree.Property, tree.TypeCast) for s in value.segments)
        and type(value.segments[-1]) is tree.Property
    )


def _grouping_path(path: Any, offset: int, what: str = "a grouping property") -> tree.Path:
    """groupingProperty / aggrPrimPath: properties and type casts, ending in a property (no
    keys, calls, annotations or $count)."""
    if not _is_aggregate_path(path):
        raise _Fault(f"{what} is a path of properties and type casts ending in a property", offset)
    return path  # type: ignore[no-any-return]


def _join_path(path: Any, offset: int) -> None:
    """joinProperty / nestPath: properties, type casts and annotations (no keys or calls)."""
    if not all(type(s) in (tree.Property, tree.TypeCast, tree.Annotation) for s in path.segments):
        raise _Fault("expected a path of properties (with optional type casts)", offset)


def _digits(token: Token, what: str) -> int:
    """1*DIGIT: ASCII digits only, no sign."""
    text = str(token)
    if not (text.isascii() and text.isdigit()):
        raise _Fault(f"{what} takes a non-negative integer written with digits 0-9", _at(token))
    return int(text)


# "lambda" is a Python keyword: the rule's callback gets its name here.
setattr(_Build, "lambda", _Build.lambda_)


def _one_positional_key(args: _Positional, token: Any) -> None:
    """keyPredicate = simpleKey / compoundKey: only a single key value goes without its name."""
    if len(args.items) > 1:
        raise _Fault("a compound key names every part: (Part1=…,Part2=…)", _at(token))


def _segments(items: list[Any]) -> list[Any]:
    """Path segments, with a segment that brought its key (``F()(1)``) spread into two."""
    flat: list[Any] = []
    for item in items:
        if isinstance(item, list):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


#: Text that may hold a lambda with a range variable: ``any(d:`` / ``all(d:`` (any case, spaces).
_LAMBDA_WITH_VARIABLE = edm.lazy_pattern(r"(?i)(?:any|all)\s*\(\s*[^\s)]")


def _bind_lambda_variables(root: Any) -> Any:
    """``root`` with each path that starts with the name of a lambda variable in scope starting with
    a ``LambdaVariable`` instead (URL Conventions §5.1.1.13: the variable is in scope in its
    predicate; an inner lambda may rebind the name). One non-recursive pass: linear at any nesting."""
    no_variables: frozenset[str] = frozenset()
    return transform_in_scope(root, _bound_path, _lambda_scope, no_variables)


def _lambda_scope(node: Any, scope: frozenset[str]) -> frozenset[str]:
    return scope | {node.variable} if type(node) is tree.Lambda and node.variable is not None else scope


def _bound_path(node: Any, scope: frozenset[str]) -> Any:
    if type(node) is tree.Path and scope:
        first = node.segments[0]
        if type(first) is tree.Property and first.name in scope:
            return tree.Path((tree.LambdaVariable(first.name), *node.segments[1:]))
    return node


class _NotAList:
    """A parenthesized list after ``in`` that holds more than literals."""


class _Positional:
    """Positional call arguments while the call is being built."""

    __slots__ = ("items",)

    def __init__(self, items: tuple[Any, ...]) -> None:
        self.items = items


class _Named:
    """Named call arguments (``name=value``) while the call is being built."""

    __slots__ = ("items",)

    def __init__(self, items: tuple[tree.NamedArg, ...]) -> None:
        self.items = items


def _canonical_call(name: str, args: list[Any], offset: int) -> tree.Call:
    canonical = canonical_function_name(name)
    if canonical is None:
        from ._errors_text import V3_FUNCTIONS  # error texts load with the first error

        if name.lower() in V3_FUNCTIONS:
            raise _Fault(V3_FUNCTIONS[name.lower()], offset)
        raise _Fault(f"unknown function {name!r} (canonical functions: {', '.join(sorted(FUNCTIONS))})", offset)
    if args and isinstance(args[0], tree.NamedArg):  # contains(a='x'), geo.length(geography=…): argument lists are all named or none
        raise _Fault(f"{canonical}() takes positional arguments", offset)
    fewest, most = FUNCTIONS[canonical]
    if not fewest <= len(args) <= most:
        wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
        raise _Fault(f"{canonical}() takes {wanted} argument{'s' if most != 1 else ''}, not {len(args)}", offset)
    if canonical == "isdefined" and not isinstance(args[0], tree.Path):
        raise _Fault("isdefined() takes a member path (isdefinedExpr = isdefined(firstMemberExpr))", offset)
    return tree.Call(canonical, args)


def _json_string(token: Token) -> str:
    import json

    text = str(token)
    start = 3 if text.startswith("%22") else 1
    end = -3 if text.endswith("%22") else -1
    body = percent.decode(text[start:end])  # the grammar lets a raw " in only behind a backslash
    try:
        value = json.loads(f'"{body}"')
    except ValueError as error:
        raise _Fault(f"invalid JSON string: {error}", _at(token)) from None
    if _SURROGATE.search(value):
        raise _Fault("invalid JSON string: a \\u escape names half a surrogate pair", _at(token))
    return str(value)


def _key_value(part: Any) -> Any:
    if _is_token(part):  # an @alias as a key
        term, _ = _name_of_at(part)
        return tree.Alias(term)
    return part


def _qualified_star(token: Token) -> tree.QualifiedStar:
    text = percent.decode(str(token))
    return tree.QualifiedStar(text[:-2])


def _star_segment(segment: Any) -> Any:
    if _is_token(segment):
        return tree.Star() if segment.type == "STAR" else _qualified_star(segment)
    return segment


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------

_BUILD = _Build()


def _parser() -> Any:
    return build_parser("query.lark", _START_RULES, _BUILD)


@functools.cache
def _driver() -> Driver | None:
    """The lean driver over the same parser: tables, lexer patterns and callbacks (see _lalr);
    None when this Lark release lays its internals out otherwise (Lark then parses everything)."""
    from ._lalr import Driver  # with Lark: only for a text the fast paths leave to the grammar

    try:
        return Driver(_parser(), faults=(_Fault,))
    except (Fallback, AttributeError, KeyError, TypeError, ValueError):
        return None


@functools.cache
def _fast() -> FastExpressions | None:
    """The hand-written parser for everyday option values (see _fastexpr), reading literals and
    names with the grammar's own terminal patterns (_tables: generated from the grammar, so no
    Lark is loaded); None when those cannot be read (Lark parses)."""
    try:
        return FastExpressions(_tables.TERMINALS, _LITERALS, _canonical_call, _Fault)
    except (AttributeError, KeyError, TypeError, ValueError, re.error):
        return None


_NOTHING = object()
_FAST_RULES = frozenset({"filter_value", "expr_value", "orderby_value", "select_value", "expand_value",
                         "search_value", "compute_value", "levels_value"})
#: Start rule → the fast path for its simplest values (None: not that simple; see _fastoptions).
_SIMPLE_OPTIONS: dict[str, Callable[[str], Any]] = {
    "select_value": _fastoptions.select, "top_value": _fastoptions.top, "count_value": _fastoptions.count,
}


_SURROGATE = re.compile("[\ud800-\udfff]")


#: A percent-encoded non-ASCII character: a UTF-8 lead byte and its continuation bytes.
_ENCODED_NON_ASCII = edm.lazy_pattern(
    r"%(?:[Cc][2-9A-Fa-f]|[Dd][0-9A-Fa-f])%[89ABab][0-9A-Fa-f]"
    r"|%[Ee][0-9A-Fa-f](?:%[89ABab][0-9A-Fa-f]){2}"
    r"|%[Ff][0-4](?:%[89ABab][0-9A-Fa-f]){3}"
)


def _decode_non_ascii(text: str) -> str:
    """Decode only the escapes of non-ASCII characters (which no OData delimiter is), so names
    encoded by an HTTP client read back; ASCII escapes (``%20``, ``%27``…) are left to the grammar
    and to the literals, and the decoded text of a literal is the same either way."""
    def one(match: re.Match[str]) -> str:
        try:
            return bytes.fromhex(match.group().replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:  # an overlong or surrogate sequence: not a character, kept as is
            return match.group()

    return _ENCODED_NON_ASCII.sub(one, text)


def _check_text(text: str, shown: str, base: int) -> None:
    """Query text is Unicode: a lone surrogate (possible in a Python str) is no character."""
    surrogate = _SURROGATE.search(text)
    if surrogate is not None:
        raise ODataSyntaxError("a lone surrogate is not a Unicode character", shown, base + surrogate.start())


def _parse(text: str, start: str, *, base: int = 0, whole: str | None = None, reached: int | None = None) -> Any:
    """Parse ``text`` with grammar rule ``start``; errors carry offsets into ``whole`` (the text
    as the user gave it, of which ``text`` starts at ``base``). ``reached``: the fast path has
    already tried this text and read that far (parse_query), so it is not run again."""
    if not isinstance(text, str):
        raise TypeError(f"expected query text as str, got {type(text).__name__}")
    shown = text if whole is None else whole
    # with a '%' the fast path read another text (decoded): it runs again on this one
    tried = reached is not None and "%" not in text
    read = reached if reached is not None and tried else 0
    if whole is None:  # parse_query checked the whole query string already
        _check_text(text, shown, base)
    if "%" in text and _ENCODED_NON_ASCII.search(text):  # a name as an HTTP client sent it (Gr%C3%B6%C3%9Fe)
        decoded = _decode_non_ascii(text)
        shown = decoded if whole is None else whole[:base] + decoded + whole[base + len(text):]
        text = decoded
    if not text.strip():
        from ._errors_text import describe_expected

        raise ODataSyntaxError("empty input", shown, base, describe_expected(start, ()))
    result = _NOTHING
    simple = _SIMPLE_OPTIONS.get(start)
    if simple is not None and not tried:
        value = simple(text)
        if value is not None:
            return value
    if start in _FAST_RULES and not tried:
        fast = _fast()
        if fast is not None:
            try:
                return fast.parse_value(text, start)  # its tree's depth was counted as it was built
            except TooDeep:
                _raise_too_deep(shown, base)
            except Fallback as stepped_aside:  # outside its subset, or an error: the driver decides
                read = stepped_aside.reached
            except (_Fault, RecursionError):
                pass
    if start in _PLAIN_LISTS:  # after the fast paths: a valid $select/$orderby never loads Lark
        _refuse_after_plain_list(text, start, base, shown, whole, read)
    try:
        if result is _NOTHING:
            driver = _driver()
            try:
                if driver is None:
                    raise Fallback
                result = _drive(driver, text, start, read)
            except Fallback:  # Lark parses it again, and raises the error (or _Fault) it always did
                result = _parser().parse(text, start=start)
    except _Fault as fault:
        raise ODataSyntaxError(fault.reason, shown, base + fault.offset) from None
    except Stop as stop:
        _refuse_misplaced(text, start, whole, shown, base)
        _raise_at(text, start, base, shown, stop.offset, set(stop.expected))
    except _lark_error() as error:
        _refuse_misplaced(text, start, whole, shown, base)
        _raise_syntax_error(error, text, start, base, shown)
    if len(text) * 2 + 2 > MAX_DEPTH:  # each level of a tree takes at least half a character
        _check_depth(result, shown, base)
    if isinstance(result, tree.Node) and _LAMBDA_WITH_VARIABLE.search(text) is not None:
        result = _bind_lambda_variables(result)
    return result


#: How much text after the last comma of a plain list prefix the error path reads before the usual paths.
_PLAIN_TAIL = 64

#: Start rule → (its plain lists: items with no brackets or quotes, split at bare commas; whether
#: the fast path must have read past the comma, because a plain item may still be no valid item
#: of the rule: ``$orderby`` items are expressions, and a keyword is no path).
_PLAIN_LISTS: dict[str, tuple[re.Pattern[str], bool]] = {
    "select_value": (_fastoptions.PLAIN_SELECT, False),
    "orderby_value": (_fastoptions.PLAIN_ORDERBY, True),
}


def _refuse_after_plain_list(text: str, start: str, base: int, shown: str, whole: str | None, read: int) -> None:
    """Raise the error of a plain ``$select``/``$orderby`` list that goes wrong in its last few
    characters (``a,b,…,z,``, ``a desc,…,z desc asc``), reading only the tail; return when it is
    no such text (or when it is valid: the fast paths refused it, so the grammar parses it whole).

    Why it is exact: after two or more items of ``item (_COMMA item)*`` and a comma, the LALR
    stack is the same whatever the items (each reduces to ``item`` from the same state), so the
    states after the first two items and their comma stand for those after all of them; a plain
    prefix holds no faults. The driver parses the tail from there with callbacks and gives way
    (``Crossed``) if a rule reaches back."""
    pattern, needs_read = _PLAIN_LISTS[start]
    plain = pattern.match(text)
    if plain is None:
        return
    comma = text.rfind(",", 0, plain.end() + 1)  # the last comma of the plain prefix, or just after it
    if comma < 0 or len(text) - comma - 1 > _PLAIN_TAIL or text[comma + 1:comma + 2] in _NOT_AFTER_COMMA:
        return
    if needs_read and read <= comma:  # the fast path did not read past it: an error may be before
        return
    first = text.find(",")
    second = text.find(",", first + 1)
    if not 0 < first < second <= comma:
        return
    driver = _driver()
    if driver is None:
        return
    from ._lalr import Crossed

    try:
        head = driver._checkpoint(text[:second + 1], start, second + 1)
        if head is None or head[0] != second + 1:
            return
        driver.parse(text, start, (comma + 1, head[1]))
    except (Crossed, Fallback):
        return
    except _Fault as fault:
        raise ODataSyntaxError(fault.reason, shown, base + fault.offset) from None
    except Stop as stop:
        _refuse_misplaced(text, start, whole, shown, base)
        _raise_at(text, start, base, shown, stop.offset, set(stop.expected))


#: After these the comma token is longer than ``,`` (spaces, an escape): left to the usual paths.
_NOT_AFTER_COMMA = frozenset(" \t\r\n%")


def _drive(driver: Driver, text: str, start: str, reached: int) -> Any:
    """The lean driver's parse; after a fast path that read ``reached`` characters, first from
    the last checkpoint there (an error near the end then costs the tail, not a second parse)."""
    if reached:
        from ._lalr import Crossed

        try:
            return driver.resume(text, start, reached)
        except Crossed:  # most often a valid text the fast path does not cover: parse it whole
            pass
    return driver.parse(text, start)


def _lark_error() -> type[UnexpectedInput]:
    """Lark's syntax error, for an ``except`` clause: Python evaluates the clause only while an
    exception is being matched, so a parse that raises nothing never imports Lark."""
    from lark.exceptions import UnexpectedInput

    return UnexpectedInput


def _refuse_misplaced(text: str, start: str, whole: str | None, shown: str, base: int) -> None:
    """A whole URL or ``$filter=…`` given to the wrong entry point: say which one to use."""
    from ._errors_text import wrong_entry_point

    misplaced = wrong_entry_point(text, start) if whole is None else None
    if misplaced is not None:
        raise ODataSyntaxError(misplaced, shown, base) from None


def _raise_syntax_error(error: UnexpectedInput, text: str, start: str, base: int, shown: str) -> NoReturn:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    expected: set[str]
    if isinstance(error, UnexpectedEOF):
        offset, expected = len(text), set(error.expected)
    elif isinstance(error, UnexpectedToken):
        offset, expected = error.token.start_pos or 0, set(error.accepts or error.expected)
        if error.token.type == "$END":
            offset = len(text)
    else:
        assert isinstance(error, UnexpectedCharacters)
        offset, expected = error.pos_in_stream or 0, _exact_expectations(error)
    _raise_at(text, start, base, shown, offset, expected)


def _raise_at(text: str, start: str, base: int, shown: str, offset: int, expected: set[str]) -> NoReturn:
    """The syntax error at ``offset`` where the terminals ``expected`` could have come."""
    from ._errors_text import describe_expected, hint_for

    words = describe_expected(start, expected)
    hint = hint_for(text, offset, set(expected))
    if hint is not None:
        reason, offset, better_words = hint
        words = better_words if better_words is not None else words
    elif offset >= len(text):
        reason = "unexpected end of input"
    else:
        while offset < len(text) - 1 and text[offset] in " \t\r\n":
            offset += 1  # point at what follows a space, not at the space
        reason = f"unexpected {_describe_at(text, offset)}"
    raise ODataSyntaxError(reason, shown, base + offset, words) from None


def _exact_expectations(error: Any) -> set[str]:
    """What the parser state really accepts (the lexer's list is the union over merged states)."""
    from lark.exceptions import UnexpectedInput

    parser = getattr(error, "interactive_parser", None)
    if parser is not None:
        try:
            return set(parser.accepts())
        except (_Fault, UnexpectedInput, ValueError):
            pass  # an earlier value was already invalid: fall back to the lexer's list
    return set(error.allowed or ())


def _describe_at(text: str, offset: int) -> str:
    word = re.match(r"[\w.@$]+|.", text[offset:], re.DOTALL)
    assert word is not None
    shown = word.group()[:24]
    if len(shown) == 1 and not shown.isprintable():
        return f"character U+{ord(shown):04X}"
    return f"{shown!r}"


def _check_depth(result: Any, shown: str, base: int) -> None:
    if isinstance(result, tree.Node):
        for _, depth in walk_depth(result):
            if depth > MAX_DEPTH:
                _raise_too_deep(shown, base)


def _raise_too_deep(shown: str, base: int) -> NoReturn:
    raise ODataSyntaxError(f"expression nested more than {MAX_DEPTH} levels deep", shown, base) from None


def parse_filter(text: str) -> tree.Expr:
    """Parse a ``$filter`` value (a boolean common expression) into a tree.

    >>> parse_filter("Id eq 'x'")
    BinaryOp(op='eq', left=Path(segments=(Property(name='Id'),)), right=Literal(type='String', value='x'))
    """
    result: tree.Expr = _parse(text, "filter_value")
    return result


def parse_expression(text: str) -> tree.Expr:
    """Parse any common expression (alias values, function parameters, ``$orderby`` items)."""
    result: tree.Expr = _parse(text, "expr_value")
    return result


def parse_expand(text: str) -> tree.Expand:
    """Parse an ``$expand`` value: ``Extensions($filter=Id eq 'x';$select=Id)``."""
    result: tree.Expand = _parse(text, "expand_value")
    return result


def parse_select(text: str) -> tree.Select:
    """Parse a ``$select`` value: ``Subject,From/EmailAddress,Model.*``."""
    result: tree.Select = _parse(text, "select_value")
    return result


def parse_orderby(text: str) -> tree.OrderBy:
    """Parse an ``$orderby`` value: ``ReceivedDateTime desc,Subject``."""
    result: tree.OrderBy = _parse(text, "orderby_value")
    return result


def parse_search(text: str) -> tree.Search:
    """Parse a ``$search`` value: ``"blue green" OR NOT red``."""
    result: tree.Search = _parse(text, "search_value")
    return result


def parse_compute(text: str) -> tree.Compute:
    """Parse a ``$compute`` value: ``Price mul Quantity as Total``."""
    result: tree.Compute = _parse(text, "compute_value")
    return result


def parse_apply(text: str) -> tree.Apply:
    """Parse an ``$apply`` value (Data Aggregation): ``groupby((Country),aggregate(Amount with sum as Total))``."""
    result: tree.Apply = _parse(text, "apply_value")
    return result


def parse_literal(text: str) -> tree.Literal | tree.EnumLiteral:
    """Parse one primitive literal (``'O''Neil'``, ``42``, ``2012-12-03``, ``Ns.Color'Red'``)."""
    result: tree.Literal | tree.EnumLiteral = _parse(text, "literal_value")
    return result


def parse_key(text: str) -> tree.Key:
    """Parse a parenthesized key predicate: ``('AAMk…')`` or ``(OrderID=1,ItemID=2)``."""
    result: tree.Key = _parse(text, "key_value")
    return result


def parse_query(text: str, *, plus_is_space: bool = False) -> tree.Query:
    """Parse a whole query string (leading ``?`` optional) into a ``Query``.

    Splits at ``&`` and at each option's first ``=`` before any decoding (URL Conventions §2.1),
    so an encoded ``%26`` or ``%3D`` inside a value stays data. ``plus_is_space=True`` reads
    ``+`` as a space, as HTML forms and ``urllib.parse.urlencode`` write it (OData itself reads a
    raw ``+`` as a sign; such encoders write a real plus as ``%2B``).
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a query string as str, got {type(text).__name__}")
    if plus_is_space:
        text = text.replace("+", " ")  # same length: offsets still point into the text as given
    if not text.isascii():  # a lone surrogate is not ASCII: the everyday text skips the search
        _check_text(text, text, 0)
    base = 1 if text.startswith("?") else 0
    options: dict[str, Any] = {}
    aliases: list[tree.AliasDefinition] = []
    custom: list[tree.CustomOption] = []
    seen_aliases: set[str] = set()
    if "#" in text:
        raise ODataSyntaxError("a raw '#' ends the URL's query; encode it as %23", text, text.index("#"))
    if "://" in text and _URL_START.match(text):
        raise ODataSyntaxError("parse_query takes the query string (after '?'); for a whole URL use parse_url", text, 0)
    position = base
    fast = _fast()
    for part in text[base:].split("&"):
        start = position
        position += len(part) + 1
        if not part:
            continue
        raw_name, has_value, value = part.partition("=")
        reached: int | None = None  # how far the hand-written reader got, once it has tried
        everyday = _SPELLED.get(raw_name)
        if everyday is not None and value and everyday[0] not in options:
            # "$select=…" as clients write it: no name to decode or fold, the value straight to
            # the simple or hand-written reader; anything they leave goes the general way below.
            field, start_rule = everyday
            simple = _SIMPLE_OPTIONS.get(start_rule)
            if simple is not None:
                result = simple(value)
                if result is not None:
                    options[field] = result
                    continue
            if fast is not None and start_rule in _FAST_RULES:
                try:
                    options[field] = fast.parse_value(value, start_rule)
                    continue
                except TooDeep:
                    _raise_too_deep(text, start + len(raw_name) + 1)
                except Fallback as stepped_aside:
                    reached = stepped_aside.reached
                except (_Fault, RecursionError):
                    reached = 0
        name = percent.decode(raw_name)
        value_start = start + len(raw_name) + 1
        if name.startswith("@"):
            if not has_value:
                raise ODataSyntaxError(f"alias {name} has no value", text, start + len(raw_name))
            if name[1:] in seen_aliases:
                raise ODataSyntaxError(f"alias {name} is given more than once", text, start)
            seen_aliases.add(name[1:])
            if not IDENTIFIER.fullmatch(name[1:]):
                raise ODataSyntaxError(f"{name!r} is not a valid alias name", text, start)
            aliases.append(tree.AliasDefinition(name[1:], _parse(value, "expr_value", base=value_start, whole=text)))
            continue
        key = name.lower().removeprefix("$")
        if key in SYSTEM_QUERY_OPTIONS and (name.startswith("$") or has_value):
            field = OPTION_FIELDS.get(key, key)
            if field in options:
                raise ODataSyntaxError(f"system query option ${key} is given more than once", text, start)
            if not has_value:
                raise ODataSyntaxError(f"${key} needs a value: ${key}=…", text, start + len(raw_name))
            rule = SYSTEM_QUERY_OPTIONS[key]
            if rule is None:
                options[field] = _token_value(key, value, text, value_start)
            elif fast is not None and rule in _FAST_RULES:
                if reached is None:  # not tried above (a name spelled otherwise, or encoded)
                    reached = 0
                    try:  # the everyday value: straight to the hand-written parser (it refuses any '%')
                        options[field] = fast.parse_value(value, rule)
                        continue
                    except TooDeep:
                        _raise_too_deep(text, value_start)
                    except Fallback as stepped_aside:
                        reached = stepped_aside.reached
                    except (_Fault, RecursionError):
                        pass
                try:
                    options[field] = _parse(value, rule, base=value_start, whole=text, reached=reached)
                except ODataSyntaxError:
                    _raise_if_split_at_ampersand(value, text, position - 1)
                    raise
            else:
                try:
                    options[field] = _parse(value, rule, base=value_start, whole=text)
                except ODataSyntaxError:
                    _raise_if_split_at_ampersand(value, text, position - 1)
                    raise
            continue
        if name.startswith("$"):
            raise ODataSyntaxError(
                f"unknown system query option {name!r}", text, start,
                (f"${option}" for option in SYSTEM_QUERY_OPTIONS),
            )
        custom.append(tree.CustomOption(name, percent.decode(value) if has_value else None))
    if aliases:
        options["aliases"] = tuple(aliases)
    if custom:
        options["custom"] = tuple(custom)
    return _query(options)  # type: ignore[no-any-return]


#: A Query from its parsed options: every value is already a tree or a checked scalar.
_query = filler(tree.Query, (globals(), "_query"))
#: ``$name`` as clients spell system query options (lower case) → (Query field, start rule), for
#: the options a simple or the hand-written reader serves.
_SPELLED: dict[str, tuple[str, str]] = {
    f"${key}": (OPTION_FIELDS.get(key, key), rule) for key, rule in SYSTEM_QUERY_OPTIONS.items()
    if rule is not None and (rule in _FAST_RULES or rule in _SIMPLE_OPTIONS)
}
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _raise_if_split_at_ampersand(value: str, text: str, ampersand: int) -> None:
    """An option value that failed because a raw '&' cut it short: inside a string literal, or
    inside the parentheses of $expand options (where ';' separates)."""
    if ampersand >= len(text) or text[ampersand] != "&":
        return
    if (value.count("'") + value.count("%27")) % 2 == 1:
        raise ODataSyntaxError(
            "a raw '&' inside a literal ends the option: '&' separates options; write %26", text, ampersand,
        )
    if value.count("(") + value.count("%28") > value.count(")") + value.count("%29"):
        raise ODataSyntaxError(
            "'&' separates query options; inside (…) nested options are separated by ';'", text, ampersand,
        )


_PCHAR = r"(?:[A-Za-z0-9\-._~!$'()*+,;=:@]|%[0-9A-Fa-f]{2})"
#: format = "$format" EQ ( "atom" / "json" / "xml" / 1*pchar "/" 1*pchar )
_FORMAT = edm.lazy_pattern(rf"(?i:atom|json|xml)|{_PCHAR}+/{_PCHAR}+")


def _token_value(key: str, value: str, text: str, offset: int) -> str:
    """The value of an option kept as text ($format, $skiptoken, $deltatoken, $schemaversion)."""
    if not value:
        raise ODataSyntaxError(f"${key} needs a value", text, offset)
    if key == "format" and not _FORMAT.fullmatch(value):
        raise ODataSyntaxError(
            "$format is json, xml, atom or a media type (type/subtype, e.g. application/json;odata.metadata=full)",
            text, offset,
        )
    return percent.decode(value)
