"""``$batch``: OData 4.01 JSON batches (JSON Format §19), Microsoft Graph's JSON batches (at most
20 requests; ``split_graph_batch``) and multipart/mixed batches with change sets.

Requests and responses are values (``BatchRequest``, ``BatchResponse``); each format reads to and
writes from them, and every fault comes back with its path (``odatakit.Fault``).
"""

from __future__ import annotations

from .graph import split_graph_batch
from .json_format import (
    GRAPH_MAX_REQUESTS, read_requests, read_responses, request_faults, response_faults, to_document, write_requests,
    write_responses,
)
from .model import Batch, BatchRequest, BatchResponse, BatchResult
from .multipart import read_multipart, read_multipart_responses, write_multipart, write_multipart_responses

__all__ = [
    "Batch", "BatchRequest", "BatchResponse", "BatchResult", "GRAPH_MAX_REQUESTS",
    "read_requests", "read_responses", "request_faults", "response_faults", "to_document", "write_requests",
    "write_responses", "split_graph_batch",
    "read_multipart", "read_multipart_responses", "write_multipart", "write_multipart_responses",
]
