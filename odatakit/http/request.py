"""Built URL + query + body → one frozen ``Request`` value that any HTTP client sends as it is.

odatakit sends nothing itself (no HTTP client is a dependency): ``Request`` holds the method, the
URL as a plain string (already percent-encoded, so clients leave it alone), the headers and the
body bytes (JSON written by odatakit, Decimals digit for digit)::

    req = odatakit.request("GET", odatakit.graph().me.messages, query=Q().top(5))
    r = httpx.request(**req.httpx())              # or requests.request(**req.requests())
    value = odatakit.read_response(r.status_code, r.content, r.headers)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..payload import _jsontext
from ..payload.encode import encode
from ..payload.extensions import OpenTypeExtension
from ..query import tree
from ..query.parser import parse_query
from ..query.printer import serialize
from ..url import Url, parse_url
from .messages import request_headers

__all__ = ["Request", "request", "METHODS"]

#: The methods an OData request uses (Protocol §11).
METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})


def _headers(value: Mapping[str, str]) -> dict[str, str]:
    return {str(name): str(text) for name, text in value.items()}


@attrs.frozen
class Request:
    """One HTTP request: what any client needs, as plain values (``str`` URL, ``bytes`` body)."""

    method: str
    url: str
    headers: dict[str, str] = attrs.field(factory=dict, converter=_headers, hash=False)
    body: bytes = b""

    def httpx(self) -> dict[str, Any]:
        """Keyword arguments for ``httpx.request(**req.httpx())`` (or ``client.request``)."""
        return {"method": self.method, "url": self.url, "headers": dict(self.headers),
                "content": self.body or None}

    def requests(self) -> dict[str, Any]:
        """Keyword arguments for ``requests.request(**req.requests())`` (or ``session.request``)."""
        return {"method": self.method, "url": self.url, "headers": dict(self.headers),
                "data": self.body or None}


def _query_text(query: Any) -> str:
    """The URL form of a query given as a builder ``Q``, a ``tree.Query`` or text (parsed first,
    so text that does not parse is refused here, not by the service)."""
    if isinstance(query, str):
        query = parse_query(query.lstrip("?"))
    elif not isinstance(query, tree.Query):
        to_tree = getattr(query, "to_tree", None)
        if not callable(to_tree):
            raise TypeError(f"a query is a Q, a tree.Query or text, not {type(query).__name__}")
        query = to_tree()
    return serialize(query, url=True)


def _body(method: str, body: Any, ieee754_compatible: bool) -> bytes:
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, OpenTypeExtension):  # the body the operation needs: create or patch
        payload = body.patch_body() if method == "PATCH" else body.create_body()
        return _jsontext.write(payload).encode("utf-8")
    if isinstance(body, str):
        raise TypeError("a str body is ambiguous: pass bytes (sent as they are) or a value to encode")
    return _jsontext.write(encode(body, ieee754_compatible=ieee754_compatible)).encode("utf-8")


def request(
    method: str,
    url: Url | str,
    *,
    query: Any = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    ieee754_compatible: bool = False,
    maxpagesize: int | None = None,
    email: str | None = None,
) -> Request:
    """The ``Request`` for ``method`` on ``url`` with an optional ``query`` (``Q``, ``tree.Query``
    or text) and ``body`` (an ``OpenTypeExtension`` — its create body, or its patch body for PATCH,
    in the dialect of the URL's service —,
    typed values, plain JSON-able Python, or raw ``bytes``).

    Headers: ``OData-Version``, ``Accept``, ``Content-Type`` for a body, ``Prefer`` for
    ``maxpagesize``, ``x-AnchorMailbox`` for a user; ``headers`` adds or overrides.
    """
    verb = method.upper()
    if verb not in METHODS:
        raise ValueError(f"method is one of {', '.join(sorted(METHODS))}, not {method!r}")
    parsed = url if isinstance(url, Url) else parse_url(url)
    if query is not None:
        if parsed.query is not None:
            raise ValueError("the URL already has a query: give it in one place")
        text = f"{parsed}?{_query_text(query)}"
    else:
        text = str(parsed)
    if body is not None and verb in ("GET", "DELETE"):
        raise ValueError(f"a {verb} request has no body")
    if isinstance(body, OpenTypeExtension) and parsed.root is not None and parsed.root.dialect is not None:
        body = body.to_dialect(parsed.root.dialect)  # Graph and Outlook spell the body differently
    data = b"" if body is None else _body(verb, body, ieee754_compatible)
    all_headers = request_headers(parsed, email=email, maxpagesize=maxpagesize,
                                  ieee754_compatible=ieee754_compatible, content_type=body is not None)
    all_headers.update(_headers(headers or {}))
    return Request(verb, text, all_headers, data)
