"""odatakit: OData v4 query strings as typed trees, open-type payloads with exact types, and
entity URLs that are right by construction.

Everything public is exported here; modules whose names start with ``_`` are private.
"""

from __future__ import annotations

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

# -- query builder (issue 3) -------------------------------------------------------------------
from .builder import (
    F,
    Expression,
    Q,
    S,
    SearchTerm,
    alias,
    asc,
    case,
    cast,
    desc,
    enum_literal,
    enum_type,
    expand_item,
    fn,
    isof,
    it,
    lit,
    root,
    select_item,
    this,
)

__all__ += [
    "F", "Expression", "Q", "S", "SearchTerm", "alias", "asc", "case", "cast", "desc",
    "enum_literal", "enum_type", "expand_item", "fn", "isof", "it", "lit", "root", "select_item",
    "this",
]

# -- entity URLs and request helpers (issue 3) -------------------------------------------------
from .http import (
    ErrorDetail, MailboxNotEnabledError, ODataError, Preference, accept, anchor_mailbox, parse_error,
    parse_header, parse_prefer, prefer, request_headers,
)
from .url import (
    CastSegment, ContextFragment, ContextUrl, CrossJoinSegment, DollarSegment, FilterPathSegment,
    KeyAsSegment, KeyPredicate, NameSegment, ServiceRoot, Url, UserContext, extension_id,
    extension_name, graph, outlook, parse_context_url, parse_url, service,
)

__all__ += [
    "Url", "ServiceRoot", "UserContext", "NameSegment", "CastSegment", "KeyAsSegment", "KeyPredicate",
    "DollarSegment", "FilterPathSegment", "CrossJoinSegment", "ContextUrl", "ContextFragment",
    "outlook", "graph", "service", "parse_url", "parse_context_url", "extension_id", "extension_name",
    "ODataError", "MailboxNotEnabledError", "ErrorDetail", "parse_error", "Preference", "prefer",
    "parse_prefer", "parse_header", "accept", "anchor_mailbox", "request_headers",
]

# -- payload codec and validation (issue 4) ----------------------------------------------------
from .decoding import decode
from .encoding import encode, encode_json
from .extensions import GRAPH, OUTLOOK, OpenTypeExtension, merge, with_extensions
from .validation import assert_valid, validate
from .values import Collection, ContextRef, Primitive, Structured, typed

__all__ += [
    "decode", "encode", "encode_json", "validate", "assert_valid",
    "OpenTypeExtension", "merge", "with_extensions", "OUTLOOK", "GRAPH",
    "Primitive", "Collection", "Structured", "ContextRef", "typed",
]
