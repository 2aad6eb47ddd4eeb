"""OData queries as SQLAlchemy 2.x statements: ``select(query, entity)`` and ``count(query, entity)``.

Runs on any SQLAlchemy dialect; tested on SQLite (the default), DuckDB and PostgreSQL. Every
literal is a bound parameter, LIKE patterns escape ``%``, ``_`` and ``\\``, and the results equal
OData's semantics (null handling, null ordering, integer ``div``/``mod``) — see docs/sql.md for the
mapping of each option and the functions refused. Needs the ``sql`` extra (SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from collections.abc import Mapping as _MappingABC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import Select

from ..query import tree
from ..query.limits import Limits
from ..query.parser import parse_query
from ._compile import REFUSED_FUNCTIONS, SUPPORTED_FUNCTIONS, Compiler, Scope, _is_string, like_escape, search
from ._dialect import template
from ._model import Entity, Mapping, SQLCompileError, as_mapping, entity_of
from ._reuse import NotReusable, Template, TemplateCache, distinct_literals, shape

__all__ = ["select", "count", "Mapping", "SQLCompileError", "SUPPORTED_FUNCTIONS", "REFUSED_FUNCTIONS",
           "like_escape", "cache_info", "clear_cache", "CACHE_SIZE"]

#: How many query shapes keep their built statement (least recently used dropped first).
CACHE_SIZE = 512
_TEMPLATES = TemplateCache(CACHE_SIZE)
_NO_LIMITS = Limits()

#: Query options that only shape the response's format, not which rows it holds.
_IGNORED = ("format", "schemaversion")
#: Options odatakit.sql refuses (compiling them would silently change the result).
_REFUSED = ("compute", "apply", "index", "levels", "skiptoken", "deltatoken", "id", "at", "from_", "to",
            "to_inclusive")


def _prepare(query: tree.Query | str, entity: Any, mapping: Any, limits: Limits | None) -> tuple[tree.Query, Entity]:
    if isinstance(query, str):
        query = parse_query(query)
    if not isinstance(query, tree.Query):
        raise TypeError(f"query must be a query string or an odatakit.Query, not {type(query).__name__}")
    (limits if limits is not None else _NO_LIMITS).check(query)
    for name in _REFUSED:
        if getattr(query, name) is not None:
            raise SQLCompileError(f"${name.rstrip('_').replace('to_inclusive', 'toInclusive')} "
                                  "is not supported by odatakit.sql")
    return query, entity_of(entity, as_mapping(mapping))


def _conditions(query: tree.Query, compiler: Compiler, scope: Scope) -> list[Any]:
    where = []
    if query.filter is not None:
        where.append(compiler.boolean(query.filter, scope, positive=True))
    if query.search is not None:
        where.append(search(compiler, query.search.expr, scope))
    return where


def select(query: tree.Query | str, entity: Any, *, mapping: Mapping | _MappingABC[str, str] | None = None,
           limits: Limits | None = None, cache: bool = True) -> Select[Any]:
    """The SQLAlchemy ``Select`` for an OData query (a parsed ``Query`` or a query string).

    ``entity`` is an ORM mapped class (rows are entities; ``$select`` loads only those columns,
    ``$expand`` eager-loads with ``selectinload``) or a Core ``Table`` (rows hold the selected
    columns, labelled with their OData names). ``limits`` defaults to ``Limits()``, ASP.NET Core
    OData's defaults. Raises ``SQLCompileError`` for what it cannot compile exactly and
    ``LimitExceeded`` for a query over a limit. With ``cache`` (the default), a query of a shape
    seen before (same options, names and literal types; other values) is a copy of the statement
    built then, holding the new values: see docs/sql.md, "Compiled once per shape".
    """
    return _compiled(_build_select, query, entity, mapping, limits, cache)


def count(query: tree.Query | str, entity: Any, *, mapping: Mapping | _MappingABC[str, str] | None = None,
          limits: Limits | None = None, cache: bool = True) -> Select[Any]:
    """``SELECT count(*)`` of the rows ``$filter`` and ``$search`` keep (``$top``/``$skip`` ignored):
    the ``@odata.count`` of the response, whatever ``$count`` says."""
    return _compiled(_build_count, query, entity, mapping, limits, cache)


def cache_info() -> dict[str, int]:
    """How many statements ``select``/``count`` copied from a kept one (``reused``) or built
    (``built``), and how many query shapes are kept (``size``, at most ``maxsize``)."""
    return {"reused": _TEMPLATES.reused, "built": _TEMPLATES.built, "size": len(_TEMPLATES),
            "maxsize": _TEMPLATES.size}


def clear_cache() -> None:
    """Forget every kept statement (and the counts of ``cache_info``)."""
    _TEMPLATES.clear()


_Build = Callable[[tree.Query, Entity, Compiler], Select[Any]]
_SEEN = object()  # a shape met once: it may never come again, so no template yet


def _compiled(build: _Build, query: tree.Query | str, entity: Any, mapping: Any, limits: Limits | None,
              cache: bool) -> Select[Any]:
    if isinstance(query, str):
        query = parse_query(query)
    if not cache or not isinstance(query, tree.Query) or query.expand is not None:  # $expand: loader options
        return _fresh(build, query, entity, mapping, limits)
    form, values, sources = shape(query)
    key: Hashable = (build, entity, _mapping_key(mapping), limits, form)
    try:
        found, template = _TEMPLATES.get(key)
    except TypeError:  # an unhashable entity, or a value of the query's shape
        return _fresh(build, query, entity, mapping, limits)
    if not found or template is None:  # a new shape, or one whose statement cannot be copied
        statement = _fresh(build, query, entity, mapping, limits)
        if not found:
            _TEMPLATES.put(key, _SEEN)
        return statement
    if template is not _SEEN:
        (limits or _NO_LIMITS).check_paging(values[0], values[1])
        if template.accepts(values):
            return _TEMPLATES.reuse(template, values)
        return _fresh(build, query, entity, mapping, limits)  # so the error names this query's text
    # the shape's second query: built while recording where each literal goes, kept as a template
    if len({id(node) for node in sources}) != len(sources):
        query = distinct_literals(query)
        form, values, sources = shape(query)
    query, target = _prepare(query, entity, mapping, limits)
    compiler = Compiler({alias.name: alias.value for alias in query.aliases}, record=True)
    statement = _TEMPLATES.built_by(build, query, target, compiler)
    assert compiler.binds is not None and compiler.checks is not None
    try:
        kept: Template | None = Template.make(statement, compiler.binds, compiler.checks, sources, query)
    except NotReusable:
        kept = None
    _TEMPLATES.put(key, kept)
    return statement


def _fresh(build: _Build, query: tree.Query | str, entity: Any, mapping: Any, limits: Limits | None) -> Select[Any]:
    query, target = _prepare(query, entity, mapping, limits)
    return _TEMPLATES.built_by(build, query, target, Compiler({alias.name: alias.value for alias in query.aliases}))


def _mapping_key(mapping: Any) -> Hashable:
    if mapping is None:
        return None
    if isinstance(mapping, Mapping):
        return (tuple(sorted(mapping.properties.items())), mapping.open_properties)
    return tuple(sorted(dict(mapping).items()))


def _build_select(query: tree.Query, target: Entity, compiler: Compiler) -> Select[Any]:
    scope = Scope(target, target.table)
    where = _conditions(query, compiler, scope)
    order = _order(query, compiler, scope, target)
    if target.orm is not None:
        statement = sa.select(target.orm)
        options = _orm_options(query, target, compiler)
        if options:
            statement = statement.options(*options)
    else:
        if query.expand is not None:
            raise SQLCompileError("$expand needs an ORM mapped class (a Core Table has no loader "
                                  "to attach related rows to)")
        statement = sa.select(*_core_columns(query, target))
    statement = statement.select_from(scope.from_clause())
    if where:
        statement = statement.where(*where)
    if order:
        statement = statement.order_by(*order)
    if query.top is not None:
        statement = statement.limit(query.top)
    if query.skip is not None:
        statement = statement.offset(query.skip)
    return statement


def _build_count(query: tree.Query, target: Entity, compiler: Compiler) -> Select[Any]:
    scope = Scope(target, target.table)
    where = _conditions(query, compiler, scope)
    statement = sa.select(sa.func.count()).select_from(scope.from_clause())
    return statement.where(*where) if where else statement


def _order(query: tree.Query, compiler: Compiler, scope: Scope, target: Entity) -> list[Any]:
    """``$orderby`` with the spec's null order (nulls first ascending, last descending; URL
    Conventions §5.1.4: null sorts below every value), strings by code point, then the key, so
    equal rows keep one order and paging with $skip never repeats or drops a row."""
    order: list[Any] = []
    if query.orderby is not None:
        for item in query.orderby.items:
            value = compiler.expr(item.expr, scope)
            if _is_string(value):
                value = template("binary", value, type_=value.type)
            order.append(value.desc().nulls_last() if item.descending else value.asc().nulls_first())
    if order or query.top is not None or query.skip is not None:
        order.extend(target.key)  # ascending, and a key is never null
    return order


def _selected(select_: tree.Select, target: Entity) -> list[tuple[str, sa.Column[Any]]] | None:
    """(OData name, column) of each ``$select`` item; None for ``*``."""
    chosen: list[tuple[str, sa.Column[Any]]] = []
    for item in select_.items:
        if any(isinstance(segment, tree.Star) for segment in item.path):
            return None
        if not all(isinstance(segment, tree.Property) for segment in item.path) or any(
                getattr(item, name) not in (None, ()) for name in ("filter", "search", "select", "orderby",
                                                                     "top", "skip", "count", "compute")):
            raise SQLCompileError("odatakit.sql supports $select of properties only")
        name = "/".join(segment.name for segment in item.path if isinstance(segment, tree.Property))
        mapped = target.mapping.properties.get(name)
        column = target.columns.get(mapped) if mapped is not None else target.column(name)
        if column is None:
            if target.navigation(name) is not None:
                raise SQLCompileError(f"$select of navigation property {name}: use $expand")
            raise SQLCompileError(f"unknown property {name} in $select")
        chosen.append((name, column))
    return chosen


def _core_columns(query: tree.Query, target: Entity) -> list[Any]:
    if query.select is None:
        return [target.table]
    chosen = _selected(query.select, target)
    if chosen is None:
        return [target.table]
    columns: list[Any] = [column for column in target.key]
    seen = set(columns)
    for name, column in chosen:
        if column in seen:
            continue
        seen.add(column)
        columns.append(column.label(name) if name != column.key else column)
    return columns


def _orm_options(query: Any, target: Entity, compiler: Compiler) -> list[Any]:
    """``load_only`` for ``$select`` and ``selectinload`` for each ``$expand`` level (one extra
    SELECT per expanded navigation, ``$filter`` inside ``$expand`` as the relationship's ``and_``)."""
    from sqlalchemy import orm

    options: list[Any] = []
    if query.select is not None:
        chosen = _selected(query.select, target)
        if chosen is not None:
            attributes = [getattr(target.orm, _attribute_key(target, column)) for _, column in chosen]
            options.append(orm.load_only(*attributes))
    if query.expand is None:
        return options
    for item in query.expand.items:
        for name in ("orderby", "top", "skip", "count", "search", "compute", "levels"):
            if getattr(item, name) is not None:
                raise SQLCompileError(f"${name} inside $expand is not supported by odatakit.sql")
        if item.suffix is not None:
            raise SQLCompileError(f"$expand with /{item.suffix} is not supported by odatakit.sql")
        if len(item.path) == 1 and isinstance(item.path[0], tree.Star):
            options.extend(orm.selectinload(getattr(target.orm, rel.key)) for rel in target.mapper.relationships)
            continue
        if len(item.path) != 1 or not isinstance(item.path[0], tree.Property):
            raise SQLCompileError("$expand of a single navigation property per item is supported")
        name = item.path[0].name
        nav = target.navigation(name)
        if nav is None:
            raise SQLCompileError(f"unknown navigation property {name} in $expand")
        attribute = getattr(target.orm, target.mapping.properties.get(name, name))
        if item.filter is not None:
            inner = Scope(nav.target, nav.target.table)
            attribute = attribute.and_(compiler.boolean(item.filter, inner, positive=True))
        loader = orm.selectinload(attribute)
        nested = _orm_options(item, nav.target, compiler)
        options.append(loader.options(*nested) if nested else loader)
    return options


def _attribute_key(target: Entity, column: sa.Column[Any]) -> str:
    for key, candidate in target.columns.items():
        if candidate is column:
            return key
    raise SQLCompileError(f"column {column.key} is not mapped")  # pragma: no cover
