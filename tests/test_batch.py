"""$batch: OData 4.01 JSON batches (JSON Format §19 examples 47-50), Graph's JSON form (its
json-batching page), splitting above 20, multipart/mixed with change sets, strategies, and a
round trip through a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from odatakit import PayloadError
from odatakit import strategies as ost
from odatakit.batch import (
    Batch, BatchRequest, BatchResponse, BatchResult, read_multipart, read_multipart_responses, read_requests,
    read_responses, request_faults, response_faults, split_graph_batch, to_document, write_multipart,
    write_multipart_responses, write_requests, write_responses,
)

# JSON Format 4.01 §19.1 Example 47; the <JSON representation…> placeholders filled in.
EXAMPLE_47 = {"requests": [
    {"id": "0", "method": "get", "url": "/service/Customers('ALFKI')"},
    {"id": "1", "atomicityGroup": "group1", "dependsOn": ["0"], "method": "patch",
     "url": "/service/Customers('ALFKI')", "headers": {"Prefer": "return=minimal"}, "body": {"CompanyName": "Alfreds"}},
    {"id": "2", "atomicityGroup": "group1", "method": "post", "url": "/service/Customers",
     "body": {"CustomerID": "POIUY"}},
    {"id": "3", "dependsOn": ["group1"], "method": "get", "url": "/service/Products"},
]}
# §19.2 Example 48 (the spec's text lacks the comma after dependsOn).
EXAMPLE_48 = {"requests": [
    {"id": "1", "method": "post", "url": "/service/Customers", "body": {"CustomerID": "POIUY"}},
    {"id": "2", "dependsOn": ["1"], "method": "post", "url": "$1/Orders", "body": {"OrderID": 1}},
]}
# §19.3 Example 49 (the spec writes the salary as "75 000").
EXAMPLE_49 = {"requests": [
    {"id": "1", "method": "get", "url": "/service/Employees(0)", "headers": {"accept": "application/json"}},
    {"id": "2", "dependsOn": ["1"], "method": "patch", "url": "/service/Employees(0)", "headers": {"if-match": "$1"},
     "body": {"Salary": 75000}},
]}
# §19.5 Example 50.
EXAMPLE_50 = {"responses": [
    {"id": "0", "status": 200, "body": {"CustomerID": "ALFKI"}},
    {"id": "1", "status": 204},
    {"id": "2", "status": 201, "headers": {"location": "http://host/service.svc/Customer('POIUY')"},
     "body": {"CustomerID": "POIUY"}},
    {"id": "3", "status": 404, "body": {"error": {"code": "404", "message": "Not Found"}}},
]}
# Graph json-batching page: the example request, and the dependsOn sequencing example.
GRAPH_EXAMPLE = {"requests": [
    {"id": "1", "method": "GET", "url": "/me/memberOf"},
    {"id": "2", "method": "GET", "url": "/me/planner/tasks"},
    {"id": "3", "method": "DELETE", "url": "/groups/0e226165-c685-41ce-8bfc-df8360ab325d"},
    {"id": "4", "url": "/users/161ab652-cdbc-490d-82a4-0ada1f0db247/getPasswordSingleSignOnCredentials",
     "method": "POST", "body": {}, "headers": {"Content-Type": "application/json"}},
    {"id": "5", "url": "users?$select=id,displayName,userPrincipalName&$filter=city eq null&$count=true",
     "method": "GET", "headers": {"ConsistencyLevel": "eventual"}},
]}
GRAPH_SEQUENCE = {"requests": [
    {"id": "1", "method": "GET", "url": "/me"},
    {"id": "2", "dependsOn": ["1"], "method": "GET", "url": "/me/messages"},
    {"id": "4", "dependsOn": ["2"], "method": "GET", "url": "/me/events"},
    {"id": "3", "dependsOn": ["4"], "method": "GET", "url": "/me/contacts"},
]}


@pytest.mark.parametrize("example", [EXAMPLE_47, EXAMPLE_48, EXAMPLE_49], ids=["ex47", "ex48", "ex49"])
def test_the_specs_batch_examples_read_and_write_back(example: dict[str, Any]) -> None:
    assert request_faults(example) == []
    batch = read_requests(json.dumps(example))
    written = write_requests(batch)
    assert read_requests(written) == read_requests(example) or to_document(read_requests(written)) == written
    assert [r["id"] for r in written["requests"]] == [r["id"] for r in example["requests"]]
    assert all(k == k.lower() for r in written["requests"] for k in r.get("headers", {}))


def test_example_47_groups_and_dependencies_are_read() -> None:
    batch = read_requests(EXAMPLE_47)
    assert [(r.id, r.method, r.atomicity_group, r.depends_on) for r in batch.requests] == [
        ("0", "GET", None, ()), ("1", "PATCH", "group1", ("0",)), ("2", "POST", "group1", ()),
        ("3", "GET", None, ("group1",))]


def test_example_50_response_is_read_and_correlated_by_id() -> None:
    result = read_responses(EXAMPLE_50)
    assert result["2"].status == 201 and result["2"].header("Location") == "http://host/service.svc/Customer('POIUY')"
    assert [r.ok for r in result.responses] == [True, True, True, False]
    assert read_responses(write_responses(result)) == result


def test_example_50_breaks_its_own_rule_on_echoing_the_atomicity_group() -> None:
    # §19.5: a response MUST carry its request's atomicityGroup; Example 50 leaves it out for 1 and 2.
    with pytest.raises(PayloadError) as caught:
        read_responses(EXAMPLE_50, requests=read_requests(EXAMPLE_47))
    assert [(f.json_path, f.code) for f in caught.value.faults] == [
        ("$.responses[1].atomicityGroup", "batch-group"), ("$.responses[2].atomicityGroup", "batch-group")]


def _with(example: dict[str, Any], index: int, **changes: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(example))
    for key, value in changes.items():
        if value is None:
            document["requests"][index].pop(key, None)
        else:
            document["requests"][index][key] = value
    return document


@pytest.mark.parametrize(("document", "path", "code"), [
    ({"request": []}, "$.requests", "batch-shape"),
    (_with(EXAMPLE_47, 2, id="1"), "$.requests[2].id", "batch-id"),
    (_with(EXAMPLE_47, 2, id="group1"), "$.requests[2].id", "batch-id"),
    (_with(EXAMPLE_47, 0, method="fetch"), "$.requests[0].method", "batch-method"),
    (_with(EXAMPLE_47, 0, url=None), "$.requests[0].url", "batch-url"),
    (_with(EXAMPLE_47, 0, url="$batch"), "$.requests[0].url", "batch-url"),
    (_with(EXAMPLE_47, 1, dependsOn=["3"]), "$.requests[1].dependsOn[0]", "batch-depends"),  # forward
    (_with(EXAMPLE_47, 3, dependsOn=["1"]), "$.requests[3].dependsOn[0]", "batch-depends"),  # not via its group
    (_with(EXAMPLE_47, 2, dependsOn=["group1"]), "$.requests[2].dependsOn[0]", "batch-depends"),
    (_with(EXAMPLE_47, 3, atomicityGroup="group1"), "$.requests[3].dependsOn[0]", "batch-depends"),
    (_with(EXAMPLE_47, 3, atomicityGroup="0"), "$.requests[3].atomicityGroup", "batch-group"),
    (_with(EXAMPLE_47, 3, atomicityGroup="a b"), "$.requests[3].atomicityGroup", "batch-group"),
    (_with(EXAMPLE_48, 1, dependsOn=None), "$.requests[1].url", "batch-reference"),
    (_with(EXAMPLE_47, 0, body={"x": 1}), "$.requests[0].body", "batch-body"),
    (_with(EXAMPLE_47, 0, headers=["accept"]), "$.requests[0].headers", "batch-headers"),
    (_with(EXAMPLE_47, 0, extra=1), "$.requests[0].extra", "batch-shape"),
    ('{"requests": [', "$", "not-json"),
])
def test_faults_in_odata_batches_carry_their_json_path(document: Any, path: str, code: str) -> None:
    assert (path, code) in {(f.json_path, f.code) for f in request_faults(document)}
    with pytest.raises(PayloadError):
        read_requests(document)


def test_atomicity_groups_must_be_adjacent() -> None:
    document = {"requests": [
        {"id": "a", "atomicityGroup": "g", "method": "post", "url": "X", "body": {}},
        {"id": "b", "method": "get", "url": "Y"},
        {"id": "c", "atomicityGroup": "g", "method": "post", "url": "X", "body": {}},
    ]}
    assert [(f.json_path, f.code) for f in request_faults(document)] == [("$.requests[2].atomicityGroup", "batch-group")]


def test_graphs_documented_batches_are_valid_graph_batches() -> None:
    assert request_faults(GRAPH_EXAMPLE, "graph") == []
    assert request_faults(GRAPH_SEQUENCE, "graph") == []
    batch = read_requests(GRAPH_EXAMPLE, "graph")
    assert write_requests(batch, "graph") == GRAPH_EXAMPLE | {"requests": [
        {k: r[k] for k in ("id", "dependsOn", "method", "url", "headers", "body") if k in r}
        for r in GRAPH_EXAMPLE["requests"]]}


# Graph json-batching page, "Example JSON batch response" (trimmed to two responses).
GRAPH_RESPONSE = {"responses": [
    {"id": "1", "status": 200, "headers": {"Cache-Control": "no-cache", "OData-Version": "4.0",
                                           "Content-Type": "application/json;odata.metadata=minimal"},
     "body": {"@odata.context": "https://graph.microsoft.com/beta/$metadata#directoryObjects",
              "value": [{"@odata.type": "#microsoft.graph.directoryRole", "displayName": "User Administrator"}]}},
    {"id": "3", "status": 403, "headers": {"Cache-Control": "no-cache", "Content-Type": "application/json"},
     "body": {"error": {"code": "Authorization_RequestDenied",
                        "message": "Insufficient privileges to complete the operation."}}},
]}


def test_graphs_documented_batch_response_is_read_against_its_request() -> None:
    result = read_responses(GRAPH_RESPONSE, requests=read_requests(GRAPH_EXAMPLE, "graph"))
    assert [(r.id, r.status, r.ok) for r in result.responses] == [("1", 200, True), ("3", 403, False)]
    assert result["3"].body["error"]["code"] == "Authorization_RequestDenied"
    assert result["1"].header("content-type") == "application/json;odata.metadata=minimal"


def _graph_requests(count: int) -> list[dict[str, Any]]:
    return [{"id": str(i), "method": "GET", "url": f"/users/{i}"} for i in range(count)]


@pytest.mark.parametrize(("document", "path", "code"), [
    ({"requests": _graph_requests(21)}, "$.requests", "batch-limit"),
    ({"requests": [{"id": "1", "method": "POST", "url": "/me/events", "body": {}}]}, "$.requests[0].headers",
     "batch-headers"),
    ({"requests": [{"id": "1", "method": "GET", "url": "/me", "atomicityGroup": "g"}]},
     "$.requests[0].atomicityGroup", "batch-shape"),
    ({"requests": [{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me"}]}, "$.requests[0].url",
     "batch-url"),
    ({"requests": [{"id": "a", "method": "GET", "url": "/me"}, {"id": "A", "method": "GET", "url": "/me"}]},
     "$.requests[1].id", "batch-id"),
    ({"requests": [{"id": "1", "dependsOn": ["2"], "method": "GET", "url": "/me"},
                   {"id": "2", "dependsOn": ["1"], "method": "GET", "url": "/me"}]}, "$.requests[0].dependsOn",
     "batch-depends"),
    ({"requests": [{"id": "1", "dependsOn": ["9"], "method": "GET", "url": "/me"}]}, "$.requests[0].dependsOn[0]",
     "batch-depends"),
])
def test_faults_in_graph_batches(document: Any, path: str, code: str) -> None:
    assert (path, code) in {(f.json_path, f.code) for f in request_faults(document, "graph")}


def test_splitting_independent_requests_fills_batches_of_twenty() -> None:
    requests = [BatchRequest(str(i), "GET", f"/users/{i}") for i in range(45)]
    assert [len(b) for b in split_graph_batch(requests)] == [20, 20, 5]


def test_splitting_keeps_every_dependency_chain_in_one_batch() -> None:
    singles = [BatchRequest(f"s{i}", "GET", f"/users/{i}") for i in range(12)]
    chain = [BatchRequest(f"c{i}", "GET", f"/groups/{i}", depends_on=(f"c{i - 1}",) if i else ())
             for i in range(15)]
    fan = [BatchRequest("root", "GET", "/me")] + [BatchRequest(f"f{i}", "GET", f"/me/x{i}", depends_on=("ROOT",))
                                                 for i in range(6)]  # Graph ids are not case-sensitive
    batches = split_graph_batch(singles + chain + fan)
    assert all(len(b) <= 20 for b in batches) and sum(len(b) for b in batches) == 34
    home = {r.id: i for i, b in enumerate(batches) for r in b.requests}
    assert len({home[r.id] for r in chain}) == 1 and len({home[r.id] for r in fan}) == 1
    for batch in batches:
        assert request_faults(write_requests(batch, "graph"), "graph") == []


def test_a_chain_longer_than_twenty_cannot_be_split() -> None:
    chain = [BatchRequest(str(i), "GET", "/me", depends_on=(str(i - 1),) if i else ()) for i in range(21)]
    with pytest.raises(PayloadError) as caught:
        split_graph_batch(chain)
    assert [(f.json_path, f.code) for f in caught.value.faults] == [("$.requests[0]", "batch-limit")]


# ---- multipart/mixed --------------------------------------------------------------------------

# OData Protocol §11.7 style: a query, then a change set whose second request refers to the first.
MULTIPART = (
    "--batch_36522ad7-fc75-4b56-8c71-56071383e77b\r\n"
    "Content-Type: application/http\r\n"
    "\r\n"
    "GET /service/Customers('ALFKI') HTTP/1.1\r\n"
    "Host: host\r\n"
    "\r\n"
    "\r\n"
    "--batch_36522ad7-fc75-4b56-8c71-56071383e77b\r\n"
    "Content-Type: multipart/mixed; boundary=changeset_77162fcd-b8da-41ac-a9f8-9357efbbd\r\n"
    "\r\n"
    "--changeset_77162fcd-b8da-41ac-a9f8-9357efbbd\r\n"
    "Content-Type: application/http\r\n"
    "Content-ID: 1\r\n"
    "\r\n"
    "POST /service/Customers HTTP/1.1\r\n"
    "Host: host\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    '{"CustomerID": "POIUY"}\r\n'
    "--changeset_77162fcd-b8da-41ac-a9f8-9357efbbd\r\n"
    "Content-Type: application/http\r\n"
    "Content-ID: 2\r\n"
    "\r\n"
    "POST $1/Orders HTTP/1.1\r\n"
    "Host: host\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    '{"OrderID": 1}\r\n'
    "--changeset_77162fcd-b8da-41ac-a9f8-9357efbbd--\r\n"
    "\r\n"
    "--batch_36522ad7-fc75-4b56-8c71-56071383e77b--\r\n"
)
MULTIPART_TYPE = "multipart/mixed; boundary=batch_36522ad7-fc75-4b56-8c71-56071383e77b"


def test_a_multipart_batch_with_a_change_set_is_read() -> None:
    batch = read_multipart(MULTIPART, MULTIPART_TYPE)
    assert [(r.id, r.method, r.url, r.depends_on) for r in batch.requests] == [
        ("part0", "GET", "/service/Customers('ALFKI')", ()),
        ("1", "POST", "/service/Customers", ()), ("2", "POST", "$1/Orders", ("1",))]
    assert batch.requests[1].atomicity_group == batch.requests[2].atomicity_group is not None
    assert batch.requests[2].body == {"OrderID": 1}


def test_lf_line_ends_are_read_too() -> None:
    assert read_multipart(MULTIPART.replace("\r\n", "\n"), MULTIPART_TYPE) == read_multipart(MULTIPART, MULTIPART_TYPE)


@pytest.mark.parametrize(("body", "content_type", "path", "code"), [
    (MULTIPART.replace("--batch_36522ad7-fc75-4b56-8c71-56071383e77b--\r\n", ""), MULTIPART_TYPE, "$",
     "multipart-shape"),
    (MULTIPART.replace("Content-ID: 2\r\n", ""), MULTIPART_TYPE, "$.parts[1].parts[1]", "multipart-content-id"),
    (MULTIPART.replace("GET /service/Customers('ALFKI') HTTP/1.1", "FETCH x"), MULTIPART_TYPE, "$.parts[0]",
     "multipart-shape"),
    (MULTIPART.replace('{"OrderID": 1}', '{"OrderID": '), MULTIPART_TYPE, "$.parts[1].parts[1]", "multipart-body"),
    (MULTIPART, "multipart/mixed", "$", "multipart-shape"),
    (MULTIPART, "application/json", "$", "multipart-shape"),
])
def test_faults_in_multipart_batches_carry_their_part_path(body: str, content_type: str, path: str,
                                                           code: str) -> None:
    with pytest.raises(PayloadError) as caught:
        read_multipart(body, content_type)
    assert (path, code) in {(f.json_path, f.code) for f in caught.value.faults}


def test_a_change_set_inside_a_change_set_is_refused() -> None:
    nested = MULTIPART.replace(
        "--changeset_77162fcd-b8da-41ac-a9f8-9357efbbd\r\nContent-Type: application/http\r\nContent-ID: 1\r\n",
        "--changeset_77162fcd-b8da-41ac-a9f8-9357efbbd\r\nContent-Type: multipart/mixed; boundary=inner\r\n", 1)
    with pytest.raises(PayloadError) as caught:
        read_multipart(nested, MULTIPART_TYPE)
    assert caught.value.faults[0].json_path == "$.parts[1].parts[0]"


def test_example_47_round_trips_through_multipart() -> None:
    batch = read_requests(EXAMPLE_47)
    content_type, body = write_multipart(batch, boundary="batch_x")
    again = read_multipart(body, content_type)
    assert [(r.id, r.method, r.url, r.atomicity_group, r.body) for r in again.requests] == [
        (r.id, r.method, r.url, r.atomicity_group, r.body) for r in batch.requests]


def test_multipart_responses_round_trip_with_change_sets() -> None:
    result = BatchResult([BatchResponse("0", 200, {"Content-Type": "application/json"}, {"a": 1}),
                          BatchResponse("1", 204, atomicity_group="g1"),
                          BatchResponse("2", 201, {"Content-Type": "application/json"}, {"b": 2}, "g1")])
    content_type, body = write_multipart_responses(result, boundary="b")
    assert read_multipart_responses(body, content_type) == result


@given(ost.batches())
def test_drawn_batches_write_read_and_write_the_same(batch: Batch) -> None:
    written = write_requests(batch)
    assert write_requests(read_requests(written)) == written
    content_type, body = write_multipart(batch)
    again = read_multipart(body, content_type)
    assert [(r.id, r.method, r.url, r.atomicity_group, r.body) for r in again.requests] == [
        (r.id, r.method, r.url.replace(" ", "%20"), r.atomicity_group, r.body) for r in batch.requests]


@given(ost.batches("graph"))
def test_drawn_graph_batches_are_valid_graph_batches(batch: Batch) -> None:
    assert read_requests(write_requests(batch, "graph"), "graph") == batch


@pytest.mark.parametrize("dialect", ["odata", "graph"])
def test_each_planted_fault_is_reported_where_it_was_planted(dialect: Any) -> None:
    @given(ost.invalid_batches(dialect))
    def check(invalid: Any) -> None:
        assert request_faults(invalid.valid, dialect) == []
        assert (invalid.path, invalid.code) in {(f.json_path, f.code) for f in request_faults(invalid.document, dialect)}

    check()


# ---- a real server on loopback ---------------------------------------------------------------


class _BatchService(BaseHTTPRequestHandler):
    """A toy OData service: Customers in a dict; $batch in JSON and multipart; $<id> resolved."""

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        content_type = self.headers["Content-Type"]
        if content_type.startswith("multipart/mixed"):
            batch = read_multipart(body, content_type)
            reply_type, reply = write_multipart_responses(self._run(batch))
        else:
            batch = read_requests(body)
            reply_type, reply = "application/json", json.dumps(write_responses(self._run(batch))).encode()
        self.send_response(200)
        self.send_header("Content-Type", reply_type)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def _run(self, batch: Batch) -> BatchResult:
        store: dict[str, dict[str, Any]] = {"Customers('ALFKI')": {"CustomerID": "ALFKI"}}
        made: dict[str, str] = {}
        responses = []
        for request in batch.requests:
            url = request.url.removeprefix("/service/")
            if url.startswith("$"):
                ref, _, rest = url[1:].partition("/")
                url = f"{made[ref]}/{rest}"
            if request.method == "POST":
                key = f"{url}('{request.body['CustomerID']}')" if "CustomerID" in request.body else f"{url}(1)"
                store[key] = dict(request.body)
                made[request.id] = key
                responses.append(BatchResponse(request.id, 201, {"Location": key, "Content-Type": "application/json"},
                                               request.body, request.atomicity_group))
            elif url in store:
                responses.append(BatchResponse(request.id, 200, {"Content-Type": "application/json"}, store[url],
                                               request.atomicity_group))
            else:
                responses.append(BatchResponse(request.id, 404, atomicity_group=request.atomicity_group))
        return BatchResult(responses)


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _BatchService)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/service/$batch"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_json_batch_over_http_resolves_references(service: str) -> None:
    batch = read_requests(EXAMPLE_48)
    with httpx.Client() as client:
        reply = client.post(service, json=write_requests(batch))
    result = read_responses(reply.content, requests=batch)
    assert result["2"].status == 201 and result["2"].header("location") == "Customers('POIUY')/Orders(1)"


def test_a_multipart_batch_over_http_keeps_change_sets(service: str) -> None:
    batch = read_multipart(MULTIPART, MULTIPART_TYPE)
    content_type, body = write_multipart(batch)
    with httpx.Client() as client:
        reply = client.post(service, content=body, headers={"Content-Type": content_type})
    result = read_multipart_responses(reply.content, reply.headers["Content-Type"])
    assert [(r.id, r.status) for r in result.responses] == [("part0", 200), ("1", 201), ("2", 201)]
    assert result["1"].atomicity_group == result["2"].atomicity_group == batch.requests[1].atomicity_group


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                         st.sampled_from(["id", "method", "url", "dependsOn", "headers", "body", "atomicityGroup",
                                          "requests", "responses", "status", "x"]), inner, max_size=5),
                     max_leaves=20)
_REQUEST_LISTS = st.builds(lambda items: {"requests": items}, st.lists(st.dictionaries(
    st.sampled_from(["id", "method", "url", "dependsOn", "headers", "body", "atomicityGroup"]), _JSON, max_size=7),
    max_size=5))


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["odata", "graph"])
def test_any_json_gives_faults_never_an_exception(dialect: Any) -> None:
    @given(_REQUEST_LISTS | _JSON)
    def check(document: Any) -> None:
        assert isinstance(request_faults(document, dialect), list)
        assert isinstance(response_faults(document), list)

    check()


@given(st.text(alphabet="-\r\n:ab /HTP1.GETOS{}\"", max_size=200))
def test_any_multipart_text_reads_or_raises_a_payload_error(text: str) -> None:
    try:
        read_multipart("--b\r\n" + text, "multipart/mixed; boundary=b")
    except PayloadError as error:
        assert all(f.json_path.startswith("$") for f in error.faults)
