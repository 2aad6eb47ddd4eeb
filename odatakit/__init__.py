"""odatakit: OData v4 query strings as typed trees, open-type payloads with exact types, and
entity URLs that are right by construction.

Everything public is exported here; modules whose names start with ``_`` are private.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import edm
from .errors import Fault, ODataSyntaxError, PayloadError
from .tree import *  # noqa: F403  (the tree classes are public; tree.__all__ lists them)
from .tree import __all__ as _tree_all

# -- query language: text -> tree -> text ----------------------------------------------------
from .parser import (
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
from .serializer import serialize

__all__ = [
    "edm",
    "Fault",
    "ODataSyntaxError",
    "PayloadError",
    *_tree_all,
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
    "builder": (
        "F", "Expression", "Q", "S", "SearchTerm", "alias", "asc", "case", "cast", "desc",
        "enum_literal", "enum_type", "expand_item", "fn", "isof", "it", "lit", "root", "select_item",
        "this",
    ),
    "http": (
        "ErrorDetail", "MailboxNotEnabledError", "ODataError", "Preference", "accept", "anchor_mailbox",
        "parse_error", "parse_header", "parse_prefer", "prefer", "request_headers",
    ),
    "url": (
        "CastSegment", "ContextFragment", "ContextUrl", "CrossJoinSegment", "DollarSegment",
        "FilterPathSegment", "KeyAsSegment", "KeyPredicate", "NameSegment", "ServiceRoot", "Url",
        "UserContext", "extension_id", "extension_name", "graph", "outlook", "parse_context_url",
        "parse_url", "service",
    ),
    "decoding": ("decode",),
    "encoding": ("encode", "encode_json"),
    "extensions": ("GRAPH", "OUTLOOK", "OpenTypeExtension", "merge", "with_extensions"),
    "validation": ("assert_valid", "validate"),
    "values": ("Collection", "ContextRef", "Primitive", "Structured", "typed"),
    # the module path, not the subpackage name: odatakit.evaluate is the function
    "evaluate.query": ("evaluate",),
    "evaluate.filter": ("compile_filter", "evaluate_filter"),
    "evaluate.values": ("EvaluationError",),
    "csdl": (),  # service models: odatakit.csdl.load, odatakit.csdl.Model (needs the "model" extra for XML)
}
_LAZY = {name: module for module, names in _LAZY_MODULES.items() for name in names}

__all__ += [name for names in _LAZY_MODULES.values() for name in names]
__all__ += ["csdl"]


def __getattr__(name: str) -> Any:
    """A lazily loaded public name (or submodule): import its module once, then keep the value."""
    import importlib

    if name in _LAZY_MODULES:
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
    from .builder import (
        F, Expression, Q, S, SearchTerm, alias, asc, case, cast, desc, enum_literal, enum_type,
        expand_item, fn, isof, it, lit, root, select_item, this,
    )
    from .decoding import decode
    from .encoding import encode, encode_json
    from .evaluate.filter import compile_filter, evaluate_filter
    from .evaluate.query import evaluate
    from .evaluate.values import EvaluationError
    from .extensions import GRAPH, OUTLOOK, OpenTypeExtension, merge, with_extensions
    from .http import (
        ErrorDetail, MailboxNotEnabledError, ODataError, Preference, accept, anchor_mailbox, parse_error,
        parse_header, parse_prefer, prefer, request_headers,
    )
    from .url import (
        CastSegment, ContextFragment, ContextUrl, CrossJoinSegment, DollarSegment, FilterPathSegment,
        KeyAsSegment, KeyPredicate, NameSegment, ServiceRoot, Url, UserContext, extension_id,
        extension_name, graph, outlook, parse_context_url, parse_url, service,
    )
    from .validation import assert_valid, validate
    from .values import Collection, ContextRef, Primitive, Structured, typed
