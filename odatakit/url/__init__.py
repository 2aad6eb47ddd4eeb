"""Entity and resource URLs: parts → URL → parts.

``parts`` holds the values (service root, user context, segments, ``Url`` and its builder methods),
``keys`` turns Python values into key literals, ``render`` writes parts as text, ``parse`` reads a
URL back into the same parts (``parse_url(render(u)) == u``), ``context`` reads context URLs;
``vocabulary`` is the Outlook/Graph knowledge they share.
"""

from .context import parse_context_url
from .keys import extension_id, extension_name
from .parse import parse_url
from .parts import (
    CastSegment, ContextFragment, ContextUrl, CrossJoinSegment, DollarSegment, FilterPathSegment,
    KeyAsSegment, KeyPredicate, NameSegment, PathSegment, ServiceRoot, Url, UserContext, graph, outlook,
    service,
)
from .render import render
from ..services import GRAPH_EXTENSION_PREFIX, OUTLOOK_EXTENSION_PREFIX

__all__ = [
    "ServiceRoot", "UserContext", "Url", "ContextFragment", "ContextUrl",
    "NameSegment", "CastSegment", "KeyAsSegment", "KeyPredicate", "DollarSegment",
    "FilterPathSegment", "CrossJoinSegment", "PathSegment",
    "outlook", "graph", "service", "parse_url", "parse_context_url", "render",
    "extension_id", "extension_name",
    "OUTLOOK_EXTENSION_PREFIX", "GRAPH_EXTENSION_PREFIX",
]
