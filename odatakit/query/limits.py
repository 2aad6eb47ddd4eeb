"""Query limits: refuse queries that are too big or use what a service does not allow.

The names and defaults are those of ASP.NET Core OData's ``ODataValidationSettings``
(``MaxNodeCount=100``, ``MaxExpansionDepth=2``, ``MaxAnyAllExpressionDepth=1``,
``MaxOrderByNodeCount=5``, ``MaxTop``/``MaxSkip`` unset, every function, operator and option
allowed), in snake case, so people who know that stack know these. ``Limits`` works on a parsed
``Query`` alone (an API gateway can check queries it never runs); ``odatakit.sql.select`` checks
it before compiling. ``max_function_call_depth`` is odatakit's own (ASP.NET has no such setting).
"""

from __future__ import annotations

from typing import Any

import attrs

from . import tree
from .syntax import FUNCTIONS
from .visit import children

__all__ = ["Limits", "LimitExceeded", "ALL_FUNCTIONS", "ALL_ARITHMETIC_OPERATORS",
           "ALL_LOGICAL_OPERATORS", "ALL_QUERY_OPTIONS"]

#: Every name ``allowed_functions`` may hold: the canonical functions plus the lambda operators
#: and the type functions, as ASP.NET's ``AllowedFunctions`` flags cover them.
ALL_FUNCTIONS: frozenset[str] = frozenset(FUNCTIONS) | {"cast", "isof", "case", "any", "all"}
ALL_ARITHMETIC_OPERATORS: frozenset[str] = frozenset({"add", "sub", "mul", "div", "divby", "mod", "-"})
ALL_LOGICAL_OPERATORS: frozenset[str] = frozenset(
    {"eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not", "has", "in"})
ALL_QUERY_OPTIONS: frozenset[str] = frozenset({
    "filter", "search", "expand", "select", "orderby", "top", "skip", "count", "compute",
    "index", "levels", "format", "skiptoken", "deltatoken", "schemaversion", "id",
    "at", "from", "to", "toinclusive",
})


class LimitExceeded(ValueError):
    """A query over one of the ``Limits``: ``limit`` is the setting's ASP.NET name
    (``MaxNodeCount``), ``value`` what the query has, ``allowed`` the setting."""

    def __init__(self, limit: str, value: Any, allowed: Any, detail: str = "") -> None:
        self.limit = limit
        self.value = value
        self.allowed = allowed
        message = f"query exceeds {limit}: {detail or value!s} (allowed: {allowed})"
        super().__init__(message)


def _names(values: Any) -> frozenset[str]:
    return frozenset(values)


@attrs.frozen(kw_only=True)
class Limits:
    """Limits a query must keep (ASP.NET Core OData ``ODataValidationSettings`` names, defaults).

    ``None`` for a ``max_*`` setting means no limit; ``0`` for ``max_expansion_depth`` too, as in
    ASP.NET. ``check(query)`` raises ``LimitExceeded`` naming the first limit broken.
    """

    max_node_count: int | None = 100            # MaxNodeCount: nodes of the $filter tree
    max_expansion_depth: int | None = 2         # MaxExpansionDepth: $expand nesting (0: no limit)
    max_any_all_expression_depth: int | None = 1  # MaxAnyAllExpressionDepth: nested any/all
    max_top: int | None = None                  # MaxTop
    max_skip: int | None = None                 # MaxSkip
    max_order_by_node_count: int | None = 5     # MaxOrderByNodeCount: $orderby items
    max_function_call_depth: int | None = 10    # odatakit's own: calls nested in calls
    allowed_functions: frozenset[str] = attrs.field(default=ALL_FUNCTIONS, converter=_names)
    allowed_arithmetic_operators: frozenset[str] = attrs.field(
        default=ALL_ARITHMETIC_OPERATORS, converter=_names)
    allowed_logical_operators: frozenset[str] = attrs.field(
        default=ALL_LOGICAL_OPERATORS, converter=_names)
    allowed_query_options: frozenset[str] = attrs.field(default=ALL_QUERY_OPTIONS, converter=_names)

    def check(self, query: tree.Query) -> None:
        """Raise ``LimitExceeded`` if ``query`` breaks a limit (the first one found)."""
        self._check_options(query, 1)

    def check_paging(self, top: int | None, skip: int | None) -> None:
        """Raise ``LimitExceeded`` if ``$top`` or ``$skip`` is over ``MaxTop`` or ``MaxSkip``: the
        only limits a query's values (not its shape) can break."""
        if self.max_top is not None and top is not None and top > self.max_top:
            raise LimitExceeded("MaxTop", top, self.max_top, f"$top={top}")
        if self.max_skip is not None and skip is not None and skip > self.max_skip:
            raise LimitExceeded("MaxSkip", skip, self.max_skip, f"$skip={skip}")

    def _check_options(self, options: Any, level: int) -> None:
        present = [name for name in ALL_QUERY_OPTIONS
                   if getattr(options, _FIELDS.get(name, name), None) not in (None, ())]
        for name in present:
            if name not in self.allowed_query_options:
                raise LimitExceeded("AllowedQueryOptions", f"${name}", _shown(self.allowed_query_options),
                                    f"${name} is not allowed")
        self.check_paging(getattr(options, "top", None), getattr(options, "skip", None))
        orderby = getattr(options, "orderby", None)
        if orderby is not None:
            count = len(orderby.items)
            if self.max_order_by_node_count is not None and count > self.max_order_by_node_count:
                raise LimitExceeded("MaxOrderByNodeCount", count, self.max_order_by_node_count,
                                    f"{count} $orderby items")
            for item in orderby.items:
                self._check_expression(item.expr, count_nodes=False)
        flt = getattr(options, "filter", None)
        if flt is not None:
            self._check_expression(flt, count_nodes=True)
        expand = getattr(options, "expand", None)
        if expand is not None:
            if self.max_expansion_depth and level > self.max_expansion_depth:
                raise LimitExceeded("MaxExpansionDepth", level, self.max_expansion_depth,
                                    f"$expand nested {level} levels deep")
            for item in expand.items:
                if isinstance(item.levels, str) or (item.levels or 0) > 1:
                    depth = level + (item.levels - 1 if isinstance(item.levels, int) else 10**9)
                    if self.max_expansion_depth and depth > self.max_expansion_depth:
                        raise LimitExceeded("MaxExpansionDepth", item.levels, self.max_expansion_depth,
                                            f"$levels={item.levels}")
                self._check_options(item, level + 1)

    def _check_expression(self, expr: tree.Node, *, count_nodes: bool) -> None:
        max_nodes = self.max_node_count if count_nodes else None
        max_lambdas, max_calls = self.max_any_all_expression_depth, self.max_function_call_depth
        nodes = 0
        # every node under expr with the any/all depth and the call depth it sits at (iterative)
        stack: list[tuple[Any, int, int]] = [(expr, 0, 0)]
        while stack:
            node, lambdas, calls = stack.pop()
            cls = type(node)
            nesting = _NESTING.get(cls)
            if nesting is not None:
                lambdas += nesting[0]
                calls += nesting[1]
            nodes += 1
            if max_nodes is not None and nodes > max_nodes:
                raise LimitExceeded("MaxNodeCount", f"more than {max_nodes}", max_nodes,
                                    f"more than {max_nodes} nodes in $filter")
            if max_lambdas is not None and lambdas > max_lambdas:
                raise LimitExceeded("MaxAnyAllExpressionDepth", lambdas, max_lambdas, f"any/all nested {lambdas} deep")
            if max_calls is not None and calls > max_calls:
                raise LimitExceeded("MaxFunctionCallDepth", calls, max_calls, f"function calls nested {calls} deep")
            kind = _KINDS.get(cls)
            if kind is not None:
                self._check_operation(*kind(node))
            if cls not in _LEAVES:
                stack.extend([(child, lambdas, calls) for child in children(node)])

    def _check_operation(self, name: str, kind: str) -> None:
        if kind == "function" and name not in self.allowed_functions:
            raise LimitExceeded("AllowedFunctions", name, _shown(self.allowed_functions),
                                f"function {name} is not allowed")
        if kind == "arithmetic" and name not in self.allowed_arithmetic_operators:
            raise LimitExceeded("AllowedArithmeticOperators", name,
                                _shown(self.allowed_arithmetic_operators), f"operator {name} is not allowed")
        if kind == "logical" and name not in self.allowed_logical_operators:
            raise LimitExceeded("AllowedLogicalOperators", name,
                                _shown(self.allowed_logical_operators), f"operator {name} is not allowed")


_FIELDS = {"from": "from_", "toinclusive": "to_inclusive"}
_ARITHMETIC = {"add", "sub", "mul", "div", "divby", "mod"}


_KINDS: dict[type, Any] = {
    tree.Call: lambda n: (n.function, "function"),
    tree.Cast: lambda n: ("cast", "function"),
    tree.IsOf: lambda n: ("isof", "function"),
    tree.Case: lambda n: ("case", "function"),
    tree.Lambda: lambda n: (n.kind, "function"),
    tree.BinaryOp: lambda n: (n.op, "arithmetic" if n.op in _ARITHMETIC else "logical"),
    tree.UnaryOp: lambda n: (n.op, "arithmetic" if n.op == "-" else "logical"),
    tree.And: lambda n: ("and", "logical"),
    tree.Or: lambda n: ("or", "logical"),
    tree.In: lambda n: ("in", "logical"),
}
_NESTING = {tree.Call: (0, 1), tree.Lambda: (1, 0)}
#: Node classes with no node under them: their children are not looked for.
_LEAVES = frozenset({tree.Literal, tree.Property, tree.Variable, tree.Alias, tree.EnumLiteral, tree.TypeCast,
                     tree.TypeName, tree.Star})


def _shown(names: frozenset[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed) if len(listed) <= 12 else ", ".join(listed[:12]) + ", …"
