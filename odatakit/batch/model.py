"""Batch requests and responses as values: one class per thing, no format in them.

The JSON forms (OData 4.01 §19, Graph's) and multipart/mixed read to and write from these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..query.tree import as_tuple

__all__ = ["BatchRequest", "BatchResponse", "Batch", "BatchResult", "METHODS", "headers_tuple"]

#: JSON401 §19.1: "one of the literals delete, get, patch, post, or put" (case-insensitive).
METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


def headers_tuple(value: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> tuple[tuple[str, str], ...]:
    """Headers as (name, value) pairs in order, from a mapping or pairs."""
    if value is None:
        return ()
    pairs = value.items() if isinstance(value, Mapping) else value
    return tuple((str(k), str(v)) for k, v in pairs)


def _upper(value: str) -> str:
    return value.upper() if isinstance(value, str) else value


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@attrs.frozen(hash=False)  # a JSON body is a dict: compare, never hash
class BatchRequest:
    """One request in a batch: ``id`` (the multipart Content-ID), method, URL (relative to the
    service root, or ``$1/Orders`` for the entity an earlier request made), headers, JSON body,
    and its ``atomicity_group`` (a change set) and ``depends_on`` ids or groups."""

    id: str
    method: str = attrs.field(converter=_upper)
    url: str
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=headers_tuple)
    body: Any = None
    atomicity_group: str | None = None
    depends_on: tuple[str, ...] = attrs.field(default=(), converter=_strings)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@attrs.frozen(hash=False)  # a JSON body is a dict: compare, never hash
class BatchResponse:
    """One response: the request id it answers, status, headers, body (JSON, text or None)."""

    id: str | None
    status: int
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=headers_tuple)
    body: Any = None
    atomicity_group: str | None = None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@attrs.frozen(hash=False)  # a JSON body is a dict: compare, never hash
class Batch:
    """The requests of one ``$batch`` POST, in order."""

    requests: tuple[BatchRequest, ...] = attrs.field(converter=as_tuple)

    def __len__(self) -> int:
        return len(self.requests)


@attrs.frozen(hash=False)  # a JSON body is a dict: compare, never hash
class BatchResult:
    """The responses of one batch (in the order the service gave them) and its ``nextLink`` when partial."""

    responses: tuple[BatchResponse, ...] = attrs.field(converter=as_tuple)
    next_link: str | None = None

    def __getitem__(self, request_id: str) -> BatchResponse:
        """The response to request ``request_id`` (KeyError when there is none)."""
        for response in self.responses:
            if response.id == request_id:
                return response
        raise KeyError(request_id)
