"""Check a query (and its resource path) against a model: every fault, never an exception.

``check(model, "me/messages?$filter=subjct eq 'x'")`` resolves the resource path through entity
sets, singletons, keys, casts and navigation properties, then types every query option against
the type the path yields: names (with the closest one as a suggestion), operand types of each
operator and canonical function, lambdas, ``$expand`` along navigations (nested options checked
against the target), ``$select``/``$orderby`` paths, ``$levels``, keys and bound operations.
Each ``QueryFault`` names the option, the offset in that option's text, and what is wrong.

Expressions are typed by a dispatch table over the tree classes (``_EXPRESSIONS``); a type is a
``Typed`` (qualified name, collection flag), or None when unknown (a dynamic property of an open
type, an alias): unknown types are never reported, so one fault does not cascade.
"""

from __future__ import annotations

import difflib
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

import attrs

from ..query import tree as T
from ..errors import ODataSyntaxError, _caret_excerpt
from . import elements as E
from .errors import closest
from .model import Model, Resolved

__all__ = ["QueryFault", "Typed", "check", "resolve_path", "NUMERIC"]


@attrs.frozen
class QueryFault:
    """One fault of a query against a model: ``option`` (``$filter``, ``path``…), ``offset`` into
    ``text`` (that option's text), ``message``, a ``code`` and the closest valid name if any."""

    option: str
    offset: int
    message: str
    code: str
    text: str = ""
    suggestion: str | None = None
    severity: str = "error"  # "warning": allowed by the model but almost surely a mistake

    def __str__(self) -> str:
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        head = f"{self.option} at offset {self.offset}: {self.message}{hint}"
        return head + ("\n" + _caret_excerpt(self.text, self.offset) if self.text else "")


@attrs.frozen
class Typed:
    """The type of an expression: a qualified name (``Edm.Int32``, ``ns.Type``) and collection-ness."""

    name: str
    collection: bool = False


NUMERIC = ("Edm.Byte", "Edm.SByte", "Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Single", "Edm.Double")
_INTEGERS = NUMERIC[:5]
_TEMPORAL = ("Edm.Date", "Edm.DateTimeOffset")
_BOOLEAN = Typed("Edm.Boolean")

#: Canonical functions (URL Conventions §5.1.1.5–5.1.1.11): accepted kinds of each argument, result.
#: A kind is an Edm name, "numeric", "temporal" (Date, DateTimeOffset, TimeOfDay), "string-or-collection", "any".
_CALLS: dict[str, tuple[tuple[str, ...], str]] = {
    "contains": (("string-or-collection", "string-or-collection"), "Edm.Boolean"),
    "startswith": (("string-or-collection", "string-or-collection"), "Edm.Boolean"),
    "endswith": (("string-or-collection", "string-or-collection"), "Edm.Boolean"),
    "indexof": (("string-or-collection", "string-or-collection"), "Edm.Int32"),
    "length": (("string-or-collection",), "Edm.Int32"),
    "substring": (("string-or-collection", "Edm.Int32", "Edm.Int32"), "first"),
    "concat": (("string-or-collection", "string-or-collection"), "first"),
    "hassubset": (("collection", "collection"), "Edm.Boolean"),
    "hassubsequence": (("collection", "collection"), "Edm.Boolean"),
    "matchesPattern": (("Edm.String", "Edm.String"), "Edm.Boolean"),
    "tolower": (("Edm.String",), "Edm.String"),
    "toupper": (("Edm.String",), "Edm.String"),
    "trim": (("Edm.String",), "Edm.String"),
    "year": (("date",), "Edm.Int32"), "month": (("date",), "Edm.Int32"), "day": (("date",), "Edm.Int32"),
    "hour": (("time",), "Edm.Int32"), "minute": (("time",), "Edm.Int32"), "second": (("time",), "Edm.Int32"),
    "fractionalseconds": (("time",), "Edm.Decimal"),
    "date": (("Edm.DateTimeOffset",), "Edm.Date"),
    "time": (("Edm.DateTimeOffset",), "Edm.TimeOfDay"),
    "totaloffsetminutes": (("Edm.DateTimeOffset",), "Edm.Int32"),
    "totalseconds": (("Edm.Duration",), "Edm.Decimal"),
    "now": ((), "Edm.DateTimeOffset"), "mindatetime": ((), "Edm.DateTimeOffset"), "maxdatetime": ((), "Edm.DateTimeOffset"),
    "round": (("numeric",), "first"), "floor": (("numeric",), "first"), "ceiling": (("numeric",), "first"),
    "geo.distance": (("geo", "geo"), "Edm.Double"),
    "geo.intersects": (("geo", "geo"), "Edm.Boolean"),
    "geo.length": (("geo",), "Edm.Double"),
}


def _kind_accepts(kind: str, typed: Typed) -> bool:
    name = typed.name
    if kind == "any":
        return True
    if kind == "collection":
        return typed.collection
    if kind == "string-or-collection":
        return typed.collection or name == "Edm.String"
    if typed.collection:
        return False
    if kind == "numeric":
        return name in NUMERIC
    if kind == "date":
        return name in ("Edm.Date", "Edm.DateTimeOffset")
    if kind == "time":
        return name in ("Edm.TimeOfDay", "Edm.DateTimeOffset")
    if kind == "geo":
        return name.startswith(("Edm.Geography", "Edm.Geometry"))
    if kind == "Edm.Int32":
        return name in _INTEGERS
    return name == kind


def _kind_word(kind: str) -> str:
    return {"string-or-collection": "a string or a collection", "numeric": "a number", "date": "a date",
            "time": "a time", "geo": "a geography or geometry", "collection": "a collection"}.get(kind, kind)


def _category(model: Model, typed: Typed) -> str:
    """What values of a single primitive type compare with: numbers with numbers, dates with dates…"""
    name = typed.name
    if name in NUMERIC:
        return "number"
    if name in _TEMPORAL:
        return "datetime"  # a Date literal compares with a DateTimeOffset (Microsoft services promote it)
    if name.startswith(("Edm.Geography", "Edm.Geometry")):
        return "geo"
    if name.startswith("Edm."):
        return name
    found = model.type(name)
    if isinstance(found, E.TypeDefinition):
        return _category(model, Typed(found.underlying.type))
    if isinstance(found, E.EnumType):
        return "enum:" + model.qualified(name)
    return "structured"


def _show(typed: Typed | None) -> str:
    if typed is None:
        return "unknown"
    return f"Collection({typed.name})" if typed.collection else typed.name


# ---------------------------------------------------------------------------------------------
# Locating faults in the option text
# ---------------------------------------------------------------------------------------------


class _Option:
    """The option being checked: its name, its text and where a name first appears in it."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text

        self.cursor = 0

    def _starts(self, word: str) -> list[int]:
        return [m.start() for m in re.finditer(rf"(?<![\w.$@]){re.escape(word)}(?![\w])", self.text)] if word else []

    def visit(self, word: str) -> None:
        """The checker reached ``word``: move past its next occurrence (the tree is walked in text order)."""
        later = [start for start in self._starts(word) if start >= self.cursor]
        if later:
            self.cursor = later[0]

    def find(self, word: str) -> int:
        """Where a fault about ``word`` points: its last occurrence up to where the walk has got."""
        starts = self._starts(word)
        before = [start for start in starts if start <= self.cursor]
        return before[-1] if before else (starts[0] if starts else 0)


@attrs.define
class _Scope:
    """What names mean where an expression is checked: ``$it``'s type, lambda variables, aliases."""

    it: Typed | None
    root: Typed | None = None
    variables: dict[str, Typed | None] = attrs.Factory(dict)
    computed: dict[str, Typed | None] = attrs.Factory(dict)

    def inner(self, it: Typed | None) -> _Scope:
        return _Scope(it, self.root, dict(self.variables), {})


class _Checker:
    def __init__(self, model: Model, aliases: dict[str, T.Expr], source: Any = None) -> None:
        self.model = model
        self.faults: list[QueryFault] = []
        self.aliases = aliases
        self.source = source  # the entity set the resource path starts from (for its capabilities)
        self.option = _Option("", "")

    def fault(self, message: str, code: str, word: str = "", suggestion: str | None = None,
              severity: str = "error") -> None:
        self.faults.append(QueryFault(self.option.name, self.option.find(word) if word else 0, message, code,
                                      self.option.text, suggestion, severity))

    # -- names ----------------------------------------------------------------------------------
    def member(self, owner: Typed, name: str, scope: _Scope) -> tuple[Any, bool]:
        """(the member, found): a property/navigation, a computed alias, or a dynamic property of
        an open type (None, True); reports an unknown name."""
        self.option.visit(name)
        if name in scope.computed:
            return scope.computed[name], True
        found = self.model.property(owner.name, name)
        if found is not None:
            return found, True
        if self.model.is_open(owner.name):
            # Any name is a dynamic property of an open type; one a letter or two from a declared
            # name (Graph's message is open: ``subjct``) is reported as a warning.
            near = difflib.get_close_matches(name, list(self.model.members(owner.name)), n=1, cutoff=0.8)
            if near or any(n.lower() == name.lower() for n in self.model.members(owner.name)):
                best = closest(name, self.model.members(owner.name))
                self.fault(f"{name!r} is not declared by {owner.name}; as it is open, it would be a dynamic property",
                           "likely-typo", name, best, "warning")
            return None, True
        candidates = list(self.model.members(owner.name)) + list(scope.computed)
        self.fault(f"{owner.name} has no property {name!r}", "unknown-property", name, closest(name, candidates))
        return None, False

    def member_type(self, member: Any) -> Typed | None:
        if isinstance(member, E.Property):
            return Typed(self.canonical(member.type.type), member.type.collection)
        if isinstance(member, E.NavigationProperty):
            return Typed(self.model.qualified(member.target), member.collection)
        return member if isinstance(member, Typed) else None

    def canonical(self, name: str) -> str:
        return name if name.startswith("Edm.") else self.model.qualified(name)

    def cast(self, current: Typed, name: str) -> Typed | None:
        """A type cast segment: the type must exist and derive from (or be) the current type."""
        target = self.model.type(name)
        if target is None:
            candidates = [n for n, t in self.model.types() if isinstance(t, (E.EntityType, E.ComplexType))]
            self.fault(f"unknown type {name!r} in a type cast", "unknown-type", name, closest(name, candidates))
            return None
        qualified = self.model.qualified(name)
        if not self.model.is_a(qualified, current.name):
            self.fault(f"{qualified} does not derive from {current.name}, so it cannot be a cast of it", "bad-cast", name)
            return None
        return Typed(qualified, current.collection)

    def structured(self, typed: Typed | None) -> bool:
        return typed is not None and self.model.structured_type(typed.name) is not None

    # -- expressions ----------------------------------------------------------------------------
    def expr(self, node: Any, scope: _Scope) -> Typed | None:
        handler = _EXPRESSIONS.get(type(node))
        return handler(self, node, scope) if handler is not None else None

    def literal(self, node: T.Literal, scope: _Scope) -> Typed | None:
        if node.type == "Null":
            return None
        return Typed("Edm." + node.type)

    def enum_literal(self, node: T.EnumLiteral, scope: _Scope) -> Typed | None:
        enum = self.model.type(node.type_name)
        if not isinstance(enum, E.EnumType):
            candidates = [n for n, t in self.model.types() if isinstance(t, E.EnumType)]
            self.fault(f"unknown enumeration type {node.type_name!r}", "unknown-type", node.type_name,
                       closest(node.type_name, candidates))
            return None
        names = {m.name for m in enum.members}
        for member in node.members:
            if member not in names and not member.lstrip("-").isdigit():
                self.fault(f"{node.type_name} has no member {member!r}", "unknown-member", member, closest(member, names))
        return Typed(self.model.qualified(node.type_name))

    def list_expr(self, node: T.ListExpr | T.JsonArray, scope: _Scope) -> Typed | None:
        kinds = [self.expr(item, scope) for item in node.items]
        known = [k for k in kinds if k is not None]
        return Typed(known[0].name, True) if known else None

    def path(self, node: T.Path, scope: _Scope) -> Typed | None:
        segments = node.segments
        current: Typed | None = scope.it
        index = 0
        first = segments[0] if segments else None
        if isinstance(first, T.Variable):
            current = scope.root if first.name == "$root" else scope.it
            index = 1
            if first.name == "$root" and len(segments) > 1 and isinstance(segments[1], T.Property):
                root = self.model.entity_set(segments[1].name)
                if root is None:
                    self.fault(f"no entity set or singleton {segments[1].name!r}", "unknown-resource",
                               segments[1].name, closest(segments[1].name, self.model.roots()))
                    return None
                current, index = Typed(self.model.qualified(root.entity_type), root.collection), 2
        elif isinstance(first, T.LambdaVariable):
            current = scope.variables.get(first.name)
            index = 1
        elif isinstance(first, T.EntitySet):
            root = self.model.entity_set(first.name)
            if root is None:
                self.fault(f"no entity set {first.name!r}", "unknown-resource", first.name, closest(first.name, self.model.roots()))
                return None
            current = Typed(self.model.qualified(root.entity_type), root.collection and first.key is None)
            index = 1
        for segment in segments[index:]:
            if current is None:
                return None  # past a dynamic property: nothing more to know
            current = self.segment(current, segment, scope)
        return current

    def segment(self, current: Typed, segment: Any, scope: _Scope) -> Typed | None:
        if isinstance(segment, T.Property):
            if current.collection:
                self.fault(f"{segment.name!r} is read from a collection ({_show(current)}); use any/all or $count",
                           "collection-path", segment.name)
                return None
            if not self.structured(current):
                self.fault(f"{current.name} is not structured, so it has no property {segment.name!r}",
                           "unknown-property", segment.name)
                return None
            member, _ = self.member(current, segment.name, scope)
            return self.member_type(member)
        if isinstance(segment, T.TypeCast):
            return self.cast(current, segment.name)
        if isinstance(segment, T.Lambda):
            if not current.collection:
                self.fault(f"{segment.kind}() needs a collection, but the path before it is {_show(current)}",
                           "not-a-collection", segment.kind)
                return _BOOLEAN
            if segment.predicate is not None:
                inner = scope.inner(scope.it)
                inner.variables = {**scope.variables, segment.variable or "": Typed(current.name)}
                self.boolean(segment.predicate, inner, f"the {segment.kind}() predicate")
            return _BOOLEAN
        if isinstance(segment, T.Count):
            if not current.collection:
                self.fault(f"$count needs a collection, but the path before it is {_show(current)}", "not-a-collection", "$count")
            elif segment.filter is not None:
                self.boolean(segment.filter, scope.inner(Typed(current.name)), "the $count filter")
            return Typed("Edm.Int64")
        if isinstance(segment, T.FunctionCall):
            return self.bound_call(current, segment.name, segment.args, scope)
        if isinstance(segment, T.FilterSegment):
            if current.collection:
                self.boolean(segment.predicate, scope.inner(Typed(current.name)), "the $filter segment")
            return current
        return None  # annotations and the rest: not typed by the model

    def bound_call(self, current: Typed | None, name: str, args: Any, scope: _Scope) -> Typed | None:
        overloads = self.model.operations(name)
        if not overloads:
            candidates = [q for q, _ in self.model.bound_operations(current.name, current.collection)] if current else []
            self.fault(f"unknown function {name!r}", "unknown-function", name, closest(name, candidates))
            return None
        for arg in args:
            self.expr(arg.value, scope)
        if current is None:
            return None
        fits = [op for op in overloads if op.is_bound and self.binds(op, current)]
        if not fits:
            bound_to = ", ".join(sorted({_show(Typed(self.canonical(op.parameters[0].type.type), op.parameters[0].type.collection))
                                         for op in overloads if op.is_bound})) or "nothing (it is unbound)"
            self.fault(f"{name} is bound to {bound_to}, not to {_show(current)}", "wrong-binding", name)
            return None
        returns = fits[0].return_type
        if returns is None:
            return None
        return Typed(self.canonical(returns.type.type), returns.type.collection)

    def binds(self, operation: E.Action | E.Function, current: Typed) -> bool:
        binding = operation.parameters[0].type
        return binding.collection == current.collection and self.model.is_a(current.name, binding.type) \
            if not binding.type.startswith("Edm.") else binding.type == current.name

    def boolean(self, node: Any, scope: _Scope, what: str) -> None:
        typed = self.expr(node, scope)
        if typed is not None and (typed.collection or typed.name != "Edm.Boolean"):
            self.fault(f"{what} must be a Boolean expression, not {_show(typed)}", "type-mismatch", _first_word(node))

    def binary(self, node: T.BinaryOp, scope: _Scope) -> Typed | None:
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        op = node.op
        if op == "has":
            if left is not None and (left.collection or not _category(self.model, left).startswith("enum:")):
                self.fault(f"'has' needs an enumeration on its left, not {_show(left)}", "type-mismatch",
                           _first_word(node.left))
            return _BOOLEAN
        if left is None or right is None:
            return _BOOLEAN if op in ("eq", "ne", "gt", "ge", "lt", "le") else (left or right)
        if op in ("eq", "ne", "gt", "ge", "lt", "le"):
            if left.collection or right.collection:
                self.fault(f"'{op}' compares single values, not {_show(left if left.collection else right)}",
                           "type-mismatch", _first_word(node.left if left.collection else node.right))
            elif not self.comparable(left, right, op):
                self.fault(f"'{op}' cannot compare {_show(left)} with {_show(right)}", "type-mismatch", _first_word(node.left))
            return _BOOLEAN
        return self.arithmetic(node, left, right)

    def comparable(self, left: Typed, right: Typed, op: str) -> bool:
        a, b = _category(self.model, left), _category(self.model, right)
        if a == b:
            return a != "structured" or op in ("eq", "ne")
        # 4.01 §5.1.1.1.1: an enumeration compares with a string literal naming a member
        return {a.split(":")[0], b} == {"enum", "Edm.String"} or {b.split(":")[0], a} == {"enum", "Edm.String"}

    def arithmetic(self, node: T.BinaryOp, left: Typed, right: Typed) -> Typed | None:
        pair = (left.name, right.name)
        if not left.collection and not right.collection:
            if left.name in NUMERIC and right.name in NUMERIC:
                return Typed(_wider(left.name, right.name))
            if node.op in ("add", "sub"):
                if left.name in ("Edm.DateTimeOffset", "Edm.Date") and right.name == "Edm.Duration":
                    return left
                if pair == ("Edm.Duration", "Edm.Duration"):
                    return left
                if node.op == "sub" and left.name == right.name and left.name in _TEMPORAL:
                    return Typed("Edm.Duration")
            if node.op in ("mul", "div", "divby") and left.name == "Edm.Duration" and right.name in NUMERIC:
                return left
        self.fault(f"'{node.op}' cannot take {_show(left)} and {_show(right)}", "type-mismatch",
                   _first_word(node.left if left.name not in NUMERIC else node.right))
        return None

    def logical(self, node: T.And | T.Or, scope: _Scope) -> Typed | None:
        word = "and" if isinstance(node, T.And) else "or"
        for operand in node.operands:
            self.boolean(operand, scope, f"an operand of '{word}'")
        return _BOOLEAN

    def unary(self, node: T.UnaryOp, scope: _Scope) -> Typed | None:
        if node.op == "not":
            self.boolean(node.operand, scope, "the operand of 'not'")
            return _BOOLEAN
        operand = self.expr(node.operand, scope)
        if operand is not None and (operand.collection or operand.name not in (*NUMERIC, "Edm.Duration")):
            self.fault(f"'-' negates a number or a duration, not {_show(operand)}", "type-mismatch", _first_word(node.operand))
            return None
        return operand

    def in_(self, node: T.In, scope: _Scope) -> Typed | None:
        left = self.expr(node.left, scope)
        if isinstance(node.right, (T.ListExpr, T.JsonArray)):
            items = [(item, self.expr(item, scope)) for item in node.right.items]
            categories = {_category(self.model, t) for _, t in items if t is not None}
            if len(categories) > 1:
                self.fault("the list after 'in' mixes types: " + ", ".join(sorted(_show(t) for _, t in items if t)),
                           "type-mismatch", _first_word(node.left))
            elif left is not None and categories and not left.collection:
                (category,) = categories
                if not self.comparable(left, next(t for _, t in items if t is not None), "eq"):
                    self.fault(f"'in' compares {_show(left)} with a list of {category}", "type-mismatch", _first_word(node.left))
        else:
            right = self.expr(node.right, scope)
            if right is not None and not right.collection:
                self.fault(f"'in' needs a list or a collection on its right, not {_show(right)}", "type-mismatch",
                           _first_word(node.right))
        return _BOOLEAN

    def call(self, node: T.Call, scope: _Scope) -> Typed | None:
        args = [self.expr(arg, scope) for arg in node.args]
        spec = _CALLS.get(node.function)
        if spec is None:
            return None
        kinds, result = spec
        for kind, typed, arg in zip(kinds, args, node.args):
            if typed is not None and not _kind_accepts(kind, self.resolved_type(typed)):
                self.fault(f"{node.function}() takes {_kind_word(kind)} here, not {_show(typed)}", "type-mismatch",
                           _first_word(arg) or node.function)
        if result == "first":
            return args[0] if args else None
        return Typed(result)

    def resolved_type(self, typed: Typed) -> Typed:
        """A type definition as its underlying primitive type."""
        found = self.model.type(typed.name) if not typed.name.startswith("Edm.") else None
        if isinstance(found, E.TypeDefinition):
            return Typed(found.underlying.type, typed.collection)
        return typed

    def type_name(self, node: T.TypeName) -> Typed | None:
        name = node.name
        if name.startswith("Edm."):
            if name[4:] not in E.EDM_TYPES:
                self.fault(f"unknown type {name!r}", "unknown-type", name, closest(name, [f"Edm.{t}" for t in E.EDM_TYPES]))
                return None
            return Typed(name, node.collection)
        if self.model.type(name) is None:
            self.fault(f"unknown type {name!r}", "unknown-type", name, closest(name, [n for n, _ in self.model.types()]))
            return None
        return Typed(self.model.qualified(name), node.collection)

    def cast_call(self, node: T.Cast | T.IsOf, scope: _Scope) -> Typed | None:
        target = self.type_name(node.type)
        operand = self.expr(node.operand, scope) if node.operand is not None else scope.it
        if target is not None and operand is not None and self.structured(target):
            if not (self.model.is_a(target.name, operand.name) or self.model.is_a(operand.name, target.name)):
                self.fault(f"{target.name} and {operand.name} are not related by inheritance", "bad-cast", node.type.name)
        return _BOOLEAN if isinstance(node, T.IsOf) else target

    def case(self, node: T.Case, scope: _Scope) -> Typed | None:
        result = None
        for branch in node.branches:
            self.boolean(branch.condition, scope, "a case() condition")
            value = self.expr(branch.value, scope)
            result = result or value
        return result

    def alias(self, node: T.Alias, scope: _Scope) -> Typed | None:
        value = self.aliases.get(node.name)
        return self.expr(value, scope) if value is not None else None

    def function_call(self, node: T.FunctionCall, scope: _Scope) -> Typed | None:
        return self.bound_call(scope.it, node.name, node.args, scope)

    # -- query options --------------------------------------------------------------------------
    def query(self, query: T.Query, it: Typed | None, texts: dict[str, str]) -> None:
        scope = _Scope(it, it)
        if query.compute is not None:
            self.at("$compute", texts, query.compute)
            for item in query.compute.items:
                scope.computed[item.alias] = self.expr(item.expr, scope)
        self.options(query, scope, texts)

    def at(self, option: str, texts: dict[str, str] | None, node: Any) -> None:
        if texts is None:
            return
        text = texts.get(option)
        if text is None:
            from ..query.printer import serialize

            text = serialize(node)
        self.option = _Option(option, text)

    def options(self, node: T.Query | T.ExpandItem | T.SelectItem, scope: _Scope, texts: dict[str, str] | None) -> None:
        """Check the options of a query, or the nested options of an expand/select item (``texts``
        None: faults then stay on the enclosing option, offsets into its text)."""
        if node.filter is not None:
            self.at("$filter", texts, node.filter)
            self.boolean(node.filter, scope, "$filter")
        if getattr(node, "select", None) is not None:
            self.at("$select", texts, node.select)
            for item in node.select.items:  # type: ignore[union-attr]
                self.select_item(item, scope)
        expand = getattr(node, "expand", None)
        if expand is not None:
            self.at("$expand", texts, expand)
            for expand in expand.items:
                self.expand_item(expand, scope)
        if node.orderby is not None:
            self.at("$orderby", texts, node.orderby)
            for order in node.orderby.items:
                self.orderby_item(order, scope)

    def select_item(self, item: T.SelectItem, scope: _Scope) -> None:
        current = scope.it
        for segment in item.path:
            if current is None:
                return
            if isinstance(segment, (T.Star, T.QualifiedStar)):
                return
            if isinstance(segment, T.TypeCast):
                current = self.cast(current, segment.name)
            elif isinstance(segment, T.Property):
                if "." in segment.name:
                    current = None  # an action or function selected by name
                    continue
                if not self.structured(current):
                    self.fault(f"{current.name} has no properties to select", "unknown-property", segment.name)
                    return
                member, _ = self.member(Typed(current.name), segment.name, scope)
                current = self.member_type(member)
            elif isinstance(segment, T.FunctionSignature):
                if not self.model.operations(segment.name):
                    self.fault(f"unknown function {segment.name!r}", "unknown-function", segment.name)
                return
        if current is not None and (item.filter is not None or item.orderby is not None or item.select is not None):
            self.options(item, scope.inner(Typed(current.name)), None)

    def expand_item(self, item: T.ExpandItem, scope: _Scope) -> None:
        current = scope.it
        owner = current
        navigation: E.NavigationProperty | None = None
        for segment in item.path:
            if current is None:
                return
            if isinstance(segment, (T.Star, T.Value)):
                return
            if isinstance(segment, T.TypeCast):
                current = self.cast(current, segment.name)
                continue
            if not isinstance(segment, T.Property):
                continue
            if not self.structured(current):
                return
            member, found = self.member(Typed(current.name), segment.name, scope)
            if not found or member is None:
                return
            if isinstance(member, E.Property):
                kind = self.member_type(member)
                if kind is not None and self.structured(kind) and segment is not item.path[-1]:
                    current = Typed(kind.name)  # a complex property on the way to a navigation
                    continue
                self.fault(f"$expand needs a navigation property, but {segment.name!r} is a structural property of "
                           f"{current.name}", "not-a-navigation", segment.name,
                           closest(segment.name, [n for n, m in self.model.members(current.name).items()
                                                  if isinstance(m, E.NavigationProperty)]))
                return
            owner, navigation = current, member
            current = Typed(self.model.qualified(member.target))
        if navigation is None or current is None or owner is None:
            return
        if item.levels is not None and not (self.model.is_a(current.name, owner.name) or self.model.is_a(owner.name, current.name)):
            self.fault(f"$levels needs a recursive navigation, but {navigation.name!r} leads from {owner.name} to "
                       f"{current.name}", "not-recursive", navigation.name)
        if item.suffix in ("$ref", "$count"):
            return
        inner = scope.inner(current)
        if item.compute is not None:
            for computed in item.compute.items:
                inner.computed[computed.alias] = self.expr(computed.expr, inner)
        self.options(item, inner, None)

    def orderby_item(self, item: T.OrderByItem, scope: _Scope) -> None:
        typed = self.expr(item.expr, scope)
        if typed is None:
            return
        word = _first_word(item.expr)
        if typed.collection or self.structured(typed):
            self.fault(f"$orderby needs a single primitive value, not {_show(typed)}", "not-sortable", word)
            return
        if isinstance(item.expr, T.Path) and self.source is not None and scope.it == scope.root:
            path = "/".join(s.name for s in item.expr.segments if isinstance(s, T.Property))
            if path in _non_sortable(self.model, self.source):
                self.fault(f"{path!r} is not sortable on {self.source.name} (Capabilities.SortRestrictions)",
                           "not-sortable", word)


def _non_sortable(model: Model, source: E.EntitySet | E.Singleton) -> set[str]:
    """The paths the SortRestrictions annotation of an entity set lists as NonSortableProperties."""
    found: set[str] = set()
    for annotation in source.annotations:
        if model.qualified(annotation.term) == "Org.OData.Capabilities.V1.SortRestrictions" \
                and isinstance(annotation.value, dict):
            for entry in annotation.value.get("NonSortableProperties", []):
                path = entry.get("$PropertyPath") if isinstance(entry, dict) else entry
                if isinstance(path, str):
                    found.add(path)
    return found


def _wider(a: str, b: str) -> str:
    order = NUMERIC
    if "Edm.Double" in (a, b) or "Edm.Single" in (a, b):
        return "Edm.Double"
    if "Edm.Decimal" in (a, b):
        return "Edm.Decimal"
    return order[max(order.index(a), order.index(b))]


def _first_word(node: Any) -> str:
    """The first name in an expression (where a caret for a fault about it should point)."""
    if isinstance(node, T.Path):
        for segment in node.segments:
            for field in ("name", "kind"):
                value = getattr(segment, field, None)
                if isinstance(value, str):
                    return value
        return ""
    if isinstance(node, (T.BinaryOp, T.In)):
        return _first_word(node.left)
    if isinstance(node, (T.And, T.Or)):
        return _first_word(node.operands[0])
    if isinstance(node, T.UnaryOp):
        return _first_word(node.operand)
    if isinstance(node, T.Call):
        return node.function
    if isinstance(node, T.Literal) and isinstance(node.value, str):
        return node.value
    if isinstance(node, T.EnumLiteral):
        return node.type_name
    return ""


_EXPRESSIONS: dict[type, Callable[[_Checker, Any, _Scope], Typed | None]] = {
    T.Literal: _Checker.literal,
    T.EnumLiteral: _Checker.enum_literal,
    T.ListExpr: _Checker.list_expr,
    T.JsonArray: _Checker.list_expr,
    T.Path: _Checker.path,
    T.BinaryOp: _Checker.binary,
    T.And: _Checker.logical,
    T.Or: _Checker.logical,
    T.UnaryOp: _Checker.unary,
    T.In: _Checker.in_,
    T.Call: _Checker.call,
    T.Cast: _Checker.cast_call,
    T.IsOf: _Checker.cast_call,
    T.Case: _Checker.case,
    T.Alias: _Checker.alias,
    T.FunctionCall: _Checker.function_call,
}


# ---------------------------------------------------------------------------------------------
# Resource paths
# ---------------------------------------------------------------------------------------------


def _named(mapping: dict[str, Any], name: str) -> Any:
    """Exact name first, then without regard to case (Graph and Outlook resolve path names so)."""
    found = mapping.get(name)
    if found is None:
        folded = [value for key, value in mapping.items() if key.lower() == name.lower()]
        found = folded[0] if len(folded) == 1 else None
    return found


class _PathWalker:
    def __init__(self, model: Model, text: str) -> None:
        self.model = model
        self.checker = _Checker(model, {})
        self.checker.option = _Option("path", text)

    def key(self, current: Typed, key: T.Key, word: str) -> None:
        refs = self.model.key(current.name)
        if not refs:
            return
        checker = self.checker
        if len(key.values) != len(refs):
            checker.fault(f"{current.name} has a key of {len(refs)} part{'s' if len(refs) > 1 else ''} "
                          f"({', '.join(r.alias or r.name for r in refs)}), not {len(key.values)}", "bad-key", word)
            return
        by_name = {(r.alias or r.name): r for r in refs}
        for position, value in enumerate(key.values):
            ref = refs[position] if value.name is None else by_name.get(value.name)
            if ref is None:
                checker.fault(f"{value.name!r} is not a key property of {current.name}", "bad-key", value.name or word,
                              closest(value.name or "", by_name))
                continue
            prop_type = self._key_type(current.name, ref.name)
            given = checker.expr(value.value, _Scope(None))
            if prop_type is not None and given is not None and not checker.comparable(prop_type, given, "eq"):
                checker.fault(f"the key {ref.name!r} of {current.name} is {prop_type.name}, not {given.name}", "bad-key", word)

    def _key_type(self, owner: str, path: str) -> Typed | None:
        current = owner
        prop = None
        for part in path.split("/"):
            prop = self.model.property(current, part)
            if not isinstance(prop, E.Property):
                return None
            current = prop.type.type
        return Typed(self.checker.canonical(current)) if prop is not None else None

    def walk(self, segments: list[Any]) -> Resolved | None:
        checker, model = self.checker, self.model
        if not segments:
            checker.fault("an empty resource path", "unknown-resource")
            return None
        first = segments[0]
        name = getattr(first, "name", "")
        root = _named(model.roots(), name) if name else None
        if root is None:
            imports = model.container
            operation = None
            if imports is not None:
                imported: tuple[E.FunctionImport | E.ActionImport, ...] = (*imports.function_imports, *imports.action_imports)
                operation = _named({f.name: f for f in imported}, name)
            if operation is not None:
                target = str(getattr(operation, "function", None) or getattr(operation, "action", ""))
                overloads = model.operations(target)
                returns = overloads[0].return_type if overloads else None
                structured = model.structured_type(returns.type.type) if returns else None
                if structured is None or returns is None:
                    return None
                return Resolved(structured, returns.type.collection, None, None, model.qualified(returns.type.type))
            checker.fault(f"no entity set or singleton {name!r}", "unknown-resource", name,
                          closest(name, list(model.roots())))
            return None
        current = Typed(model.qualified(root.entity_type), root.collection)
        navigation = None
        key = getattr(first, "key", None)
        if key is not None:
            if current.collection:
                self.key(current, key, name)
                current = Typed(current.name)
            else:
                checker.fault(f"{name} is a singleton: it takes no key", "bad-key", name)
        for segment in segments[1:]:
            kind = type(segment).__name__
            if kind == "DollarSegment":
                if segment.name == "$count" and not current.collection:
                    checker.fault("$count needs a collection", "not-a-collection", "$count")
                break
            if kind == "KeyAsSegment" or (kind == "NameSegment" and current.collection and segment.key is None
                                           and model.property(current.name, segment.name) is None
                                           and _named(model.members(current.name), segment.name) is None):
                if not current.collection:
                    checker.fault(f"{getattr(segment, 'value', getattr(segment, 'name', ''))!r}: a key on a single "
                                  f"entity", "bad-key", getattr(segment, "value", getattr(segment, "name", "")))
                current = Typed(current.name)
                continue
            if kind == "KeyPredicate":
                if current.collection:
                    self.key(current, segment.key, "(")
                    current = Typed(current.name)
                continue
            if kind == "CastSegment":
                if model.operations(segment.name):
                    typed = checker.bound_call(current, segment.name, (), _Scope(current))
                    if typed is None or model.structured_type(typed.name) is None:
                        return None
                    current, navigation = typed, None
                    continue
                if model.type(segment.name) is None:
                    candidates = [q for q, _ in model.bound_operations(current.name, current.collection)] + \
                                 [n for n in model.derived_types(current.name)]
                    checker.fault(f"unknown type cast or bound operation {segment.name!r}", "unknown-type",
                                  segment.name, closest(segment.name, candidates))
                    return None
                cast = checker.cast(current, segment.name)
                if cast is None:
                    return None
                current = cast
                if segment.key is not None and current.collection:
                    self.key(current, segment.key, segment.name)
                    current = Typed(current.name)
                continue
            if kind != "NameSegment":
                return None
            if current.collection:
                checker.fault(f"{segment.name!r} follows a collection: give a key first", "collection-path", segment.name)
                return None
            member = _named(model.members(current.name), segment.name)
            if member is None:
                if model.is_open(current.name):
                    checker.member(current, segment.name, _Scope(current))  # a warning when it is a near miss
                    return None
                checker.fault(f"{current.name} has no property {segment.name!r}", "unknown-property", segment.name,
                              closest(segment.name, model.members(current.name)))
                return None
            typed = checker.member_type(member)
            if typed is None:
                return None
            if isinstance(member, E.NavigationProperty):
                navigation = member
            elif model.structured_type(typed.name) is None:
                return None  # a primitive property: no type to query further
            current = typed
            if segment.key is not None:
                if current.collection:
                    self.key(current, segment.key, segment.name)
                    current = Typed(current.name)
                else:
                    checker.fault(f"{segment.name!r} is a single value: it takes no key", "bad-key", segment.name)
        structured = model.structured_type(current.name)
        if structured is None:
            return None
        return Resolved(structured, current.collection, root, navigation, current.name)


def _user_segments(url: Any) -> list[Any]:
    """The path with Graph/Outlook's user context (``me``, ``users/{id}``) put back as segments."""
    from ..url import NameSegment

    segments = list(url.path)
    user = url.user
    if user is not None:
        if user.user is None:
            return [NameSegment(user.name), *segments]
        key = T.Key([T.KeyValue(T.Literal("String", user.user))])
        return [NameSegment(user.name, key), *segments]
    return segments


def resolve_path(model: Model, path: Any) -> tuple[Resolved | None, list[QueryFault]]:
    """Resolve a resource path (text or ``Url``) into what it yields, with the faults on the way."""
    from ..url import Url, parse_url

    if isinstance(path, str):
        text = path
        try:
            url = parse_url(path)
        except (ODataSyntaxError, ValueError) as error:
            return None, [QueryFault("path", getattr(error, "offset", 0), str(error).splitlines()[0], "syntax", text)]
    elif isinstance(path, Url):
        url, text = path, str(path).split("?")[0]
    else:
        raise TypeError(f"a resource path is text or a Url, not {type(path).__name__}")
    walker = _PathWalker(model, text)
    resolved = walker.walk(_user_segments(url))
    return resolved, walker.checker.faults


def _option_texts(query: str) -> dict[str, str]:
    """Each system query option's decoded text, by ``$name`` (4.01 allows the ``$`` to be left out)."""
    texts: dict[str, str] = {}
    for part in query.split("&"):
        name, _, value = part.partition("=")
        name = urllib.parse.unquote(name).strip()
        if not name.startswith("@"):
            key = "$" + name.lstrip("$").lower()
            texts[key] = urllib.parse.unquote(value)
    return texts


def check(model: Model, url_or_query: Any, resource: Any = None) -> list[QueryFault]:
    """Every fault of a request against the model.

    ``url_or_query``: ``"me/messages?$filter=…"`` (a path, optionally with a service root, and a
    query), a ``Url``, a query string (``"$filter=…"``) or a ``Query`` tree; ``resource`` gives the
    path when the first argument is only a query. Faults come in path, then option order.
    """
    from ..query.parser import parse_query
    from ..url import Url

    query: T.Query | None = None
    texts: dict[str, str] = {}
    path: Any = resource
    if isinstance(url_or_query, T.Query):
        query = url_or_query
    elif isinstance(url_or_query, Url):
        path = attrs.evolve(url_or_query, query=None)
        query = url_or_query.query
    elif isinstance(url_or_query, str):
        text = url_or_query
        head, mark, tail = text.partition("?")
        if mark:
            path, query_text = head, tail
        elif text.lstrip().startswith(("$", "@")) or ("=" in text.split("/")[0] and "(" not in text.split("=")[0]):
            query_text = text
        else:
            path, query_text = text, ""
        if query_text:
            texts = _option_texts(query_text)
            try:
                query = parse_query(query_text)
            except ODataSyntaxError as error:
                return [QueryFault("query", error.offset, error.reason, "syntax", query_text)]
    else:
        raise TypeError(f"check takes a URL, a query string or a Query, not {type(url_or_query).__name__}")
    faults: list[QueryFault] = []
    resolved = None
    if path is not None:
        resolved, faults = resolve_path(model, path)
        if faults:
            return faults  # the options mean nothing against a path that does not exist
    if query is None:
        return faults
    it = Typed(resolved.type_name, resolved.collection) if resolved is not None else None
    if it is not None and it.collection:
        it = Typed(it.name)  # options apply to each member of the collection
    checker = _Checker(model, {a.name: a.value for a in query.aliases},
                       resolved.source if resolved is not None and resolved.navigation is None else None)
    if it is None:
        checker.option = _Option("query", "")
        if path is None:
            return [QueryFault("query", 0, "no resource path: give the URL's path, or resource=…", "no-resource")]
        return faults
    checker.query(query, it, texts)
    return faults + checker.faults
