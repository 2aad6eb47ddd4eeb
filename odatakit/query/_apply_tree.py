"""The ``$apply`` nodes (Data Aggregation 4.0, odata-aggregation-abnf §2; one class per
transformation): part of ``odatakit.query.tree``, which loads this module on first use.

Why a module of their own: creating a frozen attrs class costs ~0.5 ms (attrs compiles its
methods), and a third of the tree's classes are these, which most programs never touch; a cold
start (``import odatakit`` + a parse) skips them. ``tree.Apply``, ``odatakit.Apply`` and
``from odatakit.query.tree import Apply`` all work as before.
"""

from __future__ import annotations

from typing import Union

import attrs

from ._rare_tree import ComputeItem, Search
from .tree import Expr, FunctionCall, Node, OrderByItem, Path, as_tuple

__all__ = [
    "Apply", "Transformation", "Aggregate", "AggregateExpr", "AggregateFrom", "AggregateSegment",
    "GroupBy", "Rollup", "RollupRecursive", "Hierarchy", "ApplyFilter", "ApplySearch", "ApplyCompute",
    "ApplyOrderBy", "ApplyTop", "ApplySkip", "Identity", "Concat", "Ranking", "Nest", "AddNested",
    "NestItem", "Join", "HierarchyFilter", "Traverse", "AGGREGATION_METHODS", "RANKING_FUNCTIONS",
]


#: aggregateMethod: the built-in aggregation methods (a qualified name is a custom method).
AGGREGATION_METHODS = ("sum", "min", "max", "average", "countdistinct")
#: topcountTrafo … bottomsumTrafo: the ranking transformations.
RANKING_FUNCTIONS = ("topcount", "toppercent", "topsum", "bottomcount", "bottompercent", "bottomsum")


@attrs.frozen(repr=False)
class AggregateFrom(Node):
    """``from A,B with method``: aggregate per group of the grouping paths first (aggregateFrom);
    ``method`` is None only after a custom aggregate (customFrom)."""

    properties: tuple[Path, ...] = attrs.field(converter=as_tuple)
    method: str | None = None


@attrs.frozen(repr=False)
class AggregateExpr(Node):
    """One aggregate expression: ``Amount with sum from Time with average as Total``.

    ``value`` is an expression, or ``Path((Count(),))`` for ``$count``; ``method`` is
    sum/min/max/average/countdistinct or a qualified custom method, None for a custom aggregate
    or a count; ``alias`` is None only for a custom aggregate or inside ``/aggregate(…)``."""

    value: Expr
    method: str | None = None
    from_: tuple[AggregateFrom, ...] = attrs.field(default=(), converter=as_tuple)
    alias: str | None = None


@attrs.frozen(repr=False)
class AggregateSegment(Node):
    """The ``/aggregate(…)`` path segment of an expression (aggregateFunctionExpr): no alias."""

    expr: AggregateExpr


@attrs.frozen(repr=False)
class Aggregate(Node):
    """``aggregate(e1,e2,…)`` (aggregateTrafo)."""

    items: tuple[AggregateExpr, ...] = attrs.field(converter=as_tuple)


@attrs.frozen(repr=False)
class Hierarchy(Node):
    """A recursive hierarchy reference (recHierReference): the node collection (``$root/…``),
    the hierarchy's qualifier, and the path to the node identifier."""

    nodes: Path
    qualifier: str
    property: Path


@attrs.frozen(repr=False)
class Rollup(Node):
    """``rollup(A,B,…)`` (rollupUnnamedHier, two or more paths) or ``rollup(Name)`` (a leveled
    hierarchy's qualifier, rollupNamedHier): exactly one of the two is set."""

    properties: tuple[Path, ...] = attrs.field(default=(), converter=as_tuple)
    hierarchy: str | None = None


@attrs.frozen(repr=False)
class RollupRecursive(Node):
    """``rolluprecursive(hierarchy[,transformations])`` (rollupRecursive)."""

    hierarchy: Hierarchy
    apply: Apply | None = None


@attrs.frozen(repr=False)
class GroupBy(Node):
    """``groupby((paths and rollups)[,transformations])`` (groupbyTrafo)."""

    properties: tuple[Path | Rollup | RollupRecursive, ...] = attrs.field(converter=as_tuple)
    apply: Apply | None = None


@attrs.frozen(repr=False)
class ApplyFilter(Node):
    """``filter(condition)`` (filterTrafo)."""

    condition: Expr


@attrs.frozen(repr=False)
class ApplySearch(Node):
    """``search(…)`` (searchTrafo)."""

    search: Search


@attrs.frozen(repr=False)
class ApplyCompute(Node):
    """``compute(expr as Name,…)`` (computeTrafo)."""

    items: tuple[ComputeItem, ...] = attrs.field(converter=as_tuple)


@attrs.frozen(repr=False)
class ApplyOrderBy(Node):
    """``orderby(expr [asc|desc],…)`` (orderbyTrafo)."""

    items: tuple[OrderByItem, ...] = attrs.field(converter=as_tuple)


@attrs.frozen(repr=False)
class ApplyTop(Node):
    """``top(n)`` (topTrafo)."""

    count: int


@attrs.frozen(repr=False)
class ApplySkip(Node):
    """``skip(n)`` (skipTrafo)."""

    count: int


@attrs.frozen(repr=False)
class Identity(Node):
    """``identity`` (identityTrafo): the input set unchanged."""


@attrs.frozen(repr=False)
class Concat(Node):
    """``concat(a,b,…)`` (concatTrafo): two or more sequences of transformations."""

    applies: tuple[Apply, ...] = attrs.field(converter=as_tuple)


@attrs.frozen(repr=False)
class Ranking(Node):
    """``topcount(n,value)`` and its five siblings (``function`` from RANKING_FUNCTIONS)."""

    function: str
    amount: Expr
    value: Expr


@attrs.frozen(repr=False)
class NestItem(Node):
    """``transformations as Name`` inside ``nest``/``addnested`` (nestApplyExpr)."""

    apply: Apply
    alias: str


@attrs.frozen(repr=False)
class Nest(Node):
    """``nest(… as A,…)`` (nestTrafo)."""

    items: tuple[NestItem, ...] = attrs.field(converter=as_tuple)


@attrs.frozen(repr=False)
class AddNested(Node):
    """``addnested(path,… as A,…)`` (nestTrafo)."""

    path: Path
    items: tuple[NestItem, ...] = attrs.field(converter=as_tuple)


@attrs.frozen(repr=False)
class Join(Node):
    """``join(path as Alias[,transformations])``; ``outer=True`` for ``outerjoin``."""

    path: Path
    alias: str
    apply: Apply | None = None
    outer: bool = False


@attrs.frozen(repr=False)
class HierarchyFilter(Node):
    """``ancestors(…)`` / ``descendants(…)``: hierarchy, filtering transformations, an optional
    distance, and ``keep start``."""

    function: str  # "ancestors" or "descendants"
    hierarchy: Hierarchy
    apply: Apply
    distance: int | None = None
    keep_start: bool = False


@attrs.frozen(repr=False)
class Traverse(Node):
    """``traverse(hierarchy,preorder|postorder[,transformations][,orderby items])``."""

    hierarchy: Hierarchy
    order: str  # "preorder" or "postorder"
    apply: Apply | None = None
    orderby: tuple[OrderByItem, ...] = attrs.field(default=(), converter=as_tuple)


#: applyTrafo; a custom function (``Ns.F(p=1)``) is a FunctionCall.
Transformation = Union[
    Aggregate, GroupBy, ApplyFilter, ApplySearch, ApplyCompute, ApplyOrderBy, ApplyTop, ApplySkip,
    Identity, Concat, Ranking, Nest, AddNested, Join, HierarchyFilter, Traverse, FunctionCall,
]


@attrs.frozen(repr=False)
class Apply(Node):
    """The value of ``$apply`` (applyExpr): transformations applied one after the other."""

    steps: tuple[Transformation, ...] = attrs.field(converter=as_tuple)
