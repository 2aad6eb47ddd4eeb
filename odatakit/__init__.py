"""odatakit: OData v4 query strings as typed trees, open-type payloads with exact types, and
entity URLs that are right by construction.

Everything public is exported here; modules whose names start with ``_`` are private.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from . import edm as edm
from .errors import (
    BuildError as BuildError, Error as Error, Fault as Fault, ODataSyntaxError as ODataSyntaxError,
    PayloadError as PayloadError,
)
from .query import tree as tree, visit as visit
from .query.tree import *  # noqa: F403  (the tree classes are public; tree.__all__ lists them)
from .query.tree import __all__ as _tree_all

__all__ = [
    "edm",
    "tree",
    "visit",
    "Error",
    "BuildError",
    "Fault",
    "ODataSyntaxError",
    "PayloadError",
    *_tree_all,
]

# -- loaded on first use (PEP 562): the builder, URLs, HTTP helpers and the payload codec -------
# ``import odatakit`` then costs what parsing needs; jsonschema, the URL grammar and the rest load
# when a name of theirs is first used (cold start: benchmarks/README.md).
_LAZY_MODULES: dict[str, tuple[str, ...]] = {
    # tree classes created on first use (query/tree.py's _LAZY): $apply, $search, $compute
    "query.tree": (
        "AGGREGATION_METHODS", "AddNested", "Aggregate", "AggregateExpr", "AggregateFrom", "AggregateSegment", "Apply",
        "ApplyCompute", "ApplyFilter", "ApplyOrderBy", "ApplySearch", "ApplySkip", "ApplyTop", "Compute", "ComputeItem",
        "Concat", "GroupBy", "Hierarchy", "HierarchyFilter", "Identity", "Join", "Nest", "NestItem", "RANKING_FUNCTIONS",
        "Ranking", "Rollup", "RollupRecursive", "Search", "SearchAnd", "SearchExpr", "SearchNot", "SearchOr",
        "SearchPhrase", "SearchWord", "Transformation", "Traverse",
    ),
    # the parser and printer load lark and the grammars: not needed to build trees or to register
    # Hypothesis strategies, so they too wait for their first use
    "query.parser": (
        "parse_apply", "parse_compute", "parse_expand", "parse_expression", "parse_filter", "parse_key", "parse_literal",
        "parse_orderby", "parse_query", "parse_search", "parse_select",
    ),
    "query.printer": ("serialize",),
    "query.builder": (
        "F", "Expression", "Q", "S", "SearchTerm", "alias", "asc", "case", "cast", "desc",
        "enum_literal", "enum_type", "expand_item", "fn", "isof", "it", "lit", "root", "select_item",
        "this", "T",
    ),
    "http.messages": (
        "ErrorDetail", "MailboxNotEnabledError", "ODataError", "ServiceError", "Preference", "accept", "anchor_mailbox",
        "parse_error", "parse_header", "parse_prefer", "prefer", "request_headers",
    ),
    "url": (
        "CastSegment", "ContextFragment", "ContextUrl", "CrossJoinSegment", "DollarSegment",
        "FilterPathSegment", "KeyAsSegment", "KeyPredicate", "NameSegment", "ServiceRoot", "Url",
        "UserContext", "extension_id", "extension_name", "graph", "outlook", "parse_context_url",
        "parse_url", "service",
    ),
    "payload.decode": ("PayloadWarning", "decode"),
    "payload.encode": ("encode", "encode_json"),
    "payload.extensions": ("GRAPH", "OUTLOOK", "OpenTypeExtension", "merge", "with_extensions"),
    "payload.validate": ("assert_valid", "validate"),
    "payload.values": ("Collection", "ContextRef", "Primitive", "Structured", "typed"),
    "http.request": ("Request", "request"),
    "http.response": ("read_response",),
    "payload.extension_requests": ("ExtensionRequest",),
    "paging": ("Page", "PageRequest", "fetch_all", "iterate_pages", "iterate_values"),
    "msgraph.planner": ("GraphPlan", "PlanWarning", "plan_graph_request"),
    "query.limits": ("LimitExceeded", "Limits"),
    # the module paths, not the subpackage: odatakit.evaluate is the function
    "evaluation.query": ("evaluate",),
    "evaluation.filter": ("compile_filter", "evaluate_filter"),
    "evaluation.values": ("EvaluationError",),
}
#: Public submodules, loaded when first named (``odatakit.strategies``, ``odatakit.url``, ...).
_SUBMODULES = frozenset({
    "strategies", "url", "http", "query", "payload", "testing", "cli", "batch", "msgraph", "paging", "csdl", "model",
    "sql", "evaluation",
})
_LAZY = {name: module for module, names in _LAZY_MODULES.items() for name in names}

__all__ += [name for names in _LAZY_MODULES.values() for name in names]


def __getattr__(name: str) -> Any:
    """A lazily loaded public name (or submodule): import its module once, then keep the value."""
    import importlib

    if name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
    if "hypothesis" in sys.modules:  # st.from_type learns the classes of the module just loaded
        from .testing._hook import register_loaded

        register_loaded()
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if "hypothesis" in sys.modules:  # Hypothesis came first: its entry point found no odatakit yet
    from .testing._hook import register_loaded as _register_loaded

    _register_loaded()

if TYPE_CHECKING:  # the lazy names, for type checkers and IDEs (``x as x``: explicitly re-exported;
    # tests/test_public_api.py checks this block names exactly what _LAZY_MODULES does)
    from .query.tree import (
        AGGREGATION_METHODS as AGGREGATION_METHODS, AddNested as AddNested, Aggregate as Aggregate,
        AggregateExpr as AggregateExpr, AggregateFrom as AggregateFrom, AggregateSegment as AggregateSegment,
        Apply as Apply, ApplyCompute as ApplyCompute, ApplyFilter as ApplyFilter,
        ApplyOrderBy as ApplyOrderBy, ApplySearch as ApplySearch, ApplySkip as ApplySkip,
        ApplyTop as ApplyTop, Compute as Compute, ComputeItem as ComputeItem, Concat as Concat,
        GroupBy as GroupBy, Hierarchy as Hierarchy, HierarchyFilter as HierarchyFilter, Identity as Identity,
        Join as Join, Nest as Nest, NestItem as NestItem, RANKING_FUNCTIONS as RANKING_FUNCTIONS,
        Ranking as Ranking, Rollup as Rollup, RollupRecursive as RollupRecursive, Search as Search,
        SearchAnd as SearchAnd, SearchExpr as SearchExpr, SearchNot as SearchNot, SearchOr as SearchOr,
        SearchPhrase as SearchPhrase, SearchWord as SearchWord, Transformation as Transformation,
        Traverse as Traverse,
    )
    from .query.parser import (
        parse_apply as parse_apply, parse_compute as parse_compute, parse_expand as parse_expand,
        parse_expression as parse_expression, parse_filter as parse_filter, parse_key as parse_key,
        parse_literal as parse_literal, parse_orderby as parse_orderby, parse_query as parse_query,
        parse_search as parse_search, parse_select as parse_select,
    )
    from .query.printer import (
        serialize as serialize,
    )
    from .query.builder import (
        F as F, Expression as Expression, Q as Q, S as S, SearchTerm as SearchTerm, alias as alias,
        asc as asc, case as case, cast as cast, desc as desc, enum_literal as enum_literal,
        enum_type as enum_type, expand_item as expand_item, fn as fn, isof as isof, it as it, lit as lit,
        root as root, select_item as select_item, this as this, T as T,
    )
    from .http.messages import (
        ErrorDetail as ErrorDetail, MailboxNotEnabledError as MailboxNotEnabledError,
        ODataError as ODataError, ServiceError as ServiceError, Preference as Preference, accept as accept,
        anchor_mailbox as anchor_mailbox, parse_error as parse_error, parse_header as parse_header,
        parse_prefer as parse_prefer, prefer as prefer, request_headers as request_headers,
    )
    from .url import (
        CastSegment as CastSegment, ContextFragment as ContextFragment, ContextUrl as ContextUrl,
        CrossJoinSegment as CrossJoinSegment, DollarSegment as DollarSegment,
        FilterPathSegment as FilterPathSegment, KeyAsSegment as KeyAsSegment, KeyPredicate as KeyPredicate,
        NameSegment as NameSegment, ServiceRoot as ServiceRoot, Url as Url, UserContext as UserContext,
        extension_id as extension_id, extension_name as extension_name, graph as graph, outlook as outlook,
        parse_context_url as parse_context_url, parse_url as parse_url, service as service,
    )
    from .payload.decode import (
        PayloadWarning as PayloadWarning, decode as decode,
    )
    from .payload.encode import (
        encode as encode, encode_json as encode_json,
    )
    from .payload.extensions import (
        GRAPH as GRAPH, OUTLOOK as OUTLOOK, OpenTypeExtension as OpenTypeExtension, merge as merge,
        with_extensions as with_extensions,
    )
    from .payload.validate import (
        assert_valid as assert_valid, validate as validate,
    )
    from .payload.values import (
        Collection as Collection, ContextRef as ContextRef, Primitive as Primitive, Structured as Structured,
        typed as typed,
    )
    from .http.request import (
        Request as Request, request as request,
    )
    from .http.response import (
        read_response as read_response,
    )
    from .payload.extension_requests import (
        ExtensionRequest as ExtensionRequest,
    )
    from .paging import (
        Page as Page, PageRequest as PageRequest, fetch_all as fetch_all, iterate_pages as iterate_pages,
        iterate_values as iterate_values,
    )
    from .msgraph.planner import (
        GraphPlan as GraphPlan, PlanWarning as PlanWarning, plan_graph_request as plan_graph_request,
    )
    from .query.limits import (
        LimitExceeded as LimitExceeded, Limits as Limits,
    )
    from .evaluation.query import (
        evaluate as evaluate,
    )
    from .evaluation.filter import (
        compile_filter as compile_filter, evaluate_filter as evaluate_filter,
    )
    from .evaluation.values import (
        EvaluationError as EvaluationError,
    )
