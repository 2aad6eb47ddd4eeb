"""One safe path to HTTP (issue 18): ``odatakit.request`` → httpx / requests → a real local server
→ ``odatakit.read_response``. The server (stdlib ``http.server`` on 127.0.0.1) records what it
received, so the tests check the bytes on the wire, not what a client says it sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import odatakit
from odatakit import F, Q

httpx = pytest.importorskip("httpx")
requests = pytest.importorskip("requests")

RECEIVED: list[dict[str, Any]] = []
ERROR = b'{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found."}}'


class _Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        RECEIVED.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                         "body": self.rfile.read(length)})
        if "missing" in self.path:
            status, body = 404, ERROR
        elif self.command == "POST":
            status, body = 201, RECEIVED[-1]["body"]  # the created entity echoes the body
        else:
            status, body = 200, b'{"value":[{"Id":"a","Big@odata.type":"#Int64","Big":9223372036854775807,"P":0.1000000000000000055511151231257827}]}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:  # quiet test output
        pass


@pytest.fixture(scope="module")
def root() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1.0"
    server.shutdown()
    server.server_close()


def _httpx(req: odatakit.Request) -> tuple[int, bytes, Any]:
    r = httpx.request(**req.httpx())
    return r.status_code, r.content, r.headers


def _requests(req: odatakit.Request) -> tuple[int, bytes, Any]:
    r = requests.request(**req.requests())
    return r.status_code, r.content, r.headers


CLIENTS: list[Callable[[odatakit.Request], tuple[int, bytes, Any]]] = [_httpx, _requests]


@pytest.mark.parametrize("send", CLIENTS, ids=["httpx", "requests"])
def test_a_built_query_reaches_the_server_exactly_and_reads_back(send: Any, root: str) -> None:
    query = Q().filter(F.Subject == "1+1 = 2 & more", F["Größe"] > 5).select("Id", "Größe").top(3)
    req = odatakit.request("GET", odatakit.service(root, dialect="graph").me.messages, query=query)
    status, body, headers = send(req)
    got = RECEIVED[-1]
    # what the server received parses to the query that was built
    assert odatakit.parse_query(got["path"].split("?", 1)[1]) == query.to_tree()
    assert got["headers"]["OData-Version"] == "4.0"
    value = odatakit.read_response(status, body, headers)
    assert isinstance(value, odatakit.Structured)
    item = value.properties["value"].items[0]  # type: ignore[attr-defined]
    assert item.properties["Big"].value == 9223372036854775807  # exact Int64
    assert item.properties["P"].value == Decimal("0.1000000000000000055511151231257827")  # no float


@pytest.mark.parametrize("send", CLIENTS, ids=["httpx", "requests"])
def test_an_extension_body_keeps_its_decimal_digits_on_the_wire(send: Any, root: str) -> None:
    ext = odatakit.OpenTypeExtension("Com.Contoso.Deal", {"Price": Decimal("19.990000000000000000001")})
    url = odatakit.service(root, dialect="graph").me.messages["AAMk=="].extensions
    req = odatakit.request("POST", url, body=ext)
    status, body, headers = send(req)
    sent = RECEIVED[-1]
    assert sent["headers"]["Content-Type"].startswith("application/json")
    assert b"19.990000000000000000001" in sent["body"]
    assert status == 201
    echoed = odatakit.OpenTypeExtension.from_payload(body)
    assert echoed.properties["Price"] == ext.properties["Price"]


@pytest.mark.parametrize("send", CLIENTS, ids=["httpx", "requests"])
def test_an_error_response_raises_the_odata_error_it_carries(send: Any, root: str) -> None:
    req = odatakit.request("GET", odatakit.service(root, dialect="graph").me.messages["missing"])
    status, body, headers = send(req)
    with pytest.raises(odatakit.ODataError) as caught:
        odatakit.read_response(status, body, headers)
    assert (caught.value.status, caught.value.code) == (404, "ErrorItemNotFound")


@pytest.mark.parametrize(("status", "body", "code"), [
    (502, b"<html>Bad gateway</html>", "HTTP502"),   # not an OData error body: still an ODataError
    (500, b"", "HTTP500"),
])
def test_a_non_odata_error_body_is_still_an_odata_error(status: int, body: bytes, code: str) -> None:
    with pytest.raises(odatakit.ODataError) as caught:
        odatakit.read_response(status, body, {})
    assert (caught.value.status, caught.value.code) == (status, code)


@pytest.mark.parametrize(("status", "body"), [(204, b""), (200, b"  ")])
def test_no_body_reads_as_none(status: int, body: bytes) -> None:
    assert odatakit.read_response(status, body) is None


def test_ieee754_compatible_content_type_reads_int64_strings() -> None:
    body = b'{"Big@odata.type":"#Int64","Big":"9223372036854775807"}'
    value = odatakit.read_response(200, body, {"Content-Type": "application/json;IEEE754Compatible=true"})
    assert value.properties["Big"].value == 9223372036854775807  # type: ignore[union-attr]


@pytest.mark.parametrize(("call", "error"), [
    (lambda: odatakit.request("FETCH", "https://graph.microsoft.com/v1.0/me"), ValueError),
    (lambda: odatakit.request("GET", "https://graph.microsoft.com/v1.0/me", body={"a": 1}), ValueError),
    (lambda: odatakit.request("GET", "https://graph.microsoft.com/v1.0/me", query="$filter=A eq"), odatakit.ODataSyntaxError),
    (lambda: odatakit.request("POST", "https://graph.microsoft.com/v1.0/me/messages", body='{"a":1}'), TypeError),
    (lambda: odatakit.request("GET", "https://graph.microsoft.com/v1.0/me/messages?$top=1", query=Q().top(2)), ValueError),
])
def test_bad_requests_are_refused_before_sending(call: Callable[[], Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        call()


def test_request_is_a_frozen_value_of_plain_types() -> None:
    req = odatakit.request("patch", "https://graph.microsoft.com/v1.0/me/messages('x')", body={"Subject": "Hi"},
                           headers={"If-Match": "*"})
    assert (req.method, type(req.url), type(req.body)) == ("PATCH", str, bytes)
    assert json.loads(req.body) == {"Subject": "Hi"} and req.headers["If-Match"] == "*"
    with pytest.raises(AttributeError):
        req.url = "x"  # type: ignore[misc]
