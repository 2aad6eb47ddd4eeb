"""The planner over a Graph JSON batch: each GET is planned as if sent alone, and what the plan
adds (``ConsistencyLevel``, ``$count=true``, a reordered ``$filter``) goes into that request —
Graph reads advanced-query headers from each request of a batch, not from the batch's own
(G-AQ: "specify the ConsistencyLevel header in the JSON body of the POST request")."""

from __future__ import annotations

import attrs

from ..batch import Batch
from .planner import _GRAPH_ROOT as _ROOT
from .planner import PlanWarning, plan

__all__ = ["plan_batch"]




def plan_batch(batch: Batch, *, fix: bool = True) -> tuple[Batch, tuple[tuple[str, PlanWarning], ...]]:
    """The batch with each GET planned, and the warnings as (request id, warning) pairs.

    A request's URL is rewritten only when its plan fixed something; the others keep their text.
    """
    requests = []
    warnings: list[tuple[str, PlanWarning]] = []
    for request in batch.requests:
        if request.method != "GET":
            requests.append(request)
            continue
        planned = plan("/" + request.url.lstrip("/"), headers=request.headers, fix=fix)
        warnings.extend((request.id, w) for w in planned.warnings)
        if any(w.fixed for w in planned.warnings):
            url = str(planned.url)
            relative = url[len(_ROOT):] if url.startswith(_ROOT) else url
            request = attrs.evolve(request, url=relative, headers=planned.headers)
        requests.append(request)
    return Batch(requests), tuple(warnings)
