"""The tree classes of ``$search`` and ``$compute``, options the fast paths leave to the grammar:
part of ``odatakit.query.tree``, which loads this module on first use.

Why a module of their own: creating a frozen attrs class costs ~0.5 ms (attrs compiles its
methods); a common query needs none of these, so a cold start (``import odatakit`` + a parse)
skips them, and the parse that needs one loads the grammar anyway. ``tree.Search``,
``odatakit.Search`` and ``from odatakit.query.tree import Search`` work as before.
"""

from __future__ import annotations

from typing import Union

import attrs

from .tree import Expr, Node, as_tuple

__all__ = [
    "Search", "SearchExpr", "SearchWord", "SearchPhrase", "SearchNot", "SearchAnd", "SearchOr",
    "Compute", "ComputeItem",
]


# ---------------------------------------------------------------------------------------------
# $search (ABNF searchExpr)
# ---------------------------------------------------------------------------------------------


@attrs.frozen(repr=False)
class SearchWord(Node):
    """A bare search word (decoded text)."""

    text: str

@attrs.frozen(repr=False)
class SearchPhrase(Node):
    """A double-quoted search phrase (decoded text, without the quotes)."""

    text: str

@attrs.frozen(repr=False)
class SearchNot(Node):
    """``NOT term``."""

    operand: SearchExpr

@attrs.frozen(repr=False)
class SearchAnd(Node):
    """``a AND b`` (also written as ``a b``)."""

    left: SearchExpr
    right: SearchExpr

@attrs.frozen(repr=False)
class SearchOr(Node):
    """``a OR b``."""

    left: SearchExpr
    right: SearchExpr


SearchExpr = Union[SearchWord, SearchPhrase, SearchNot, SearchAnd, SearchOr]


@attrs.frozen(repr=False)
class Search(Node):
    """The value of ``$search``."""

    expr: SearchExpr


# ---------------------------------------------------------------------------------------------
# $compute (ABNF compute)
# ---------------------------------------------------------------------------------------------


@attrs.frozen(repr=False)
class ComputeItem(Node):
    """``expr as Name`` in ``$compute``."""

    expr: Expr
    alias: str

@attrs.frozen(repr=False)
class Compute(Node):
    """The value of ``$compute``."""

    items: tuple[ComputeItem, ...] = attrs.field(converter=as_tuple)
