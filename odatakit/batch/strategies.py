"""Hypothesis strategies for ``$batch``: valid batches, and batch documents with one planted
fault labelled with the ``Fault.code`` and path odatakit reports (JSON Format 4.01 §19; Graph's
json-batching page). Reached as ``odatakit.strategies.batches`` / ``invalid_batches`` too.
"""

from __future__ import annotations

import copy
from typing import Any

import attrs
from hypothesis import strategies as st

from .json_format import GRAPH_MAX_REQUESTS, Dialect, to_document
from .model import Batch, BatchRequest

__all__ = ["batches", "invalid_batches", "InvalidBatch", "BATCH_FAULTS"]

_IDS = st.text("abcdefghijklmnopqrstuvwxyz0123456789-._~", min_size=1, max_size=6)
_URLS = st.sampled_from(("Customers", "Customers('ALFKI')", "/service/Products", "Orders(1)/Items",
                         "me/messages?$top=2", "People('O''Neil')", "Products?$filter=Price lt 10"))
_JSON_LEAVES = st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(max_size=8)
_BODIES = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=5), _JSON_LEAVES, max_size=3)


@st.composite
def batches(draw: Any, dialect: Dialect = "odata", *, max_requests: int = 8) -> Batch:
    """A valid batch: unique ids; in ``odata``, adjacent atomicity groups, dependsOn on earlier
    requests or groups (and on the group of a request in another group), ``$<id>`` URLs listed
    in dependsOn; in ``graph``, at most 20 requests, no groups, Content-Type with every body."""
    count = draw(st.integers(1, min(max_requests, GRAPH_MAX_REQUESTS if dialect == "graph" else max_requests)))
    ids = draw(st.lists(_IDS, min_size=count, max_size=count,
                        unique_by=lambda s: s.lower()).filter(lambda xs: all(not x.startswith("g") for x in xs)))
    requests: list[BatchRequest] = []
    group_counter = 0
    current_group: str | None = None
    groups_done: list[str] = []
    for request_id in ids:
        method = draw(st.sampled_from(("GET", "POST", "PATCH", "PUT", "DELETE")))
        group: str | None = None
        if dialect == "odata" and method != "GET" and draw(st.booleans()):
            if current_group is not None and draw(st.booleans()):
                group = current_group
            else:
                group_counter += 1
                group = f"g{group_counter}"
        if current_group is not None and group != current_group:
            groups_done.append(current_group)
        current_group = group
        earlier = [r for r in requests if r.atomicity_group is None or r.atomicity_group == group]
        targets = draw(st.lists(st.sampled_from(earlier), max_size=2, unique_by=lambda r: r.id)) if earlier else []
        depends = [t.id for t in targets]
        if dialect == "odata" and groups_done and draw(st.booleans()):
            depends.append(draw(st.sampled_from(groups_done)))
        url = draw(_URLS)
        if depends and targets and method == "POST" and draw(st.booleans()):
            url = f"${targets[0].id}/Items"  # a reference to what an earlier request returned
        body = draw(_BODIES) if method in ("POST", "PATCH", "PUT") else None
        headers = (("Content-Type", "application/json"),) if body is not None else ()
        requests.append(BatchRequest(request_id, method, url, headers, body, group, tuple(dict.fromkeys(depends))))
    return Batch(requests)


@attrs.frozen
class InvalidBatch:
    """A batch request document with one planted fault: its name, the code and path reported."""

    document: Any
    fault: str
    code: str
    path: str
    valid: Any  # the document before the mutation


def _set(document: dict[str, Any], index: int, key: str, value: Any) -> bool:
    document["requests"][index][key] = value
    return True


#: The planted faults: name → (code reported, path under $.requests[i], how to plant it).
BATCH_FAULTS: dict[str, tuple[str, str, Any]] = {
    "duplicate-id": ("batch-id", "id", lambda d, i: _set(d, i, "id", d["requests"][0]["id"])),
    "missing-id": ("batch-id", "id", lambda d, i: d["requests"][i].pop("id")),
    "bad-method": ("batch-method", "method", lambda d, i: _set(d, i, "method", "FETCH")),
    "missing-url": ("batch-url", "url", lambda d, i: d["requests"][i].pop("url")),
    "nested-batch": ("batch-url", "url", lambda d, i: _set(d, i, "url", "$batch")),
    "unknown-dependency": ("batch-depends", "dependsOn[0]", lambda d, i: _set(d, i, "dependsOn", ["nosuchid"])),
    "self-dependency": ("batch-depends", "dependsOn[0]", lambda d, i: _set(d, i, "dependsOn", [d["requests"][i]["id"]])),
    "unlisted-reference": ("batch-reference", "url",
                           lambda d, i: (_set(d, i, "url", f"${d['requests'][0]['id']}/Items"),
                                         d["requests"][i].pop("dependsOn", None))),
    "body-on-get": ("batch-body", "body", lambda d, i: (_set(d, i, "method", "GET"), _set(d, i, "body", {"a": 1}))),
    "unknown-member": ("batch-shape", "colour", lambda d, i: _set(d, i, "colour", "blue")),
    "headers-not-strings": ("batch-headers", "headers", lambda d, i: _set(d, i, "headers", {"prefer": 5})),
}


@st.composite
def invalid_batches(draw: Any, dialect: Dialect = "odata") -> InvalidBatch:
    """A batch document with exactly one planted fault (``BATCH_FAULTS``), needing two or more
    requests; the fault goes on a request after the first."""
    batch = draw(batches(dialect, max_requests=6).filter(lambda b: len(b) >= 2))
    valid = to_document(batch, dialect)
    name = draw(st.sampled_from(sorted(BATCH_FAULTS)))
    code, member, plant = BATCH_FAULTS[name]
    index = draw(st.integers(1, len(batch) - 1))
    document = copy.deepcopy(valid)
    if name == "unlisted-reference":
        document["requests"][index]["method"] = "POST"
        document["requests"][index].setdefault("body", {})
        document["requests"][index]["headers"] = {"content-type": "application/json"}
        document["requests"][index].pop("atomicityGroup", None)
        _clear_group_dependents(document)
    plant(document, index)
    return InvalidBatch(document, name, code, f"$.requests[{index}].{member}", valid)


def _clear_group_dependents(document: dict[str, Any]) -> None:
    """After a request leaves its group, drop dependsOn entries that named that group's members
    through it, and split groups no longer adjacent: keeps the planted fault the only one."""
    seen: dict[str, int] = {}
    previous = None
    for index, item in enumerate(document["requests"]):
        group = item.get("atomicityGroup")
        if group is not None and group in seen and previous != group:
            item["atomicityGroup"] = f"{group}x{index}"
            group = item["atomicityGroup"]
        if group is not None:
            seen[group] = index
        previous = group
    ids_group = {r.get("id"): r.get("atomicityGroup") for r in document["requests"]}
    groups = {r.get("atomicityGroup") for r in document["requests"]}
    for item in document["requests"]:
        if "dependsOn" in item:
            kept = [d for d in item["dependsOn"] if (d in ids_group or d in groups) and d != item.get("atomicityGroup")]
            needed = {ids_group[d] for d in kept if d in ids_group and ids_group[d] not in (None, item.get("atomicityGroup"))}
            item["dependsOn"] = list(dict.fromkeys([*needed, *kept]))
