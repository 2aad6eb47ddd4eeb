"""JSON batches: OData 4.01 (JSON Format §19) and Microsoft Graph's form of it (json-batching).

``request_faults`` finds every fault in a batch request document with its JSON path; the
readers raise ``PayloadError`` with all of them; the writers check what they write the same way.
What differs per dialect is data (``_DIALECTS``), read by the one checker.
"""

from __future__ import annotations

import re

from typing import Any, Literal

import attrs

from ..payload import _jsontext
from ..errors import Fault, PayloadError
from .model import METHODS, Batch, BatchRequest, BatchResponse, BatchResult

__all__ = [
    "Dialect", "request_faults", "read_requests", "to_document", "write_requests", "read_responses", "write_responses",
    "response_faults", "SYSTEM_RESOURCES", "GRAPH_MAX_REQUESTS",
]

Dialect = Literal["odata", "graph"]

#: JSON401 §19.1: first segments that are top-level system resources, not references to requests.
SYSTEM_RESOURCES = frozenset({"$batch", "$crossjoin", "$all", "$entity", "$root", "$id", "$metadata"})
#: G-BATCH "Batch size limitations": "JSON batch requests are currently limited to 20 individual requests".
GRAPH_MAX_REQUESTS = 20
#: ABNF ``request-id = 1*unreserved`` (JSON401 §19.1 names it for atomicityGroup).
_REQUEST_ID = re.compile(r"[A-Za-z0-9\-._~]+")


@attrs.frozen
class _Rules:
    members: frozenset[str]
    groups: bool              # atomicityGroup allowed (Graph has none)
    forward_depends: bool     # dependsOn may name a later request (Graph orders by dependency)
    ids_case_insensitive: bool  # G-BATCH: "id … Not case-sensitive"
    content_type_with_body: bool  # G-BATCH: "When the body is supplied, a Content-Type header must be included"
    max_requests: int | None
    relative_urls_only: bool


_DIALECTS: dict[str, _Rules] = {
    "odata": _Rules(frozenset({"id", "method", "url", "atomicityGroup", "dependsOn", "if", "headers", "body"}),
                    True, False, False, False, None, False),
    "graph": _Rules(frozenset({"id", "method", "url", "dependsOn", "headers", "body"}),
                    False, True, True, True, GRAPH_MAX_REQUESTS, True),
}


def _rules(dialect: str) -> _Rules:
    if dialect not in _DIALECTS:
        raise ValueError(f"batch dialect is 'odata' or 'graph', got {dialect!r}")
    return _DIALECTS[dialect]


def _document(payload: Any) -> tuple[Any, list[Fault]]:
    if isinstance(payload, (str, bytes)):
        return _jsontext.read(payload)
    return payload, []


def _reference(url: str) -> str | None:
    """``1`` for ``$1/Orders``: the id a relative URL's first segment refers to, else None."""
    if url.startswith("/") or not url.startswith("$"):
        return None
    first = re.split(r"[/?]", url, maxsplit=1)[0]
    return None if first in SYSTEM_RESOURCES else first[1:]


def request_faults(payload: Any, dialect: Dialect = "odata") -> list[Fault]:
    """Every fault in a batch request document (JSON text, bytes or parsed), each with its path."""
    rules = _rules(dialect)
    document, faults = _document(payload)
    if faults:
        return faults
    if not isinstance(document, dict) or not isinstance(document.get("requests"), list):
        return [Fault("$.requests", "a JSON batch is an object with a 'requests' array", "batch-shape")]
    faults += [Fault(_jsontext.child("$", k), f"unexpected member {k!r} in a batch request body", "batch-shape")
               for k in document if k != "requests" and not (isinstance(k, str) and k.startswith("@"))]
    requests = document["requests"]
    if rules.max_requests is not None and len(requests) > rules.max_requests:
        faults.append(Fault("$.requests", f"{len(requests)} requests; a Graph batch holds at most "
                                          f"{rules.max_requests} (split it with split_graph_batch)", "batch-limit"))
    key = (lambda s: s.lower()) if rules.ids_case_insensitive else (lambda s: s)
    ids: dict[str, int] = {}
    groups: dict[str, int] = {}  # group -> index of its last member so far
    group_of: dict[str, str | None] = {}
    closed: set[str] = set()
    previous_group: str | None = None
    last_index = {key(r["id"]): i for i, r in enumerate(requests) if isinstance(r, dict) and isinstance(r.get("id"), str)}
    for index, item in enumerate(requests):
        path = f"$.requests[{index}]"
        if not isinstance(item, dict):
            faults.append(Fault(path, "a request is a JSON object", "batch-shape"))
            previous_group = None
            continue
        faults += [Fault(_jsontext.child(path, k), f"unexpected member {k!r} in a {dialect} batch request",
                         "batch-shape") for k in item if k not in rules.members]
        request_id = item.get("id")
        if not isinstance(request_id, str) or not request_id:
            faults.append(Fault(f"{path}.id", "each request needs a non-empty string id", "batch-id"))
            request_id = None
        elif key(request_id) in ids or key(request_id) in groups:
            faults.append(Fault(f"{path}.id", f"id {request_id!r} is not unique in the batch", "batch-id"))
        method = item.get("method")
        if not isinstance(method, str) or method.upper() not in METHODS:
            faults.append(Fault(f"{path}.method", f"method is one of {', '.join(METHODS)}, not {method!r}",
                                "batch-method"))
        url = item.get("url")
        if not isinstance(url, str) or not url:
            faults.append(Fault(f"{path}.url", "each request needs a url", "batch-url"))
            url = ""
        elif rules.relative_urls_only and re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url):
            faults.append(Fault(f"{path}.url", f"Graph batch URLs are relative to the version root ('/me'), "
                                               f"not {url!r}", "batch-url"))
        elif re.search(r"(^|/)\$batch($|[/?])", url):
            faults.append(Fault(f"{path}.url", "an individual request MUST NOT itself be a batch request",
                                "batch-url"))
        group = item.get("atomicityGroup")
        if group is not None:
            if not isinstance(group, str) or not _REQUEST_ID.fullmatch(group):
                faults.append(Fault(f"{path}.atomicityGroup", f"an atomicity group is a request-id "
                                                              f"(unreserved characters), not {group!r}", "batch-group"))
                group = None
            elif key(group) in ids:
                faults.append(Fault(f"{path}.atomicityGroup", f"atomicity group {group!r} is also a request id",
                                    "batch-group"))
            elif group in closed or (group in groups and previous_group != group):
                faults.append(Fault(f"{path}.atomicityGroup", f"the requests of atomicity group {group!r} "
                                                              "must be adjacent", "batch-group"))
        if previous_group is not None and previous_group != group:
            closed.add(previous_group)
        previous_group = group
        depends = item.get("dependsOn", [])
        if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
            faults.append(Fault(f"{path}.dependsOn", "dependsOn is an array of request ids", "batch-depends"))
            depends = []
        for position, target in enumerate(depends):
            where = f"{path}.dependsOn[{position}]"
            if request_id is not None and key(target) == key(request_id):
                faults.append(Fault(where, f"request {request_id!r} depends on itself", "batch-depends"))
            elif key(target) in ids:
                target_group = group_of.get(key(target))
                if target_group is not None and target_group != group and target_group not in depends:
                    faults.append(Fault(where, f"{target!r} is in atomicity group {target_group!r}, which must be "
                                               "listed in dependsOn too", "batch-depends"))
            elif target in groups:
                if target == group:
                    faults.append(Fault(where, f"a request cannot depend on its own atomicity group {target!r}",
                                        "batch-depends"))
            elif rules.forward_depends and last_index.get(key(target), -1) > index:
                pass
            else:
                what = "a preceding request id or atomicity group" if not rules.forward_depends else "a request id"
                faults.append(Fault(where, f"{target!r} is not {what} of this batch", "batch-depends"))
        reference = _reference(url)
        if reference is not None and not any(key(d) == key(reference) for d in depends):
            faults.append(Fault(f"{path}.url", f"url refers to ${reference}: request {reference!r} must be "
                                               "listed in dependsOn", "batch-reference"))
        headers = item.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                    for k, v in headers.items()):
            faults.append(Fault(f"{path}.headers", "headers is an object of header names and string values",
                                "batch-headers"))
            headers = {}
        body = item.get("body")
        if body is not None and isinstance(method, str) and method.upper() in ("GET", "DELETE"):
            faults.append(Fault(f"{path}.body", f"a {method.upper()} request carries no body", "batch-body"))
        elif body is not None and rules.content_type_with_body \
                and not any(k.lower() == "content-type" for k in headers):
            faults.append(Fault(f"{path}.headers", "a request with a body needs a Content-Type header",
                                "batch-headers"))
        if request_id is not None:
            ids.setdefault(key(request_id), index)
            group_of[key(request_id)] = group
        if group is not None:
            groups[group] = index
    if rules.forward_depends:
        faults += _cycle_faults(requests, key)
    return faults


def _cycle_faults(requests: list[Any], key: Any) -> list[Fault]:
    """A dependency cycle (possible where dependsOn may point forward): one fault at its first request."""
    graph: dict[str, list[str]] = {}
    index_of: dict[str, int] = {}
    for index, item in enumerate(requests):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            depends = item.get("dependsOn")
            graph[key(item["id"])] = [key(d) for d in depends if isinstance(d, str)] if isinstance(depends, list) else []
            index_of.setdefault(key(item["id"]), index)
    state: dict[str, int] = {}
    for start in graph:
        if state.get(start):
            continue
        stack = [(start, iter(graph[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif child in graph and state.get(child) == 1:
                return [Fault(f"$.requests[{index_of[child]}].dependsOn", f"dependsOn makes a cycle through "
                                                                          f"{child!r}", "batch-depends")]
            elif child in graph and not state.get(child):
                state[child] = 1
                stack.append((child, iter(graph[child])))
    return []


def _headers_in(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple(value.items()) if isinstance(value, dict) else ()


def read_requests(payload: Any, dialect: Dialect = "odata") -> Batch:
    """A batch request document as a ``Batch``; ``PayloadError`` lists every fault."""
    faults = request_faults(payload, dialect)
    if faults:
        raise PayloadError(faults)
    document, _ = _document(payload)
    return Batch(BatchRequest(item["id"], item["method"], item["url"], _headers_in(item.get("headers")),
                              item.get("body"), item.get("atomicityGroup"), item.get("dependsOn", ()))
                 for item in document["requests"])


def to_document(batch: Batch, dialect: Dialect = "odata") -> dict[str, Any]:
    """The JSON request body of ``batch`` in ``dialect``, unchecked (``write_requests`` checks).

    OData writes lower-case methods and header names as §19.1 shows; Graph upper-case methods
    and header names as given, as its documentation does.
    """
    _rules(dialect)
    items = []
    for request in batch.requests:
        item: dict[str, Any] = {"id": request.id}
        if request.atomicity_group is not None:
            item["atomicityGroup"] = request.atomicity_group
        if request.depends_on:
            item["dependsOn"] = list(request.depends_on)
        item["method"] = request.method.lower() if dialect == "odata" else request.method
        item["url"] = request.url
        if request.headers:
            item["headers"] = {(k.lower() if dialect == "odata" else k): v for k, v in request.headers}
        if request.body is not None:
            item["body"] = request.body
        items.append(item)
    return {"requests": items}


def write_requests(batch: Batch, dialect: Dialect = "odata") -> dict[str, Any]:
    """The JSON request body of ``batch`` in ``dialect``; ``PayloadError`` lists every fault
    (a Graph batch with an atomicity group, a dependsOn naming no request, 21 Graph requests…)."""
    document = to_document(batch, dialect)
    faults = request_faults(document, dialect)
    if faults:
        raise PayloadError(faults)
    return document


def response_faults(payload: Any) -> list[Fault]:
    """Every fault in a batch response document (JSON401 §19.5), each with its path."""
    document, faults = _document(payload)
    if faults:
        return faults
    if not isinstance(document, dict) or not isinstance(document.get("responses"), list):
        return [Fault("$.responses", "a JSON batch response is an object with a 'responses' array", "batch-shape")]
    for index, item in enumerate(document["responses"]):
        path = f"$.responses[{index}]"
        if not isinstance(item, dict):
            faults.append(Fault(path, "a response is a JSON object", "batch-shape"))
            continue
        if not isinstance(item.get("id"), str):
            faults.append(Fault(f"{path}.id", "each response carries the id of its request", "batch-id"))
        status = item.get("status")
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            faults.append(Fault(f"{path}.status", f"status is an HTTP status code, not {status!r}", "batch-status"))
        headers = item.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                    for k, v in headers.items()):
            faults.append(Fault(f"{path}.headers", "headers is an object of header names and string values",
                                "batch-headers"))
    return faults


def read_responses(payload: Any, *, requests: Batch | None = None) -> BatchResult:
    """A batch response document as a ``BatchResult``. With the ``requests`` that were sent, also
    checks that every response answers one of them and echoes its atomicity group (§19.5)."""
    faults = response_faults(payload)
    document, _ = _document(payload)
    if not faults and requests is not None:
        sent = {r.id.lower(): r for r in requests.requests}
        for index, item in enumerate(document["responses"]):
            request = sent.get(item["id"].lower())
            if request is None:
                faults.append(Fault(f"$.responses[{index}].id", f"no request has id {item['id']!r}", "batch-id"))
            elif request.atomicity_group is not None and item.get("atomicityGroup") != request.atomicity_group:
                faults.append(Fault(f"$.responses[{index}].atomicityGroup",
                                    f"the response must echo atomicity group {request.atomicity_group!r}",
                                    "batch-group"))
    if faults:
        raise PayloadError(faults)
    next_link = document.get("@nextLink", document.get("@odata.nextLink"))
    return BatchResult((BatchResponse(item["id"], item["status"], _headers_in(item.get("headers")), item.get("body"),
                                      item.get("atomicityGroup")) for item in document["responses"]),
                       next_link if isinstance(next_link, str) else None)


def write_responses(result: BatchResult) -> dict[str, Any]:
    """The JSON body of a batch response (what a service or a test double answers)."""
    items = []
    for response in result.responses:
        item: dict[str, Any] = {"id": response.id, "status": response.status}
        if response.atomicity_group is not None:
            item["atomicityGroup"] = response.atomicity_group
        if response.headers:
            item["headers"] = {k.lower(): v for k, v in response.headers}
        if response.body is not None:
            item["body"] = response.body
        items.append(item)
    document: dict[str, Any] = {"responses": items}
    if result.next_link is not None:
        document["@nextLink"] = result.next_link
    return document


