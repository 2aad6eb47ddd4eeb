"""Percent-encoding, one implementation for query text, keys and URLs.

Every place that writes a character into a URL calls ``encode`` with the set of characters that
may stay raw there; every place that reads one calls ``decode``. UTF-8 throughout.
"""

from __future__ import annotations

import re

__all__ = ["UNRESERVED", "encode", "decode"]

#: RFC 3986 unreserved characters: never need encoding anywhere.
UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

_HEX = re.compile(r"%([0-9A-Fa-f]{2})")


def encode(text: str, safe: str | frozenset[str] = "") -> str:
    """Percent-encode every character of ``text`` that is neither unreserved nor in ``safe``."""
    keep = UNRESERVED | frozenset(safe)
    out = []
    for char in text:
        if char in keep:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def decode(text: str) -> str:
    """Decode ``%XX`` escapes exactly once (UTF-8); a ``%`` not followed by two hex digits stays.

    Invalid UTF-8 byte runs are kept as their escapes rather than replaced, so nothing is lost.
    """
    if "%" not in text:
        return text
    parts = []
    pending = bytearray()
    position = 0

    def flush() -> None:
        if pending:
            parts.append(_decode_bytes(bytes(pending)))
            pending.clear()

    for match in _HEX.finditer(text):
        if match.start() != position:
            flush()
            parts.append(text[position:match.start()])
        pending.append(int(match.group(1), 16))
        position = match.end()
    flush()
    parts.append(text[position:])
    return "".join(parts)


def _decode_bytes(data: bytes) -> str:
    """UTF-8 decode; a byte that starts no valid UTF-8 sequence stays as its ``%XX`` escape."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    i = 0
    while i < len(data):
        for width in (4, 3, 2, 1):
            chunk = data[i:i + width]
            try:
                out.append(chunk.decode("utf-8"))
            except UnicodeDecodeError:
                continue
            i += len(chunk)
            break
        else:
            out.append(f"%{data[i]:02X}")
            i += 1
    return "".join(out)
