"""multipart/mixed batches (OData Protocol §11.7; RFC 2046): each request an ``application/http``
part, each atomicity group a change set (a nested multipart/mixed), the request id its Content-ID.

Written with CRLF line ends; read with CRLF or LF. A multipart batch runs in order, so a
``dependsOn`` on an earlier request holds by position and is not written; reading infers it
from ``$<id>`` references. Faults carry a path into the parts (``$.parts[1].parts[0]``).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import attrs

from ..payload import _jsontext
from ..query import percent
from ..errors import Fault, PayloadError
from .json_format import _reference, request_faults, to_document
from .model import METHODS, Batch, BatchRequest, BatchResponse, BatchResult

__all__ = ["write_multipart", "read_multipart", "write_multipart_responses", "read_multipart_responses",
           "boundary_of"]

_CRLF = "\r\n"
_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed", 412: "Precondition Failed", 424: "Failed Dependency",
            429: "Too Many Requests", 500: "Internal Server Error"}
# RFC 2046 bchars, 1 to 70 of them, not ending in a space.
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
_CHANGESET_PREFIX = "changeset_"


def boundary_of(content_type: str) -> str:
    """The ``boundary`` parameter of a multipart/mixed Content-Type; ValueError if there is none."""
    media, _, params = content_type.partition(";")
    if media.strip().lower() != "multipart/mixed":
        raise ValueError(f"a multipart batch has Content-Type multipart/mixed, not {media.strip()!r}")
    match = re.search(r'(?i)(?:^|;)\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))', params)
    if match is None:
        raise ValueError(f"Content-Type {content_type!r} names no boundary")
    boundary = match.group(1) if match.group(1) is not None else match.group(2)
    if not _BOUNDARY.fullmatch(boundary):
        raise ValueError(f"{boundary!r} is not a multipart boundary (RFC 2046: 1-70 bchars)")
    return boundary


def _body_text(body: Any) -> str:
    if body is None:
        return ""
    return body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, separators=(",", ":"),
                                                          default=str)


def _message(start: str, headers: tuple[tuple[str, str], ...], body: Any) -> str:
    if body is not None and not isinstance(body, str) and not any(k.lower() == "content-type" for k, _ in headers):
        headers = (*headers, ("Content-Type", "application/json"))  # a JSON body says so, or it reads back as text
    lines = [start, *(f"{k}: {v}" for k, v in headers), "", _body_text(body)]
    return _CRLF.join(lines)


def _part(content: str, content_id: str | None) -> str:
    head = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        head.append(f"Content-ID: {content_id}")
    return _CRLF.join(head) + _CRLF + _CRLF + content


def _multipart(parts: list[str], boundary: str) -> str:
    for part in parts:
        if f"--{boundary}" in part:
            raise ValueError(f"boundary {boundary!r} occurs in the content; choose another")
    return "".join(f"--{boundary}{_CRLF}{part}{_CRLF}" for part in parts) + f"--{boundary}--{_CRLF}"


# What a request line keeps raw: RFC 3986 unreserved, sub-delims, ":@/?" and "%" of escapes already
# there; a space, a quote, a non-ASCII letter… would break the line or be read differently.
_TARGET_SAFE = "!$&'()*+,;=:@/?%"


def _request_target(url: str) -> str:
    """``url`` as it may stand in a request line: ``Price lt 10`` → ``Price%20lt%2010``."""
    return percent.encode(url, _TARGET_SAFE)


def _grouped(items: list[Any], group: Any) -> list[tuple[str | None, list[Any]]]:
    runs: list[tuple[str | None, list[Any]]] = []
    for item in items:
        name = group(item)
        if runs and name is not None and runs[-1][0] == name:
            runs[-1][1].append(item)
        else:
            runs.append((name, [item]))
    return runs


def write_multipart(batch: Batch, *, boundary: str | None = None) -> tuple[str, bytes]:
    """``(content_type, body)`` of ``batch`` as multipart/mixed; atomicity groups become change sets.

    The batch is checked as an OData JSON batch first (ids, groups adjacent, references listed).
    """
    faults = request_faults(to_document(batch, "odata"), "odata")
    if faults:
        raise PayloadError(faults)
    boundary = boundary or f"batch_{uuid.uuid4()}"
    if not _BOUNDARY.fullmatch(boundary):
        raise ValueError(f"{boundary!r} is not a multipart boundary (RFC 2046: 1-70 bchars)")
    parts = []
    for group, requests in _grouped(list(batch.requests), lambda r: r.atomicity_group):
        messages = [_part(_message(f"{r.method} {_request_target(r.url)} HTTP/1.1", r.headers, r.body), r.id)
                    for r in requests]
        if group is None:
            parts.extend(messages)
        else:
            inner = f"{_CHANGESET_PREFIX}{group}"
            parts.append(f"Content-Type: multipart/mixed; boundary={inner}{_CRLF}{_CRLF}{_multipart(messages, inner)}")
    return f"multipart/mixed; boundary={boundary}", _multipart(parts, boundary).encode("utf-8")


def write_multipart_responses(result: BatchResult, *, boundary: str | None = None) -> tuple[str, bytes]:
    """``(content_type, body)`` of a multipart batch response; responses of one atomicity group
    form a change set."""
    boundary = boundary or f"batchresponse_{uuid.uuid4()}"
    parts = []
    for group, responses in _grouped(list(result.responses), lambda r: r.atomicity_group):
        messages = [_part(_message(f"HTTP/1.1 {r.status} {_REASONS.get(r.status, 'Status')}", r.headers, r.body),
                          r.id) for r in responses]
        if group is None:
            parts.extend(messages)
        else:
            inner = f"{_CHANGESET_PREFIX}{group}"
            parts.append(f"Content-Type: multipart/mixed; boundary={inner}{_CRLF}{_CRLF}{_multipart(messages, inner)}")
    return f"multipart/mixed; boundary={boundary}", _multipart(parts, boundary).encode("utf-8")


# ---- reading --------------------------------------------------------------------------------


def _split_parts(text: str, boundary: str, path: str, faults: list[Fault]) -> list[str]:
    """The parts between ``--boundary`` lines (the CRLF before a delimiter belongs to it, RFC 2046)."""
    delimiter = re.compile(r"(?:\r?\n|^)--" + re.escape(boundary) + r"(--)?[ \t]*(?:\r?\n|$)")
    parts: list[str] = []
    position = None
    closed = False
    for match in delimiter.finditer(text):
        if position is not None:
            parts.append(text[position:match.start()])
        if match.group(1):
            closed = True
            break
        position = match.end()
    if position is None:
        faults.append(Fault(path, f"no --{boundary} delimiter: not a multipart body with this boundary",
                            "multipart-shape"))
    elif not closed:
        faults.append(Fault(path, f"the closing --{boundary}-- delimiter is missing", "multipart-shape"))
    return parts


def _headers_and_body(text: str) -> tuple[list[tuple[str, str]], str, bool]:
    """Header lines up to the first empty line, then the rest; False if no empty line ends them."""
    match = re.search(r"^\r?\n|\r?\n\r?\n", text)
    if match is None:
        head, rest, ended = text, "", False
    else:
        head, rest, ended = text[:match.start()], text[match.end():], True
    headers = []
    for line in re.split(r"\r?\n", head) if head else []:
        name, colon, value = line.partition(":")
        if colon:
            headers.append((name.strip(), value.strip()))
    return headers, rest, ended


def _get(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def _read_body(text: str, headers: list[tuple[str, str]], path: str, faults: list[Fault]) -> Any:
    if not text:
        return None
    media = (_get(headers, "Content-Type") or "").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        value, problems = _jsontext.read(text)
        faults.extend(Fault(path, f"body: {p.message}", "multipart-body") for p in problems)
        return value
    return text


def _read_parts(text: str, boundary: str, path: str, faults: list[Fault], response: bool,
                group: str | None = None) -> list[Any]:
    items: list[Any] = []
    for index, part in enumerate(_split_parts(text, boundary, path, faults)):
        here = f"{path}.parts[{index}]"
        headers, content, ended = _headers_and_body(part)
        media = (_get(headers, "Content-Type") or "").split(";")[0].strip().lower()
        if media == "multipart/mixed":
            if group is not None:
                faults.append(Fault(here, "a change set cannot contain another change set", "multipart-shape"))
                continue
            try:
                inner = boundary_of(_get(headers, "Content-Type") or "")
            except ValueError as error:
                faults.append(Fault(here, str(error), "multipart-shape"))
                continue
            name = inner[len(_CHANGESET_PREFIX):] if inner.startswith(_CHANGESET_PREFIX) else inner
            name = name if re.fullmatch(r"[A-Za-z0-9\-._~]+", name) else f"changeset{index}"
            items.extend(_read_parts(content, inner, here, faults, response, name))
            continue
        if media != "application/http" or not ended:
            faults.append(Fault(here, "each part is Content-Type: application/http (or a multipart/mixed change "
                                      "set)", "multipart-shape"))
            continue
        content_id = _get(headers, "Content-ID")
        if group is not None and content_id is None:
            faults.append(Fault(here, "a request in a change set needs a Content-ID", "multipart-content-id"))
        start, _, rest = content.partition("\n")
        start = start.rstrip("\r")
        inner_headers, body_text, _ = _headers_and_body(rest) if rest else ([], "", True)
        body = _read_body(body_text, inner_headers, here, faults)
        if response:
            match = re.fullmatch(r"HTTP/1\.1 (\d{3})(?: .*)?", start)
            if match is None:
                faults.append(Fault(here, f"not an HTTP status line: {start!r}", "multipart-shape"))
                continue
            items.append(BatchResponse(content_id, int(match.group(1)), inner_headers, body, group))
        else:
            match = re.fullmatch(r"([A-Za-z]+) (\S+) HTTP/1\.1", start)
            if match is None or match.group(1).upper() not in METHODS:
                faults.append(Fault(here, f"not a request line 'METHOD url HTTP/1.1': {start!r}", "multipart-shape"))
                continue
            url = match.group(2)
            reference = _reference(url)
            items.append(BatchRequest(content_id or f"part{len(items)}", match.group(1), url, inner_headers, body,
                                      group, (reference,) if reference is not None else ()))
    return items


def read_multipart(body: bytes | str, content_type: str) -> Batch:
    """A multipart/mixed batch request as a ``Batch``; ``PayloadError`` lists every fault."""
    requests = _parts_of(body, content_type, response=False)
    batch = Batch(_with_groups(requests))
    faults = request_faults(to_document(batch, "odata"), "odata")  # ids unique, references to earlier parts
    if faults:
        raise PayloadError(faults)
    return batch


def _with_groups(requests: list[BatchRequest]) -> list[BatchRequest]:
    """A ``$<id>`` reference into another change set depends on that change set too (JSON401 §19.1)."""
    group_of = {r.id: r.atomicity_group for r in requests}
    result = []
    for request in requests:
        extra = [g for d in request.depends_on if (g := group_of.get(d)) is not None
                 and g != request.atomicity_group and g not in request.depends_on]
        result.append(attrs.evolve(request, depends_on=(*extra, *request.depends_on)) if extra else request)
    return result


def read_multipart_responses(body: bytes | str, content_type: str) -> BatchResult:
    """A multipart/mixed batch response as a ``BatchResult``; ``PayloadError`` lists every fault."""
    return BatchResult(_parts_of(body, content_type, response=True))


def _parts_of(body: bytes | str, content_type: str, *, response: bool) -> list[Any]:
    """The parts of a multipart/mixed body (requests or responses); ``PayloadError`` lists every fault."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    faults: list[Fault] = []
    try:
        boundary = boundary_of(content_type)
    except ValueError as error:
        raise PayloadError([Fault("$", str(error), "multipart-shape")]) from None
    parts = _read_parts(text, boundary, "$", faults, response=response)
    if faults:
        raise PayloadError(faults)
    return parts
