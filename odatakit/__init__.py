"""odatakit: OData v4 query strings as typed trees, open-type payloads with exact types, and
entity URLs that are right by construction.

Everything public is exported here; modules whose names start with ``_`` are private.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import edm
from .errors import Fault, ODataSyntaxError, PayloadError
from .query import tree
from .query.tree import *  # noqa: F403  (the tree classes are public; tree.__all__ lists them)
from .query.tree import __all__ as _tree_all

# -- query language: text -> tree -> text ----------------------------------------------------
from .query.parser import (
    parse_apply,
    parse_compute,
    parse_expand,
    parse_expression,
    parse_filter,
    parse_key,
    parse_literal,
    parse_orderby,
    parse_query,
    parse_search,
    parse_select,
)
from .query.printer import serialize

__all__ = [
    "edm",
    "tree",
    "Fault",
    "ODataSyntaxError",
    "PayloadError",
    *_tree_all,
    "parse_apply",
    "parse_compute",
    "parse_expand",
    "parse_expression",
    "parse_filter",
    "parse_key",
    "parse_literal",
    "parse_orderby",
    "parse_query",
    "parse_search",
    "parse_select",
    "serialize",
]

# -- loaded on first use (PEP 562): the builder, URLs, HTTP helpers and the payload codec -------
# ``import odatakit`` then costs what parsing needs; jsonschema, the URL grammar and the rest load
# when a name of theirs is first used (cold start: benchmarks/README.md).
_LAZY_MODULES: dict[str, tuple[str, ...]] = {
    "query.builder": (
        "F", "Expression", "Q", "S", "SearchTerm", "alias", "asc", "case", "cast", "desc",
        "enum_literal", "enum_type", "expand_item", "fn", "isof", "it", "lit", "root", "select_item",
        "this", "T",
    ),
    "http.messages": (
        "ErrorDetail", "MailboxNotEnabledError", "ODataError", "Preference", "accept", "anchor_mailbox",
        "parse_error", "parse_header", "parse_prefer", "prefer", "request_headers",
    ),
    "url": (
        "CastSegment", "ContextFragment", "ContextUrl", "CrossJoinSegment", "DollarSegment",
        "FilterPathSegment", "KeyAsSegment", "KeyPredicate", "NameSegment", "ServiceRoot", "Url",
        "UserContext", "extension_id", "extension_name", "graph", "outlook", "parse_context_url",
        "parse_url", "service",
    ),
    "payload.decode": ("decode",),
    "payload.encode": ("encode", "encode_json"),
    "payload.extensions": ("GRAPH", "OUTLOOK", "OpenTypeExtension", "merge", "with_extensions"),
    "payload.validate": ("assert_valid", "validate"),
    "payload.values": ("Collection", "ContextRef", "Primitive", "Structured", "typed"),
}
#: Public submodules, loaded when first named (``odatakit.strategies``, ``odatakit.url``, ...).
_SUBMODULES = frozenset({"strategies", "url", "http", "query", "payload", "testing", "cli"})
_LAZY = {name: module for module, names in _LAZY_MODULES.items() for name in names}

__all__ += [name for names in _LAZY_MODULES.values() for name in names]


def __getattr__(name: str) -> Any:
    """A lazily loaded public name (or submodule): import its module once, then keep the value."""
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # the lazy names, for type checkers and IDEs
    from .query.builder import (
        F, Expression, Q, S, SearchTerm, alias, asc, case, cast, desc, enum_literal, enum_type,
        expand_item, fn, isof, it, lit, root, select_item, this, T,
    )
    from .payload.decode import decode
    from .payload.encode import encode, encode_json
    from .payload.extensions import GRAPH, OUTLOOK, OpenTypeExtension, merge, with_extensions
    from .http.messages import (
        ErrorDetail, MailboxNotEnabledError, ODataError, Preference, accept, anchor_mailbox, parse_error,
        parse_header, parse_prefer, prefer, request_headers,
    )
    from .url import (
        CastSegment, ContextFragment, ContextUrl, CrossJoinSegment, DollarSegment, FilterPathSegment,
        KeyAsSegment, KeyPredicate, NameSegment, ServiceRoot, Url, UserContext, extension_id,
        extension_name, graph, outlook, parse_context_url, parse_url, service,
    )
    from .payload.validate import assert_valid, validate
    from .payload.values import Collection, ContextRef, Primitive, Structured, typed
