"""SQL text that differs between engines, as data: one template per (construct, dialect).

The compiler builds ``_Template`` elements; SQLAlchemy renders each for the dialect at hand from
``TEMPLATES`` (``default`` serves every engine without an entry of its own). Arguments are
compiled by SQLAlchemy, so a literal stays a bound parameter inside any template.
"""

from __future__ import annotations

import string
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

#: construct → dialect name → template over the compiled arguments ``{0}``, ``{1}``…
TEMPLATES: dict[str, dict[str, str]] = {
    # 0-based position of the first occurrence, -1 when absent (URL §5.1.1.5.4 indexof)
    "indexof": {"default": "(strpos({0}, {1}) - 1)", "sqlite": "(instr({0}, {1}) - 1)"},
    # 0-based start (URL §5.1.1.5.7 substring)
    "substring2": {"default": "substr({0}, {1} + 1)"},
    "substring3": {"default": "substr({0}, {1} + 1, {2})"},
    "length": {"default": "length({0})"},
    "tolower": {"default": "lower({0})"},
    "toupper": {"default": "upper({0})"},
    "trim": {"default": "trim({0})"},
    "concat": {"default": "({0} || {1})"},
    # integer division truncates toward zero (URL §5.1.1.2.5); DuckDB's / is a float division
    "intdiv": {"default": "({0} / {1})", "duckdb": "({0} // {1})"},
    "div": {"default": "({0} / {1})"},
    # the remainder takes the sign of the left operand (truncated division) in all three engines
    "mod": {"default": "({0} %% {1})"},
    # SQLite's floor/ceil are optional (and pysqlite's stand-in fails on NULL): emulate them there
    "floor": {"default": "floor({0})", "sqlite": "(CAST({0} AS INTEGER) - ({0} < CAST({0} AS INTEGER)))"},
    "ceiling": {"default": "ceil({0})", "sqlite": "(CAST({0} AS INTEGER) + ({0} > CAST({0} AS INTEGER)))"},
    # midpoint away from zero (URL §5.1.1.9.3): PostgreSQL rounds a double half-even, numeric not
    "round": {"default": "round({0})", "postgresql": "round(CAST({0} AS NUMERIC))"},
    "year": {"default": "CAST(EXTRACT(YEAR FROM {0}) AS INTEGER)", "sqlite": "CAST(strftime('%Y', {0}) AS INTEGER)"},
    "month": {"default": "CAST(EXTRACT(MONTH FROM {0}) AS INTEGER)", "sqlite": "CAST(strftime('%m', {0}) AS INTEGER)"},
    "day": {"default": "CAST(EXTRACT(DAY FROM {0}) AS INTEGER)", "sqlite": "CAST(strftime('%d', {0}) AS INTEGER)"},
    "hour": {"default": "CAST(EXTRACT(HOUR FROM {0}) AS INTEGER)", "sqlite": "CAST(strftime('%H', {0}) AS INTEGER)"},
    "minute": {"default": "CAST(EXTRACT(MINUTE FROM {0}) AS INTEGER)", "sqlite": "CAST(strftime('%M', {0}) AS INTEGER)"},
    "second": {"default": "CAST(FLOOR(EXTRACT(SECOND FROM {0})) AS INTEGER)", "sqlite": "CAST(strftime('%S', {0}) AS INTEGER)"},
    # string order is by code point (the evaluator's order): PostgreSQL's database collation may
    # not be, so its comparisons and sorts name the C collation
    "binary": {"default": "{0}", "postgresql": '({0} COLLATE "C")'},
    # LIKE with the pattern's wildcards escaped by the compiler ({1}; {2} is the text itself,
    # {3} its length in characters).
    # SQLite's LIKE ignores ASCII case, so there the match is instr/substr: case-sensitive as
    # OData wants, and with no pattern language at all, so nothing to escape
    "contains": {
        "default": "({0} LIKE '%%' || {1} || '%%' ESCAPE '\\')",
        "sqlite": "(instr({0}, {2}) > 0)",
    },
    "startswith": {
        "default": "({0} LIKE {1} || '%%' ESCAPE '\\')",
        "sqlite": "(substr({0}, 1, {3}) = {2})",
    },
    # startswith with a literal prefix ({2}; {3} the least string above every string it starts,
    # an empty BLOB when there is none, which SQLite sorts above all text): on SQLite a range over
    # the text's binary (code point) order, case-sensitive and usable by an index on the column
    "prefix": {
        "default": "({0} LIKE {1} || '%%' ESCAPE '\\')",
        "sqlite": "({0} >= {2} AND {0} < {3})",
    },
    "endswith": {
        "default": "({0} LIKE '%%' || {1} ESCAPE '\\')",
        "sqlite": "(substr({0}, length({0}) - {3} + 1) = {2})",
    },
}


class _Template(ColumnElement[Any]):
    """A construct whose SQL text comes from ``TEMPLATES`` for the dialect it is compiled for."""

    inherit_cache = True
    # what SQLAlchemy's statement cache keys on: the construct's name and its arguments
    _traverse_internals = [
        ("name", InternalTraversal.dp_string),
        ("args", InternalTraversal.dp_clauseelement_tuple),
    ]

    def __init__(self, name: str, args: tuple[ColumnElement[Any], ...], type_: Any) -> None:
        self.name = name
        self.args = args
        self.type = sa.types.to_instance(type_)
        # a Boolean template is a comparison or LIKE, true/false/null in SQL as it stands: without
        # this, SQLAlchemy writes `(...) = 1` on engines with no boolean type, and SQLite then
        # neither uses an index for the comparison nor skips the extra test per row
        self._is_implicitly_boolean = isinstance(self.type, sa.Boolean)

    def get_children(self, **kw: Any) -> tuple[ColumnElement[Any], ...]:
        return self.args

    def _copy_internals(self, clone: Any = None, **kw: Any) -> None:
        self.args = tuple(clone(arg, **kw) for arg in self.args)

    @property
    def _from_objects(self) -> list[Any]:  # type: ignore[override]
        return [obj for arg in self.args for obj in arg._from_objects]


@compiles(_Template)
def _render(element: _Template, compiler: Any, **kw: Any) -> str:
    templates = TEMPLATES[element.name]
    template = templates.get(compiler.dialect.name, templates["default"])
    # only the arguments the template uses: a bound parameter compiled but left out of the text
    # would still be sent, and positional drivers (DuckDB) refuse the surplus
    used = {int(field) for _, field, _, _ in string.Formatter().parse(template) if field}
    parts = [compiler.process(arg, **kw) if index in used else "" for index, arg in enumerate(element.args)]
    # a template's literal % is written %% for paramstyles that use %; others want it single
    if compiler.dialect.paramstyle not in ("format", "pyformat"):
        template = template.replace("%%", "%")
    return template.format(*parts)


def template(name: str, *args: ColumnElement[Any], type_: Any) -> ColumnElement[Any]:
    """The ``name`` construct over ``args`` (see ``TEMPLATES``), typed ``type_``."""
    return _Template(name, args, type_)
