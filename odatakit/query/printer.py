"""Tree → text: the only code that turns ``odatakit.tree`` nodes into OData text.

Two forms from one printer: canonical text (readable: spaces, raw quotes; only what would end
the option or change under a form decoder — ``&``, ``#``, ``%XX``, ``+`` — encoded) and the URL
form (``url=True``: spaces as ``%20``, non-ASCII names as UTF-8 escapes, and inside literals
everything that could end the literal or the option — ``&``, ``#``, ``%``, ``+``, ``;`` … —
percent-encoded). Parentheses are the fewest
the precedence table needs (``syntax.PRECEDENCE``), never fewer than the meaning needs.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .. import edm
from ..errors import BuildError
from . import percent
from . import tree
from .syntax import ATOM, MAX_DEPTH, OPTION_FIELDS, OPTION_SPELLING, PRECEDENCE, SYSTEM_QUERY_OPTIONS

__all__ = ["serialize", "format_literal"]


class _Form:
    """How the text is written: the space, and what stays raw inside literals."""

    def __init__(self, url: bool | str) -> None:
        if url not in (False, True, "path"):
            raise BuildError(f"url must be False, True or 'path', not {url!r}")
        self.url = bool(url)
        self.space = "%20" if url else " "
        self.literal_safe = _PATH_LITERAL_SAFE if url == "path" else _URL_LITERAL_SAFE
        self.depth = 0  # nodes being printed, one inside the other: bounded by MAX_DEPTH

    def literal_text(self, text: str, extra_safe: str = "") -> str:
        """Text inside a quoted literal. Canonical form keeps it readable and encodes only a
        ``%`` that would otherwise read as an escape; URL forms encode all that is not plain."""
        if self.url:
            return percent.encode(text, self.literal_safe + extra_safe)
        return _canonical_text(text)

    def name(self, text: str) -> str:
        """An identifier: as it is, except in URL forms, where non-ASCII letters are percent-encoded
        (UTF-8) as HTTP clients send them (``Größe`` → ``Gr%C3%B6%C3%9Fe``); the parser decodes them."""
        if not self.url or text.isascii():
            return text
        return "".join(char if char.isascii() else percent.encode(char) for char in text)


# Inside a literal in a URL's query these stay raw: sub-delims and pchar except & + ; = (which
# split options or read as spaces) — URL Conventions §2.2, ABNF pchar-no-SQUOTE.
_URL_LITERAL_SAFE = "!$'()*,:@/?"
# In a path segment (a key, a $filter(…) segment) "/" would split the segment and "?" start the
# query (URL Conventions §2.1), while "=" is plain (Outlook ids end in "=").
_PATH_LITERAL_SAFE = "!$'()*,:@="
_CANONICAL_ESCAPES = re.compile(r"%(?=[0-9A-Fa-f]{2})|[&#+]")


def _canonical_text(text: str) -> str:
    """Canonical (readable) text of a literal's content: raw, except a ``%`` that would read as
    an escape, ``&`` / ``#``, which would end the option or the query, and ``+``, which a form
    decoder (and httpx's ``params=``) reads as a space."""
    return _CANONICAL_ESCAPES.sub(lambda match: percent.encode(match.group()), text)


def serialize(node: Any, *, url: bool | str = False) -> str:
    """Canonical text of any tree node (a ``Query``, an expression, an ``Expand``…).

    ``url=True`` gives the form to put in a URL's query; ``url="path"`` the form for a path
    segment (a key predicate, a ``$filter(…)`` segment), where ``/`` and ``?`` inside literals
    are encoded too. For every tree ``t``, ``parse(serialize(t)) == t``.
    """
    return _print(node, _Form(url))


def format_literal(node: tree.Literal | tree.EnumLiteral, *, url: bool | str = False) -> str:
    """The text of one literal, as in a key predicate or a function parameter."""
    return _print(node, _Form(url))


#: The parser's MAX_DEPTH counts expression levels; a printed tree adds a few around them
#: (Query, Path, Property), so every tree the parser returns prints.
_PRINT_DEPTH = MAX_DEPTH + 8


def _print(node: Any, form: _Form) -> str:
    """Every node is printed through here, so the nesting is counted as it is printed: a tree
    deeper than MAX_DEPTH is refused before it could recurse out of the stack."""
    printer = _PRINTERS.get(type(node))
    if printer is None:
        raise TypeError(f"cannot serialize {type(node).__name__}: not an odatakit tree node")
    if form.depth >= _PRINT_DEPTH:
        raise BuildError(f"tree nested more than {MAX_DEPTH} levels deep")
    form.depth += 1
    text = printer(node, form)
    form.depth -= 1  # not restored on an exception: the form dies with the serialize call
    return text


# ---------------------------------------------------------------------------------------------
# Literals
# ---------------------------------------------------------------------------------------------


def _quoted(text: str, form: _Form) -> str:
    return "'" + form.literal_text(text).replace("'", "''") + "'"


def _plain_decimal(value: Decimal) -> str:
    """A Decimal that parses back as a Decimal: always with a '.', never an exponent, except
    for magnitudes no double holds (those parse back as Decimal with their exponent)."""
    if not value.is_finite():
        raise BuildError(f"Decimal {value} has no OData literal; use a float for INF/NaN")
    if value and abs(value.adjusted()) >= 400:
        sign, digits, exponent = value.as_tuple()
        mantissa = "".join(map(str, digits))
        return f"{'-' if sign else ''}{mantissa[0]}.{mantissa[1:] or '0'}e{value.adjusted()}"
    text = format(value, "f")
    return text if "." in text else text + ".0"


def _double(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    text = repr(float(value)).replace("e+", "e")
    return text if "e" in text else text + "e0"


def _number(value: Any) -> str:
    if isinstance(value, bool):
        raise TypeError("a bool is not a number literal")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _plain_decimal(value)
    if isinstance(value, float):
        return _double(value)
    raise TypeError(f"not a number: {value!r}")


def _temporal(value: Any, form: _Form) -> str:
    text = str(value)
    return text.replace("+", "%2B")  # both forms: a form decoder reads a raw "+" as a space


_LITERAL_PRINTERS: dict[str, Callable[[Any, _Form], str]] = {
    "Null": lambda value, form: "null",
    "Boolean": lambda value, form: "true" if value else "false",
    "Byte": lambda value, form: _number(value),
    "SByte": lambda value, form: _number(value),
    "Int16": lambda value, form: _number(value),
    "Int32": lambda value, form: _number(value),
    "Int64": lambda value, form: _number(value),
    "Decimal": lambda value, form: _number(value),
    "Double": lambda value, form: _double(float(value)),
    "Single": lambda value, form: _double(float(value)),
    "String": _quoted,
    "Date": _temporal,
    "TimeOfDay": _temporal,
    "DateTimeOffset": _temporal,
    "Duration": lambda value, form: f"duration'{value}'",
    "Guid": lambda value, form: str(value),
    "Binary": lambda value, form: f"binary'{edm.format_binary(value)}'",
}


def _literal(node: tree.Literal, form: _Form) -> str:
    printer = _LITERAL_PRINTERS.get(node.type)
    if printer is not None:
        return printer(node.value, form)
    if node.type.startswith(("Geography", "Geometry")):
        family = "geography" if node.type.startswith("Geography") else "geometry"
        return f"{family}'{form.literal_text(str(node.value), ' ;=' if not form.url else ';=')}'"
    raise TypeError(f"unknown literal type {node.type!r}")


def _enum(node: tree.EnumLiteral, form: _Form) -> str:
    return f"{form.name(node.type_name)}'{','.join(form.name(m) for m in node.members)}'"


def _json_string(text: str, form: _Form) -> str:
    body = json.dumps(text, ensure_ascii=False)[1:-1]
    if form.url:
        return "%22" + percent.encode(body, form.literal_safe) + "%22"
    return '"' + _canonical_text(body) + '"'


def _json_value(node: Any, form: _Form) -> str:
    if isinstance(node, tree.Literal) and node.type == "String":
        return _json_string(node.value, form)
    return _expr(node, form)


def _json_array(node: tree.JsonArray, form: _Form) -> str:
    open_, close = ("%5B", "%5D") if form.url else ("[", "]")
    return open_ + ",".join(_json_value(item, form) for item in node.items) + close


def _json_object(node: tree.JsonObject, form: _Form) -> str:
    open_, close = ("%7B", "%7D") if form.url else ("{", "}")
    members = (f"{_json_string(m.name, form)}:{_json_value(m.value, form)}" for m in node.members)
    return open_ + ",".join(members) + close


# ---------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------


def _binding(node: Any) -> int:
    """How tightly ``node`` binds when it is an operand (syntax.PRECEDENCE)."""
    kind = type(node)
    if kind is tree.BinaryOp or kind is tree.UnaryOp:
        return PRECEDENCE[node.op]
    return _BINDING.get(kind, ATOM)


_BINDING = {tree.Or: PRECEDENCE["or"], tree.And: PRECEDENCE["and"], tree.In: PRECEDENCE["in"]}


def _operand(node: Any, form: _Form, parenthesize: bool) -> str:
    text = _print(node, form)
    return f"({text})" if parenthesize else text


def _expr_or_leaf(node: Any, form: _Form) -> str:
    """An expression where it needs no parentheses (a function argument): a leaf straight away."""
    text = _leaf(node, form)
    return _print(node, form) if text is None else text


_expr = _print  # an expression prints like any node; the name says what is expected there


#: The operators a BinaryOp holds, and how tightly each binds (and/or/in have classes of their own).
_BINARY_LEVEL = {op: level for op, level in PRECEDENCE.items() if op not in ("and", "or", "not", "-", "in")}


def _leaf(node: Any, form: _Form) -> str | None:
    """The text of an operand that is a leaf, a one-property path or a literal, printed without
    the dispatch and the depth count (a leaf nests nothing; it binds as an atom, so it is never
    parenthesized); None for any other node. The hot path of printing a filter."""
    kind = type(node)
    if kind is tree.Path:
        segments = node.segments
        if len(segments) == 1 and type(segments[0]) is tree.Property:
            return form.name(segments[0].name)
    elif kind is tree.Literal:
        printer = _LITERAL_PRINTERS.get(node.type)
        if printer is not None:
            return printer(node.value, form)
    return None


def _binary(node: tree.BinaryOp, form: _Form) -> str:
    level = _BINARY_LEVEL.get(node.op)
    if level is None:
        raise BuildError(f"{node.op!r} is not a binary operator of BinaryOp")
    left = _leaf(node.left, form)
    if left is None:
        left = _print(node.left, form)
        if _binding(node.left) < level:  # _operand inlined
            left = f"({left})"
    right = _leaf(node.right, form)
    if right is None:
        right = _print(node.right, form)
        if _binding(node.right) <= level:
            right = f"({right})"
    return f"{left}{form.space}{node.op}{form.space}{right}"


def _logical(word: str) -> Callable[[Any, _Form], str]:
    level = PRECEDENCE[word]

    def printer(node: Any, form: _Form) -> str:
        if len(node.operands) < 2:
            raise BuildError(f"{type(node).__name__} needs at least two operands")
        joiner = f"{form.space}{word}{form.space}"
        return joiner.join(_operand(op, form, _binding(op) <= level) for op in node.operands)

    return printer


def _unary(node: tree.UnaryOp, form: _Form) -> str:
    if node.op not in ("not", "-"):
        raise BuildError(f"{node.op!r} is not a unary operator")
    level = PRECEDENCE[node.op]
    operand = _print(node.operand, form)
    wrap = _binding(node.operand) < level
    if node.op == "-" and _MERGES_WITH_MINUS.match(operand):
        wrap = True  # "-" + "5 in (…)" or "INF" would read as a negative literal
    operand = f"({operand})" if wrap else operand
    return "-" + operand if node.op == "-" else f"not{form.space}{operand}"


_MERGES_WITH_MINUS = re.compile(r"[\d+\-.]|%2B|INF(?!\w)", re.IGNORECASE)


def _in(node: tree.In, form: _Form) -> str:
    level = PRECEDENCE["in"]
    left = _operand(node.left, form, _binding(node.left) < level)
    if isinstance(node.right, tree.ListExpr):
        right = _print(node.right, form)
    else:
        right = _operand(node.right, form, _binding(node.right) <= level)
    return f"{left}{form.space}in{form.space}{right}"


def _list(node: tree.ListExpr, form: _Form) -> str:
    return "(" + ",".join(_expr(item, form) for item in node.items) + ")"


def _call(node: tree.Call, form: _Form) -> str:
    return f"{node.function}(" + ",".join([_expr_or_leaf(arg, form) for arg in node.args]) + ")"


def _type_name(node: tree.TypeName, form: _Form) -> str:
    return f"Collection({form.name(node.name)})" if node.collection else form.name(node.name)


def _typed_call(word: str) -> Callable[[Any, _Form], str]:
    def printer(node: Any, form: _Form) -> str:
        operand = "" if node.operand is None else _expr(node.operand, form) + ","
        return f"{word}({operand}{_type_name(node.type, form)})"

    return printer


def _case(node: tree.Case, form: _Form) -> str:
    if not node.branches:
        raise BuildError("case() needs at least one branch")
    branches = []
    for branch in node.branches:
        condition, value = _expr(branch.condition, form), _expr(branch.value, form)
        # "10:12" would read as a time of day: spaces keep two numbers apart
        colon = f"{form.space}:{form.space}" if condition[-1:].isdigit() and value[:1].isdigit() else ":"
        branches.append(condition + colon + value)
    return "case(" + ",".join(branches) + ")"


def _alias(node: tree.Alias, form: _Form) -> str:
    return "@" + form.name(node.name)


# ---------------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------------


def _path(node: tree.Path, form: _Form) -> str:
    if not node.segments:
        raise BuildError("a path needs at least one segment")
    # a Property (the usual segment) is a leaf: its name is its text, no dispatch needed
    text = ""
    for position, segment in enumerate(node.segments):
        if type(segment) is tree.Key:  # a key predicate attaches to the segment before it: F()(1)
            if position == 0 or type(node.segments[position - 1]) not in (tree.FunctionCall, tree.FilterSegment):
                raise BuildError("a Key segment follows a function call or a $filter() segment")
            text += _key(segment, form)
            continue
        text += ("/" if position else "") + (form.name(segment.name) if type(segment) is tree.Property else _print(segment, form))
    return text


def _annotation(node: tree.Annotation, form: _Form) -> str:
    # '#' is encoded in both forms: raw, it would end a URL's query
    qualifier = "" if node.qualifier is None else "%23" + node.qualifier
    return f"@{form.name(node.term)}{form.name(qualifier)}"


def _count(node: tree.Count, form: _Form) -> str:
    options = _option_list(node, form, ("filter", "search"))
    return "$count" + (f"({options})" if options else "")


def _lambda(node: tree.Lambda, form: _Form) -> str:
    if node.variable is None or node.predicate is None:
        if node.kind == "all" or (node.variable is None) != (node.predicate is None):
            raise BuildError("a lambda has both a variable and a predicate (only any() has neither)")
        return f"{node.kind}()"
    return f"{node.kind}({form.name(node.variable)}:{_expr(node.predicate, form)})"


def _function_call(node: tree.FunctionCall, form: _Form) -> str:
    return f"{form.name(node.name)}(" + ",".join(f"{form.name(a.name)}={_expr(a.value, form)}" for a in node.args) + ")"


def _key(node: tree.Key, form: _Form) -> str:
    parts = (
        (f"{form.name(part.name)}=" if part.name is not None else "") + _expr(part.value, form) for part in node.values
    )
    return "(" + ",".join(parts) + ")"


def _entity_set(node: tree.EntitySet, form: _Form) -> str:
    return form.name(node.name) + ("" if node.key is None else _key(node.key, form))


# ---------------------------------------------------------------------------------------------
# Query options
# ---------------------------------------------------------------------------------------------

#: Order of nested options inside an expand or select item, and of system options in a query.
_OPTION_ORDER = (
    "apply", "filter", "search", "select", "expand", "orderby", "skip", "top", "count", "levels", "compute",
    "at", "from", "to", "toinclusive",
)
_QUERY_ORDER = (
    "apply", "filter", "search", "expand", "select", "orderby", "skip", "top", "count", "compute", "index",
    "levels", "at", "from", "to", "toinclusive", "format", "skiptoken", "deltatoken", "schemaversion", "id",
)


def _options_set(node: Any, names: tuple[str, ...], form: _Form) -> list[str]:
    """``$name=value`` for each option of ``names`` that ``node`` sets, in that order."""
    parts = []
    for name in names:
        value = getattr(node, OPTION_FIELDS.get(name, name), None)
        if value is not None:
            parts.append(f"${OPTION_SPELLING.get(name, name)}={_option_value(name, value, form)}")
    return parts


def _option_value(name: str, value: Any, form: _Form) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or name == "levels":
        return str(value)
    if isinstance(value, str):
        return form.literal_text(value) if not form.url else percent.encode(value, "!$'()*,:@/?=;")
    return _print(value, form)


def _option_list(node: Any, form: _Form, names: tuple[str, ...] = _OPTION_ORDER) -> str:
    parts = _options_set(node, names, form)
    parts.extend(f"@{form.name(alias.name)}={_expr(alias.value, form)}" for alias in getattr(node, "aliases", ()))
    return ";".join(parts)


def _item_path(path: tuple[Any, ...], form: _Form) -> str:
    if not path:
        raise BuildError("an expand or select item needs a path")
    return "/".join(_print(segment, form) for segment in path)


def _expand_item(node: tree.ExpandItem, form: _Form) -> str:
    text = _item_path(node.path, form)
    if node.suffix is not None:
        if node.suffix not in ("$ref", "$count"):
            raise BuildError(f"expand suffix must be '$ref' or '$count', not {node.suffix!r}")
        text += "/" + node.suffix
    options = _option_list(node, form)
    return text + (f"({options})" if options else "")


def _select_item(node: tree.SelectItem, form: _Form) -> str:
    options = _option_list(node, form)
    return _item_path(node.path, form) + (f"({options})" if options else "")


def _signature(node: tree.FunctionSignature, form: _Form) -> str:
    if not node.parameters:
        raise BuildError("a function signature in $select names one or more parameters (parameterNames)")
    return f"{form.name(node.name)}(" + ",".join(form.name(p) for p in node.parameters) + ")"


def _items(joiner: str = ",") -> Callable[[Any, _Form], str]:
    def printer(node: Any, form: _Form) -> str:
        if not node.items:
            raise BuildError(f"{type(node).__name__} needs at least one item")
        return joiner.join(_print(item, form) for item in node.items)

    return printer


def _orderby_item(node: tree.OrderByItem, form: _Form) -> str:
    return _expr(node.expr, form) + (f"{form.space}desc" if node.descending else "")


def _compute_item(node: tree.ComputeItem, form: _Form) -> str:
    return f"{_expr(node.expr, form)}{form.space}as{form.space}{form.name(node.alias)}"


def _query(node: tree.Query, form: _Form) -> str:
    parts = _options_set(node, _QUERY_ORDER, form)
    parts.extend(f"@{form.name(alias.name)}={_expr(alias.value, form)}" for alias in node.aliases)
    for option in node.custom:
        # a bare "select" (no "=") reads back as a custom option; "select=…" would be $select (4.01)
        if option.name.startswith(("$", "@")) or (option.value is not None and option.name.lower() in SYSTEM_QUERY_OPTIONS):
            raise BuildError(f"custom option {option.name!r} must not look like a system option or an alias")
        name = percent.encode(option.name, "!$'()*,:@/?;")
        if not parts and name.startswith("?"):
            name = "%3F" + name[1:]  # a leading "?" would be read as the query string's own delimiter
        if option.value is None:
            parts.append(name)
        else:
            parts.append(f"{name}={percent.encode(option.value, '!$' + chr(39) + '()*,:@/?=;')}")
    return "&".join(parts)


# ---------------------------------------------------------------------------------------------
# $apply (odata-aggregation-abnf): one printer per transformation
# ---------------------------------------------------------------------------------------------


def _word(word: str, form: _Form) -> str:
    """`` with `` / `` as `` / `` from ``: a keyword between the spaces (RWS) it needs."""
    return f"{form.space}{word}{form.space}"


def _aggregate_expr(node: tree.AggregateExpr, form: _Form) -> str:
    value = _expr(node.value, form)
    text = value + ("" if node.method is None else _word("with", form) + node.method)
    for step in node.from_:
        if not step.properties:
            raise ValueError("from needs at least one grouping path")
        text += _word("from", form) + ",".join(_path(p, form) for p in step.properties)
        text += "" if step.method is None else _word("with", form) + step.method
    return text + ("" if node.alias is None else _word("as", form) + node.alias)


def _call_like(name: str, *parts: str) -> str:
    return f"{name}(" + ",".join(parts) + ")"


def _apply(node: tree.Apply, form: _Form) -> str:
    if not node.steps:
        raise ValueError("$apply needs at least one transformation")
    return "/".join(_print(step, form) for step in node.steps)


def _optional_apply(node: tree.Apply | None, form: _Form) -> tuple[str, ...]:
    return () if node is None else (_apply(node, form),)


def _hierarchy(node: tree.Hierarchy, form: _Form) -> str:
    return ",".join((_path(node.nodes, form), node.qualifier, _path(node.property, form)))


def _rollup(node: tree.Rollup, form: _Form) -> str:
    if (node.hierarchy is None) == (len(node.properties) < 2) or (node.hierarchy is not None and node.properties):
        raise ValueError("rollup() has two or more paths, or one hierarchy qualifier")
    if node.hierarchy is not None:
        return f"rollup({node.hierarchy})"
    return _call_like("rollup", *(_path(p, form) for p in node.properties))


def _groupby(node: tree.GroupBy, form: _Form) -> str:
    if not node.properties:
        raise ValueError("groupby() needs at least one grouping property")
    grouped = "(" + ",".join(_print(p, form) for p in node.properties) + ")"
    return _call_like("groupby", grouped, *_optional_apply(node.apply, form))


def _nest_item(node: tree.NestItem, form: _Form) -> str:
    return _apply(node.apply, form) + _word("as", form) + node.alias


def _hierarchy_filter(node: tree.HierarchyFilter, form: _Form) -> str:
    if node.function not in ("ancestors", "descendants"):
        raise ValueError(f"a hierarchy filter is ancestors or descendants, not {node.function!r}")
    parts = [_hierarchy(node.hierarchy, form), _apply(node.apply, form)]
    if node.distance is not None:
        parts.append(str(node.distance))
    if node.keep_start:
        parts.append(f"keep{form.space}start")
    return _call_like(node.function, *parts)


def _traverse(node: tree.Traverse, form: _Form) -> str:
    if node.order not in ("preorder", "postorder"):
        raise ValueError(f"traverse() order is preorder or postorder, not {node.order!r}")
    parts = [_hierarchy(node.hierarchy, form), node.order]
    if node.apply is not None:
        if node.apply.steps and isinstance(node.apply.steps[0], tree.FunctionCall):
            raise ValueError("in traverse() a custom function would read as an order-by item: start with a built-in transformation")
        parts.append(_apply(node.apply, form))
    parts.extend(_orderby_item(item, form) for item in node.orderby)
    return _call_like("traverse", *parts)


def _ranking(node: tree.Ranking, form: _Form) -> str:
    if node.function not in tree.RANKING_FUNCTIONS:
        raise ValueError(f"unknown ranking transformation {node.function!r}")
    return _call_like(node.function, _expr(node.amount, form), _expr(node.value, form))


def _concat(node: tree.Concat, form: _Form) -> str:
    if len(node.applies) < 2:
        raise ValueError("concat() joins two or more transformation sequences")
    return _call_like("concat", *(_apply(a, form) for a in node.applies))


_APPLY_PRINTERS: dict[type, Callable[[Any, _Form], str]] = {
    tree.Apply: _apply,
    tree.AggregateExpr: _aggregate_expr,
    tree.AggregateSegment: lambda node, form: f"aggregate({_aggregate_expr(node.expr, form)})",
    tree.Aggregate: lambda node, form: _call_like("aggregate", *(_aggregate_expr(i, form) for i in node.items))
    if node.items else _fail("aggregate() needs at least one aggregate expression"),
    tree.GroupBy: _groupby,
    tree.Rollup: _rollup,
    tree.RollupRecursive: lambda node, form: _call_like(
        "rolluprecursive", _hierarchy(node.hierarchy, form), *_optional_apply(node.apply, form)),
    tree.Hierarchy: _hierarchy,
    tree.ApplyFilter: lambda node, form: f"filter({_expr(node.condition, form)})",
    tree.ApplySearch: lambda node, form: f"search({_print(node.search, form)})",
    tree.ApplyCompute: lambda node, form: _call_like("compute", *(_compute_item(i, form) for i in node.items))
    if node.items else _fail("compute() needs at least one item"),
    tree.ApplyOrderBy: lambda node, form: _call_like("orderby", *(_orderby_item(i, form) for i in node.items))
    if node.items else _fail("orderby() needs at least one item"),
    tree.ApplyTop: lambda node, form: f"top({_count_value(node.count)})",
    tree.ApplySkip: lambda node, form: f"skip({_count_value(node.count)})",
    tree.Identity: lambda node, form: "identity",
    tree.Concat: _concat,
    tree.Ranking: _ranking,
    tree.NestItem: _nest_item,
    tree.Nest: lambda node, form: _call_like("nest", *(_nest_item(i, form) for i in node.items))
    if node.items else _fail("nest() needs at least one item"),
    tree.AddNested: lambda node, form: _call_like(
        "addnested", _path(node.path, form), *(_nest_item(i, form) for i in node.items))
    if node.items else _fail("addnested() needs at least one item"),
    tree.Join: lambda node, form: _call_like(
        "outerjoin" if node.outer else "join", _path(node.path, form) + _word("as", form) + node.alias,
        *_optional_apply(node.apply, form)),
    tree.HierarchyFilter: _hierarchy_filter,
    tree.Traverse: _traverse,
}


def _fail(message: str) -> str:
    raise ValueError(message)


def _count_value(count: int) -> str:
    if count < 0:
        raise ValueError("top() and skip() take a non-negative integer")
    return str(count)


# ---------------------------------------------------------------------------------------------
# $search
# ---------------------------------------------------------------------------------------------

_SEARCH_LEVEL = {tree.SearchOr: 1, tree.SearchAnd: 2, tree.SearchNot: 3}
_SEARCH_KEYWORDS = {"AND", "OR", "NOT"}
_SEARCH_WORD_RAW = frozenset("-._~!*,:@/?$=")  # not "+": a form decoder reads it as a space


def _search_word(node: tree.SearchWord, form: _Form) -> str:
    text = node.text
    if text.startswith("'"):  # searchExpr-incomplete, kept with its quotes
        return form.literal_text(text)
    if not text or any(c in text for c in ' \t()"') or text.startswith("'"):
        raise BuildError(f"search word {text!r} cannot hold spaces, parentheses or '\"': use SearchPhrase")
    encoded = percent.encode(text, _SEARCH_WORD_RAW | frozenset("'")) if form.url else "".join(
        c if c.isalnum() or c == "_" or c in _SEARCH_WORD_RAW or c == "'" else percent.encode(c) for c in text
    )
    if encoded[0] == "'":
        encoded = "%27" + encoded[1:]
    # A word spelled like a keyword reads as that keyword; parentheses keep it a word.
    return f"({encoded})" if text in _SEARCH_KEYWORDS else encoded


def _search_phrase(node: tree.SearchPhrase, form: _Form) -> str:
    if '"' in node.text or not node.text:
        raise BuildError("a search phrase cannot be empty or contain '\"' (the ABNF has no escape for it)")
    body = form.literal_text(node.text, "'")
    return ('%22' + body + '%22') if form.url else f'"{body}"'


def _search_binary(word: str) -> Callable[[Any, _Form], str]:
    level = {"AND": 2, "OR": 1}[word]

    def printer(node: Any, form: _Form) -> str:
        left = _operand(node.left, form, _SEARCH_LEVEL.get(type(node.left), 4) < level)
        right = _operand(node.right, form, _SEARCH_LEVEL.get(type(node.right), 4) <= level)
        return f"{left}{form.space}{word}{form.space}{right}"

    return printer


def _search_not(node: tree.SearchNot, form: _Form) -> str:
    operand = _operand(node.operand, form, _SEARCH_LEVEL.get(type(node.operand), 4) < 3)
    return f"NOT{form.space}{operand}"


_PRINTERS: dict[type, Callable[[Any, _Form], str]] = {
    tree.Literal: _literal,
    tree.EnumLiteral: _enum,
    tree.JsonArray: _json_array,
    tree.JsonObject: _json_object,
    tree.ListExpr: _list,
    tree.Path: _path,
    tree.Property: lambda node, form: form.name(node.name),
    tree.TypeCast: lambda node, form: form.name(node.name),
    tree.Annotation: _annotation,
    tree.Variable: lambda node, form: node.name,
    tree.LambdaVariable: lambda node, form: form.name(node.name),
    tree.Count: _count,
    tree.Lambda: _lambda,
    tree.FilterSegment: lambda node, form: f"$filter({_expr(node.predicate, form)})",
    tree.FunctionCall: _function_call,
    tree.FunctionSignature: _signature,
    tree.EntitySet: _entity_set,
    tree.Key: _key,
    tree.Star: lambda node, form: "*",
    tree.QualifiedStar: lambda node, form: f"{form.name(node.namespace)}.*",
    tree.Value: lambda node, form: "$value",
    tree.BinaryOp: _binary,
    tree.And: _logical("and"),
    tree.Or: _logical("or"),
    tree.UnaryOp: _unary,
    tree.In: _in,
    tree.Call: _call,
    tree.Cast: _typed_call("cast"),
    tree.IsOf: _typed_call("isof"),
    tree.TypeName: _type_name,
    tree.Case: _case,
    tree.Alias: _alias,
    tree.Search: lambda node, form: _print(node.expr, form),
    tree.SearchWord: _search_word,
    tree.SearchPhrase: _search_phrase,
    tree.SearchNot: _search_not,
    tree.SearchAnd: _search_binary("AND"),
    tree.SearchOr: _search_binary("OR"),
    tree.OrderBy: _items(),
    tree.OrderByItem: _orderby_item,
    tree.Compute: _items(),
    tree.ComputeItem: _compute_item,
    tree.Select: _items(),
    tree.SelectItem: _select_item,
    tree.Expand: _items(),
    tree.ExpandItem: _expand_item,
    tree.Query: _query,
    **_APPLY_PRINTERS,
}
