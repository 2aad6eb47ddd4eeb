"""Paging through @odata.nextLink to the @odata.deltaLink against a real HTTP server on loopback
(stdlib http.server in a thread), with httpx as the client behind the user's ``send``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from odatakit import ODataError, PageRequest, PayloadError, Primitive, Structured, fetch_all, iterate_pages, \
    iterate_values

USERS = [{"id": str(i), "displayName": f"User {i}", "quota@odata.type": "#Int64", "quota": 2**40 + i}
         for i in range(23)]


class _Handler(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        type(self).seen.append({k.lower(): v for k, v in self.headers.items()})
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if parts.path == "/v1.0/broken":
            return self._send(400, {"error": {"code": "Request_BadRequest", "message": "$count is not supported."}})
        if parts.path == "/v1.0/loop":
            return self._send(200, {"value": [], "@odata.nextLink": f"{base}/v1.0/loop"})
        if parts.path == "/v1.0/notapage":
            return self._send(200, {"id": "x"})
        prefer = self.headers.get("Prefer", "")
        size = int(prefer.split("odata.maxpagesize=")[1].split(",")[0]) if "maxpagesize" in prefer else 10
        skip = int(query.get("$skiptoken", ["0"])[0])
        page = USERS[skip:skip + size]
        body: dict[str, object] = {"@odata.context": f"{base}/v1.0/$metadata#users", "value": page}
        if skip == 0:
            body["@odata.count"] = len(USERS)
        if skip + size < len(USERS):
            body["@odata.nextLink"] = f"{base}{parts.path}?$skiptoken={skip + size}"
        elif parts.path.endswith("delta()"):
            body["@odata.deltaLink"] = f"{base}{parts.path}?$deltatoken=abc"
        self._send(200, body)

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1.0"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture()
def send() -> Iterator[object]:
    with httpx.Client() as client:
        def _send(request: PageRequest) -> bytes:
            return client.get(request.url, headers=list(request.headers)).content
        yield _send


@pytest.mark.parametrize(("max_page_size", "pages"), [(None, 3), (5, 5), (23, 1), (100, 1)])
def test_every_value_comes_once_in_order_whatever_the_page_size(server: str, send: object,
                                                                 max_page_size: int | None, pages: int) -> None:
    read = list(iterate_pages(f"{server}/users", send, max_page_size=max_page_size))  # type: ignore[arg-type]
    assert len(read) == pages
    ids = [v["id"].value for page in read for v in page.values]  # type: ignore[index, union-attr]
    assert ids == [u["id"] for u in USERS]
    assert read[0].count == 23 and all(p.count is None for p in read[1:])


def test_values_are_typed_with_exact_int64(server: str, send: object) -> None:
    first = next(iterate_values(f"{server}/users", send))  # type: ignore[arg-type]
    assert isinstance(first, Structured)
    assert first["quota"] == Primitive("Int64", 2**40)


def test_headers_go_with_every_page(server: str, send: object) -> None:
    _Handler.seen.clear()
    list(iterate_pages(f"{server}/users", send, headers={"ConsistencyLevel": "eventual"},  # type: ignore[arg-type]
                       max_page_size=8))
    assert len(_Handler.seen) == 3
    assert all(h.get("consistencylevel") == "eventual" and h.get("prefer") == "odata.maxpagesize=8"
               for h in _Handler.seen)


def test_a_delta_query_ends_with_its_delta_link(server: str, send: object) -> None:
    values, delta = fetch_all(f"{server}/users/delta()", send, max_page_size=10)  # type: ignore[arg-type]
    assert len(values) == 23
    assert delta == f"{server}/users/delta()?$deltatoken=abc"
    assert fetch_all(f"{server}/users", send)[1] is None  # type: ignore[arg-type]


def test_max_pages_stops_early(server: str, send: object) -> None:
    assert len(list(iterate_pages(f"{server}/users", send, max_page_size=2, max_pages=3))) == 3  # type: ignore[arg-type]


def test_an_error_body_raises_the_odata_error(server: str, send: object) -> None:
    with pytest.raises(ODataError, match="count is not supported"):
        list(iterate_pages(f"{server}/broken", send))  # type: ignore[arg-type]


@pytest.mark.parametrize(("path", "code"), [("loop", "paging-loop"), ("notapage", "not-a-page")])
def test_a_bad_page_is_a_payload_error_not_a_hang(server: str, send: object, path: str, code: str) -> None:
    with pytest.raises(PayloadError) as caught:
        list(iterate_pages(f"{server}/{path}", send))  # type: ignore[arg-type]
    assert caught.value.faults[0].code == code


def test_paging_with_a_plain_function_needs_no_http_client() -> None:
    pages = {"u1": '{"value":[1,2],"@odata.nextLink":"u2"}', "u2": '{"value":[3]}'}
    values = list(iterate_values("u1", lambda request: pages[request.url]))
    assert [v.value for v in values] == [1, 2, 3]  # type: ignore[union-attr]
