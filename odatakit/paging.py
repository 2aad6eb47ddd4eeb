"""Paging: read a collection page by page through ``@odata.nextLink`` until a page carries none
(or carries ``@odata.deltaLink``, the link to ask for changes later), with typed values.

No HTTP client is needed: the caller passes ``send(request) -> body`` (bytes or text), so httpx,
requests, aiohttp-in-a-thread or a test double all fit. Headers given once (``ConsistencyLevel``,
``Prefer: odata.maxpagesize``) go with every page: Graph does not carry them over by itself
(G-PAGING; "query parameters", $skip note). Lives beside ``http.py`` rather than in it because it
drives requests, where ``http.py`` only writes and reads header values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from .payload import _jsontext
from .payload.decode import decode
from .errors import Fault, PayloadError
from .http import parse_error, prefer
from .url import Url
from .payload.values import Collection, Structured, Value

__all__ = ["PageRequest", "Page", "Send", "iterate_pages", "iterate_values", "fetch_all"]


@attrs.frozen
class PageRequest:
    """One GET to send: the absolute URL and the headers (name, value) in order."""

    url: str
    headers: tuple[tuple[str, str], ...] = ()
    method: str = "GET"

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@attrs.frozen
class Page:
    """One page: its typed values, the links it carries, and ``@odata.count`` when asked for."""

    values: tuple[Value, ...]
    next_link: str | None = None
    delta_link: str | None = None
    count: int | None = None
    url: str = ""


#: ``send(request) -> body``: performs the GET and returns the response body. A non-2xx answer is
#: the caller's to raise, or to return as the error body (read as ``odatakit.ODataError``).
Send = Callable[[PageRequest], "bytes | str"]


def _headers(headers: Mapping[str, str] | Iterable[tuple[str, str]], max_page_size: int | None) -> tuple[tuple[str, str], ...]:
    pairs = list(headers.items() if isinstance(headers, Mapping) else headers)
    if max_page_size is not None:
        preference = prefer(maxpagesize=max_page_size)
        others = [(k, v) for k, v in pairs if k.lower() == "prefer"]
        pairs = [(k, v) for k, v in pairs if k.lower() != "prefer"]
        pairs.append(("Prefer", ", ".join([*(v for _, v in others), preference])))
    return tuple(pairs)


def _read_page(body: bytes | str, url: str, decode_options: Mapping[str, Any]) -> Page:
    if not isinstance(body, (bytes, str)):
        raise TypeError(f"send() returns the response body as bytes or str (exact numbers need the text), "
                        f"not {type(body).__name__}")
    document, faults = _jsontext.read(body)
    if faults:
        raise PayloadError(faults)
    if isinstance(document, dict) and "error" in document:
        raise parse_error(document)
    value = decode(document, **decode_options)
    if not isinstance(value, Structured) or not isinstance(value.properties.get("value"), Collection):
        raise PayloadError([Fault("$.value", f"a page of a collection has a 'value' array ({url})", "not-a-page")])
    items = value.properties["value"]
    assert isinstance(items, Collection)
    count = value.control.get("count")
    return Page(tuple(items.items), value.control.get("nextLink"), value.control.get("deltaLink"),
                int(count) if count is not None else None, url)


def iterate_pages(first: Url | str, send: Send, *, headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
                  max_page_size: int | None = None, max_pages: int | None = None,
                  **decode_options: Any) -> Iterator[Page]:
    """Each page of the collection at ``first`` (a ``Url`` or URL text), following nextLinks.

    Stops after the page without a nextLink; that page's ``delta_link`` is set when the request
    was a delta query. A nextLink that repeats one already followed raises ``PayloadError``
    rather than looping; ``max_pages`` stops early. ``decode_options`` go to ``odatakit.decode``.
    """
    sent = _headers(headers, max_page_size)
    url: str | None = str(first)
    seen: set[str] = set()
    pages = 0
    while url is not None and (max_pages is None or pages < max_pages):
        seen.add(url)
        page = _read_page(send(PageRequest(url, sent)), url, decode_options)
        pages += 1
        yield page
        url = page.next_link
        if url is not None and url in seen:
            raise PayloadError([Fault("$['@odata.nextLink']", f"the next link {url!r} repeats a page already read",
                                      "paging-loop")])


def iterate_values(first: Url | str, send: Send, **options: Any) -> Iterator[Value]:
    """Every value of the collection, page after page (options as for ``iterate_pages``)."""
    for page in iterate_pages(first, send, **options):
        yield from page.values


def fetch_all(first: Url | str, send: Send, **options: Any) -> tuple[tuple[Value, ...], str | None]:
    """All values and the final delta link (None unless the request was a delta query)."""
    values: list[Value] = []
    delta: str | None = None
    for page in iterate_pages(first, send, **options):
        values.extend(page.values)
        delta = page.delta_link
    return tuple(values), delta
