"""Python → tree: build query trees with Python operators instead of pasting query text.

A thin layer over ``odatakit.tree``: every builder call returns (or wraps) the very nodes the
parser produces for the same text, so ``parse(serialize(built)) == built``. No query text is
ever written here; ``odatakit.serializer`` is the only code that turns nodes into text, and
values become typed literals (never text), so nothing a value holds can change the query.

>>> from odatakit import F, Q
>>> str(Q().filter(F.Extensions.any(lambda f: f.Id == "Com.Contoso.Referral")))
"$filter=Extensions/any(f:f/Id eq 'Com.Contoso.Referral')"
"""

from __future__ import annotations

import contextvars
import enum
import inspect
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, NoReturn

import attrs

from ..errors import BuildError
from .. import edm
from . import syntax, tree, visit
from .printer import serialize
from .syntax import FUNCTIONS, SYSTEM_QUERY_OPTIONS, canonical_function_name

__all__ = [
    "Expression", "F", "it", "this", "root", "lit", "alias", "fn", "case", "cast", "isof",
    "enum_type", "enum_literal", "asc", "desc", "S", "SearchTerm", "expand_item", "select_item",
    "Q", "T",
]

#: What a builder call takes where an expression goes: a built expression, a tree node, or a
#: plain Python value (which becomes a typed literal).
Operand = Any

# ---------------------------------------------------------------------------------------------
# Names (ABNF odataIdentifier, qualifiedTypeName; the same patterns as grammars/literals.lark)
# ---------------------------------------------------------------------------------------------

_IDENTIFIER = syntax.IDENTIFIER
_QUALIFIED = syntax.QUALIFIED_NAME
_MAX_IDENTIFIER = edm.MAX_IDENTIFIER_LENGTH

#: Names that, as the first segment of an expression path, the lexer reads as a keyword
#: (``null``, ``true``, ``INF``…, ``not`` before a space): such a property is reached through
#: ``$it`` instead (``it["true"]`` → ``$it/true``).
_KEYWORD_NAMES = frozenset({"null", "NaN", "INF"})
_KEYWORD_NAMES_ANY_CASE = frozenset({"true", "false", "not"})

#: Lambda range variables are placeholders while their predicate is built (the final name is
#: chosen once the whole predicate is known); a NUL can never be part of a real name.
_PLACEHOLDER = "\x00lambda"


def _identifier(name: Any, what: str = "property name") -> str:
    """``name`` if it is an OData identifier, else a ValueError that says what is wrong."""
    if not isinstance(name, str):
        raise TypeError(f"a {what} is a str, not {type(name).__name__} {name!r}")
    if not _IDENTIFIER.fullmatch(name):
        raise BuildError(
            f"{name!r} is not a valid OData {what}: an identifier starts with a letter or '_' and "
            "continues with letters, digits or '_' (no spaces, '/', '.' or punctuation)"
        )
    if len(name) > _MAX_IDENTIFIER:
        raise BuildError(f"{what} {name[:20]!r}… is longer than the {_MAX_IDENTIFIER} characters OData allows")
    return name


def _qualified(name: Any, what: str = "qualified type name") -> str:
    """``Namespace.Name`` (each part an identifier), else a ValueError."""
    if not isinstance(name, str):
        raise TypeError(f"a {what} is a str, not {type(name).__name__} {name!r}")
    if not _QUALIFIED.fullmatch(name):
        raise BuildError(f"{name!r} is not a {what} such as 'Microsoft.OutlookServices.EventMessage'")
    for part in name.split("."):
        _identifier(part, what)
    return name


def _is_keyword_name(name: str) -> bool:
    return name in _KEYWORD_NAMES or name.lower() in _KEYWORD_NAMES_ANY_CASE


def _segment(text: str) -> tree.Segment:
    """One path segment from its name: ``Name``, ``Ns.Type`` (a cast) or ``@Ns.Term#Qualifier``."""
    if not isinstance(text, str):
        raise TypeError(f"a path segment is a str, not {type(text).__name__} {text!r}")
    if "/" in text:
        raise BuildError(f"{text!r} holds several segments; use F.path({text!r}) for a path")
    if text.startswith("@"):
        term, hash_, qualifier = text[1:].partition("#")
        if "." not in term:
            raise BuildError(
                f"{text!r}: an annotation term is qualified (@Ns.Term); for a parameter alias use alias({term!r})"
            )
        return tree.Annotation(_qualified(term, "annotation term"), _identifier(qualifier, "qualifier") if hash_ else None)
    if "." in text:
        return tree.TypeCast(_qualified(text))
    return tree.Property(_identifier(text))


def _path_segments(text: str, *, item: str | None = None) -> tuple[tree.Segment, ...]:
    """A ``/``-separated path; ``item`` ("select"/"expand") also allows a final ``*`` or ``Ns.*``
    (and ``$value`` alone in an expand)."""
    if not isinstance(text, str):
        raise TypeError(f"a path is a str, not {type(text).__name__} {text!r}")
    if not text:
        raise BuildError("a path needs at least one segment")
    if item == "expand" and text == "$value":
        return (tree.Value(),)
    parts = text.split("/")
    segments: list[tree.Segment] = []
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        if item and last and part == "*":
            segments.append(tree.Star())
        elif item == "select" and last and part.endswith(".*"):
            segments.append(tree.QualifiedStar(_qualified(part[:-2] + ".x", "namespace")[:-2]))
        elif not part:
            raise BuildError(f"{text!r} has an empty segment (a doubled, leading or trailing '/')")
        else:
            segments.append(_segment(part))
    return tuple(segments)


# ---------------------------------------------------------------------------------------------
# Python values → literals (edm.from_python's table, for a query)
# ---------------------------------------------------------------------------------------------


def _string(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BuildError(f"string {value!r} is not valid Unicode text ({error.reason}): it cannot go in a URL") from None


def _scalar(value: Any) -> tree.Literal | None:
    """A plain Python value as a literal, by ``edm.from_python(value, "query")``; None if no Edm type."""
    if value is None:
        return tree.Literal("Null", None)
    if isinstance(value, str):
        _string(value)
    if isinstance(value, Decimal) and not value.is_finite():
        if value.is_snan():
            raise BuildError("a signalling Decimal NaN has no OData literal")
        return tree.Literal("Double", float(value))  # INF/-INF/NaN are read back as Double
    try:
        converted = edm.from_python(value, "query")
    except ValueError as error:
        raise BuildError(str(error)) from None
    return None if converted is None else tree.Literal(*converted)


#: Python enum classes → their qualified OData enum type name (see ``enum_type``).
_ENUM_TYPES: dict[type, str] = {}


def enum_type(type_name: str) -> Callable[[type], type]:
    """Class decorator: values of this Python enum become ``Ns.Type'Member'`` literals.

    >>> @enum_type("Sales.Color")
    ... class Color(enum.Enum):
    ...     Red = 1
    """
    _qualified(type_name, "enum type name")

    def register(cls: type) -> type:
        if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
            raise TypeError(f"enum_type() decorates an enum.Enum subclass, not {cls!r}")
        _ENUM_TYPES[cls] = type_name
        return cls

    return register


def _enum_members(value: enum.Enum) -> tuple[str, ...]:
    """Member names of an enum value; a combined ``Flag`` value lists its single flags."""
    name = value.name
    if name is not None and (not isinstance(value, enum.Flag) or "|" not in name):
        return (name,)
    if isinstance(value, enum.Flag):
        flags = [
            member.name for member in type(value)
            if member.name and bin(member.value).count("1") == 1 and member.value & value.value == member.value
        ]
        if flags:
            return tuple(flags)
    return (str(value.value),)  # a pseudo-member without a name, e.g. an empty Flag: its number


def _enum(value: enum.Enum, type_name: str | None) -> tree.EnumLiteral:
    name = type_name if type_name is not None else _ENUM_TYPES.get(type(value))
    if name is None:
        raise TypeError(
            f"{value!r}: an OData enum literal needs its qualified type name; decorate "
            f"{type(value).__name__} with @enum_type('Namespace.{type(value).__name__}') "
            f"or pass lit(value, enum_type='Namespace.{type(value).__name__}')"
        )
    node = enum_literal(name, *_enum_members(value)).node
    assert isinstance(node, tree.EnumLiteral)
    return node


def _literal_node(value: Any, enum_type_name: str | None = None) -> tree.Expr:
    if isinstance(value, enum.Enum):  # before the MRO walk: an IntEnum is an int too
        return _enum(value, enum_type_name)
    if enum_type_name is not None:
        raise TypeError(f"enum_type= applies to enum values, not {type(value).__name__}")
    if isinstance(value, list):
        return tree.JsonArray(_node(item) for item in value)
    literal = _scalar(value)
    if literal is not None:
        return literal
    supported = "str, bool, None, int, float, Decimal, datetime (aware), date, time, timedelta, UUID, bytes, enum, list"
    raise TypeError(f"cannot make an OData literal from {type(value).__name__} {value!r}; supported: {supported}")


def _node(value: Operand) -> tree.Expr:
    """Any operand as a tree node: built expressions unwrap, nodes pass, values become literals."""
    if isinstance(value, Expression):
        return value.node
    if isinstance(value, tree.Node):
        return value  # type: ignore[return-value]  # a node given where an expression goes
    if isinstance(value, (tuple, set, frozenset, dict)):
        raise TypeError(
            f"a {type(value).__name__} is not an OData value; use .in_([...]) for a list of values, "
            "or a list for a JSON array"
        )
    return _literal_node(value)


def lit(value: Any, *, enum_type: str | None = None) -> Expression:
    """A Python value as a typed literal expression (``Int32``/``Int64`` by range, aware
    ``datetime`` → ``DateTimeOffset``; a naive one is refused rather than sent without offset).

    >>> lit(5).node
    Literal(type='Int32', value=5)
    """
    return Expression(_literal_node(value, enum_type))


def enum_literal(type_name: str, *members: str | int) -> Expression:
    """``Ns.Type'A,B'`` from a qualified type name and member names (or integers)."""
    if not members:
        raise BuildError("an enum literal needs at least one member")
    names = []
    for member in members:
        if isinstance(member, int) and not isinstance(member, bool):
            names.append(str(member))
        else:
            names.append(_identifier(member, "enum member name"))
    return Expression(tree.EnumLiteral(_qualified(type_name, "enum type name"), names))


# ---------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------

_NO_TRUTH = (
    "an OData expression has no Python truth value: combine conditions with & | ~ (not and/or/not, "
    "and with parentheses: (F.A == 1) & (F.B == 2)), write .in_([...]) instead of `in`, and split "
    "chained comparisons (1 < F.X < 5 → (F.X > 1) & (F.X < 5))"
)


def _negate(node: tree.Expr) -> tree.Expr:
    """``-node``: a number literal becomes the negative literal (``-5`` is ``Literal(Int32, -5)``)."""
    if isinstance(node, tree.Literal) and node.type in ("Int32", "Int64", "Decimal", "Double"):
        value = node.value
        if node.type == "Decimal" and isinstance(value, int):  # an integer beyond Int64
            return _literal_node(-value)
        return _literal_node(-value) if node.type != "Double" else tree.Literal("Double", -value)
    return tree.UnaryOp("-", node)


#: What a parenthesized ``in`` list may hold (ABNF listExpr: primitive literals; aliases too).
_LISTABLE = tree.LISTABLE


class Expression:
    """A built expression: wraps one tree node (``.node``) and gives it Python operators.

    ``==`` ``!=`` ``<`` ``<=`` ``>`` ``>=`` compare (``eq``…), ``&`` ``|`` ``~`` are
    ``and``/``or``/``not``, ``+ - * / %`` are ``add sub mul div mod``. Because ``==`` builds
    a node, expressions have no truth value and cannot be dict keys or set members.
    Attribute access on a path navigates (``F.From.EmailAddress``); a property named like one
    of the methods (``node``, ``any``, ``all``, ``in_``, ``has``, ``cast``, ``isof``, ``count``,
    ``divby``, ``asc``, ``desc``) or starting with ``_`` is reached with ``["any"]``.
    """

    __slots__ = ("node",)
    node: tree.Expr

    def __init__(self, node: tree.Expr) -> None:
        if not isinstance(node, tree.Node):
            raise TypeError(f"Expression wraps a tree node, not {type(node).__name__}")
        object.__setattr__(self, "node", node)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"expressions are immutable: cannot set {name!r}")

    def __repr__(self) -> str:
        return f"Expression({self.node!r})"

    def __str__(self) -> str:
        return serialize(_checked(self.node))

    def __bool__(self) -> bool:
        raise TypeError(_NO_TRUTH)

    def __iter__(self) -> NoReturn:
        raise TypeError("an OData expression is not iterable; for `x in values` use x.in_(values)")

    def __contains__(self, item: Any) -> NoReturn:
        raise TypeError("`in` does not build OData; write value.in_(collection) or collection.any(...)")

    # -- comparison (eq ne gt ge lt le) -----------------------------------------------------------
    def _binary(self, op: str, other: Operand) -> Expression:
        return Expression(tree.BinaryOp(op, self.node, _node(other)))

    def _reflected(self, op: str, other: Operand) -> Expression:
        return Expression(tree.BinaryOp(op, _node(other), self.node))

    def __eq__(self, other: Operand) -> Expression:  # type: ignore[override]
        return self._binary("eq", other)

    def __ne__(self, other: Operand) -> Expression:  # type: ignore[override]
        return self._binary("ne", other)

    __hash__ = None  # type: ignore[assignment]  # == builds a node, so no hashing

    def __gt__(self, other: Operand) -> Expression:
        return self._binary("gt", other)

    def __ge__(self, other: Operand) -> Expression:
        return self._binary("ge", other)

    def __lt__(self, other: Operand) -> Expression:
        return self._binary("lt", other)

    def __le__(self, other: Operand) -> Expression:
        return self._binary("le", other)

    # -- logic --------------------------------------------------------------------------------
    def __and__(self, other: Operand) -> Expression:
        return Expression(tree.And.of(self.node, _node(other)))

    def __rand__(self, other: Operand) -> Expression:
        return Expression(tree.And.of(_node(other), self.node))

    def __or__(self, other: Operand) -> Expression:
        return Expression(tree.Or.of(self.node, _node(other)))

    def __ror__(self, other: Operand) -> Expression:
        return Expression(tree.Or.of(_node(other), self.node))

    def __invert__(self) -> Expression:
        return Expression(tree.UnaryOp("not", self.node))

    # -- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other: Operand) -> Expression:
        return self._binary("add", other)

    def __radd__(self, other: Operand) -> Expression:
        return self._reflected("add", other)

    def __sub__(self, other: Operand) -> Expression:
        return self._binary("sub", other)

    def __rsub__(self, other: Operand) -> Expression:
        return self._reflected("sub", other)

    def __mul__(self, other: Operand) -> Expression:
        return self._binary("mul", other)

    def __rmul__(self, other: Operand) -> Expression:
        return self._reflected("mul", other)

    def __truediv__(self, other: Operand) -> Expression:
        return self._binary("div", other)

    def __rtruediv__(self, other: Operand) -> Expression:
        return self._reflected("div", other)

    def __mod__(self, other: Operand) -> Expression:
        return self._binary("mod", other)

    def __rmod__(self, other: Operand) -> Expression:
        return self._reflected("mod", other)

    def __neg__(self) -> Expression:
        return Expression(_negate(self.node))

    def __pos__(self) -> Expression:
        return self

    def divby(self, other: Operand) -> Expression:
        """``self divby other``: division with a decimal result (``div`` on integers truncates)."""
        return self._binary("divby", other)

    # -- primary operators --------------------------------------------------------------------
    def in_(self, values: Operand) -> Expression:
        """``self in (v1,v2,…)`` for a list/tuple/set of values, or ``self in collection``."""
        if isinstance(values, (list, tuple, set, frozenset)):
            items = sorted(values, key=repr) if isinstance(values, (set, frozenset)) else list(values)
            if not items:
                raise BuildError("in_() needs at least one value: OData has no empty list '()'")
            nodes = [_node(item) for item in items]
            for node in nodes:
                if not isinstance(node, _LISTABLE):
                    raise TypeError(
                        f"an in_() list holds values (literals, enum values, aliases), not {type(node).__name__}; "
                        "for a collection expression pass it alone: x.in_(F.Other)"
                    )
            return Expression(tree.In(self.node, tree.ListExpr(nodes)))
        if isinstance(values, (str, bytes)):
            raise TypeError("in_() takes a list of values (a str is one value: use == instead)")
        return Expression(tree.In(self.node, _node(values)))

    def has(self, flag: Operand) -> Expression:
        """``self has Ns.Type'Flag'``: ``flag`` an enum value (see ``enum_type``) or ``enum_literal``."""
        node = _node(flag)
        if not isinstance(node, (tree.EnumLiteral, tree.Alias)):
            raise TypeError("has() takes an enum value (see enum_type / enum_literal) or an alias")
        return Expression(tree.BinaryOp("has", self.node, node))

    def cast(self, type_name: str) -> Expression:
        """``cast(self,Type)``; ``type_name`` like ``Edm.Int64`` or ``Collection(Ns.T)``."""
        return cast(self, type_name)

    def isof(self, type_name: str) -> Expression:
        """``isof(self,Type)``."""
        return isof(self, type_name)

    # -- paths --------------------------------------------------------------------------------
    def _path(self, what: str) -> tree.Path:
        if not isinstance(self.node, tree.Path):
            raise TypeError(f"{what} works on a property path, not on {type(self.node).__name__}")
        return self.node

    def _extend(self, *segments: tree.Segment) -> Expression:
        path = self._path("navigation")
        return Expression(tree.Path((*path.segments, *segments)))

    def __getattr__(self, name: str) -> Expression:
        if name.startswith("_"):  # never navigate on protocol probes (__array__, _repr_html_…)
            raise AttributeError(name)
        if not isinstance(self.node, tree.Path):
            raise AttributeError(f"{type(self.node).__name__} expression has no attribute {name!r} (only paths navigate)")
        return self._extend(_segment(name))

    def __getitem__(self, name: str) -> Expression:
        """One segment by name: a name Python cannot spell, ``Ns.Type`` (a cast) or ``@Ns.Term``."""
        return self._extend(_segment(name))

    def count(self, *, filter: Operand | None = None, search: Any = None) -> Expression:
        """``path/$count`` (optionally ``$count($filter=…;$search=…)``)."""
        return self._extend(tree.Count(
            filter=None if filter is None else _condition(filter),
            search=None if search is None else _search(search),
        ))

    def any(self, predicate: Callable[[Expression], Operand] | None = None, *, name: str | None = None) -> Expression:
        """``path/any(v:predicate)``: ``predicate`` gets the range variable, e.g.
        ``F.Items.any(lambda i: i.Quantity > 100)``; with no predicate, ``path/any()``.

        The variable is named after the Python parameter (``i``) or ``name``, renamed (``i1``…)
        when a nested lambda or a property of the predicate already uses that name.
        """
        if predicate is None:
            if name is not None:
                raise BuildError("any() without a predicate has no range variable to name")
            return self._extend(tree.Lambda("any"))
        return self._extend(_lambda("any", predicate, name))

    def all(self, predicate: Callable[[Expression], Operand], *, name: str | None = None) -> Expression:
        """``path/all(v:predicate)``; see ``any``."""
        if predicate is None:
            raise TypeError("all() needs a predicate, e.g. F.Items.all(lambda i: i.Price > 5)")
        return self._extend(_lambda("all", predicate, name))

    # -- $orderby -----------------------------------------------------------------------------
    def asc(self) -> tree.OrderByItem:
        """This expression as an ascending ``$orderby`` item."""
        return tree.OrderByItem(self.node)

    def desc(self) -> tree.OrderByItem:
        """This expression as a descending ``$orderby`` item (``… desc``)."""
        return tree.OrderByItem(self.node, descending=True)


class _Fields:
    """``F``: the root of property paths. ``F.Name``, ``F["odd-but-valid"]``, ``F.path("A/B")``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Expression:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> Expression:
        return Expression(tree.Path((_first(_segment(name)),)))

    def path(self, text: str) -> Expression:
        """A whole ``/``-separated path: ``F.path("From/EmailAddress/Address")``,
        ``F.path("Attachments/Microsoft.OutlookServices.FileAttachment/Name")``."""
        segments = _path_segments(text)
        return Expression(tree.Path((_first(segments[0]), *segments[1:])))

    def __repr__(self) -> str:
        return "F"


def _first(segment: tree.Segment) -> tree.Segment:
    if isinstance(segment, tree.Property) and _is_keyword_name(segment.name):
        raise BuildError(
            f"a path cannot start with {segment.name!r}: OData reads it as a keyword; "
            f"reach the property through $it: it[{segment.name!r}]"
        )
    return segment


class _RootVariable:
    """``root``: ``$root/EntitySet…``. ``root.People``, ``root("People", "A1245").LastName``,
    ``root("OrderItems", OrderID=1, ItemID=2)``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Expression:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> Expression:
        return Expression(tree.Path((tree.Variable("$root"), tree.Property(_identifier(name, "entity set name")))))

    def __call__(self, entity_set: str, *key: Operand, **named_key: Operand) -> Expression:
        if bool(key) == bool(named_key):
            raise TypeError("root(entity_set, key) takes one key value, or the key parts as name=value")
        if len(key) > 1:
            raise TypeError("a compound key names its parts: root('OrderItems', OrderID=1, ItemID=2)")
        parts = [tree.KeyValue(_key_value(key[0]))] if key else [
            tree.KeyValue(_key_value(value), _identifier(part, "key property name")) for part, value in named_key.items()
        ]
        return Expression(tree.Path((
            tree.Variable("$root"), tree.EntitySet(_identifier(entity_set, "entity set name"), tree.Key(parts)),
        )))

    def __repr__(self) -> str:
        return "root"


def _key_value(value: Operand) -> tree.Expr:
    node = _node(value)
    if not isinstance(node, (tree.Literal, tree.EnumLiteral, tree.Alias)):
        raise TypeError(f"a key value is a literal or an alias, not {type(node).__name__}")
    return node


F = _Fields()
it = Expression(tree.Path((tree.Variable("$it"),)))
this = Expression(tree.Path((tree.Variable("$this"),)))
root = _RootVariable()


def alias(name: str) -> Expression:
    """A parameter alias in an expression, ``@name``; give it a value with ``Q().alias(name, value)``."""
    return Expression(tree.Alias(_alias_name(name)))


def _alias_name(name: str) -> str:
    name = _identifier(name, "alias name")
    if not name.isidentifier():  # the query-string reader checks aliases with str.isidentifier
        raise BuildError(f"{name!r} is not a valid alias name")
    return name


# -- lambdas ----------------------------------------------------------------------------------

_placeholders = itertools.count()
#: Names the lambdas whose predicate is being built right now mean to take (outermost first):
#: an inner lambda avoids them, so names grow with the depth (x, x1, x2) and the outer keeps
#: the name its author gave it.
_enclosing: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("_enclosing", default=())


def _lambda(kind: str, predicate: Callable[[Expression], Operand], name: str | None) -> tree.Lambda:
    if not callable(predicate):
        raise TypeError(f"{kind}() takes a function of the range variable, e.g. lambda x: x.Id == 1")
    enclosing = _enclosing.get()
    if name is not None:
        intended = _identifier(name, "lambda variable name")
        if name in enclosing or _is_keyword_name(name):
            raise BuildError(f"lambda variable {name!r} would shadow an enclosing lambda's variable or a keyword")
    else:
        intended = _fresh(_parameter_name(predicate), set(enclosing))
    placeholder = f"{_PLACEHOLDER}{next(_placeholders)}"
    token = _enclosing.set((*enclosing, intended))
    try:
        body = predicate(Expression(tree.Path((tree.LambdaVariable(placeholder),))))
    finally:
        _enclosing.reset(token)
    if body is None:
        raise TypeError(f"the {kind}() predicate returned None: it must return a condition (did it forget `return`?)")
    node = _condition(body)
    taken = _names_in_scope(node) | set(enclosing)
    if name is not None and name in taken:
        raise BuildError(
            f"lambda variable {name!r} would shadow a name its predicate uses (a nested lambda's "
            "variable, or a property); choose another name or leave name= out"
        )
    final = _fresh(intended, taken) if intended in taken else intended
    return tree.Lambda(kind, final, _rename(node, placeholder, final))


def _parameter_name(predicate: Callable[..., Any]) -> str:
    try:
        parameters = list(inspect.signature(predicate).parameters)
    except (TypeError, ValueError):  # builtins and some callables have no signature
        parameters = []
    if parameters and _IDENTIFIER.fullmatch(parameters[0]) and len(parameters[0]) <= _MAX_IDENTIFIER:
        return parameters[0]
    return "x"


def _fresh(preferred: str, taken: set[str]) -> str:
    if preferred not in taken and not _is_keyword_name(preferred):
        return preferred
    base = preferred[: _MAX_IDENTIFIER - 6]
    return next(f"{base}{n}" for n in itertools.count(1) if f"{base}{n}" not in taken)


def _names_in_scope(node: tree.Node) -> set[str]:
    """Names a range variable of ``node``'s lambda must not take: the first property of every
    path (the variable would shadow it) and the variables of nested lambdas."""
    names: set[str] = set()
    for current in visit.walk(node):
        if isinstance(current, tree.Path) and isinstance(current.segments[0], tree.Property):
            names.add(current.segments[0].name)
        elif isinstance(current, tree.Lambda) and current.variable is not None:
            names.add(current.variable)
    names.discard("")
    return {name for name in names if not name.startswith(_PLACEHOLDER)}


def _rename(node: tree.Expr, old: str, new: str) -> tree.Expr:
    """``node`` with every ``LambdaVariable(old)`` replaced by ``LambdaVariable(new)``."""
    renamed = tree.LambdaVariable(new)
    rule = lambda n: renamed if type(n) is tree.LambdaVariable and n.name == old else n  # noqa: E731
    return visit.transform(node, rule)  # type: ignore[return-value]  # an expression rewritten is an expression


def _checked(node: tree.Node) -> tree.Node:
    """``node``, after making sure no lambda range variable escaped its lambda."""
    for current in visit.walk(node):
        if type(current) is tree.LambdaVariable and current.name.startswith(_PLACEHOLDER):
            raise BuildError("a lambda's range variable was used outside its any()/all() predicate")
        if type(current) is tree.Path and len(current.segments) == 1 and type(current.segments[0]) is tree.TypeCast:
            name = current.segments[0].name
            raise BuildError(
                f"F[{name!r}] is a type cast, which is no value on its own (ABNF memberExpr: a cast is followed "
                f"by '/'): name a property after it, F[{name!r}].Name, or use isof({name!r})"
            )
    return node


# -- canonical functions, cast, isof, case ----------------------------------------------------


def _call(function: str, *args: Operand) -> Expression:
    fewest, most = FUNCTIONS[function]
    if not fewest <= len(args) <= most:
        raise TypeError(f"{function}() takes {_arity_text(function)}, not {len(args)}")
    nodes = [_node(arg) for arg in args]
    if function == "isdefined" and not isinstance(nodes[0], tree.Path):  # isdefinedExpr: a member path
        raise BuildError("isdefined() takes a property path, e.g. fn.isdefined(F.Name)")
    return Expression(tree.Call(function, nodes))


class _Functions:
    """``fn``: every canonical function of ``syntax.FUNCTIONS``, e.g. ``fn.contains(F.Subject, "x")``,
    ``fn.year(F.Start) == 2015``, ``fn.geo.distance(F.Location, point)``, ``fn["matchesPattern"]``.
    Names are case-insensitive, as in OData 4.01; arity is checked against the table."""

    __slots__ = ("_prefix",)
    _prefix: str

    def __init__(self, prefix: str = "") -> None:
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name: str) -> Callable[..., Expression]:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> Any:
        full = self._prefix + name
        canonical = canonical_function_name(full)
        if canonical is not None:
            function = lambda *args: _call(canonical, *args)  # noqa: E731
            function.__name__ = function.__qualname__ = canonical.replace(".", "_")
            function.__doc__ = f"The canonical function {canonical}(): {_arity_text(canonical)}."
            return function
        if any(known.lower().startswith(full.lower() + ".") for known in FUNCTIONS):
            return _Functions(full + ".")
        raise AttributeError(f"{full!r} is not a canonical function; known: {', '.join(sorted(FUNCTIONS))}")

    def __dir__(self) -> list[str]:
        names = {known[len(self._prefix):].split(".")[0] for known in FUNCTIONS if known.startswith(self._prefix)}
        return sorted(names)

    def __repr__(self) -> str:
        return f"fn{'.' + self._prefix[:-1] if self._prefix else ''}"


def _arity_text(function: str) -> str:
    fewest, most = FUNCTIONS[function]
    count = str(fewest) if fewest == most else f"{fewest} to {most}"
    return f"{count} argument{'s' if most != 1 else ''}"


fn = _Functions()


def _type_name(name: Any) -> tree.TypeName:
    if isinstance(name, tree.TypeName):
        return name
    if not isinstance(name, str):
        raise TypeError(f"a type name is a str such as 'Edm.Int64', not {type(name).__name__}")
    if name.startswith("Collection(") and name.endswith(")"):
        return tree.TypeName(_qualified(name[len("Collection("):-1]), collection=True)
    return tree.TypeName(_qualified(name))


def cast(operand: Operand, type_name: str | None = None) -> Expression:
    """``cast(operand,Type)``; ``cast("Ns.Type")`` alone casts the current instance (``cast(Ns.Type)``)."""
    if type_name is None:
        return Expression(tree.Cast(_type_name(operand)))
    return Expression(tree.Cast(_type_name(type_name), _node(operand)))


def isof(operand: Operand, type_name: str | None = None) -> Expression:
    """``isof(operand,Type)``; ``isof("Ns.Type")`` alone tests the current instance."""
    if type_name is None:
        return Expression(tree.IsOf(_type_name(operand)))
    return Expression(tree.IsOf(_type_name(type_name), _node(operand)))


def case(*branches: tuple[Operand, Operand]) -> Expression:
    """``case(c1:v1,c2:v2,…)`` from ``(condition, value)`` pairs; ``(True, v)`` as a default."""
    if not branches:
        raise BuildError("case() needs at least one (condition, value) pair")
    built = []
    for branch in branches:
        if not (isinstance(branch, tuple) and len(branch) == 2):
            raise TypeError(f"case() takes (condition, value) pairs, not {branch!r}")
        built.append(tree.CaseBranch(_node(branch[0]), _node(branch[1])))
    return Expression(tree.Case(built))


# ---------------------------------------------------------------------------------------------
# $search
# ---------------------------------------------------------------------------------------------

_SEARCH_KEYWORDS = frozenset({"AND", "OR", "NOT"})
_PLAIN_WORD = re.compile(r"\w+")


class SearchTerm:
    """A built ``$search`` expression: ``S("blue") & ~S("red") | S("green tea")``."""

    __slots__ = ("node",)
    node: Any

    def __init__(self, node: Any) -> None:
        object.__setattr__(self, "node", node)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("search terms are immutable")

    def __and__(self, other: Any) -> SearchTerm:
        return SearchTerm(tree.SearchAnd(self.node, _search_expr(other)))

    def __rand__(self, other: Any) -> SearchTerm:
        return SearchTerm(tree.SearchAnd(_search_expr(other), self.node))

    def __or__(self, other: Any) -> SearchTerm:
        return SearchTerm(tree.SearchOr(self.node, _search_expr(other)))

    def __ror__(self, other: Any) -> SearchTerm:
        return SearchTerm(tree.SearchOr(_search_expr(other), self.node))

    def __invert__(self) -> SearchTerm:
        return SearchTerm(tree.SearchNot(self.node))

    def __bool__(self) -> bool:
        raise TypeError("a search term has no truth value: combine terms with & | ~")

    def __repr__(self) -> str:
        return f"SearchTerm({self.node!r})"


def S(text: str) -> SearchTerm:
    """A ``$search`` term from plain text, taken literally: one word (``blue``) if it is letters
    and digits only, else a quoted phrase (``"blue green"``). Nothing in the text is syntax:
    ``S("NOT red")`` searches for the phrase, it does not negate."""
    if not isinstance(text, str):
        raise TypeError(f"a search term is a str, not {type(text).__name__}")
    if not text:
        raise BuildError("a search term cannot be empty")
    if '"' in text:
        raise BuildError(f"a $search phrase cannot contain '\"' (OData has no escape for it): {text!r}")
    _string(text)
    if _PLAIN_WORD.fullmatch(text) and text not in _SEARCH_KEYWORDS:
        return SearchTerm(tree.SearchWord(text))
    return SearchTerm(tree.SearchPhrase(text))


_SEARCH_NODES = (tree.SearchWord, tree.SearchPhrase, tree.SearchNot, tree.SearchAnd, tree.SearchOr)


def _search_expr(value: Any) -> Any:
    if isinstance(value, SearchTerm):
        return value.node
    if isinstance(value, str):
        return S(value).node
    if isinstance(value, _SEARCH_NODES):
        return value
    raise TypeError(f"a $search term is a str, S(...) or a search node, not {type(value).__name__}")


def _search(value: Any) -> tree.Search:
    return value if isinstance(value, tree.Search) else tree.Search(_search_expr(value))


# ---------------------------------------------------------------------------------------------
# Query options (shared by the query and by nested expand/select options)
# ---------------------------------------------------------------------------------------------


def _condition(value: Operand) -> tree.Expr:
    if isinstance(value, str):
        raise TypeError(
            "a condition is built, not written as text: F.Name == 'x' (to use text you trust, "
            "pass parse_filter(text))"
        )
    return _node(value)


def _count_value(what: str) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"${what} is an int, not {type(value).__name__} {value!r}")
        if value < 0:
            raise BuildError(f"${what} must not be negative, got {value}")
        return value

    return convert


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"$count is True or False, not {value!r}")
    return value


def _levels(value: Any) -> int | str:
    if value == "max" and isinstance(value, str):
        return "max"
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BuildError(f"$levels is a positive int or 'max', not {value!r}")
    return value


def _many(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _item_path(value: Any, item: str) -> tuple[tree.Segment, ...]:
    if isinstance(value, str):
        return _path_segments(value, item=item)
    if isinstance(value, Expression) and isinstance(value.node, tree.Path):
        _checked(value.node)
        return value.node.segments
    raise TypeError(f"a ${item} path is a str ('A/B') or a path such as F.A.B, not {value!r}")


def _select(value: Any) -> tree.Select:
    if isinstance(value, tree.Select):
        return value
    return tree.Select(
        item if isinstance(item, tree.SelectItem) else tree.SelectItem(_item_path(item, "select"))
        for item in _many(value)
    )


def _expand(value: Any) -> tree.Expand:
    if isinstance(value, tree.Expand):
        return value
    return tree.Expand(
        item if isinstance(item, tree.ExpandItem) else expand_item(item) for item in _many(value)
    )


def _orderby_item(value: Any) -> tree.OrderByItem:
    if isinstance(value, tree.OrderByItem):
        return value
    if isinstance(value, str):
        return tree.OrderByItem(F.path(value).node)
    return tree.OrderByItem(_condition(value))


def _orderby(value: Any) -> tree.OrderBy:
    if isinstance(value, tree.OrderBy):
        return value
    return tree.OrderBy(_orderby_item(item) for item in _many(value))


def _compute(value: Any) -> tree.Compute:
    """``$compute`` from ``{"Name": expr}``, ``[(expr, "Name"), …]`` or ``ComputeItem`` nodes."""
    if isinstance(value, tree.Compute):
        return value
    pairs = list(value.items()) if isinstance(value, Mapping) else _many(value)
    items = []
    for item in pairs:
        if isinstance(item, tree.ComputeItem):
            items.append(item)
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(value, Mapping):
            items.append(tree.ComputeItem(_condition(item[1]), _identifier(item[0], "$compute alias")))
        elif isinstance(item, tuple) and len(item) == 2:
            items.append(tree.ComputeItem(_condition(item[0]), _identifier(item[1], "$compute alias")))
        else:
            raise TypeError(f"a $compute item is (expression, 'Name') or Name=expression, not {item!r}")
    return tree.Compute(items)


def _aliases(value: Any) -> tuple[tree.AliasDefinition, ...]:
    if isinstance(value, Mapping):
        return tuple(tree.AliasDefinition(_alias_name(name), _node(item)) for name, item in value.items())
    return tuple(value)


#: Option name → converter; ExpandItem, SelectItem and Query share it.
_OPTIONS: dict[str, Callable[[Any], Any]] = {
    "filter": _condition,
    "search": _search,
    "select": _select,
    "expand": _expand,
    "orderby": _orderby,
    "top": _count_value("top"),
    "skip": _count_value("skip"),
    "count": _bool,
    "levels": _levels,
    "compute": _compute,
    "aliases": _aliases,
    "apply": lambda value: _steps(value),
}

#: Which nested options an expand item takes, by what ends its path (URL Conventions §5.1.3;
#: ABNF expandOption, expandRefOption, expandCountOption).
_EXPAND_OPTIONS = {
    None: frozenset({"filter", "search", "select", "expand", "orderby", "top", "skip", "count", "levels", "compute", "aliases", "apply"}),
    "$ref": frozenset({"filter", "search", "orderby", "top", "skip", "count"}),
    "$count": frozenset({"filter", "search"}),
    "*": frozenset({"levels"}),
}
_SELECT_OPTIONS = frozenset({"filter", "search", "select", "orderby", "top", "skip", "count", "compute", "aliases"})


def _int_option(what: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"${what} is an int, not {value!r}")
    return value


def _converted(options: Mapping[str, Any], allowed: frozenset[str], where: str) -> dict[str, Any]:
    unknown = set(options) - allowed
    if unknown:
        raise TypeError(f"{where} takes the options {', '.join(sorted(allowed))}; not {', '.join(sorted(unknown))}")
    return {name: _OPTIONS[name](value) for name, value in options.items() if value is not None}


def expand_item(path: Any, *, suffix: str | None = None, **options: Any) -> tree.ExpandItem:
    """One ``$expand`` item with its nested options, for ``Q.expand`` or a nested ``expand=``.

    ``path``: ``"Extensions"``, ``"A/B"``, ``F.A.B``, ``"*"`` or ``"$value"``; ``suffix``:
    ``"$ref"`` or ``"$count"``; options: filter, search, select, expand, orderby, top, skip,
    count, levels, compute, aliases (fewer after ``$ref``/``$count``, only levels after ``*``).
    """
    segments = _item_path(path, "expand")
    if suffix not in (None, "$ref", "$count"):
        raise BuildError(f"suffix is '$ref' or '$count', not {suffix!r}")
    kind = "*" if isinstance(segments[-1], tree.Star) and suffix is None else suffix
    where = f"expand item {'/'.join(serialize(segment) for segment in segments)}" + (f"/{suffix}" if suffix else "")
    if isinstance(segments[-1], tree.Star) and suffix == "$count":
        raise BuildError("*/$count is not an expand item; use '*' with suffix='$ref' or levels=")
    if isinstance(segments[-1], tree.Value) and (suffix or options):
        raise BuildError("the $value expand item takes no suffix and no options")
    return tree.ExpandItem(segments, suffix=suffix, **_converted(options, _EXPAND_OPTIONS[kind], where))


def select_item(path: Any, **options: Any) -> tree.SelectItem:
    """One ``$select`` item with nested options (filter, search, select, orderby, top, skip,
    count, compute, aliases), e.g. ``select_item("Addresses", filter=F.City == "Oslo")``."""
    segments = _item_path(path, "select")
    return tree.SelectItem(segments, **_converted(options, _SELECT_OPTIONS, "a select item"))


def _sort_key(value: Any, descending: bool) -> tree.OrderByItem:
    item = _orderby_item(value)
    return attrs.evolve(item, descending=descending)


def asc(value: Any) -> tree.OrderByItem:
    """An ascending ``$orderby`` item from a path (``"Subject"``, ``F.Subject``) or expression."""
    return _sort_key(value, False)


def desc(value: Any) -> tree.OrderByItem:
    """A descending ``$orderby`` item: ``desc("ReceivedDateTime")`` → ``ReceivedDateTime desc``."""
    return _sort_key(value, True)


# ---------------------------------------------------------------------------------------------
# The query
# ---------------------------------------------------------------------------------------------

_TEXT_OPTION = re.compile(r"\S(?:.*\S)?", re.DOTALL)


@attrs.frozen
class Q:
    """An immutable query: every method returns a new ``Q``; ``to_tree()`` gives the ``tree.Query``.

    >>> q = Q().filter(F.Subject == "Hi").top(5)
    >>> str(q.filter(F.IsRead == False))
    "$filter=Subject eq 'Hi' and IsRead eq false&$top=5"
    """

    query: tree.Query = attrs.field(factory=tree.Query)

    def _with(self, **changes: Any) -> Q:
        return Q(attrs.evolve(self.query, **changes))

    # -- output -------------------------------------------------------------------------------
    def to_tree(self) -> tree.Query:
        """The ``tree.Query`` this builds (what ``parse_query`` gives for the same text)."""
        return _checked(self.query)  # type: ignore[return-value]

    def to_string(self) -> str:
        """The canonical, readable text: ``$filter=Id eq 'x'&$top=5``; nothing in it changes under
        a form decoder (a ``+`` in a value is written ``%2B``), so ``params=`` keeps it intact."""
        return serialize(self.to_tree())

    def to_url(self) -> str:
        """The text to put after ``?`` in a URL (spaces as ``%20``, literals percent-encoded)."""
        return serialize(self.to_tree(), url=True)

    def __str__(self) -> str:
        return self.to_string()

    # -- system query options -----------------------------------------------------------------
    def filter(self, *conditions: Operand) -> Q:
        """And ``conditions`` onto ``$filter`` (a second call ands with the first)."""
        if not conditions:
            raise TypeError("filter() needs a condition, e.g. F.Subject == 'Hi'")
        nodes = [_condition(condition) for condition in conditions]
        if self.query.filter is not None:
            nodes.insert(0, self.query.filter)
        return self._with(filter=nodes[0] if len(nodes) == 1 else tree.And.of(*nodes))

    def search(self, *terms: Any) -> Q:
        """``$search``: plain strings are words or phrases taken literally (see ``S``); several
        terms, or a second call, are and-ed."""
        if not terms:
            raise TypeError("search() needs a term")
        nodes = [_search_expr(term) for term in terms]
        if self.query.search is not None:
            nodes.insert(0, self.query.search.expr)
        combined = nodes[0]
        for node in nodes[1:]:
            combined = tree.SearchAnd(combined, node)
        return self._with(search=tree.Search(combined))

    def expand(self, *paths: Any, suffix: str | None = None, **options: Any) -> Q:
        """Add ``$expand`` items: ``.expand("Extensions", filter=F.Id == "x")``; items built with
        ``expand_item`` mix in: ``.expand(expand_item("A"), expand_item("B", top=1))``."""
        if not paths:
            raise TypeError("expand() needs a path such as 'Extensions'")
        items = [
            path if isinstance(path, tree.ExpandItem) and not options and suffix is None
            else expand_item(path, suffix=suffix, **options)
            for path in paths
        ]
        existing = self.query.expand.items if self.query.expand is not None else ()
        _no_repeats([*existing, *items])
        return self._with(expand=tree.Expand((*existing, *items)))

    def select(self, *paths: Any, **options: Any) -> Q:
        """Add ``$select`` items: ``.select("Subject", F.From.EmailAddress, "Ns.*")``."""
        if not paths:
            raise TypeError("select() needs a path such as 'Subject'")
        items = [
            path if isinstance(path, tree.SelectItem) and not options else select_item(path, **options)
            for path in paths
        ]
        existing = self.query.select.items if self.query.select is not None else ()
        return self._with(select=tree.Select((*existing, *items)))

    def orderby(self, *items: Any) -> Q:
        """Add ``$orderby`` items: paths or expressions (ascending), ``F.X.desc()``, ``desc("X")``."""
        if not items:
            raise TypeError("orderby() needs an item")
        existing = self.query.orderby.items if self.query.orderby is not None else ()
        return self._with(orderby=tree.OrderBy((*existing, *(_orderby_item(item) for item in items))))

    def top(self, n: int) -> Q:
        """``$top=n``."""
        return self._with(top=_OPTIONS["top"](n))

    def skip(self, n: int) -> Q:
        """``$skip=n``."""
        return self._with(skip=_OPTIONS["skip"](n))

    def count(self, value: bool = True) -> Q:
        """``$count=true`` (or ``false``)."""
        return self._with(count=_bool(value))

    def compute(self, *items: Any, **named: Operand) -> Q:
        """Add ``$compute`` items: ``.compute(Total=F.Price * F.Quantity)`` → ``… as Total``."""
        new = [*_compute(list(items)).items, *_compute(named).items]
        if not new:
            raise TypeError("compute() needs an item, e.g. compute(Total=F.Price * F.Quantity)")
        existing = self.query.compute.items if self.query.compute is not None else ()
        return self._with(compute=tree.Compute((*existing, *new)))

    def apply(self, *steps: Any) -> Q:
        """Add ``$apply`` transformations (``T.filter(…)``, ``T.groupby(…)``, …) after any already set."""
        if not steps:
            raise TypeError("apply() needs a transformation, e.g. T.filter(F.Amount > 3)")
        existing = self.query.apply.steps if self.query.apply is not None else ()
        return self._with(apply=tree.Apply((*existing, *_steps(list(steps)).steps)))

    def levels(self, value: int | str) -> Q:
        """``$levels=n`` or ``$levels=max``."""
        return self._with(levels=_levels(value))

    def index(self, value: int) -> Q:
        """``$index=n``."""
        return self._with(index=_int_option("index", value))

    def format(self, value: str) -> Q:
        """``$format=json`` (or xml, atom, a media type ``type/subtype``)."""
        from . import percent
        from .parser import _FORMAT  # the one pattern of the $format ABNF

        text = _text_option("format", value)
        if not _FORMAT.fullmatch(percent.encode(text, "!$'()*+,;=:@/")):
            raise ValueError(f"$format is json, xml, atom or a media type (type/subtype), not {value!r}")
        return self._with(format=text)

    def skiptoken(self, value: str) -> Q:
        """``$skiptoken=…`` (an opaque token from a next link)."""
        return self._with(skiptoken=_text_option("skiptoken", value))

    def deltatoken(self, value: str) -> Q:
        """``$deltatoken=…``."""
        return self._with(deltatoken=_text_option("deltatoken", value))

    def schemaversion(self, value: str) -> Q:
        """``$schemaversion=…``."""
        return self._with(schemaversion=_text_option("schemaversion", value))

    # -- aliases and custom options -----------------------------------------------------------
    def alias(self, name: str, value: Operand) -> Q:
        """``@name=value``: give the alias used as ``alias(name)`` its value."""
        name = _alias_name(name)
        if any(existing.name == name for existing in self.query.aliases):
            raise BuildError(f"alias @{name} already has a value; an alias is given once")
        return self._with(aliases=(*self.query.aliases, tree.AliasDefinition(name, _node(value))))

    def custom(self, name: str, value: str | None = None) -> Q:
        """A custom query option ``name=value`` (both percent-encoded in the URL form)."""
        if not isinstance(name, str) or not name:
            raise BuildError("a custom option needs a non-empty name")
        if name.startswith(("$", "@")) or name.lower() in SYSTEM_QUERY_OPTIONS:
            raise BuildError(f"custom option {name!r} must not start with $ or @ or be named like a system option")
        if value is not None:
            if not isinstance(value, str):
                raise TypeError(f"a custom option's value is a str, not {type(value).__name__}")
            _string(value)
        _string(name)
        return self._with(custom=(*self.query.custom, tree.CustomOption(name, value)))


def _text_option(what: str, value: Any) -> str:
    if not isinstance(value, str) or not _TEXT_OPTION.fullmatch(value):
        raise BuildError(f"${what} is a non-empty str without surrounding spaces, not {value!r}")
    _string(value)
    return value


def _no_repeats(items: Iterable[tree.ExpandItem]) -> None:
    seen: set[tuple[Any, ...]] = set()
    for item in items:
        key = (item.path, item.suffix)
        if key in seen and not isinstance(item.path[-1], tree.Star):
            raise BuildError(f"{serialize(tree.Expand((item,)))!r} is expanded twice; a property appears in one expand item")
        seen.add(key)



# ---------------------------------------------------------------------------------------------
# $apply (Data Aggregation 4.0): transformations as ordinary tree nodes
# ---------------------------------------------------------------------------------------------


def _apply_path(value: Any, what: str) -> tree.Path:
    if isinstance(value, str):
        return tree.Path(_path_segments(value))
    if isinstance(value, Expression) and isinstance(value.node, tree.Path):
        return _checked(value.node)  # type: ignore[return-value]
    if isinstance(value, tree.Path):
        return value
    raise TypeError(f"{what} is a path ('A/B' or F.A.B), not {value!r}")


def _aggregate_value(value: Any) -> tree.Expr:
    if isinstance(value, str) and value == "$count":
        return tree.Path((tree.Count(),))
    if isinstance(value, str):
        return F.path(value).node
    return _condition(value)


def _method(method: str | None) -> str | None:
    if method is None or method in tree.AGGREGATION_METHODS or (isinstance(method, str) and "." in method):
        return _qualified(method, "custom aggregation method") if method and "." in method else method
    raise ValueError(f"an aggregation method is one of {', '.join(tree.AGGREGATION_METHODS)} or a qualified name, not {method!r}")


def _steps(value: Any) -> tree.Apply:
    if isinstance(value, tree.Apply):
        return value
    steps = tuple(_many(value))
    if not steps:
        raise ValueError("a sequence of transformations needs at least one")
    return tree.Apply(steps)


def _optional_steps(value: Any) -> tree.Apply | None:
    return None if value is None else _steps(value)


class _Transformations:
    """``T``: the ``$apply`` transformations, each returning its tree node for ``Q.apply``.

    >>> str(Q().apply(T.groupby("Customer/Country", then=T.aggregate(Total=(F.Amount, "sum")))))
    '$apply=groupby((Customer/Country),aggregate(Amount with sum as Total))'
    """

    @staticmethod
    def agg(value: Any, method: str | None = None, *, alias: str | None = None,
            from_: Iterable[tuple[Any, str | None]] = ()) -> tree.AggregateExpr:
        """One aggregate expression: ``agg(F.Amount, "sum", alias="Total")``; ``value="$count"``
        counts; ``from_=[("Time", "average")]`` aggregates per group first."""
        froms = [
            tree.AggregateFrom([_apply_path(p, "a from path") for p in (paths if isinstance(paths, (list, tuple)) else [paths])],
                               _method(step_method))
            for paths, step_method in from_
        ]
        return tree.AggregateExpr(
            _aggregate_value(value), _method(method), froms,
            None if alias is None else _identifier(alias, "aggregate alias"),
        )

    def aggregate(self, *items: tree.AggregateExpr, **named: Any) -> tree.Aggregate:
        """``aggregate(…)``: ``T.aggregate(Total=(F.Amount, "sum"), N="$count")`` or agg() items."""
        built = list(items)
        for alias, spec in named.items():
            value, method = spec if isinstance(spec, tuple) else (spec, None)
            built.append(self.agg(value, method, alias=alias))
        if not built:
            raise ValueError("aggregate() needs at least one aggregate expression")
        return tree.Aggregate(built)

    @staticmethod
    def rollup(*paths: Any, hierarchy: str | None = None) -> tree.Rollup:
        """``rollup(A,B,…)`` (two or more paths) or ``rollup(hierarchy="Qualifier")``."""
        if hierarchy is not None:
            if paths:
                raise ValueError("rollup() takes paths or a hierarchy qualifier, not both")
            return tree.Rollup(hierarchy=_identifier(hierarchy, "hierarchy qualifier"))
        if len(paths) < 2:
            raise ValueError("rollup() takes two or more paths (or hierarchy=)")
        return tree.Rollup([_apply_path(p, "a rollup path") for p in paths])

    @staticmethod
    def groupby(*properties: Any, then: Any = None) -> tree.GroupBy:
        """``groupby((A,B),then)``: paths (str, F.A.B) and ``T.rollup(…)``; ``then`` a
        transformation or a list of them, applied to each group."""
        if not properties:
            raise ValueError("groupby() needs at least one grouping property")
        grouped = [p if isinstance(p, (tree.Rollup, tree.RollupRecursive)) else _apply_path(p, "a grouping property")
                   for p in properties]
        return tree.GroupBy(grouped, _optional_steps(then))

    @staticmethod
    def filter(condition: Operand) -> tree.ApplyFilter:
        """``filter(condition)``."""
        return tree.ApplyFilter(_condition(condition))

    @staticmethod
    def search(*terms: Any) -> tree.ApplySearch:
        """``search(…)``: terms as for ``Q.search``."""
        combined = _search_expr(terms[0]) if terms else None
        if combined is None:
            raise TypeError("search() needs a term")
        for term in terms[1:]:
            combined = tree.SearchAnd(combined, _search_expr(term))
        return tree.ApplySearch(tree.Search(combined))

    @staticmethod
    def compute(**named: Operand) -> tree.ApplyCompute:
        """``compute(expr as Name,…)`` from ``Name=expr``."""
        if not named:
            raise TypeError("compute() needs an item, e.g. compute(Tax=F.Amount * F.TaxRate)")
        return tree.ApplyCompute(_compute(named).items)

    @staticmethod
    def orderby(*items: Any) -> tree.ApplyOrderBy:
        """``orderby(…)``: items as for ``Q.orderby``."""
        if not items:
            raise TypeError("orderby() needs an item")
        return tree.ApplyOrderBy(_orderby_item(item) for item in items)

    @staticmethod
    def top(n: int) -> tree.ApplyTop:
        return tree.ApplyTop(_count_value("top")(n))

    @staticmethod
    def skip(n: int) -> tree.ApplySkip:
        return tree.ApplySkip(_count_value("skip")(n))

    identity = tree.Identity()

    @staticmethod
    def concat(*sequences: Any) -> tree.Concat:
        """``concat(a,b,…)``: each argument a transformation or a list of them."""
        if len(sequences) < 2:
            raise ValueError("concat() joins two or more transformation sequences")
        return tree.Concat(_steps(s) for s in sequences)

    @staticmethod
    def ranking(function: str, amount: Operand, value: Operand) -> tree.Ranking:
        """``topcount(n,value)`` and siblings, by name (``tree.RANKING_FUNCTIONS``)."""
        if function not in tree.RANKING_FUNCTIONS:
            raise ValueError(f"ranking is one of {', '.join(tree.RANKING_FUNCTIONS)}, not {function!r}")
        return tree.Ranking(function, _node(amount), _condition(value))

    def topcount(self, amount: Operand, value: Operand) -> tree.Ranking:
        return self.ranking("topcount", amount, value)

    def bottomcount(self, amount: Operand, value: Operand) -> tree.Ranking:
        return self.ranking("bottomcount", amount, value)

    @staticmethod
    def nest(**named: Any) -> tree.Nest:
        """``nest(transformations as Name,…)`` from ``Name=transformations``."""
        if not named:
            raise ValueError("nest() needs at least one item")
        return tree.Nest(tree.NestItem(_steps(v), _identifier(k, "nest alias")) for k, v in named.items())

    @staticmethod
    def addnested(path: Any, **named: Any) -> tree.AddNested:
        """``addnested(path,transformations as Name,…)``."""
        if not named:
            raise ValueError("addnested() needs at least one item")
        return tree.AddNested(_apply_path(path, "an addnested path"),
                              [tree.NestItem(_steps(v), _identifier(k, "nest alias")) for k, v in named.items()])

    @staticmethod
    def join(path: Any, alias: str, then: Any = None, *, outer: bool = False) -> tree.Join:
        """``join(path as Alias[,then])``; ``outer=True`` for ``outerjoin``."""
        return tree.Join(_apply_path(path, "a join path"), _identifier(alias, "join alias"), _optional_steps(then), outer=outer)

    def __repr__(self) -> str:
        return "T"


T = _Transformations()

