"""Graph's JSON batches hold at most 20 requests (G-BATCH): split a longer list into batches so
that a request and every request it is linked to by ``dependsOn`` land in the same batch."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import Fault, PayloadError
from .json_format import GRAPH_MAX_REQUESTS, request_faults, to_document
from .model import Batch, BatchRequest

__all__ = ["split_graph_batch"]


def _components(requests: tuple[BatchRequest, ...]) -> list[list[int]]:
    """Indexes of the requests joined by dependsOn (either way), each group in request order."""
    parent = list(range(len(requests)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index_of = {r.id.lower(): i for i, r in enumerate(requests)}  # Graph ids are not case-sensitive
    for i, request in enumerate(requests):
        for target in request.depends_on:
            j = index_of.get(target.lower())
            if j is not None:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(requests)):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def split_graph_batch(requests: Batch | Iterable[BatchRequest], limit: int = GRAPH_MAX_REQUESTS) -> tuple[Batch, ...]:
    """Batches of at most ``limit`` requests, dependency chains kept whole, order kept within each.

    Each chain goes into the first batch with room for it. A chain longer than ``limit`` cannot
    be sent in one batch: ``PayloadError`` at its first request. The requests are checked as a
    Graph batch first (ids, dependsOn targets, bodies with Content-Type…).
    """
    items = tuple(requests.requests if isinstance(requests, Batch) else requests)
    if not 1 <= limit <= GRAPH_MAX_REQUESTS:
        raise ValueError(f"limit is 1..{GRAPH_MAX_REQUESTS}, got {limit}")
    faults = [f for f in request_faults(to_document(Batch(items), "graph"), "graph") if f.code != "batch-limit"]
    if faults:
        raise PayloadError(faults)
    bins: list[list[int]] = []
    for chain in _components(items):
        if len(chain) > limit:
            raise PayloadError([Fault(f"$.requests[{chain[0]}]", f"{len(chain)} requests are linked by dependsOn; "
                                                                 f"a Graph batch holds at most {limit}", "batch-limit")])
        target = next((b for b in bins if len(b) + len(chain) <= limit), None)
        if target is None:
            bins.append(list(chain))
        else:
            target.extend(chain)
    return tuple(Batch(items[i] for i in sorted(b)) for b in bins)
