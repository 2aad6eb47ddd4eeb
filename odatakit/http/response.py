"""A response's status, body bytes and headers → typed values, or the ``ODataError`` it carries."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import PayloadError
from ..payload.decode import Infer, decode
from ..payload.values import Value
from .messages import ODataError, parse_error

__all__ = ["read_response"]


def _ieee754(headers: Mapping[str, str]) -> bool | None:
    """True when ``Content-Type`` says ``IEEE754Compatible=true`` (Int64/Decimal as strings)."""
    for name, value in headers.items():
        if name.lower() == "content-type":
            params = {p.split("=", 1)[0].strip().lower(): p.split("=", 1)[1].strip().lower()
                      for p in value.split(";")[1:] if "=" in p}
            return params.get("ieee754compatible") == "true" or None
    return None


def read_response(status: int, body: bytes | str, headers: Mapping[str, str] | None = None, *,
                  infer: Infer = "odatalib") -> Value | None:
    """The typed value of a response body (``decode``, exact Int64/Decimal), None for no body
    (204, or an empty 2xx body); for a status of 400 or more, raises the ``ODataError`` the body
    describes (with ``status``), or a plain one (code ``HTTP<status>``) if the body is not an
    OData error. ``infer`` reads unannotated numbers as Microsoft services mean them."""
    if status >= 400:
        try:
            error = parse_error(body, status=status)
        except PayloadError:
            text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else body
            raise ODataError(f"HTTP{status}", text.strip()[:200] or "(empty body)", status=status) from None
        raise error
    if status == 204 or not body.strip():
        return None
    return decode(body, infer=infer, ieee754_compatible=_ieee754(headers or {}))
