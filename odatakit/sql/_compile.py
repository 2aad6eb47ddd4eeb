"""OData query trees to SQLAlchemy Core expressions: one handler per tree class.

Every literal becomes a bound parameter; comparisons are built so their SQL value equals the OData
value under three-valued logic (URL Conventions §5.1.1.1: ``eq``/``ne`` treat null as a value,
``gt``/``lt`` with a null operand are false, ``ge``/``le`` follow ``gt``/``lt`` and ``eq``), so
``not`` above them gives what the spec gives. Navigation to one entity is a LEFT OUTER JOIN
registered once per path; ``any``/``all`` are correlated ``EXISTS``; ``Nav/$count`` a correlated
scalar sub-query.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from .. import edm
from ..query import tree
from ..query.printer import serialize
from ._dialect import template
from ._model import Entity, Navigation, SQLCompileError

__all__ = ["Scope", "Compiler", "SUPPORTED_FUNCTIONS", "REFUSED_FUNCTIONS", "like_escape"]


def like_escape(text: str) -> str:
    """``text`` as a LIKE pattern that matches it literally under ``ESCAPE '\\'``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_LAST_CODE_POINT = 0x10FFFF


def successor(prefix: str) -> str | bytes:
    """The least string above every string that starts with ``prefix``, in code point order
    (UTF-8 byte order, SQLite's BINARY collation): ``'P12'`` → ``'P13'``; ``b''`` (an empty BLOB,
    which SQLite sorts above all text) when there is none (an empty prefix, or only U+10FFFF)."""
    text = prefix
    while text:
        last = ord(text[-1])
        if last < _LAST_CODE_POINT:
            following = last + 1 if last + 1 != 0xD800 else 0xE000  # no text holds a surrogate
            return text[:-1] + chr(following)
        text = text[:-1]
    return b""


def _where(node: Any) -> str:
    try:
        return serialize(node)
    except (ValueError, TypeError, KeyError, AttributeError):  # a fragment it cannot print alone
        return repr(node)


class Scope:
    """Where names resolve: an entity, the FROM element standing for it, the lambda variables in
    reach, and the to-one joins hung on this FROM element (each navigation path joined once)."""

    def __init__(self, entity: Entity, from_: Any, outer: Scope | None = None,
                 variables: dict[str, Scope] | None = None) -> None:
        self.entity = entity
        self.from_ = from_
        self.outer = outer
        self.root: Scope = outer.root if outer is not None else self
        self.variables: dict[str, Scope] = dict(variables or {})
        self.joins: dict[tuple[str, ...], tuple[Any, Any]] = {}

    def column(self, from_: Any, column: sa.Column[Any]) -> ColumnElement[Any]:
        return column if from_ is column.table else from_.corresponding_column(column)

    def join(self, key: tuple[str, ...], from_: Any, nav: Navigation) -> Any:
        """The alias of ``nav`` reached by the path ``key``: joined on first use, then reused."""
        found = self.joins.get(key)
        if found is not None:
            return found[0]
        alias = nav.target.table.alias()
        onclause = sa.and_(*(self.column(from_, local) == alias.corresponding_column(remote)
                             for local, remote in nav.pairs))
        self.joins[key] = (alias, onclause)
        return alias

    def from_clause(self) -> Any:
        joined = self.from_
        for alias, onclause in self.joins.values():
            joined = joined.outerjoin(alias, onclause)
        return joined


class _Open:
    """An open (dynamic) property read from the JSON column; typed by the operand it meets."""

    def __init__(self, column: ColumnElement[Any], keys: tuple[str, ...]) -> None:
        self.column = column
        self.keys = keys

    def typed(self, type_: Any) -> ColumnElement[Any]:
        element = self.column[self.keys[0] if len(self.keys) == 1 else self.keys]
        if isinstance(type_, sa.Boolean):
            return element.as_boolean()
        if isinstance(type_, sa.Integer):
            return element.as_integer()
        if isinstance(type_, sa.Float):
            return element.as_float()
        if isinstance(type_, sa.Numeric):
            return element.as_numeric(38, 10)
        return element.as_string()


#: Edm literal type → the SQLAlchemy type of its bound parameter.
_LITERAL_TYPES: dict[str, Callable[[], Any]] = {
    "String": sa.String, "Boolean": sa.Boolean, "Byte": sa.Integer, "SByte": sa.Integer,
    "Int16": sa.Integer, "Int32": sa.Integer, "Int64": sa.BigInteger, "Decimal": sa.Numeric,
    "Double": sa.Float, "Single": sa.Float, "Date": sa.Date, "DateTimeOffset": lambda: sa.DateTime(timezone=True),
    "TimeOfDay": sa.Time, "Guid": sa.Uuid, "Duration": sa.Interval,
}


#: One instance per Edm type (SQLAlchemy types are shared freely, as ``sa.Integer()`` columns do).
_LITERAL_TYPE: dict[str, Any] = {name: make() for name, make in _LITERAL_TYPES.items()}


def _python_value(value: Any, hint: Any) -> Any:
    """A literal's value as the driver takes it (``hint``: the type of what it is compared with)."""
    if isinstance(value, (edm.Date, edm.TimeOfDay, edm.Duration)):
        return value.to_python()
    if isinstance(value, edm.DateTimeOffset):
        moment = value.to_python()
        if isinstance(hint, sa.DateTime) and not hint.timezone:
            # a naive column holds UTC: compare the instant, not the wall-clock text
            return moment.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return moment
    return value


def _is_string(element: Any) -> bool:
    return isinstance(getattr(element, "type", None), sa.String)


def _is_integer(element: Any) -> bool:
    return isinstance(getattr(element, "type", None), sa.Integer)


def _nullable(element: Any) -> bool:
    """Whether the SQL value may be NULL (bound non-null literals and NOT NULL columns may not)."""
    if element._annotations.get("odatakit_nullable"):
        return True
    if isinstance(element, BindParameter):
        return element.value is None
    if isinstance(element, sa.Column):
        return bool(element.nullable)
    table_column = getattr(element, "_proxies", None)
    if isinstance(element, sa.sql.elements.ColumnClause) and table_column:
        return any(getattr(c, "nullable", True) for c in table_column)
    return True


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b, "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
}
_ARITHMETIC = {"add": "+", "sub": "-", "mul": "*"}


class Compiler:
    """Compiles expressions of one query; ``aliases`` are its ``@name=value`` definitions."""

    def __init__(self, aliases: dict[str, tree.Expr] | None = None, *, record: bool = False) -> None:
        self.aliases = aliases or {}
        #: With ``record``, each bound parameter made from a literal: (parameter, id of the literal
        #: node, how its value follows from the literal's), and each check of a literal's value:
        #: what lets the statement be reused for the same query with other values (_reuse.py).
        self.binds: list[tuple[BindParameter[Any], int, Callable[[Any], Any]]] | None = [] if record else None
        self.checks: list[tuple[int, Callable[[Any], bool]]] | None = [] if record else None
        # Whether the node being compiled sits in a positive position: reached from WHERE (or an
        # EXISTS, a CASE condition) through and/or only. There a null and a false are alike (the
        # row is left out either way), so the IS NOT NULL guards that keep not(...) right can go.
        self._positive = False
        self._here = False
        self._handlers: dict[type, Callable[[Any, Scope, Any], Any]] = {
            tree.Literal: self._literal, tree.Path: self._path, tree.BinaryOp: self._binary,
            tree.And: self._and, tree.Or: self._or, tree.UnaryOp: self._unary, tree.In: self._in,
            tree.Call: self._call, tree.Case: self._case, tree.Alias: self._alias,
        }

    # -- entry points -------------------------------------------------------------------------

    def value(self, node: Any, scope: Scope, hint: Any = None) -> Any:
        """The SQL value of ``node`` (an ``_Open`` for open properties until a type is known)."""
        handler = self._handlers.get(type(node))
        if handler is None:
            raise SQLCompileError(f"{type(node).__name__} is not supported by odatakit.sql", _where(node))
        here = self._positive
        self._here, self._positive = here, False  # the handler reads _here first; operands are not positive
        try:
            return handler(node, scope, hint)
        finally:
            self._positive = here

    def expr(self, node: Any, scope: Scope, hint: Any = None) -> ColumnElement[Any]:
        result = self.value(node, scope, hint)
        return result.typed(hint or sa.String()) if isinstance(result, _Open) else result

    def boolean(self, node: Any, scope: Scope, positive: bool = False) -> ColumnElement[Any]:
        """A predicate; ``positive`` when only its truth matters (null and false alike)."""
        saved = self._positive
        self._positive = positive
        try:
            return self.expr(node, scope, sa.Boolean())
        finally:
            self._positive = saved

    def pair(self, left: Any, right: Any, scope: Scope) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
        """Both operands; a literal or an open property takes its type from the other side."""
        if isinstance(left, tree.Literal) and not isinstance(right, tree.Literal):
            r = self.value(right, scope)
            l_ = self.expr(left, scope, getattr(r, "type", None) if not isinstance(r, _Open) else None)
            return l_, (r.typed(l_.type) if isinstance(r, _Open) else r)
        l_ = self.value(left, scope)
        r = self.value(right, scope, None if isinstance(l_, _Open) else getattr(l_, "type", None))
        if isinstance(l_, _Open) and isinstance(r, _Open):
            return l_.typed(sa.String()), r.typed(sa.String())
        if isinstance(l_, _Open):
            l_ = l_.typed(r.type)
        if isinstance(r, _Open):
            r = r.typed(l_.type)
        return l_, r

    # -- literals and aliases -----------------------------------------------------------------

    def bind(self, source: Any, value: Any, type_: Any, derive: Callable[[Any], Any] = lambda v: v) -> BindParameter[Any]:
        """A bound parameter holding ``derive(value)``, where ``value`` is the literal value of the
        node ``source`` (a ``Literal``, a search word): the one way a literal reaches SQL."""
        parameter = sa.literal(derive(value), type_)
        if self.binds is not None:
            self.binds.append((parameter, id(source), derive))
        return parameter

    def require(self, source: Any, value: Any, ok: Callable[[Any], bool], reason: str, where: Any) -> None:
        """Refuse the query unless ``ok(value)`` holds for the literal value of ``source``."""
        if self.checks is not None:
            self.checks.append((id(source), ok))
        if not ok(value):
            raise SQLCompileError(reason, _where(where))

    def _literal(self, node: tree.Literal, scope: Scope, hint: Any) -> Any:
        if node.type == "Null" or node.value is None:
            return sa.null()
        type_ = _LITERAL_TYPE.get(node.type)
        if type_ is None:
            raise SQLCompileError(f"{node.type} literals are not supported by odatakit.sql", _where(node))
        if node.type == "DateTimeOffset" and isinstance(hint, sa.DateTime):
            type_ = hint
        if node.type == "Date" and isinstance(hint, sa.Date):
            type_ = hint
        return self.bind(node, node.value, type_, lambda value: _python_value(value, hint))

    def _alias(self, node: tree.Alias, scope: Scope, hint: Any) -> Any:
        value = self.aliases.get(node.name)
        if value is None:
            raise SQLCompileError(f"parameter alias @{node.name} has no value in the query", _where(node))
        return self.value(value, scope, hint)

    # -- paths --------------------------------------------------------------------------------

    def _path(self, node: tree.Path, scope: Scope, hint: Any) -> Any:
        segments = list(node.segments)
        current = scope
        first = segments[0]
        if isinstance(first, tree.Variable):
            if first.name == "$it":
                current = scope.root
            elif first.name != "$this":
                raise SQLCompileError(f"{first.name} is not supported by odatakit.sql", _where(node))
            segments.pop(0)
        elif type(first) is tree.LambdaVariable:
            if first.name not in scope.variables:
                raise SQLCompileError(f"the lambda variable {first.name} is used outside its any()/all() predicate",
                                      _where(node))
            current = scope.variables[first.name]
            segments.pop(0)
        if not segments:
            raise SQLCompileError("a lambda variable or $it alone is not a value odatakit.sql can compare", _where(node))
        entity, from_ = current.entity, current.from_
        key: tuple[str, ...] = ()
        index = 0
        while index < len(segments):
            segment = segments[index]
            if not isinstance(segment, tree.Property):
                raise SQLCompileError(f"path segment {type(segment).__name__} is not supported here", _where(node))
            names = _property_run(segments, index)
            for end in range(len(names), 1, -1):  # a complex-property path mapped to one column
                mapped = entity.mapping.properties.get("/".join(names[:end]))
                if mapped is not None and mapped in entity.columns:
                    if index + end != len(segments):
                        raise SQLCompileError(f"{'/'.join(names[:end])} is a primitive property", _where(node))
                    return _reached(current.column(from_, entity.columns[mapped]), key)
            column = entity.column(segment.name)
            if column is not None:
                if index + 1 != len(segments):
                    raise SQLCompileError(f"{segment.name} is a primitive property: it has no member "
                                          f"{_where(tree.Path(segments[index + 1:]))}", _where(node))
                return _reached(current.column(from_, column), key)
            nav = entity.navigation(segment.name)
            if nav is not None:
                after = segments[index + 1] if index + 1 < len(segments) else None
                if isinstance(after, tree.Lambda):
                    return self._lambda(current, from_, nav, after, node)
                if isinstance(after, tree.Count):
                    return self._count(current, from_, nav, after)
                if nav.many:
                    raise SQLCompileError(f"collection-valued navigation {segment.name} needs any(), "
                                          "all() or $count here", _where(node))
                if after is None:
                    raise SQLCompileError(f"navigation property {segment.name} is not a primitive value", _where(node))
                key = (*key, segment.name)
                from_ = current.join(key, from_, nav)
                entity = nav.target
                index += 1
                continue
            open_column = entity.open_column
            if open_column is not None and len(names) == len(segments) - index:
                return _Open(current.column(from_, open_column), tuple(names))
            if segment.name in entity.many_to_many:
                raise SQLCompileError(f"navigation {segment.name} goes through an association table "
                                      "(many-to-many): not supported by odatakit.sql", _where(node))
            raise SQLCompileError(f"unknown property {segment.name}", _where(node))
        raise SQLCompileError("path does not end in a value", _where(node))  # pragma: no cover

    def _correlation(self, scope: Scope, from_: Any, nav: Navigation, alias: Any) -> ColumnElement[Any]:
        return sa.and_(*(scope.column(from_, local) == scope.column(alias, remote) for local, remote in nav.pairs))

    @staticmethod
    def _inner(scope: Scope, nav: Navigation) -> Any:
        """The FROM element of a correlated sub-query over ``nav``'s table: the table itself, unless
        a query it sits in reads that table too (SQLAlchemy would correlate the two): an alias then."""
        table = nav.target.table
        outer: Scope | None = scope
        while outer is not None:
            if outer.from_ is table:
                return table.alias()
            outer = outer.outer
        return table

    def _lambda(self, scope: Scope, from_: Any, nav: Navigation, node: tree.Lambda, path: Any) -> Any:
        if not nav.many:
            raise SQLCompileError(f"{node.kind}() needs a collection; {nav.name} is single-valued", _where(path))
        alias = self._inner(scope, nav)
        inner = Scope(nav.target, alias, scope, scope.variables)
        if node.variable is not None:
            inner.variables[node.variable] = inner
        conditions = [self._correlation(scope, from_, nav, alias)]
        if node.predicate is not None:
            predicate = self.boolean(node.predicate, inner, positive=True)
            if node.kind == "all":  # a member whose predicate is null or false breaks all()
                predicate = sa.not_(sa.func.coalesce(predicate, sa.false()))
            conditions.append(predicate)
        elif node.kind == "all":
            raise SQLCompileError("all() needs a predicate", _where(path))
        exists = sa.exists(sa.select(sa.literal(1)).select_from(inner.from_clause()).where(*conditions))
        return sa.not_(exists) if node.kind == "all" else exists

    def _count(self, scope: Scope, from_: Any, nav: Navigation, node: tree.Count) -> Any:
        if not nav.many:
            raise SQLCompileError(f"$count needs a collection; {nav.name} is single-valued")
        alias = self._inner(scope, nav)
        inner = Scope(nav.target, alias, scope, scope.variables)
        conditions = [self._correlation(scope, from_, nav, alias)]
        if node.filter is not None:
            conditions.append(self.boolean(node.filter, inner, positive=True))
        if node.search is not None:
            conditions.append(search(self, node.search.expr, inner))
        return (sa.select(sa.func.count()).select_from(inner.from_clause())
                .where(*conditions).scalar_subquery())

    # -- operators ----------------------------------------------------------------------------

    def _binary(self, node: tree.BinaryOp, scope: Scope, hint: Any) -> Any:
        if node.op in _COMPARE:
            return self._compare(node, scope, self._here)
        if node.op == "has":
            raise SQLCompileError("has (enumeration flags) is not supported by odatakit.sql", _where(node))
        if any(isinstance(side, tree.Literal) and side.value is None for side in (node.left, node.right)):
            return sa.null()  # arithmetic with null is null (URL §5.1.1.2)
        left, right = self.pair(node.left, node.right, scope)
        if _is_integer(left) and _is_integer(right):
            type_: Any = sa.BigInteger()
        elif isinstance(left.type, sa.Float) or isinstance(right.type, sa.Float):
            type_ = sa.Float()
        elif isinstance(left.type, (sa.Numeric, sa.Integer)) and isinstance(right.type, (sa.Numeric, sa.Integer)):
            type_ = sa.Numeric()
        else:
            raise SQLCompileError(f"{node.op} needs numeric operands in odatakit.sql", _where(node))
        if node.op in _ARITHMETIC:
            return left.op(_ARITHMETIC[node.op], return_type=type_)(right).self_group()
        if node.op == "div":
            return template("intdiv" if isinstance(type_, sa.Integer) else "div", left, right, type_=type_)
        if node.op == "divby":
            return template("div", sa.cast(left, sa.Float()), right, type_=sa.Float())
        if node.op == "mod":
            if not isinstance(type_, sa.Integer):
                raise SQLCompileError("mod of non-integer operands is not supported by odatakit.sql "
                                      "(SQLite truncates them to integers)", _where(node))
            return template("mod", left, right, type_=type_)
        raise SQLCompileError(f"operator {node.op} is not supported by odatakit.sql", _where(node))  # pragma: no cover

    def _compare(self, node: tree.BinaryOp, scope: Scope, positive: bool) -> ColumnElement[Any]:
        op = node.op
        left_null = isinstance(node.left, tree.Literal) and node.left.value is None
        right_null = isinstance(node.right, tree.Literal) and node.right.value is None
        if left_null and right_null:
            return sa.true() if op in ("eq", "ge", "le") else sa.false()
        if left_null or right_null:
            other = self.expr(node.right if left_null else node.left, scope)
            if op in ("eq", "ge", "le"):
                return other.is_(None)
            return other.is_not(None) if op == "ne" else sa.false()
        left, right = self.pair(node.left, node.right, scope)
        left_n, right_n = _nullable(left), _nullable(right)
        a, b = left, right
        if op not in ("eq", "ne") and (_is_string(left) or _is_string(right)):
            a = template("binary", left, type_=left.type)
            b = template("binary", right, type_=right.type)
        core = _COMPARE[op](a, b)
        if op == "eq":
            if left_n and right_n:
                return left.is_not_distinct_from(right)
            guard = (left_n or right_n) and not positive
            return sa.and_((left if left_n else right).is_not(None), core) if guard else core
        if op == "ne":
            if left_n and right_n:
                return left.is_distinct_from(right)
            return sa.or_((left if left_n else right).is_(None), core) if (left_n or right_n) else core
        guards = [] if positive else [x.is_not(None) for x, n in ((left, left_n), (right, right_n)) if n]
        guarded = sa.and_(*guards, core) if guards else core
        if op in ("ge", "le") and left_n and right_n:
            return sa.or_(guarded, sa.and_(left.is_(None), right.is_(None)))
        return guarded

    def _and(self, node: tree.And, scope: Scope, hint: Any) -> Any:
        positive = self._here
        return sa.and_(*(self.boolean(operand, scope, positive) for operand in node.operands))

    def _or(self, node: tree.Or, scope: Scope, hint: Any) -> Any:
        positive = self._here
        return sa.or_(*(self.boolean(operand, scope, positive) for operand in node.operands))

    def _unary(self, node: tree.UnaryOp, scope: Scope, hint: Any) -> Any:
        if node.op == "not":
            return sa.not_(self.boolean(node.operand, scope))
        return -self.expr(node.operand, scope, hint)

    def _in(self, node: tree.In, scope: Scope, hint: Any) -> Any:
        if not isinstance(node.right, (tree.ListExpr, tree.JsonArray)):
            raise SQLCompileError("in needs a list of values in odatakit.sql", _where(node))
        positive = self._here
        left = self.expr(node.left, scope)
        items = node.right.items
        has_null = any(isinstance(item, tree.Literal) and item.value is None for item in items)
        values = [item for item in items if not (isinstance(item, tree.Literal) and item.value is None)]
        parts = []
        if values and all(isinstance(item, tree.Literal) for item in values):
            member = left.in_([self.expr(item, scope, left.type) for item in values])
            parts.append(sa.and_(left.is_not(None), member) if _nullable(left) and not positive else member)
        else:
            parts.extend(self._compare(tree.BinaryOp("eq", node.left, item), scope, positive) for item in values)
        if has_null:
            parts.append(left.is_(None))
        return sa.or_(*parts) if parts else sa.false()

    def _case(self, node: tree.Case, scope: Scope, hint: Any) -> Any:
        whens = [(self.boolean(branch.condition, scope, positive=True), self.expr(branch.value, scope, hint))
                 for branch in node.branches]
        return sa.case(*whens, else_=sa.null())

    # -- canonical functions ------------------------------------------------------------------

    def _call(self, node: tree.Call, scope: Scope, hint: Any) -> Any:
        handler = _FUNCTIONS.get(node.function)
        if handler is None:
            raise SQLCompileError(
                f"function {node.function} is not supported by odatakit.sql on any engine "
                f"(supported: {', '.join(sorted(_FUNCTIONS))})", _where(node))
        return handler(self, node, scope)


def _reached(column: ColumnElement[Any], joins: tuple[str, ...]) -> ColumnElement[Any]:
    """A column as seen through ``joins``: behind an outer join even a NOT NULL column may be null."""
    return column._annotate({"odatakit_nullable": True}) if joins else column


def _property_run(segments: list[Any], start: int) -> list[str]:
    names = []
    for segment in segments[start:]:
        if not isinstance(segment, tree.Property):
            break
        names.append(segment.name)
    return names


def _string_arg(compiler: Compiler, node: Any, scope: Scope, call: tree.Call) -> ColumnElement[Any]:
    value = compiler.expr(node, scope, sa.String())
    if not _is_string(value) and not isinstance(value.type, sa.types.NullType):
        raise SQLCompileError(f"{call.function} needs a string argument", _where(call))
    return value


def _like(kind: str) -> Callable[[Compiler, tree.Call, Scope], Any]:
    def compile_like(compiler: Compiler, node: tree.Call, scope: Scope) -> Any:
        haystack = _string_arg(compiler, node.args[0], scope, node)
        needle_node = node.args[1]
        pattern: ColumnElement[Any]
        needle: ColumnElement[Any]
        if isinstance(needle_node, tree.Literal) and isinstance(needle_node.value, str):
            text = needle_node.value
            pattern = compiler.bind(needle_node, text, sa.String(), like_escape)
            needle = compiler.bind(needle_node, text, sa.String())
            if kind == "startswith":
                above = compiler.bind(needle_node, text, sa.String(), successor)
                return template("prefix", haystack, pattern, needle, above, type_=sa.Boolean())
            size: ColumnElement[Any] = compiler.bind(needle_node, text, sa.Integer(), len)
        else:
            needle = _string_arg(compiler, needle_node, scope, node)
            pattern = needle
            for special in ("\\", "%", "_"):  # the escape character first, then the wildcards
                pattern = sa.func.replace(pattern, sa.literal(special), sa.literal("\\" + special),
                                          type_=sa.String())
            size = sa.func.length(needle, type_=sa.Integer())
        return template(kind, haystack, pattern, needle, size, type_=sa.Boolean())
    return compile_like


def _unary_fn(name: str, type_: Any, accepts: Callable[[Any], bool], what: str) -> Callable[..., Any]:
    def compile_fn(compiler: Compiler, node: tree.Call, scope: Scope) -> Any:
        arg = compiler.expr(node.args[0], scope)
        if not accepts(arg.type) and not isinstance(arg.type, sa.types.NullType):
            raise SQLCompileError(f"{node.function} needs {what}", _where(node))
        return template(name, arg, type_=type_ if type_ is not None else arg.type)
    return compile_fn


def _temporal(type_: Any) -> bool:
    return isinstance(type_, (sa.Date, sa.DateTime, sa.Time))


def _numeric(type_: Any) -> bool:
    return isinstance(type_, (sa.Integer, sa.Numeric))


def _concat(compiler: Compiler, node: tree.Call, scope: Scope) -> Any:
    left = _string_arg(compiler, node.args[0], scope, node)
    right = _string_arg(compiler, node.args[1], scope, node)
    return template("concat", left, right, type_=sa.String())


def _indexof(compiler: Compiler, node: tree.Call, scope: Scope) -> Any:
    return template("indexof", _string_arg(compiler, node.args[0], scope, node),
                    _string_arg(compiler, node.args[1], scope, node), type_=sa.Integer())


def _substring(compiler: Compiler, node: tree.Call, scope: Scope) -> Any:
    text = _string_arg(compiler, node.args[0], scope, node)
    numbers = [compiler.expr(arg, scope, sa.Integer()) for arg in node.args[1:]]
    for arg, value in zip(node.args[1:], numbers):
        if isinstance(arg, tree.Literal) and isinstance(arg.value, int):
            compiler.require(arg, arg.value, _not_negative, "substring with a negative start or length is not supported", node)
        if not _is_integer(value):
            raise SQLCompileError("substring needs integer positions", _where(node))
    return template(f"substring{len(node.args)}", text, *numbers, type_=sa.String())


def _not_negative(value: Any) -> bool:
    return bool(value >= 0)


_STRING = (lambda t: isinstance(t, sa.String))

_FUNCTIONS: dict[str, Callable[[Compiler, tree.Call, Scope], Any]] = {
    "contains": _like("contains"), "startswith": _like("startswith"), "endswith": _like("endswith"),
    "length": _unary_fn("length", sa.Integer(), _STRING, "a string"),
    "tolower": _unary_fn("tolower", sa.String(), _STRING, "a string"),
    "toupper": _unary_fn("toupper", sa.String(), _STRING, "a string"),
    "trim": _unary_fn("trim", sa.String(), _STRING, "a string"),
    "concat": _concat, "indexof": _indexof, "substring": _substring,
    **{name: _unary_fn(name, sa.Integer(), _temporal, "a date or time")
       for name in ("year", "month", "day", "hour", "minute", "second")},
    "round": _unary_fn("round", None, _numeric, "a number"),
    "floor": _unary_fn("floor", None, _numeric, "a number"),
    "ceiling": _unary_fn("ceiling", None, _numeric, "a number"),
}

#: Canonical functions odatakit.sql compiles (the same on SQLite, DuckDB and PostgreSQL).
SUPPORTED_FUNCTIONS: frozenset[str] = frozenset(_FUNCTIONS)


def _refused() -> frozenset[str]:
    from ..query.syntax import FUNCTIONS

    return frozenset(FUNCTIONS) - SUPPORTED_FUNCTIONS


#: Canonical functions refused with SQLCompileError on every engine (no portable, exact SQL):
#: matchesPattern (no RE2-safe regex in SQL), the geo functions, the collection functions,
#: now/date/time/fractionalseconds/totaloffsetminutes/totalseconds/maxdatetime/mindatetime.
REFUSED_FUNCTIONS: frozenset[str] = _refused()


def search(compiler: Compiler, node: Any, scope: Scope) -> ColumnElement[Any]:
    """``$search`` as SQL: a word or phrase matches an entity when one of its string columns
    contains it (case-sensitive, LIKE with its wildcards escaped); AND, OR and NOT as in SQL."""
    handler = _SEARCH.get(type(node))
    if handler is None:  # pragma: no cover - every search class is in the table
        raise SQLCompileError(f"{type(node).__name__} is not supported in $search")
    return handler(compiler, node, scope)


def _search_text(compiler: Compiler, node: Any, scope: Scope) -> ColumnElement[Any]:
    columns = scope.entity.string_columns
    if not columns:
        raise SQLCompileError("$search needs an entity with string columns")
    pattern = compiler.bind(node, node.text, sa.String(), like_escape)
    needle = compiler.bind(node, node.text, sa.String())
    return sa.or_(*(sa.func.coalesce(template("contains", scope.column(scope.from_, column), pattern, needle,
                                              type_=sa.Boolean()), sa.false())
                    for column in columns))


_SEARCH: dict[type, Callable[[Compiler, Any, Scope], ColumnElement[Any]]] = {
    tree.SearchWord: _search_text,
    tree.SearchPhrase: _search_text,
    tree.SearchNot: lambda c, node, scope: sa.not_(search(c, node.operand, scope)),
    tree.SearchAnd: lambda c, node, scope: sa.and_(search(c, node.left, scope), search(c, node.right, scope)),
    tree.SearchOr: lambda c, node, scope: sa.or_(search(c, node.left, scope), search(c, node.right, scope)),
}

